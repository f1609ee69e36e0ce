import Foundation
import Numerics

/// What a PSM-DID run does: a value, separate from the data.
public struct PSMDiDSpec: Sendable {
    public enum MatchingMode: String, Sendable, CaseIterable {
        /// One match on unit-level covariates averaged over the pre-treatment periods
        /// (before the earliest adoption); the matched units enter every period.
        case pooled
        /// A separate match in every period on that period's covariates (the practice of
        /// many applied papers); only matched observations enter the regression. Post-period
        /// covariates may themselves respond to treatment — prefer `pooled`.
        case byPeriod = "by-period"
    }

    /// By-period matching only: with `true` (default) the periods from the earliest adoption on
    /// are matched on the covariates of the last pre-treatment period, so that no covariate
    /// affected by the treatment enters the score; `false` uses each period's own covariates.
    public var preTreatmentCovariatesOnly: Bool = true
    /// nil = no matching: plain TWFE DID on the whole panel.
    public var matching: MatchingSpec? = .applied
    public var mode: MatchingMode = .pooled
    /// Event-study window (leads, lags); nil = no event study.
    public var eventWindow: (leads: Int, lags: Int)? = nil
    public var level: Double = 0.95
    /// Wild cluster bootstrap p-value for the ATT (few clusters); nil = none.
    public var wildBootstrap: WildBootstrapSpec? = nil
    /// Cluster of each unit for the CR1 variance (and the wild bootstrap), e.g. its region, so
    /// that errors correlated across nearby units are allowed for; nil = each unit its own cluster.
    public var unitClusters: [Int]? = nil
    /// Conley spatial-HAC variance instead of CR1 (ATT and event study); its neighbour list is
    /// over the panel's units in their order (unit i at location i). nil = CR1.
    public var conley: ConleySpec? = nil
    /// Small-sample correction of the cluster variance of the ATT: cr1 (default) or cr2 (Bell–McCaffrey
    /// residuals with Satterthwaite degrees of freedom, `BellMcCaffreyCR2`; unweighted fits only). cr3
    /// is not implemented for the DID family and is refused.
    public var clusterCorrection: ClusterCorrection = .cr1
    /// Whether the result carries the balance table (`PSMDiDResult.balance`). The Monte Carlo
    /// engine scores no balance statistic and turns it off (an eCDF sort per covariate per
    /// replication); the estimate, SE and weights do not depend on it.
    public var balanceTable: Bool = true

    public init(matching: MatchingSpec? = .applied, mode: MatchingMode = .pooled,
                eventWindow: (leads: Int, lags: Int)? = nil, level: Double = 0.95,
                wildBootstrap: WildBootstrapSpec? = nil) {
        self.matching = matching
        self.mode = mode
        self.eventWindow = eventWindow
        self.level = level
        self.wildBootstrap = wildBootstrap
    }
}

/// Settings of a wild cluster bootstrap test.
public struct WildBootstrapSpec: Sendable, Equatable {
    public var replications: Int
    public var weights: WildWeights
    public var stream: StreamID
    /// true: one multiplier per unit while t and t* stay clustered by `PSMDiDSpec.unitClusters` — the
    /// subcluster wild bootstrap (MacKinnon & Webb 2018) for few (treated) clusters; false: one per cluster.
    public var subclusterByUnit = false

    public init(replications: Int = 9999, weights: WildWeights = .webb, stream: StreamID) {
        self.replications = replications
        self.weights = weights
        self.stream = stream
    }
}

public struct PSMDiDResult: Sendable {
    /// Coefficient on D_it in the (weighted) TWFE regression.
    public let att: Double
    /// CR1 standard error clustered by unit (fixest convention).
    public let standardError: Double
    public let ciLower: Double
    public let ciUpper: Double
    public let pValue: Double
    /// G − 1 (CR1), or the ATT's Satterthwaite degrees of freedom (CR2).
    public let degreesOfFreedom: Double
    /// Matched units (pooled) or matched unit-periods summed over periods (by-period).
    public let matchedTreated: Int
    public let matchedControl: Int
    /// Observations in the regression (positive weight).
    public let observations: Int
    public let clusters: Int
    /// Balance of the pooled match (for by-period: of the first pre-treatment period's match).
    public let balance: [BalanceRow]
    public let counts: MatchCounts?
    public let eventStudy: EventStudyResult?
    /// Wild cluster bootstrap (WCR, null imposed) p-value for H₀: ATT = 0, when requested.
    public let bootstrapPValue: Double?
    /// The WCR bootstrap's confidence interval for the ATT at `spec.level`, by test inversion
    /// (the β₀ whose bootstrap p-value exceeds 1 − level), when requested.
    public var bootstrapInterval: (lower: Double, upper: Double)? = nil
    /// Notes that do not invalidate the estimate (e.g. treated units lost to the caliper).
    /// Failures are thrown as `TreatmentError`, never returned.
    public let warnings: [String]
    /// The regression weight of each observation (time-major N·T; the matching weights,
    /// 0 for unmatched units; nil without matching: every observation has weight 1).
    /// It says which treated units the estimate is about when a caliper drops some.
    public var observationWeights: [Double]? = nil

