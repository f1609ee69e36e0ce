import CitySystem
import Estimators
import Foundation
import Numerics

/// What an observed design recovers from the data's fit, shared by the balanced design
/// (`ObservedDesign`) and the one with gaps (`ObservedGapDesign`), which differ only in how the
/// regressors are lagged and how the fixed effects are projected out:
///
///   r = y − ρ̂Wy − Xβ̂ − WXθ̂,  ε = M r,  μ + α = r − ε,
///
/// with M the within transform of the panel (or demeaning without fixed effects). The scaled
/// residuals have mean 0 and variance σ² of the outcome; the systematic part Xβ + WXθ + μ + α uses
/// the outcome's β, θ. ρ of the outcome must lie in W's stable interval.
struct ObservedRecovery {
    let residuals: [Double]
    let fixedEffects: [Double]
    let scaledResiduals: [Double]
    let systematic: [Double]

    /// - Parameters:
    ///   - lag: W applied to a vector or, column by column, to the regressors.
    ///   - within: the fixed-effect projection M for the spec's effects (not called for `none`).
    init(spec: ObservedDesignSpec, source: String, x: Matrix, y: [Double], stableInterval: (Double, Double),
         lagRegressors: (Matrix) -> Matrix, lag: ([Double]) -> [Double],
         within: (_ r: [Double], _ effects: FixedEffects) throws -> [Double]) throws {
        let wx = lagRegressors(x)
        func linear(_ q: ObservedDesignSpec.Parameters) -> [Double] {
            var out = x.multiply(q.beta.map(\.value))
            let lagged = wx.multiply(q.theta.map(\.value))
            for k in out.indices { out[k] += lagged[k] }
            return out
        }
        // The parser admits only FixedEffects' raw values; any other would be a wrong world, not two-way effects.
        guard let effects = FixedEffects(rawValue: spec.effects) else {
            throw ScenarioError(source: source, path: "city_system.observed.effects",
                                reason: "`\(spec.effects)` is not one of \(FixedEffects.spellings.joined(separator: ", "))")
        }
        let wy = lag(y)
        let fitted = linear(spec.fit)
        let r = (0..<y.count).map { y[$0] - spec.fit.rho * wy[$0] - fitted[$0] }
        let e: [Double]
        if effects == .none {
            let m = Statistics.mean(r)
            e = r.map { $0 - m }
        } else {
            e = try within(r, effects)
        }
        residuals = e
        let fe = zip(r, e).map { $0 - $1 }
        fixedEffects = fe
        let centre = Statistics.mean(e)
        let meanSquare = e.reduce(0) { $0 + ($1 - centre) * ($1 - centre) } / Double(e.count)
        let scale = (spec.outcome.sigma2 / meanSquare).squareRoot()
        scaledResiduals = e.map { ($0 - centre) * scale }
        systematic = zip(linear(spec.outcome), fe).map { $0 + $1 }
        let (lo, hi) = stableInterval
        guard spec.outcome.rho > lo, spec.outcome.rho < hi else {
            throw CalibrationError.unstableRho(scenario: source, key: spec.outcome.rho == spec.fit.rho ? "fit.rho" : "outcome.rho",
                                               rho: spec.outcome.rho, lower: lo, upper: hi)
        }
    }
}
