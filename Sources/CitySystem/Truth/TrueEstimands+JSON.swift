import Foundation

/// The city-system layout of `truth --json` (scenarios/README.md): written from the one
/// `ModelTruth` with the effect weights that give each turning point's multipliers, so the
/// curves and turning points are held once and laid out only when printed.
extension TrueEstimands {
    struct Layout: Encodable {
        struct Curve: Encodable {
            /// "p25", "p50", "p75": which quantile of the observed D.
            let dLabel: String
            let d: Double
            let ca, direct, indirect, total: [Double]
        }

        struct TurningPoint: Encodable {
            let dLabel: String
            let d: Double
            let effect: EffectKind
            let m1, m2: Double
            /// Null when the curve is linear.
            @NullWhenAbsent var cStar: Double?
            let uShaped: Bool
            @NullWhenAbsent var dcStarDD: Double?
        }

        struct Averaged: Encodable {
            /// "CA" or "D": the marginal effect of that variable, quadratic and interaction included.
            let regressor: String
            let direct, indirect, total: Double
        }

        struct Dynamic: Encodable {
            let tau, eta, rhoLongRun: Double
            let longRunWeights: EffectWeights
            let longRunEffects: [RegressorEffect]
            let longRunCurves: [Curve]
            let longRunTurningPoints: [TurningPoint]
        }

        let rho: Double
        /// λ of the error's spatial process (`ModelTruth.lambda`); null with Gaussian-field shocks.
        @NullWhenAbsent var lambda: Double?
        /// Absent (no key) when the outcome is static.
        let dynamic: Dynamic?
        let beta, theta: [Double]
        let controlNames: [String]
        let gamma, thetaX, stableInterval: [Double]
        let effectWeights: EffectWeights
        let regressorEffects: [RegressorEffect]
        let curves: [Curve]
        let turningPoints: [TurningPoint]
        let averaged: [Averaged]
        let integration: IntegrationEffect
        let mechanism: MechanismTruth
    }

    /// The curves of each D quartile, one record per quartile with its three effects.
    static func curveLayout(_ t: ModelTruth, _ curves: [ModelTruth.Curve]) -> [Layout.Curve] {
        t.moderators.map { label, d in
            func values(_ kind: EffectKind) -> [Double] { curves.first { $0.effect == kind && $0.label == label }?.values ?? [] }
            return Layout.Curve(dLabel: label, d: d ?? .nan, ca: t.grid, direct: values(.direct), indirect: values(.indirect),
                                total: values(.total))
        }
    }

    static func pointLayout(_ t: ModelTruth, _ points: [ModelTruth.TurningPoint], weights: EffectWeights) -> [Layout.TurningPoint] {
        points.map { p in
            let (m1, m2) = weights.multipliers(p.effect)
            return Layout.TurningPoint(dLabel: p.label, d: t.moderatorValue(p.label) ?? .nan, effect: p.effect, m1: m1, m2: m2,
                                       cStar: p.cStar, uShaped: p.uShaped, dcStarDD: p.shift)
        }
    }

    var layout: Layout {
        let t = model
        let dynamicLayout = dynamic.map { lr in
            Layout.Dynamic(tau: t.tau, eta: t.eta, rhoLongRun: lr.rhoLongRun, longRunWeights: lr.longRunWeights,
                           longRunEffects: lr.longRunEffects, longRunCurves: Self.curveLayout(t, t.longRunCurves),
                           longRunTurningPoints: Self.pointLayout(t, t.longRunTurningPoints, weights: lr.longRunWeights))
        }
        let averaged = Self.averagedRegressors.compactMap { x in
            t.averaged[x].map { a in Layout.Averaged(regressor: x, direct: a[.direct] ?? .nan, indirect: a[.indirect] ?? .nan,
                                                     total: a[.total] ?? .nan) }
        }
        return Layout(rho: t.rho, lambda: t.lambda, dynamic: dynamicLayout, beta: beta, theta: theta, controlNames: controlNames, gamma: gamma,
                      thetaX: thetaX, stableInterval: stableInterval, effectWeights: effectWeights, regressorEffects: t.regressors,
                      curves: Self.curveLayout(t, t.curves), turningPoints: Self.pointLayout(t, t.turningPoints, weights: effectWeights),
                      averaged: averaged, integration: integration, mechanism: mechanism)
    }

    public func encode(to encoder: Encoder) throws { try layout.encode(to: encoder) }

    /// JSON with snake_case keys, sorted, pretty-printed.
    public func jsonData() throws -> Data { try ModelTruth.json(self) }
}