    /// Largest |SMD| over the covariates after (and before) matching; NaN without matching.
    public var maxAbsSMDAfter: Double { balance.map { abs($0.smdAfter) }.max() ?? .nan }
    public var maxAbsSMDBefore: Double { balance.map { abs($0.smdBefore) }.max() ?? .nan }
}

/// Propensity-score matching followed by TWFE difference-in-differences (MODEL.md §6):
/// logit score on pre-treatment covariates, nearest-neighbour matching, then
/// y_it = α_i + γ_t + τ D_it + ε_it on the matched sample weighted by the matching
/// weights, CR1 by unit (or by `unitClusters`) with G − 1 degrees of freedom. Throws `TreatmentError` when the
/// input cannot give an estimate (no treated or control units, separation, nothing matched).
public enum PSMDiD {
    public static func estimate(panel: TreatmentPanel, spec: PSMDiDSpec = PSMDiDSpec()) throws -> PSMDiDResult {
        try panel.requirePrePeriod(for: "PSM-DID")
        let n = panel.unitCount, tCount = panel.periodCount
        let treatedUnit = panel.everTreated
        var obsWeights: [Double]? = nil
        var balance: [BalanceRow] = []
        var counts: MatchCounts? = nil
        var warnings: [String] = []
        var mt = treatedUnit.filter { $0 }.count, mc = n - mt
        if let mspec = spec.matching {
            guard panel.covariates.cols > 0 else { throw TreatmentError("PSM-DID: matching needs covariates; give at least one") }
            switch spec.mode {
            case .pooled:
                let x = try panel.preTreatmentCovariateMeans()
                let m = try Matching.match(treated: treatedUnit, covariates: x, names: panel.covariateNames, spec: mspec)
                if spec.balanceTable {
                    balance = Balance.table(treated: treatedUnit, covariates: x, names: panel.covariateNames, weights: m.weights)
                }
                counts = m.counts
                // Unit i's weight in every period (time-major).
                var w: [Double] = []
                w.reserveCapacity(n * tCount)
                for _ in 0..<tCount { w.append(contentsOf: m.weights) }
                obsWeights = w
                mt = m.counts.matchedTreated; mc = m.counts.matchedControl
                if m.counts.matchedTreated < m.counts.allTreated {
                    warnings.append("\(m.counts.allTreated - m.counts.matchedTreated) of \(m.counts.allTreated) treated units found no control (caliper or support) and were dropped; the estimand is the ATT of the matched treated")
                }
            case .byPeriod:
                var w = [Double](repeating: 0, count: n * tCount)
                mt = 0; mc = 0
                let earliest = panel.adoption.compactMap { $0 }.min()!
                let lastPre = panel.periods.lastIndex { $0 < earliest }!   // exists: requirePrePeriod passed
                for t in 0..<tCount {
                    let source = spec.preTreatmentCovariatesOnly ? min(t, lastPre) : t
                    let rows = (0..<n).map { source * n + $0 }
                    let x = panel.covariates.rowsSubset(rows)
                    let m = try Matching.match(treated: treatedUnit, covariates: x, names: panel.covariateNames, spec: mspec)
                    for i in 0..<n { w[t * n + i] = m.weights[i] }
                    mt += m.counts.matchedTreated; mc += m.counts.matchedControl
                    if t == 0 {
                        if spec.balanceTable {
                            balance = Balance.table(treated: treatedUnit, covariates: x, names: panel.covariateNames, weights: m.weights)
                        }
                        counts = m.counts
                    }
                }
                obsWeights = w
            }
        }
        let d = panel.treatmentIndicator
        let x = Matrix(rows: n * tCount, cols: 1, uncheckedColumnMajor: d)
        let unit = TreatmentPanel.perObservation(n: n, periods: tCount) { i, _ in i }
        let time = TreatmentPanel.perObservation(n: n, periods: tCount) { _, t in t }
        if let w = obsWeights {
            // A unit is used when any of its observations has a positive weight (by period, then unit).
            var used = [Bool](repeating: false, count: n)
            for t in 0..<tCount { for i in 0..<n where w[t * n + i] > 0 { used[i] = true } }
            guard (0..<n).contains(where: { used[$0] && treatedUnit[$0] }),
                  (0..<n).contains(where: { used[$0] && !treatedUnit[$0] }) else {
                throw TreatmentError("PSM-DID: after matching no treated or no control unit is left; widen the caliper")
            }
        }
        let cluster = spec.unitClusters == nil ? unit : try panel.clusterCodes(spec.unitClusters)   // by unit: the unit codes
        let variance = try panel.variance(cluster: cluster, conley: spec.conley, correction: spec.clusterCorrection)
        if spec.clusterCorrection != .cr1, spec.eventWindow != nil {
            throw TreatmentError("PSM-DID: the event study's variance is CR1 by unit (or Conley); the \(spec.clusterCorrection.rawValue) correction applies to the ATT alone — drop the event study or the correction")
        }
        let fit = try PanelOLS.fit(y: panel.outcome, x: x, names: ["D"], unit: unit, time: time, effects: .twoWays,
                                   weights: obsWeights, variance: variance)
        let ci = fit.confidenceInterval(0, level: spec.level)
        var es: EventStudyResult? = nil
        if let win = spec.eventWindow {
            es = try EventStudy.estimate(panel: panel, weights: obsWeights, leads: win.leads, lags: win.lags, level: spec.level,
                                         conley: spec.conley)
        }
        var bootP: Double? = nil
        var bootCI: (lower: Double, upper: Double)? = nil
        if let wb = spec.wildBootstrap {
            let boot = try WildClusterBootstrap(y: panel.outcome, x: x, names: ["D"], coefficient: 0, unit: unit, time: time,
                                                effects: .twoWays, weights: obsWeights, cluster: cluster,
                                                replications: wb.replications, multipliers: wb.weights, stream: wb.stream,
                                                bootstrapCluster: wb.subclusterByUnit ? unit : nil)
            bootP = boot.pValue(at: 0)
            bootCI = boot.interval(level: spec.level)
        }
        return PSMDiDResult(att: fit.coefficients[0], standardError: fit.standardErrors[0], ciLower: ci.lower,
                            ciUpper: ci.upper, pValue: fit.pValues[0], degreesOfFreedom: fit.coefficientDegreesOfFreedom[0],
                            matchedTreated: mt, matchedControl: mc, observations: fit.observations,
                            clusters: fit.clusters ?? 0, balance: balance, counts: counts, eventStudy: es,
                            bootstrapPValue: bootP, bootstrapInterval: bootCI, warnings: warnings, observationWeights: obsWeights)
    }
}

