import Foundation
import Numerics

/// The horizon of an effect of the dynamic SDM (Debarsy, Ertur & LeSage 2012; Elhorst 2014, §4.4).
public enum EffectHorizon: String, Sendable, CaseIterable, Codable {
    /// ∂y_t/∂x_tᵀ = (I − ρW)⁻¹(βI + θW): the static SDM's effects at the dynamic ρ.
    case shortRun = "short-run"
    /// The steady state, ((1 − τ)I − (ρ + η)W)⁻¹(βI + θW).
    case longRun = "long-run"
}

/// Short- and long-run effects of a dynamic SDM as static-SDM fits, so that the effects,
/// curves, turning points, Fieller sets and U-tests of `SpatialImpacts` and `SpatialCurves`
/// apply unchanged with delta-method inference.
///
/// Long run: ((1 − τ)I − (ρ + η)W)⁻¹(βI + θW) = (I − ρ_L W)⁻¹(β_L I + θ_L W) with
/// ρ_L = (ρ + η)/(1 − τ), β_L = β/(1 − τ), θ_L = θ/(1 − τ) — the static effects matrix at
/// (β_L, θ_L, ρ_L). Its covariance is J V Jᵀ with J the Jacobian of (β_L, θ_L, ρ_L, σ²) in the
/// dynamic parameters, so every delta-method SE computed on it is the delta method on the
/// dynamic parameters (the chain rule). Short run: (β, θ, ρ, σ²) and their covariance block.
/// The scale 1/(1 − τ) cancels from turning points, so the long-run turning point of an effect
/// is the static formula at ρ_L and the short-run one at ρ; the total effect's (with a
/// row-standardised W) is −(β1 + θ1)/(2(β2 + θ2)) at every horizon.
public enum DynamicEffects {
    /// The static-SDM fit whose effects are the dynamic model's effects at `horizon`; nil for
    /// the long run when the estimates are not stationary (then there is no steady state), with
    /// the reason.
    /// With `scaled: false` the long-run coefficients are β, θ without the common positive factor
    /// 1/(1 − τ): the same curves up to that factor, so the same turning points, shapes and slope
    /// signs, but inference on them free of the factor's noise (see `nonlinear`).
    public static func horizonFit(_ d: DynamicSpatialFit, _ horizon: EffectHorizon,
                                  scaled: Bool = true) -> (fit: SpatialFitResult?, reason: String?) {
        let f = d.fit
        let regs = d.regressors
        // Coefficient layout of a static SDM: regressors, then the W-lags of those that have one.
        var names = regs
        var take = regs.map { f.index(of: $0)! }
        var durbin: [(beta: Int, theta: Int?)] = regs.indices.map { (beta: $0, theta: nil) }
        for (r, name) in regs.enumerated() {
            if let k = f.index(of: spatialLagName(name)) {
                durbin[r].theta = names.count
                names.append(spatialLagName(name))
                take.append(k)
            }
        }
        let p = names.count
        let rhoIndex = f.spatialIndex!, sigmaIndex = f.sigma2Index
        let tau = f.coefficients[d.tauIndex], eta = f.coefficients[d.etaIndex], rho = f.rho!
        // J: rows the static parameters (coefficients, ρ, σ²), columns the dynamic ones.
        var jac = Matrix(rows: p + 2, cols: f.parameterCount)
        var coefficients = take.map { f.coefficients[$0] }
        var rhoH = rho
        switch horizon {
        case .shortRun:
            for (i, k) in take.enumerated() { jac[i, k] = 1 }
            jac[p, rhoIndex] = 1
        case .longRun:
            guard d.largestRoot < 1, tau < 1 else {
                return (nil, "no long-run effects: the estimates are not stationary (largest eigenvalue modulus of (I − ρW)⁻¹(τI + ηW) is \(d.largestRoot) ≥ 1)")
            }
            let s = 1 / (1 - tau)
            for (i, k) in take.enumerated() {
                jac[i, k] = scaled ? s : 1
                jac[i, d.tauIndex] = scaled ? coefficients[i] * s * s : 0
            }
            if scaled { coefficients = coefficients.map { $0 * s } }
            rhoH = (rho + eta) * s
            jac[p, rhoIndex] = s
            jac[p, d.etaIndex] = s
            jac[p, d.tauIndex] = (rho + eta) * s * s
        }
        jac[p + 1, sigmaIndex] = 1
        let vcov = Matrix.product(Matrix.product(jac, f.vcov), jac, transposeB: true)
        let fit = f.replacing(names: names, coefficients: coefficients, rho: rhoH, vcov: vcov, regressors: regs,
                              durbinIndex: durbin)
        return (fit, nil)
    }
}

