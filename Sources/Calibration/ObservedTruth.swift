import CitySystem
import Estimators
import Foundation
import Numerics

/// The truth of an observed design: its generating parameters and every SDM-family
/// estimand they imply (MODEL.md §3, §5), held as the one `ModelTruth` of every world with the
/// design's own facts beside it. The regressors are the data's and fixed, so the truth is the
/// same in every replication. Effects use the estimator's own multipliers (`ImpactKernel`), so
/// at the calibrated values the truth is the fit's estimates to rounding. `truth --json` writes
/// it in the observed-design layout (`Layout`; snake_case keys, scenarios/README.md; a missing
/// value is null).
public struct ObservedTruth: Encodable, Sendable {
    public typealias Regressor = ModelTruth.Regressor

    /// Effect multipliers at the generating ρ: direct a1β + a2θ, total t1β + t2θ.
    public struct Multipliers: Codable, Sendable {
        public let a1, a2, t1, t2: Double
    }

    public let nUnits: Int
    public let nPeriods: Int
    public let errors: String
    public let sigma2: Double
    public let stableInterval: [Double]
    public let multipliers: Multipliers
    /// ρ, the regressors' effects and, with a quadratic regressor, its curves and turning points.
    public let model: ModelTruth

    public var rho: Double { model.rho }
    public var regressors: [Regressor] { model.regressors }

    /// Points on each curve, as for the city system (`TrueEstimands.curvePoints`).
    public static let curvePoints = TrueEstimands.curvePoints
    public static let moderatorQuantiles = [("p25", 0.25), ("p50", 0.5), ("p75", 0.75)]

    init(spec: ObservedDesignSpec, dataset: SpatialDataset) throws {
        let si = dataset.weights.stableInterval
        try self.init(spec: spec, kernel: ImpactKernel(weights: dataset.weights), n: dataset.panel.n, t: dataset.panel.t,
                      stableInterval: si, terms: dataset.quadratic, values: dataset.quadraticValues,
                      moderatorValues: dataset.moderatorValues)
    }

    /// The truth over the city-years a design has: `kernel` gives the effect multipliers (one W's, or
    /// on a panel with gaps the year-by-year W_t's averaged over the observed city-years,
    /// `PeriodEffectKernel` — as the unbalanced estimator averages its effects and the generator's
    /// unbalanced truths do); `values` are the quadratic regressor over those city-years.
    init(spec: ObservedDesignSpec, kernel: any EffectMultiplierSource, n: Int, t: Int,
         stableInterval si: (lower: Double, upper: Double), terms: QuadraticTerms?, values: [Double]?,
         moderatorValues: [Double]?) throws {
        let o = spec.outcome
        let m = kernel.multipliers(rho: o.rho)
        nUnits = n
        nPeriods = t
        errors = spec.errors.rawValue
        sigma2 = o.sigma2
        stableInterval = [si.lower, si.upper]
        multipliers = Multipliers(a1: m.a1, a2: m.a2, t1: m.t1, t2: m.t2)
        let regressors = zip(o.beta, o.theta).map { b, t in
            Regressor(name: b.name, beta: b.value, theta: t.value) { let w = m.weights($0); return (w.m1, w.m2) }
        }
        if let terms, let values {
            let fitMultipliers = kernel.multipliers(rho: spec.fit.rho)
            model = Self.quadratic(terms: terms, values: values, moderatorValues: moderatorValues, rho: o.rho, lambda: spec.errors.trueLambda,
                                   regressors: regressors, outcome: o, fit: spec.fit, m: m, fitM: fitMultipliers)
        } else {
            model = ModelTruth(rho: o.rho, lambda: spec.errors.trueLambda, regressors: regressors, terms: nil, grid: [], moderators: [], curves: [], turningPoints: [],
                               testedShape: [:])
        }
    }

    /// [β_X, β_X², β_X:D, β_D] (absent terms 0), the order `EffectFormulas` takes.
    static func quadraticVector(_ c: [(name: String, value: Double)], _ terms: QuadraticTerms) -> [Double] {
        func v(_ name: String?) -> Double { name.flatMap { n in c.first { $0.name == n }?.value } ?? 0 }
        return [v(terms.linear), v(terms.square), v(terms.interaction), v(terms.moderator)]
    }

