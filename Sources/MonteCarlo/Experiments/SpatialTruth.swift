import Calibration
import CitySystem
import Estimators
import Foundation

/// What a spatial estimator is scored against, whichever world made the panel: the
/// synthetic city system (`TrueEstimands`, regressors CA, CA2, CAxD, D and controls) or an
/// observed design (`ObservedTruth`, the data's regressors). `SpatialScoring` reads only this.
struct SpatialTruth: Sendable {
    typealias Regressor = TrueEstimands.RegressorEffect
    struct Curve: Sendable {
        let kind: EffectKind
        let label: String
        let values: [Double]
    }
    struct TurningPoint: Sendable {
        let kind: EffectKind
        let label: String
        let cStar: Double?
        let shift: Double?
        /// The true curve is a U (its curvature is positive).
        let uShaped: Bool
        /// True when the curve has the shape the U-test estimand asks about, with its extremum in the test interval.
        let testedShapeInside: Bool
    }

    let rho: Double
    /// τ and η of a dynamic outcome (0 for a static world).
    let tau: Double
    let eta: Double
    /// Long-run turning points and effect curves (issue 25); the short-run ones when the world is static.
    let longRunTurningPoints: [TurningPoint]
    let longRunCurves: [Curve]
    let regressors: [Regressor]
    /// The quadratic regressor's coefficient names, for the estimator's curve analysis; nil without curves.
    let terms: QuadraticTerms?
    /// The curve grid (5th to 95th percentile of the quadratic regressor; its ends are the U-test interval).
    let grid: [Double]
    /// Moderator value of each label (`p25`, `p50`, `p75`). Without a moderator there is one
    /// curve, under `p50`, and every label refers to it.
    let moderators: [(label: String, value: Double?)]
    let curves: [Curve]
    let turningPoints: [TurningPoint]
    /// The shape whose rejection counts in the U-test estimand, per effect kind.
    let testedShape: [EffectKind: CurveShape]
    /// Average effects over the sample's observations (`ame.K.X`, the city system's CA and D):
    /// the truth per kind and the derivative terms the estimator averages.
    let averaged: [String: (truth: [EffectKind: Double], slopeTerms: [SpatialAverageEffects.SlopeTerm])]

    /// The true slope of β + θ in the quadratic regressor at x (moderator d):
    /// (β₁ + θ₁) + 2(β₂ + θ₂)x + (β₃ + θ₃)d — the total effect's slope without its common
    /// factor, as the U-test of the total uses it under a row-standardised W. Nil without curves.
    func unweightedSlope(at x: Double, d: Double?) -> Double? {
        guard let terms else { return nil }
        func sum(_ name: String?) -> Double? {
            guard let name else { return 0 }
            return regressors.first { $0.name == name }.map { $0.beta + $0.theta }
        }
        guard let a = sum(terms.linear), let b = sum(terms.square), let c = sum(terms.interaction) else { return nil }
        return a + 2 * b * x + c * (d ?? 0)
    }

    /// The label a curve is stored under.
    func storedLabel(_ label: String) -> String { moderators.count == 1 ? moderators[0].label : label }
    func moderatorValue(_ label: String) -> Double? { moderators.first { $0.label == storedLabel(label) }?.value ?? nil }
    func curve(_ kind: EffectKind, _ label: String) -> Curve? {
        curves.first { $0.kind == kind && $0.label == storedLabel(label) }
    }
    func turningPoint(_ kind: EffectKind, _ label: String) -> TurningPoint? {
        turningPoints.first { $0.kind == kind && $0.label == storedLabel(label) }
    }
    func longRunTurningPoint(_ kind: EffectKind, _ label: String) -> TurningPoint? {
        longRunTurningPoints.first { $0.kind == kind && $0.label == storedLabel(label) }
    }
    func longRunCurve(_ kind: EffectKind, _ label: String) -> Curve? {
        longRunCurves.first { $0.kind == kind && $0.label == storedLabel(label) }
    }

