import Foundation
import Numerics

/// The mechanism regressions of the applied integration papers (issue 26), all two-way fixed
/// effects with CR1 standard errors by cluster (`PanelOLS`, fixest's convention), optionally
/// weighted (e.g. by PSM-DID's matching weights, so every step runs on the matched sample):
///
/// 1. total effect:  y = c·TP + Xγ + μ_i + α_t + e          (TP = treat × post)
/// 2. first stage:   m = a·TP + Xγ + μ_i + α_t + e          (the DID with the mediator as outcome)
/// 3. direct effect: y = c′·TP + b·m + Xγ + μ_i + α_t + e
///
/// (Baron & Kenny 1986, three steps). Indirect effect a·b; with the same sample and controls
/// OLS gives c = c′ + a·b exactly (MacKinnon, Warsi & Dwyer 1995), so the share mediated is a·b/c.
/// Sobel (1982) first-order SE √(b²Var(a) + a²Var(b)) (a and b from different regressions,
/// their covariance taken as 0, as in Sobel's test); a cluster bootstrap resamples whole
/// clusters (the CR1 clusters) with replacement, refits steps 2–3 and gives the percentile
/// interval of a·b and its two-sided percentile p-value. With a moderator (CA), a fourth
/// regression adds the interaction: y = c·TP + g·TP×CA + h1·CA + h2·CA² + Xγ + FE, g the policy's
/// change of the CA slope (the "treat × post × CA" DID).
public struct MediationSpec: Sendable {
    /// Cluster bootstrap replications (0: none).
    public var bootstrap: Int = 0
    /// Quasi-Bayesian draws of the causal-mediation estimates (`CausalMediation`; 0: none).
    public var simulations: Int = 0
    /// The stream of the bootstrap draws.
    public var stream = StreamID(seed: 1, purpose: 0)
    /// The stream of the quasi-Bayesian draws.
    public var simulationStream = StreamID(seed: 1, purpose: 1)
    public var level = 0.95
    public init() {}
}

/// The columns both mediation analyses read (`Mediation` on any panel, `SpatialMediation` on a
/// balanced one); every vector has one value per observation.
public struct MediationColumns: Sendable {
    public var outcome: [Double]
    public var mediator: [Double]
    /// 1 for treated units' post-adoption observations, else 0.
    public var treatment: [Double]
    /// The moderator (CA) of the mediator's effect, or nil.
    public var moderator: [Double]?
    public var controls: Matrix
    public var controlNames: [String]
    /// Cluster codes of the CR1 variance (and of `Mediation`'s bootstrap); nil = by unit.
    public var cluster: [Int]?
    /// The mediator's and the moderator's names in the fitted regressions.
    public var mediatorName = "M"
    public var moderatorName: String
}

/// One panel's columns for `Mediation.estimate`: the mediation columns (read through as
/// `data.outcome`, …) on a panel of any shape, optionally weighted.
@dynamicMemberLookup
public struct MediationData: Sendable {
    public var columns: MediationColumns
    public var unit: [Int]
    public var time: [Int]
    /// Regression weights (matching weights), or nil for 1.
    public var weights: [Double]?

    public init(outcome: [Double], mediator: [Double], treatment: [Double], moderator: [Double]? = nil, controls: Matrix,
                controlNames: [String], unit: [Int], time: [Int], weights: [Double]? = nil, cluster: [Int]? = nil) {
        columns = MediationColumns(outcome: outcome, mediator: mediator, treatment: treatment, moderator: moderator, controls: controls,
                                   controlNames: controlNames, cluster: cluster, moderatorName: "CA")
        self.unit = unit; self.time = time; self.weights = weights
    }

    public subscript<Value>(dynamicMember path: WritableKeyPath<MediationColumns, Value>) -> Value {
        get { columns[keyPath: path] }
        set { columns[keyPath: path] = newValue }
    }
}

