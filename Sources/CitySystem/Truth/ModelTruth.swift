import Foundation

/// The truth of the spatial model's estimands, in one form for every world (MODEL.md §3–§5):
/// ρ (τ, η of a dynamic outcome), each regressor's β, θ and effects, the effect curves of the
/// quadratic regressor on the curve grid with their turning points (short and long run), the
/// shape the U-test asks about, and the averaged marginal effects. The synthetic city system
/// derives it from its panel's truth (`TrueEstimands.model`); an observed design holds it
/// (`ObservedTruth.model`) and writes its `truth --json` layout from it. The Monte Carlo scorer
/// reads only this.
public struct ModelTruth: Sendable {
    public typealias Regressor = TrueEstimands.RegressorEffect

    public struct Curve: Sendable {
        public let effect: EffectKind
        /// The moderator quantile (`p25`, `p50`, `p75`); `p50` alone without a moderator.
        public let label: String
        public let values: [Double]

        public init(effect: EffectKind, label: String, values: [Double]) {
            (self.effect, self.label, self.values) = (effect, label, values)
        }
    }

    public struct TurningPoint: Sendable {
        public let effect: EffectKind
        public let label: String
        /// Nil when the curve is linear.
        public let cStar: Double?
        /// dc*/dD; nil for a linear curve or without an interaction.
        public let shift: Double?
        /// The curve is a U (its curvature is positive).
        public let uShaped: Bool
        /// The curve has the shape the U-test asks about, with its extremum inside the test interval.
        public let testedShapeInside: Bool

        public init(effect: EffectKind, label: String, cStar: Double?, shift: Double?, uShaped: Bool, testedShapeInside: Bool) {
            (self.effect, self.label, self.cStar, self.shift) = (effect, label, cStar, shift)
            (self.uShaped, self.testedShapeInside) = (uShaped, testedShapeInside)
        }

        /// U or inverted U; nil for a linear curve.
        public var shape: CurveShape? { cStar == nil ? nil : (uShaped ? .u : .invertedU) }
    }

    public let rho: Double
    /// τ and η of a dynamic outcome (0 for a static world).
    public let tau: Double
    public let eta: Double
    public let regressors: [Regressor]
    /// The quadratic regressor's coefficient names; nil when the world has no curve.
    public let terms: QuadraticTerms?
    /// The curve grid: `TrueEstimands.curvePoints` points from the 5th to the 95th percentile of
    /// the quadratic regressor; its ends are the U-test interval.
    public let grid: [Double]
    /// Moderator value of each label. Without a moderator there is one curve, under `p50`
    /// (value nil), and every label refers to it.
    public let moderators: [(label: String, value: Double?)]
    public let curves: [Curve]
    public let turningPoints: [TurningPoint]
    /// Long-run curves and turning points (issue 25); the short-run ones when the world is static.
    public let longRunCurves: [Curve]
    public let longRunTurningPoints: [TurningPoint]
    /// The shape whose rejection counts in the U-test estimand, per effect kind.
    public let testedShape: [EffectKind: CurveShape]
    /// Averaged marginal effects over the sample's observations (`ame.K.X`), by regressor.
    public let averaged: [String: [EffectKind: Double]]

    public init(rho: Double, tau: Double = 0, eta: Double = 0, regressors: [Regressor], terms: QuadraticTerms?, grid: [Double],
                moderators: [(label: String, value: Double?)], curves: [Curve], turningPoints: [TurningPoint],
                longRunCurves: [Curve]? = nil, longRunTurningPoints: [TurningPoint]? = nil,
                testedShape: [EffectKind: CurveShape], averaged: [String: [EffectKind: Double]] = [:]) {
        (self.rho, self.tau, self.eta, self.regressors, self.terms, self.grid) = (rho, tau, eta, regressors, terms, grid)
        (self.moderators, self.curves, self.turningPoints) = (moderators, curves, turningPoints)
        self.longRunCurves = longRunCurves ?? curves
        self.longRunTurningPoints = longRunTurningPoints ?? turningPoints
        (self.testedShape, self.averaged) = (testedShape, averaged)
    }