    /// The city system: MODEL.md's convention that Mis is bad, so the U-test asks about a U.
    init(_ panel: SyntheticPanel) {
        let t = panel.truth
        rho = t.rho
        regressors = t.regressorEffects
        terms = QuadraticTerms(linear: "CA", square: "CA2", interaction: "CAxD", moderator: "D")
        grid = t.curves.first?.ca ?? []
        moderators = t.curves.map { (label: $0.dLabel, value: Optional($0.d)) }
        func curveSet(_ list: [TrueEstimands.Curve]) -> [Curve] {
            list.flatMap { c in
                [Curve(kind: .direct, label: c.dLabel, values: c.direct), Curve(kind: .indirect, label: c.dLabel, values: c.indirect),
                 Curve(kind: .total, label: c.dLabel, values: c.total)]
            }
        }
        curves = curveSet(t.curves)
        longRunCurves = t.dynamic.map { curveSet($0.longRunCurves) } ?? curves
        let (lo, hi) = (grid.first ?? .nan, grid.last ?? .nan)
        func points(_ list: [TrueEstimands.TurningPoint]) -> [TurningPoint] {
            list.map { p in
                TurningPoint(kind: p.effect, label: p.dLabel, cStar: p.cStar, shift: p.dcStarDD, uShaped: p.uShaped,
                             testedShapeInside: p.uShaped && (p.cStar.map { $0 > lo && $0 < hi } ?? false))
            }
        }
        turningPoints = points(t.turningPoints)
        tau = t.dynamic?.tau ?? 0
        eta = t.dynamic?.eta ?? 0
        longRunTurningPoints = t.dynamic.map { points($0.longRunTurningPoints) } ?? turningPoints
        testedShape = Dictionary(uniqueKeysWithValues: EffectKind.allCases.map { ($0, CurveShape.u) })
        var averaged: [String: (truth: [EffectKind: Double], slopeTerms: [SpatialAverageEffects.SlopeTerm])] = [:]
        for a in t.averaged {
            averaged[a.regressor] = ([.direct: a.direct, .indirect: a.indirect, .total: a.total], Self.slopeTerms(of: a.regressor, panel))
        }
        self.averaged = averaged
    }

    /// ∂(term)/∂x per observation for the terms through which x = CA or D enters.
    static func slopeTerms(of x: String, _ p: SyntheticPanel) -> [SpatialAverageEffects.SlopeTerm] {
        let ones = [Double](repeating: 1, count: p.ca.count)
        switch x {
        case "CA": return [.init(coefficient: "CA", derivative: ones), .init(coefficient: "CA2", derivative: p.ca.map { 2 * $0 }),
                           .init(coefficient: "CAxD", derivative: p.d)]
        default: return [.init(coefficient: "D", derivative: ones), .init(coefficient: "CAxD", derivative: p.ca)]
        }
    }

    /// An observed design: the U-test asks about the calibrated curve's shape.
    init(_ t: ObservedTruth) {
        rho = t.rho
        tau = 0
        eta = 0
        regressors = t.regressors
        averaged = [:]
        guard let q = t.quadratic else {
            terms = nil; grid = []; moderators = []; curves = []; turningPoints = []; testedShape = [:]
            longRunTurningPoints = []; longRunCurves = []
            return
        }
        terms = QuadraticTerms(linear: q.regressor, square: q.square, interaction: q.interaction, moderator: q.moderator)
        grid = q.grid
        var seen: [(label: String, value: Double?)] = []
        for c in q.curves where !seen.contains(where: { $0.label == c.dLabel }) { seen.append((c.dLabel, c.d)) }
        moderators = seen
        curves = q.curves.map { Curve(kind: $0.effect, label: $0.dLabel, values: $0.values) }
        turningPoints = q.turningPoints.map { p in
            TurningPoint(kind: p.effect, label: p.dLabel, cStar: p.cStar, shift: p.dcStarDD, uShaped: p.shape == .u,
                         testedShapeInside: p.testedShapeInside)
        }
        longRunTurningPoints = turningPoints
        longRunCurves = curves
        var shapes: [EffectKind: CurveShape] = [:]
        for p in q.turningPoints { shapes[p.effect] = p.testedShape }
        testedShape = shapes
    }
}