public struct MediationResult: Sendable {
    public struct Coefficient: Sendable {
        public let estimate: Double
        public let standardError: Double
        public let pValue: Double
        public let lower: Double
        public let upper: Double
    }
    public struct Bootstrap: Sendable {
        public let replications: Int
        /// Replications whose refit failed (e.g. a draw without treated clusters): not used, counted.
        public let failed: Int
        public let standardError: Double
        public let lower: Double
        public let upper: Double
        /// 2·min(share of draws ≤ 0, share ≥ 0), at most 1.
        public let pValue: Double
        public let shareLower: Double
        public let shareUpper: Double
    }
    public let total: Coefficient
    public let firstStage: Coefficient
    public let direct: Coefficient
    public let mediator: Coefficient
    /// a·b with the Sobel SE, z-test p-value and normal interval.
    public let indirect: Coefficient
    /// a·b / c (nil-like NaN when c = 0).
    public let share: Double
    public let bootstrap: Bootstrap?
    /// g of TP × moderator in the interaction regression, or nil without a moderator.
    public let interaction: Coefficient?
    /// ACME, ADE and total effect with quasi-Bayesian intervals (`spec.simulations` > 0), else nil.
    public let causal: CausalMediationResult?
    public let observations: Int
    public let clusters: Int
    /// The regressions as fitted (total, first stage, direct, interaction), for printing.
    public let fits: [(label: String, fit: PanelOLSResult)]
}

public enum Mediation {
    public static func estimate(_ d: MediationData, spec: MediationSpec = MediationSpec()) throws -> MediationResult {
        let n = d.outcome.count
        guard d.mediator.count == n, d.treatment.count == n, d.unit.count == n, d.time.count == n,
              d.controls.cols == 0 || d.controls.rows == n,
              d.moderator.map({ $0.count == n }) ?? true else {
            throw TreatmentError("mediation: outcome, mediator, treatment, moderator, controls, unit and time must have one value per observation (\(n))")
        }
        guard spec.bootstrap >= 0 else { throw TreatmentError("mediation: bootstrap replications must be ≥ 0 (got \(spec.bootstrap))") }
        let cluster = d.cluster ?? d.unit
        let level = spec.level
        func fit(_ y: [Double], _ columns: [[Double]], _ names: [String], weights: [Double]?) throws -> PanelOLSResult {
            let x = try Matrix(columns: columns + (0..<d.controls.cols).map { j in (0..<n).map { d.controls[$0, j] } })
            return try PanelOLS.fit(y: y, x: x, names: names + d.controlNames, unit: d.unit, time: d.time, effects: .twoWays,
                                    weights: weights, variance: .cluster(cluster))
        }
        func coefficient(_ f: PanelOLSResult, _ j: Int) -> MediationResult.Coefficient {
            let ci = f.confidenceInterval(j, level: level)
            return .init(estimate: f.coefficients[j], standardError: f.standardErrors[j], pValue: f.pValues[j], lower: ci.lower, upper: ci.upper)
        }
        let step1 = try fit(d.outcome, [d.treatment], ["TP"], weights: d.weights)
        let step2 = try fit(d.mediator, [d.treatment], ["TP"], weights: d.weights)
        let step3 = try fit(d.outcome, [d.treatment, d.mediator], ["TP", d.mediatorName], weights: d.weights)
        let a = step2.coefficients[0], b = step3.coefficients[1]
        let sa = step2.standardErrors[0], sb = step3.standardErrors[1]
        let ab = a * b, sobel = (b * b * sa * sa + a * a * sb * sb).squareRoot()
        let z = Normal.quantile(0.5 + level / 2)
        let indirect = MediationResult.Coefficient(estimate: ab, standardError: sobel,
                                                   pValue: sobel > 0 ? 2 * Normal.survival(abs(ab / sobel)) : .nan,
                                                   lower: ab - z * sobel, upper: ab + z * sobel)
        let c = step1.coefficients[0]
        var fits: [(String, PanelOLSResult)] = [("total effect (outcome on TP)", step1), ("first stage (mediator on TP)", step2),
                                                ("direct effect (outcome on TP and mediator)", step3)]
        var interaction: MediationResult.Coefficient? = nil
        if let ca = d.moderator {
            let tpCA = zip(d.treatment, ca).map(*)
            let m = d.moderatorName
            let step4 = try fit(d.outcome, [d.treatment, tpCA, ca, ca.map { $0 * $0 }], ["TP", "TPx\(m)", m, "\(m)2"], weights: d.weights)
            interaction = coefficient(step4, 1)
            fits.append(("interaction (outcome on TP, TP×\(m), \(m), \(m)²)", step4))
        }
        let boot = spec.bootstrap > 0 ? try bootstrap(d, cluster: cluster, spec: spec) : nil
        guard spec.simulations >= 0 else { throw TreatmentError("mediation: simulations must be ≥ 0 (got \(spec.simulations))") }
        let causal = spec.simulations > 0
            ? try CausalMediation.quasiBayesian(a: a, varianceA: step2.covariance[0, 0], direct: step3.coefficients[0], b: b,
                                                covariance: [[step3.covariance[0, 0], step3.covariance[0, 1]],
                                                             [step3.covariance[1, 0], step3.covariance[1, 1]]],
                                                simulations: spec.simulations, stream: spec.simulationStream, level: level)
            : nil
        return MediationResult(total: coefficient(step1, 0), firstStage: coefficient(step2, 0), direct: coefficient(step3, 0),
                               mediator: coefficient(step3, 1), indirect: indirect, share: c != 0 ? ab / c : .nan,
                               bootstrap: boot, interaction: interaction, causal: causal, observations: step1.observations,
                               clusters: step1.clusters ?? 0, fits: fits)
    }

