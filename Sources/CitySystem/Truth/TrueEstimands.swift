import Foundation
import Numerics

/// The truth of one generated city-system panel (MODEL.md §3): the one `ModelTruth` of the
/// spatial estimands (ρ, λ of the error (`ErrorSpec.trueLambda`), τ, η, each regressor's effects, the CA curves at the D quartiles and
/// their turning points, short and long run, the averaged effects) and, beside it, only what the
/// city system alone has: its parameter vectors, the effect weights, the integration effect and
/// the mechanism through D. Parameters and effect weights are fixed by the design; the curves'
/// D values, averaged effects and the ATT use the panel's own observed points, so they are the
/// sample estimands of that replication. `truth --json` writes it in the city-system layout
/// (TrueEstimands+JSON.swift; snake_case keys documented in scenarios/README.md; a missing
/// value — no treated city, a linear curve — is JSON null).
public struct TrueEstimands: Encodable, Sendable {
    public typealias RegressorEffect = ModelTruth.Regressor

    public struct IntegrationEffect: Codable, Sendable {
        public let years: [Int]
        /// Mean over treated cities of Mis(1) − Mis(0), per year.
        public let attByYear: [Double?]
        /// Mean over treated city-years with post = 1 (null without a treated city).
        @NullWhenAbsent public private(set) var meanAtt: Double?
        /// Mean over never-treated cities of Mis(1) − Mis(0), per year (spillover through W).
        public let spilloverByYear: [Double?]
        /// Mean over never-treated city-years from the first adoption year.
        @NullWhenAbsent public private(set) var meanSpilloverOnControls: Double?
        public let treatedCities: Int
        public let controlCities: Int
    }

    /// What the long-run truth of a dynamic outcome (issue 25) adds to `model` (whose τ, η and
    /// long-run curves and turning points it does not repeat): the effects of the steady state
    /// ((1 − τ)I − (ρ + η)W)⁻¹(βI + θW) = (I − ρ_L W)⁻¹(βI + θW)/(1 − τ), ρ_L = (ρ + η)/(1 − τ)
    /// (Debarsy, Ertur & LeSage 2012; Elhorst 2014 §4.4). The model's top-level effects, curves and
    /// turning points are then the short-run ones, (I − ρW)⁻¹(βI + θW). The scale 1/(1 − τ)
    /// cancels from turning points: the long-run ones are the static formulas at ρ_L.
    public struct DynamicTruth: Sendable {
        public let rhoLongRun: Double
        /// Multipliers of β, θ in the long-run effects (1/(1 − τ) times those at ρ_L).
        public let longRunWeights: EffectWeights
        public let longRunEffects: [RegressorEffect]
    }

    /// ρ, the regressors' effects, the curves, turning points and averaged effects: the one truth
    /// the scorer reads (MonteCarlo's `SpatialTruth`).
    public let model: ModelTruth
    /// Present when the outcome is dynamic (τ or η ≠ 0).
    public let dynamic: DynamicTruth?
    public let beta: [Double]
    public let theta: [Double]
    public let controlNames: [String]
    public let gamma: [Double]
    public let thetaX: [Double]
    public let stableInterval: [Double]
    public let effectWeights: EffectWeights
    public let integration: IntegrationEffect
    /// How much of the integration effect runs through D (MODEL.md §10), from the two worlds' D.
    public let mechanism: MechanismTruth

    public var rho: Double { model.rho }
    public var regressorEffects: [RegressorEffect] { model.regressors }
    /// The regressors whose averaged marginal effects the truth holds (`model.averaged`), in the JSON's order.
    public static let averagedRegressors = ["CA", "D"]
    /// The coefficient names of the quadratic regressor CA, its square, its interaction with D and D.
    public static let terms = QuadraticTerms(linear: "CA", square: "CA2", interaction: "CAxD", moderator: "D")

    /// Number of CA grid points on each curve (5th to 95th percentile of the observed CA).
    public static let curvePoints = 41

