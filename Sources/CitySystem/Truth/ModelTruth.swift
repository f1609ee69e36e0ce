import Foundation

/// The truth of the spatial model's estimands, in one form for every world (MODEL.md §3–§5):
/// ρ (τ, η of a dynamic outcome), λ of the error's spatial process, each regressor's β, θ and effects, the effect curves of the
/// quadratic regressor on the curve grid with their turning points (short and long run), the
/// shape the U-test asks about, and the averaged marginal effects. Each world computes it once and
/// holds it beside only what that world alone has: the synthetic city system in
/// `TrueEstimands.model` (with the integration effect and the mechanism), an observed design in
/// `ObservedTruth.model`; each writes its `truth --json` layout from it. The Monte Carlo scorer
/// reads only this.
public struct ModelTruth: Sendable {
    /// A regressor's coefficients and its three effects: the one record of them for every world.
    public struct Regressor: Codable, Sendable {
        public let name: String
        public let beta: Double
        public let theta: Double
        public let direct: Double
        public let indirect: Double
        public let total: Double

        /// Each effect is m1β + m2θ with that kind's multipliers (MODEL.md §3).
        public init(name: String, beta: Double, theta: Double, multipliers: (EffectKind) -> (m1: Double, m2: Double)) {
            func effect(_ kind: EffectKind) -> Double { let m = multipliers(kind); return m.m1 * beta + m.m2 * theta }
            self.name = name
            self.beta = beta
            self.theta = theta
            direct = effect(.direct)
            indirect = effect(.indirect)
            total = effect(.total)
        }
    }

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
    /// λ of the error's spatial (SEM) process u = λWu + ε through the true W, as the SAC and SEM
    /// estimate it (issue 23): 0 when the errors are independent across units, the generator's λ
    /// under `error.law: spatial`, nil when the errors have a spatial dependence that no λ
    /// describes (a Gaussian-field shock process, an observed design's time-block resampling):
    /// then `lambda` has no truth and is scored as missing.
    public let lambda: Double?
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

    public init(rho: Double, lambda: Double?, tau: Double = 0, eta: Double = 0, regressors: [Regressor], terms: QuadraticTerms?, grid: [Double],
                moderators: [(label: String, value: Double?)], curves: [Curve], turningPoints: [TurningPoint],
                longRunCurves: [Curve]? = nil, longRunTurningPoints: [TurningPoint]? = nil,
                testedShape: [EffectKind: CurveShape], averaged: [String: [EffectKind: Double]] = [:]) {
        (self.rho, self.lambda, self.tau, self.eta, self.regressors, self.terms, self.grid) = (rho, lambda, tau, eta, regressors, terms, grid)
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

    /// A world's `truth --json` text: snake_case keys, sorted, pretty-printed (scenarios/README.md).
    public static func json(_ layout: some Encodable) throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(layout)
    }
}