    /// Resamples clusters with replacement: a cluster drawn k times enters with weight k (times its
    /// own weight). With unit fixed effects nested in clusters this equals stacking k copies with their
    /// own effects, as Stata's `bootstrap, cluster() idcluster()` does. A draw's three refits share
    /// one within projection and demeaned columns (`PanelOLS.coefficients`: the same coefficients
    /// as three `PanelOLS.fit` calls, without their variances, which the bootstrap does not use).
    static func bootstrap(_ d: MediationData, cluster: [Int], spec: MediationSpec) throws -> MediationResult.Bootstrap {
        let n = d.outcome.count
        // Columns: outcome, mediator, treatment, then the controls; the refits in `estimate`'s column order.
        let columns = [d.outcome, d.mediator, d.treatment] + (0..<d.controls.cols).map { j in (0..<n).map { d.controls[$0, j] } }
        let names = ["outcome", d.mediatorName, "TP"] + d.controlNames
        let controls = Array(3..<columns.count)
        let models = [(y: 0, x: [2] + controls), (y: 1, x: [2] + controls), (y: 0, x: [2, 1] + controls)]
        let codes = PanelOLS.recode(cluster)
        let g = (codes.max() ?? -1) + 1
        let stream = RandomStream(spec.stream)
        var draws: [Double] = [], shares: [Double] = [], failed = 0
        for _ in 0..<spec.bootstrap {
            var count = [Double](repeating: 0, count: g)
            for _ in 0..<g { count[min(g - 1, Int(stream.uniform() * Double(g)))] += 1 }
            let w = codes.enumerated().map { k, code in count[code] * (d.weights?[k] ?? 1) }
            do {
                let b = try PanelOLS.coefficients(columns: columns, models: models, names: names, unit: d.unit, time: d.time,
                                                  effects: .twoWays, weights: w, clusters: cluster)
                let ab = b[1][0] * b[2][1]
                draws.append(ab)
                shares.append(b[0][0] != 0 ? ab / b[0][0] : .nan)
            } catch {
                failed += 1
            }
        }
        guard draws.count >= 2 else {
            throw TreatmentError("mediation: \(failed) of \(spec.bootstrap) bootstrap refits failed; too few clusters with treated and control units")
        }
        let sorted = draws.sorted(), finiteShares = shares.filter(\.isFinite).sorted()
        let alpha = 1 - spec.level
        let below = Double(draws.filter { $0 <= 0 }.count), above = Double(draws.filter { $0 >= 0 }.count)
        return .init(replications: spec.bootstrap, failed: failed, standardError: Statistics.standardDeviation(draws),
                     lower: Statistics.quantile(sorted: sorted, alpha / 2), upper: Statistics.quantile(sorted: sorted, 1 - alpha / 2),
                     pValue: min(1, 2 * min(below, above) / Double(draws.count)),
                     shareLower: finiteShares.isEmpty ? .nan : Statistics.quantile(sorted: finiteShares, alpha / 2),
                     shareUpper: finiteShares.isEmpty ? .nan : Statistics.quantile(sorted: finiteShares, 1 - alpha / 2))
    }
}