    static func quadratic(terms: QuadraticTerms, values: [Double], moderatorValues: [Double]?, rho: Double, lambda: Double?, regressors: [Regressor],
                          outcome o: ObservedDesignSpec.Parameters, fit: ObservedDesignSpec.Parameters,
                          m: EffectMultipliers, fitM: EffectMultipliers) -> ModelTruth {
        let sorted = values.sorted()
        let (grid, lo, hi) = TrueEstimands.curveGrid(sorted: sorted)
        let labels: [(label: String, value: Double?)]
        if let d = moderatorValues, terms.interaction != nil {
            let sd = d.sorted()
            labels = moderatorQuantiles.map { ($0.0, Statistics.quantile(sorted: sd, $0.1)) }
        } else {
            labels = [("p50", nil)]
        }
        let beta = quadraticVector(o.beta, terms), theta = quadraticVector(o.theta, terms)
        let fitBeta = quadraticVector(fit.beta, terms), fitTheta = quadraticVector(fit.theta, terms)
        var curves: [ModelTruth.Curve] = [], points: [ModelTruth.TurningPoint] = []
        var testedShape: [EffectKind: CurveShape] = [:]
        for kind in EffectKind.allCases {
            let w = m.weights(kind), fw = fitM.weights(kind)
            let tested: CurveShape = fw.m1 * fitBeta[1] + fw.m2 * fitTheta[1] < 0 ? .invertedU : .u
            testedShape[kind] = tested
            for (label, d) in labels {
                let values = grid.map { x -> Double in
                    let s = EffectFormulas.caSlopes(beta: beta, theta: theta, c: x, d: d ?? 0)
                    return w.m1 * s.b + w.m2 * s.t
                }
                curves.append(ModelTruth.Curve(effect: kind, label: label, values: values))
                let tp = EffectFormulas.turningPoint(m1: w.m1, m2: w.m2, beta: beta, theta: theta, d: d ?? 0)
                let shape: CurveShape? = tp.cStar == nil ? nil : (tp.uShaped ? .u : .invertedU)
                // A turning point at an end of the interval (the boundary worlds of `calibrate --grid`)
                // is on the null: the margin keeps rounding in c* from moving it inside.
                let margin = 1e-9 * (hi - lo)
                let inside = shape == tested && (tp.cStar.map { $0 > lo + margin && $0 < hi - margin } ?? false)
                points.append(ModelTruth.TurningPoint(effect: kind, label: label, cStar: tp.cStar,
                                                      shift: terms.interaction == nil ? nil : tp.shift,
                                                      uShaped: shape == .u, testedShapeInside: inside))
            }
        }
        return ModelTruth(rho: rho, lambda: lambda, regressors: regressors, terms: terms, grid: grid, moderators: labels, curves: curves,
                          turningPoints: points, testedShape: testedShape)
    }

    /// The observed-design layout of `truth --json` (scenarios/README.md).
    struct Layout: Encodable {
        struct Curve: Encodable {
            let effect: EffectKind
            let dLabel: String
            @NullWhenAbsent var d: Double?
            let values: [Double]
        }
        struct TurningPoint: Encodable {
            let effect: EffectKind
            let dLabel: String
            @NullWhenAbsent var d: Double?
            @NullWhenAbsent var cStar: Double?
            @NullWhenAbsent var shape: CurveShape?
            @NullWhenAbsent var dcStarDD: Double?
            /// The shape the U-test estimand asks about: the calibrated curve's, whatever the overrides.
            let testedShape: CurveShape
            let testedShapeInside: Bool
        }
        struct Quadratic: Encodable {
            let regressor: String
            let square: String
            @NullWhenAbsent var interaction: String?
            @NullWhenAbsent var moderator: String?
            let grid: [Double]
            let curves: [Curve]
            let turningPoints: [TurningPoint]
        }
        let design = "observed"
        let nUnits: Int
        let nPeriods: Int
        let errors: String
        let rho: Double
        /// λ of the errors' spatial process (`ModelTruth.lambda`); null with `time_block` errors.
        @NullWhenAbsent var lambda: Double?
        let sigma2: Double
        let stableInterval: [Double]
        let multipliers: Multipliers
        let regressors: [Regressor]
        let quadratic: Quadratic?
    }

    var layout: Layout {
        let t = model
        let quadratic = t.terms.map { terms in
            Layout.Quadratic(regressor: terms.linear, square: terms.square, interaction: terms.interaction, moderator: terms.moderator,
                             grid: t.grid,
                             curves: t.curves.map { Layout.Curve(effect: $0.effect, dLabel: $0.label, d: t.moderatorValue($0.label), values: $0.values) },
                             turningPoints: t.turningPoints.map { p in
                                 Layout.TurningPoint(effect: p.effect, dLabel: p.label, d: t.moderatorValue(p.label), cStar: p.cStar,
                                                     shape: p.shape, dcStarDD: p.shift, testedShape: t.testedShape[p.effect] ?? .u,
                                                     testedShapeInside: p.testedShapeInside)
                             })
        }
        return Layout(nUnits: nUnits, nPeriods: nPeriods, errors: errors, rho: t.rho, lambda: t.lambda, sigma2: sigma2, stableInterval: stableInterval,
                      multipliers: multipliers, regressors: t.regressors, quadratic: quadratic)
    }

    public func encode(to encoder: Encoder) throws { try layout.encode(to: encoder) }

    /// JSON with snake_case keys, sorted, pretty-printed.
    public func jsonData() throws -> Data { try ModelTruth.json(self) }
}