extension TreatmentPanel {
    /// Cluster code of every observation (time-major) from one code per unit; nil = by unit.
    func clusterCodes(_ unitClusters: [Int]?) throws -> [Int] {
        let n = unitCount
        guard let c = unitClusters else { return Self.perObservation(n: n, periods: periodCount) { i, _ in i } }
        guard c.count == n else { throw TreatmentError("\(c.count) cluster codes for \(n) units") }
        return Self.perObservation(n: n, periods: periodCount) { i, _ in c[i] }
    }

    /// value(i, t) for every observation in time-major order (observation t·n + i), by periods and
    /// units rather than by dividing each observation's index by n.
    static func perObservation<T>(n: Int, periods: Int, _ value: (_ unit: Int, _ period: Int) -> T) -> [T] {
        var out: [T] = []
        out.reserveCapacity(n * periods)
        for t in 0..<periods { for i in 0..<n { out.append(value(i, t)) } }
        return out
    }
}

extension TreatmentPanel {
    /// CR1 (or CR2) by the given codes, or the Conley variance with unit i at location i.
    func variance(cluster: [Int], conley: ConleySpec?, correction: ClusterCorrection = .cr1) throws -> PanelVariance {
        switch (correction, conley) {
        case (.cr1, _): break
        case (.cr2, nil): return .clusterCR2(cluster)
        case (.cr2, _?): throw TreatmentError("the CR2 correction applies to the cluster variance, not to the Conley variance of the DID family")
        case (.cr3, _): throw TreatmentError("the DID family's cluster variance takes the cr1 or cr2 correction; cr3 is not implemented for it")
        }
        guard let conley else { return .cluster(cluster) }
        let n = unitCount
        guard conley.neighbours.count == n else {
            throw TreatmentError("Conley variance: the neighbour list has \(conley.neighbours.count) locations for \(n) units")
        }
        return .conley(conley, location: Self.perObservation(n: n, periods: periodCount) { i, _ in i },
                       period: Self.perObservation(n: n, periods: periodCount) { _, t in t })
    }
}

extension Matrix {
    /// The given rows, in order.
    func rowsSubset(_ rows: [Int]) -> Matrix {
        var m = Matrix(rows: rows.count, cols: cols)
        for j in 0..<cols { for (k, r) in rows.enumerated() { m[k, j] = self[r, j] } }
        return m
    }
}