    /// The curve grid over a regressor's sorted values: `curvePoints` equally spaced points from
    /// its 5th to its 95th percentile, the U-test interval [lower, upper]. Shared by the city
    /// system and the observed designs.
    public static func curveGrid(sorted: [Double]) -> (points: [Double], lower: Double, upper: Double) {
        curveGrid(lower: Statistics.quantile(sorted: sorted, 0.05), upper: Statistics.quantile(sorted: sorted, 0.95))
    }

    /// The same grid from the 5th and 95th percentiles.
    static func curveGrid(lower lo: Double, upper hi: Double) -> (points: [Double], lower: Double, upper: Double) {
        ((0..<curvePoints).map { lo + (hi - lo) * Double($0) / Double(curvePoints - 1) }, lo, hi)
    }

    init(model m: OutcomeModel, cache: ObservedEffectCache, controlNames: [String], ca: [Double], d: [Double],
         years: [Int], treat: [Int], post: [Int], mis1: [Double], mis0: [Double], firstAdoption: Int, mechanism: MechanismTruth,
         lambda: Double?, entry: (any ExistingCityYears)? = nil) throws {
        self.mechanism = mechanism
        beta = m.beta; theta = m.theta; self.controlNames = controlNames; gamma = m.gamma; thetaX = m.thetaX
        let si = m.weights.stableInterval
        stableInterval = [si.lower, si.upper]
        // With entry, the effect weights and the CA/D percentiles are over the city-years that exist.
        let n0 = treat.count
        let w = entry?.pooled(cache.weights, n: n0, periods: years.count) ?? cache.weights
        effectWeights = w
        let existing = entry?.exists(n: n0, periods: years.count)
        // Ordinary regressors: DE = β a1 + θ a2, TE = β t1 + θ t2, IE = TE − DE.
        let names = ["CA", "CA2", "CAxD", "D"] + controlNames
        let bs = m.beta + m.gamma, ts = m.theta + m.thetaX
        func effects(at w: EffectWeights) -> [RegressorEffect] {
            names.indices.map { k in RegressorEffect(name: names[k], beta: bs[k], theta: ts[k], multipliers: w.multipliers) }
        }
        // Five percentiles of 5,040 city-years per replication: by selection, not two sorts (the same values).
        var caValues = existing.map { e in ca.indices.filter { e[$0] }.map { ca[$0] } } ?? ca
        var dValues = existing.map { e in d.indices.filter { e[$0] }.map { d[$0] } } ?? d
        let caRange = Statistics.quantiles(selectingIn: &caValues, [0.05, 0.95])
        let grid = Self.curveGrid(lower: caRange[0], upper: caRange[1]).points
        let dq = zip(["p25", "p50", "p75"], Statistics.quantiles(selectingIn: &dValues, [0.25, 0.5, 0.75])).map { ($0, $1) }
        /// The effect curves of CA at each D quartile under effect weights `w` (short or long run).
        func curveSet(_ w: EffectWeights) -> [ModelTruth.Curve] {
            dq.flatMap { (label, dv) -> [ModelTruth.Curve] in
                let e = grid.map { c -> (Double, Double, Double) in
                    let s = EffectFormulas.caSlopes(beta: m.beta, theta: m.theta, c: c, d: dv)
                    let r = EffectFormulas.effects(b: s.b, t: s.t, weights: w)
                    return (r.direct, r.indirect, r.total)
                }
                return [ModelTruth.Curve(effect: .direct, label: label, values: e.map(\.0)),
                        ModelTruth.Curve(effect: .indirect, label: label, values: e.map(\.1)),
                        ModelTruth.Curve(effect: .total, label: label, values: e.map(\.2))]
            }
        }
        // MODEL.md's convention that Mis is bad makes the U-test ask about a U, inside the grid's ends.
        let (lo, hi) = (grid.first ?? .nan, grid.last ?? .nan)
        func points(at w: EffectWeights) -> [ModelTruth.TurningPoint] {
            dq.flatMap { (label, dv) in
                EffectKind.allCases.map { kind in
                    let (m1, m2) = w.multipliers(kind)
                    let tp = EffectFormulas.turningPoint(m1: m1, m2: m2, beta: m.beta, theta: m.theta, d: dv)
                    return ModelTruth.TurningPoint(effect: kind, label: label, cStar: tp.cStar, shift: tp.shift, uShaped: tp.uShaped,
                                                   testedShapeInside: tp.uShaped && (tp.cStar.map { $0 > lo && $0 < hi } ?? false))
                }
            }
        }
        var longRun: (curves: [ModelTruth.Curve], points: [ModelTruth.TurningPoint])?
        if let lr = m.longRunFilter {
            let s = 1 / (1 - m.tau)
            let base = try EffectFormulas.weights(filter: lr)
            let wl = EffectWeights(a1: s * base.a1, a2: s * base.a2, k1: s * base.k1, k2: s * base.k2, t1: s * base.t1, t2: s * base.t2)
            dynamic = DynamicTruth(rhoLongRun: lr.rho, longRunWeights: wl, longRunEffects: effects(at: wl))
            longRun = (curveSet(wl), points(at: wl))
        } else {
            dynamic = nil
        }
        // Averaged marginal effects at the observed points (without entry, both in one pass: the same numbers).
        let aCA: AveragedEffects, aD: AveragedEffects
        if let entry {
            let bCA = zip(ca, d).map { m.beta[0] + 2 * m.beta[1] * $0 + m.beta[2] * $1 }
            let tCA = zip(ca, d).map { m.theta[0] + 2 * m.theta[1] * $0 + m.theta[2] * $1 }
            let bD = ca.map { m.beta[3] + m.beta[2] * $0 }, tD = ca.map { m.theta[3] + m.theta[2] * $0 }
            aCA = entry.averaged(cache, b: bCA, t: tCA, n: n0)
            aD = entry.averaged(cache, b: bD, t: tD, n: n0)
        } else {
            (aCA, aD) = cache.averagedCAandD(beta: m.beta, theta: m.theta, ca: ca, d: d)
        }
        model = ModelTruth(rho: m.rho, lambda: lambda, tau: longRun == nil ? 0 : m.tau, eta: longRun == nil ? 0 : m.eta,
                           regressors: effects(at: w), terms: Self.terms, grid: grid,
                           moderators: dq.map { (label: $0.0, value: Optional($0.1)) },
                           curves: curveSet(w), turningPoints: points(at: w),
                           longRunCurves: longRun?.curves, longRunTurningPoints: longRun?.points,
                           testedShape: Dictionary(uniqueKeysWithValues: EffectKind.allCases.map { ($0, CurveShape.u) }),
                           averaged: ["CA": [.direct: aCA.direct, .indirect: aCA.indirect, .total: aCA.total],
                                      "D": [.direct: aD.direct, .indirect: aD.indirect, .total: aD.total]])
        // Integration: both worlds share every random number, so Mis(1) − Mis(0) is the causal effect.
        let n = treat.count
        var att: [Double?] = [], spill: [Double?] = []
        var sAtt = 0.0, nAtt = 0, sSp = 0.0, nSp = 0
        for p in years.indices {
            var a = 0.0, na = 0, s = 0.0, ns = 0
            for i in 0..<n {
                let k = p * n + i, diff = mis1[k] - mis0[k]
                if existing?[k] == false { continue }   // a city before its entry
                if treat[i] == 1 {
                    a += diff; na += 1
                    if post[k] == 1 { sAtt += diff; nAtt += 1 }
                } else {
                    s += diff; ns += 1
                    if years[p] >= firstAdoption { sSp += diff; nSp += 1 }
                }
            }
            att.append(na > 0 ? a / Double(na) : nil)
            spill.append(ns > 0 ? s / Double(ns) : nil)
        }
        let nt = treat.reduce(0, +)
        integration = IntegrationEffect(years: years, attByYear: att, meanAtt: nAtt > 0 ? sAtt / Double(nAtt) : nil,
                                        spilloverByYear: spill, meanSpilloverOnControls: nSp > 0 ? sSp / Double(nSp) : nil,
                                        treatedCities: nt, controlCities: n - nt)
    }
}
