import CitySystem
import Estimators
import Foundation
import Numerics

/// The truth of an observed design: its generating parameters and every SDM-family
/// estimand they imply (MODEL.md §3, §5). The regressors are the data's and fixed, so the
/// truth is the same in every replication. Effects use the estimator's own multipliers
/// (`ImpactKernel`), so at the calibrated values the truth is the fit's estimates to
/// rounding. JSON keys are snake_case (scenarios/README.md); a missing value is null.
public struct ObservedTruth: Codable, Sendable {
    /// The same record as the city system's (name, β, θ, direct, indirect, total).
    public typealias Regressor = TrueEstimands.RegressorEffect

    /// One effect curve of the quadratic regressor on the grid, at a moderator quantile.
    public struct Curve: Codable, Sendable {
        public let effect: EffectKind
        /// `p25`, `p50`, `p75` of the moderator; `p50` alone without a moderator.
        public let dLabel: String
        @NullWhenAbsent public private(set) var d: Double?
        public let values: [Double]
    }

    public struct TurningPoint: Codable, Sendable {
        public let effect: EffectKind
        public let dLabel: String
        @NullWhenAbsent public private(set) var d: Double?
        /// Nil when the curve is linear (m1β2 + m2θ2 = 0).
        @NullWhenAbsent public private(set) var cStar: Double?
        /// Nil for a linear curve.
        @NullWhenAbsent public private(set) var shape: CurveShape?
        @NullWhenAbsent public private(set) var dcStarDD: Double?
        /// The shape the U-test estimand asks about: the calibrated curve's, whatever the overrides.
        public let testedShape: CurveShape
        /// True when the curve has the tested shape with its extremum inside the U-test interval.
        public let testedShapeInside: Bool
    }

    public struct Quadratic: Codable, Sendable {
        public let regressor: String
        public let square: String
        @NullWhenAbsent public private(set) var interaction: String?
        @NullWhenAbsent public private(set) var moderator: String?
        /// `curvePoints` points from the 5th to the 95th percentile of the regressor (the U-test interval).
        public let grid: [Double]
        public let curves: [Curve]
        public let turningPoints: [TurningPoint]
    }

    /// Effect multipliers at the generating ρ: direct a1β + a2θ, total t1β + t2θ.
    public struct Multipliers: Codable, Sendable {
        public let a1, a2, t1, t2: Double
    }

    public let design: String
    public let nUnits: Int
    public let nPeriods: Int
    public let errors: String
    public let rho: Double
    public let sigma2: Double
    public let stableInterval: [Double]
    public let multipliers: Multipliers
    public let regressors: [Regressor]
    public let quadratic: Quadratic?

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
        design = "observed"
        nUnits = n
        nPeriods = t
        errors = spec.errors.rawValue
        rho = o.rho
        sigma2 = o.sigma2
        stableInterval = [si.lower, si.upper]
        multipliers = Multipliers(a1: m.a1, a2: m.a2, t1: m.t1, t2: m.t2)
        regressors = zip(o.beta, o.theta).map { b, t in
            Regressor(name: b.name, beta: b.value, theta: t.value) { let w = m.weights($0); return (w.m1, w.m2) }
        }
        if let terms, let values {
            let fitMultipliers = kernel.multipliers(rho: spec.fit.rho)
            quadratic = Self.quadratic(terms: terms, values: values, moderatorValues: moderatorValues,
                                       outcome: o, fit: spec.fit, m: m, fitM: fitMultipliers)
        } else {
            quadratic = nil
        }
    }

    /// [β_X, β_X², β_X:D, β_D] (absent terms 0), the order `EffectFormulas` takes.
    static func quadraticVector(_ c: [(name: String, value: Double)], _ terms: QuadraticTerms) -> [Double] {
        func v(_ name: String?) -> Double { name.flatMap { n in c.first { $0.name == n }?.value } ?? 0 }
        return [v(terms.linear), v(terms.square), v(terms.interaction), v(terms.moderator)]
    }

    static func quadratic(terms: QuadraticTerms, values: [Double], moderatorValues: [Double]?,
                          outcome o: ObservedDesignSpec.Parameters, fit: ObservedDesignSpec.Parameters,
                          m: EffectMultipliers, fitM: EffectMultipliers) -> Quadratic {
        let sorted = values.sorted()
        let (grid, lo, hi) = TrueEstimands.curveGrid(sorted: sorted)
        let labels: [(String, Double?)]
        if let d = moderatorValues, terms.interaction != nil {
            let sd = d.sorted()
            labels = moderatorQuantiles.map { ($0.0, Statistics.quantile(sorted: sd, $0.1)) }
        } else {
            labels = [("p50", nil)]
        }
        let beta = quadraticVector(o.beta, terms), theta = quadraticVector(o.theta, terms)
        let fitBeta = quadraticVector(fit.beta, terms), fitTheta = quadraticVector(fit.theta, terms)
        var curves: [Curve] = [], points: [TurningPoint] = []
        for kind in EffectKind.allCases {
            let w = m.weights(kind), fw = fitM.weights(kind)
            let tested: CurveShape = fw.m1 * fitBeta[1] + fw.m2 * fitTheta[1] < 0 ? .invertedU : .u
            for (label, d) in labels {
                let values = grid.map { x -> Double in
                    let s = EffectFormulas.caSlopes(beta: beta, theta: theta, c: x, d: d ?? 0)
                    return w.m1 * s.b + w.m2 * s.t
                }
                curves.append(Curve(effect: kind, dLabel: label, d: d, values: values))
                let tp = EffectFormulas.turningPoint(m1: w.m1, m2: w.m2, beta: beta, theta: theta, d: d ?? 0)
                let shape: CurveShape? = tp.cStar == nil ? nil : (tp.uShaped ? .u : .invertedU)
                // A turning point at an end of the interval (the boundary worlds of `calibrate --grid`)
                // is on the null: the margin keeps rounding in c* from moving it inside.
                let margin = 1e-9 * (hi - lo)
                let inside = shape == tested && (tp.cStar.map { $0 > lo + margin && $0 < hi - margin } ?? false)
                points.append(TurningPoint(effect: kind, dLabel: label, d: d, cStar: tp.cStar, shape: shape,
                                           dcStarDD: terms.interaction == nil ? nil : tp.shift,
                                           testedShape: tested, testedShapeInside: inside))
            }
        }
        return Quadratic(regressor: terms.linear, square: terms.square, interaction: terms.interaction, moderator: terms.moderator,
                         grid: grid, curves: curves, turningPoints: points)
    }

    /// JSON with snake_case keys, sorted, pretty-printed.
    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}