    /// The true slope of β + θ in the quadratic regressor at x (moderator d):
    /// (β₁ + θ₁) + 2(β₂ + θ₂)x + (β₃ + θ₃)d — the total effect's slope without its common
    /// factor, as the U-test of the total uses it under a row-standardised W. Nil without curves.
    public func unweightedSlope(at x: Double, d: Double?) -> Double? {
        guard let terms else { return nil }
        func sum(_ name: String?) -> Double? {
            guard let name else { return 0 }
            return regressors.first { $0.name == name }.map { $0.beta + $0.theta }
        }
        guard let a = sum(terms.linear), let b = sum(terms.square), let c = sum(terms.interaction) else { return nil }
        return a + 2 * b * x + c * (d ?? 0)
    }

    /// The label a curve is stored under.
    public func storedLabel(_ label: String) -> String { moderators.count == 1 ? moderators[0].label : label }
    public func moderatorValue(_ label: String) -> Double? { moderators.first { $0.label == storedLabel(label) }?.value ?? nil }
    public func curve(_ kind: EffectKind, _ label: String) -> Curve? {
        curves.first { $0.effect == kind && $0.label == storedLabel(label) }
    }
    public func turningPoint(_ kind: EffectKind, _ label: String) -> TurningPoint? {
        turningPoints.first { $0.effect == kind && $0.label == storedLabel(label) }
    }
    public func longRunTurningPoint(_ kind: EffectKind, _ label: String) -> TurningPoint? {
        longRunTurningPoints.first { $0.effect == kind && $0.label == storedLabel(label) }
    }
    public func longRunCurve(_ kind: EffectKind, _ label: String) -> Curve? {
        longRunCurves.first { $0.effect == kind && $0.label == storedLabel(label) }
    }
}

extension TrueEstimands {
    /// The city system's truth of the spatial estimands. MODEL.md's convention that Mis is bad
    /// makes the U-test ask about a U; the curves are those of CA at the D quartiles.
    public var model: ModelTruth {
        let grid = curves.first?.ca ?? []
        func curveSet(_ list: [Curve]) -> [ModelTruth.Curve] {
            list.flatMap { c in
                [ModelTruth.Curve(effect: .direct, label: c.dLabel, values: c.direct),
                 ModelTruth.Curve(effect: .indirect, label: c.dLabel, values: c.indirect),
                 ModelTruth.Curve(effect: .total, label: c.dLabel, values: c.total)]
            }
        }
        let (lo, hi) = (grid.first ?? .nan, grid.last ?? .nan)
        func points(_ list: [TurningPoint]) -> [ModelTruth.TurningPoint] {
            list.map { p in
                ModelTruth.TurningPoint(effect: p.effect, label: p.dLabel, cStar: p.cStar, shift: p.dcStarDD, uShaped: p.uShaped,
                                        testedShapeInside: p.uShaped && (p.cStar.map { $0 > lo && $0 < hi } ?? false))
            }
        }
        var averagedTruth: [String: [EffectKind: Double]] = [:]
        for a in averaged { averagedTruth[a.regressor] = [.direct: a.direct, .indirect: a.indirect, .total: a.total] }
        return ModelTruth(rho: rho, tau: dynamic?.tau ?? 0, eta: dynamic?.eta ?? 0, regressors: regressorEffects,
                          terms: QuadraticTerms(linear: "CA", square: "CA2", interaction: "CAxD", moderator: "D"), grid: grid,
                          moderators: curves.map { (label: $0.dLabel, value: Optional($0.d)) },
                          curves: curveSet(curves), turningPoints: points(turningPoints),
                          longRunCurves: dynamic.map { curveSet($0.longRunCurves) },
                          longRunTurningPoints: dynamic.map { points($0.longRunTurningPoints) },
                          testedShape: Dictionary(uniqueKeysWithValues: EffectKind.allCases.map { ($0, CurveShape.u) }),
                          averaged: averagedTruth)
    }
}