extension DynamicEffects {
    /// Curves, turning points, dx*/dD and U-tests at `horizon` (arguments as `SpatialCurves.analyse`);
    /// nil when the horizon does not exist (long run of a non-stationary estimate).
    ///
    /// The long-run curves are 1/(1 − τ) times curves with weights (a1, a2) at ρ_L. That positive
    /// common factor moves neither a turning point nor the sign of a slope, so — as the static
    /// code uses weights (1, 1) for the total effect — turning points, Fieller sets and U-tests are
    /// computed without it (`horizonFit(scaled: false)`): otherwise τ̂'s noise, amplified by
    /// 1/(1 − τ̂)², enters the slopes' SEs and costs the U-test power near τ = 1 for nothing.
    /// Turning points and their delta-method SEs are identical either way (the factor cancels in
    /// the ratio and its gradient).
    public static func nonlinear(_ d: DynamicSpatialFit, _ horizon: EffectHorizon, weights: SpatialWeights,
                                 terms: QuadraticTerms, grid: [Double], moderatorValues: [Double], lower: Double,
                                 upper: Double, level: Double = 0.95) throws -> NonlinearEffects? {
        guard let curveFit = horizonFit(d, horizon).fit, let shapeFit = horizonFit(d, horizon, scaled: false).fit else { return nil }
        let curves = try SpatialCurves.analyse(curveFit, weights: weights, terms: terms, grid: grid,
                                               moderatorValues: moderatorValues, lower: lower, upper: upper, level: level)
        guard horizon == .longRun else { return curves }
        let shapes = try SpatialCurves.analyse(shapeFit, weights: weights, terms: terms, grid: grid,
                                               moderatorValues: moderatorValues, lower: lower, upper: upper, level: level)
        return NonlinearEffects(curves: curves.curves, turningPoints: shapes.turningPoints, shifts: shapes.shifts,
                                uTests: shapes.uTests, degreesOfFreedom: curves.degreesOfFreedom)
    }
}

/// Effects, curves, turning points and U-tests of one horizon.
public struct DynamicHorizonAnalysis: Sendable {
    public let horizon: EffectHorizon
    /// The static-SDM parametrisation of this horizon (see `DynamicEffects`); nil with `unavailable`.
    public let fit: SpatialFitResult?
    public let impacts: [RegressorImpact]
    public let nonlinear: NonlinearEffects?
    /// Why this horizon has no effects (long run of a non-stationary estimate), else nil.
    public let unavailable: String?
}

/// Everything `spillsim estimate sdm --dynamic` reports.
public struct DynamicSpatialAnalysis: Sendable {
    public let dynamic: DynamicSpatialFit
    public let shortRun: DynamicHorizonAnalysis
    public let longRun: DynamicHorizonAnalysis

    /// Fits the dynamic SDM and derives both horizons. Curves and U-tests use the 5th–95th
    /// percentiles of the quadratic regressor over the estimation periods 2…T.
    public static func run(dataset: SpatialDataset, durbin: DurbinVariables = .all,
                           biasCorrection: DynamicBiasCorrection = .ydl, gridPoints: Int = 21,
                           level: Double = 0.95) throws -> DynamicSpatialAnalysis {
        let d = try DynamicSpatialEstimator.fit(panel: dataset.panel, weights: dataset.weights, durbin: durbin,
                                                biasCorrection: biasCorrection)
        let n = dataset.panel.n
        func horizon(_ h: EffectHorizon) throws -> DynamicHorizonAnalysis {
            let (fit, reason) = DynamicEffects.horizonFit(d, h)
            guard let fit else {
                return DynamicHorizonAnalysis(horizon: h, fit: nil, impacts: [], nonlinear: nil, unavailable: reason)
            }
            let impacts = try SpatialImpacts.delta(fit, weights: dataset.weights)
            var nonlinear: NonlinearEffects?
            if let terms = dataset.quadratic, let q = dataset.quadraticValues {
                let g = SpatialAnalysis.curveGrid(values: Array(q[n...]), moderator: dataset.moderatorValues.map { Array($0[n...]) },
                                                  gridPoints: gridPoints)
                nonlinear = try DynamicEffects.nonlinear(d, h, weights: dataset.weights, terms: terms, grid: g.grid,
                                                         moderatorValues: g.moderatorValues, lower: g.lower, upper: g.upper,
                                                         level: level)
            }
            return DynamicHorizonAnalysis(horizon: h, fit: fit, impacts: impacts, nonlinear: nonlinear, unavailable: nil)
        }
        return DynamicSpatialAnalysis(dynamic: d, shortRun: try horizon(.shortRun), longRun: try horizon(.longRun))
    }
}
