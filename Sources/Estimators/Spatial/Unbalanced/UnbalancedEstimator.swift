import Foundation
import Numerics

/// What the unbalanced estimator did with the panel: reported beside the fit.
public struct UnbalancedPattern: Sendable {
    /// Observed city-years used, out of N·T.
    public let rowsUsed: Int
    public let n: Int
    public let t: Int
    /// Number of distinct city sets S_t, i.e. distinct W_t.
    public let distinctWeights: Int
    /// Cities present in each period.
    public let citiesPerPeriod: [Int]
    /// City-years whose row of W_t is zero (no neighbour present that year).
    public let isolatedCityYears: Int
    /// rank(D): fixed effects identified by the data (units present + rank of the period block).
    public let fixedEffectRank: Int
    public let restandardised: Bool

    public var shareObserved: Double { Double(rowsUsed) / Double(n * t) }
}

/// A fit on an unbalanced panel: the common fit result (ρ, β, θ, σ², SEs, …), the
/// degrees-of-freedom corrected σ² and the pattern.
public struct UnbalancedFit: Sendable {
    public let fit: SpatialFitResult
    /// e'e/(n − rank(D)): σ² corrected for the fixed effects the likelihood concentrates out.
    /// The QML σ̂² = e'e/n is biased down by the factor 1 − rank(D)/n ≈ 1 − 1/T̄ − 1/N̄ (Lee & Yu
    /// 2010, Theorem 3 for the balanced direct approach); the expected score of σ² at the truth is
    /// −rank(D)/(2σ²), and this divisor removes it.
    public let sigma2DOF: Double
    public let pattern: UnbalancedPattern
    /// The fit with ρ, β, θ, σ² bias-corrected (Lee & Yu 2010 adapted, `UnbalancedBias`); nil with
    /// `biasCorrectionUnavailable` saying why (it needs each city set's spectrum with a symmetric form).
    public let biasCorrected: SpatialFitResult?
    public let biasCorrectionUnavailable: String?
    /// tr(P_D G) at ρ̂: minus the expected score of ρ at the truth (0 without ρ).
    public let traceProjectedG: Double?
}

/// Exact QML of the spatial Durbin family on an unbalanced panel (docs/unbalanced.md):
///
///   y_t = ρ W_t y_t + X_t β + W_t X_t θ + μ_i + α_t + ε_t  on the cities S_t present in year t,
///
/// ln L = −(n/2) ln(2πσ²) + Σ_t ln|I − ρW_t| − ‖M_D(y − ρWy − Zβ)‖²/(2σ²), n = Σ_t n_t, where
/// the fixed effects are concentrated out by the exact projection M_D on the observed rows
/// (`FixedEffectProjection`) and the lags are formed before it, period by period (W_t y_t).
/// This is the direct approach of MODEL.md §4 with T·ln|I − ρW| replaced by Σ_t ln|I − ρW_t|;
/// on a balanced panel every W_t = W and it is the balanced direct estimator.
public enum UnbalancedEstimator {
    public static func fit(_ spec: SpatialModelSpec, panel: UnbalancedPanel, weights: PeriodWeights,
                           variance: SpatialVarianceMethod = .analytic) throws -> UnbalancedFit {
        guard spec.approach == .direct else {
            throw EstimationError("the Lee–Yu transformation has no exact form on an unbalanced panel (W_t changes across years, so the orthogonal transformation does not commute with it); use the direct approach — σ² is also reported corrected for the fixed effects")
        }
        guard !spec.model.hasErrorLag else {
            throw EstimationError("models with a spatial error (\(spec.model.rawValue)) are not implemented for unbalanced panels; use sdm, sar, slx or ols")
        }
        guard variance == .analytic else {
            throw EstimationError("the \(variance.rawValue) variance is not implemented for unbalanced panels; use the analytic (oim) variance")
        }
        guard weights.setOfPeriod.count == panel.t else {
            throw EstimationError("the period weights were built for \(weights.setOfPeriod.count) periods, the panel has \(panel.t)")
        }
        let projection = try FixedEffectProjection(panel: panel, effects: spec.effects)
        let d = try design(spec, panel: panel, weights: weights, projection: projection)
        guard Double(panel.observations) > Double(projection.rank + d.p + 1) else {
            throw EstimationError("\(panel.observations) observed city-years cannot identify \(projection.rank) fixed effects and \(d.p + 1) further parameters")
        }
        let logDet = weights.logDeterminant
        let point: PointEstimate
        do {
            switch spec.model {
            case .sdm, .sar:
                let exact = weights.sets.allSatisfy { $0.weights.spectrum != nil }
                point = try SpatialEstimator.fitLag(d, logDeterminant: logDet, interval: weights.stableInterval,
                                                    gridPoints: exact ? 41 : 9)
            default: point = try SpatialEstimator.fitOLS(d)
            }
        } catch let e as CollinearColumnError {
            throw d.collinearityError(e)
        }
        var traceGtG: TraceEstimate?
        let (vcov, termination, reason) = point.withVariance {
            let (vcov, trace) = try covariance(d, point: point, weights: weights, panel: panel, projection: projection)
            traceGtG = trace
            return vcov
        }
        let rho = point.spatial ?? 0
        let loglik = d.logLikelihood(coefficients: point.coefficients, spatial: rho, sigma2: point.sigma2, spectrum: logDet)
        let fit = SpatialFitResult(
            spec: spec, names: d.names, coefficients: point.coefficients,
            rho: spec.model.hasLag ? point.spatial : nil, lambda: nil,
            sigma2: point.sigma2, vcov: vcov, varianceMethod: variance, logLikelihood: loglik,
            nObservations: panel.observations, n: panel.n, t: panel.t, iterations: point.iterations,
            termination: termination, reason: reason,
            regressors: d.regressors, durbinIndex: d.durbinPairs, interval: weights.stableInterval,
            logDeterminant: logDet.method, logDeterminantAccuracy: logDet.accuracy(rho: rho), traceGtG: traceGtG)
        let pattern = UnbalancedPattern(
            rowsUsed: panel.observations, n: panel.n, t: panel.t, distinctWeights: weights.distinctCount,
            citiesPerPeriod: (0..<panel.t).map { panel.periodStart[$0 + 1] - panel.periodStart[$0] },
            isolatedCityYears: weights.isolatedCityYears, fixedEffectRank: projection.rank,
            restandardised: weights.restandardised)
        let sigma2DOF = point.sigma2 * Double(panel.observations) / Double(panel.observations - projection.rank)
        var corrected: SpatialFitResult? = nil, why: String? = nil, trace: Double? = nil
        if fit.vcov.data.allSatisfy({ $0.isFinite }) {
            do {
                let tr = fit.rho == nil ? 0 : try UnbalancedBias.traceProjectedG(rho: rho, projection: projection, weights: weights, panel: panel)
                trace = tr
                corrected = fit.replacingParameters(UnbalancedBias.corrected(fit, rank: projection.rank, traceProjectedG: tr),
                                                    reason: fit.reason)
            } catch {
                why = "\(error)"
            }
        } else {
            why = "the variance is unavailable"
        }
        return UnbalancedFit(fit: fit, sigma2DOF: sigma2DOF, pattern: pattern, biasCorrected: corrected,
                             biasCorrectionUnavailable: why, traceProjectedG: trace)
    }

    /// Lags per period, then the exact fixed-effect projection: M_D y, M_D(W_t y_t), M_D Z.
    static func design(_ spec: SpatialModelSpec, panel: UnbalancedPanel, weights: PeriodWeights,
                       projection: FixedEffectProjection) throws -> SpatialDesign {
        let lagged = try SpatialDesign.laggedColumns(spec, names: panel.names)
        let m = panel.observations
        let (raw, names, pairs) = SpatialDesign.columns(x: panel.x, names: panel.names, intercept: spec.effects == .none,
                                                        lagged: lagged) { weights.lag($0) }
        let z = projection.apply(raw)
        if let j = SpatialDesign.vanishedColumn(z, raw: raw) {
            throw EstimationError("regressor '\(names[j])' is constant after removing the \(spec.effects.rawValue) fixed effects; drop it")
        }
        return SpatialDesign(spec: spec, n: panel.n, t: panel.t, shape: LikelihoodShape(observations: m), names: names,
                             regressors: panel.names, durbinPairs: pairs, y: projection.apply(panel.y),
                             wy: projection.apply(weights.lag(panel.y)), z: z)
    }

    /// Inverse expected information of the direct likelihood with the period sums of the
    /// unbalanced panel: I_ββ = Z̃'Z̃/σ², I_βρ = Z̃'ḡ/σ², I_ρρ = ḡ'ḡ/σ² + Σ_t [tr(G_t²) + tr(G_tᵀG_t)],
    /// I_ρσ² = Σ_t tr(G_t)/σ², I_σ²σ² = n/(2σ⁴), with ḡ = M_D E[Wy] = M_D G μ̂ and μ̂ = Zβ̂ + Dγ̂
    /// the fitted mean *including the fixed effects* (= y − ρ̂Wy − ê). Elhorst's balanced
    /// convention ḡ = G Z̃β̂ drops Dγ̂, which is harmless when G maps the year dummies into
    /// their own span (a row-standardised W in every year) but not here: a city with no
    /// neighbour present has G_t row 0, so the year effects leak into Wy, and G Z̃β̂ then
    /// understates I_ρρ's cross terms (on the cigarette pattern with 9 isolated state-years it
    /// made the SE of W*logy 5× too small against the numerical Hessian).
    static func covariance(_ d: SpatialDesign, point: PointEstimate, weights: PeriodWeights, panel: UnbalancedPanel,
                           projection: FixedEffectProjection) throws -> (Matrix, TraceEstimate?) {
        let p = d.p, s2 = point.sigma2
        let k = p + (point.spatial == nil ? 0 : 1) + 1
        var info = Matrix(rows: k, cols: k)
        let xtx = d.z.crossProduct()
        for j in 0..<p { for i in 0..<p { info[i, j] = xtx[i, j] / s2 } }
        info[k - 1, k - 1] = d.shape.nStar / (2 * s2 * s2)
        var estimate: TraceEstimate?
        if let rho = point.spatial {
            let source = weights.logDeterminant
            let sum = TraceEstimate.weightedSum(try weights.sets.map { set in
                (Double(set.periods.count),
                 try SpatialVariance.effectiveTraceGtG(rho, shape: LikelihoodShape(observations: 1), weights: set.weights))
            })
            let gtg = sum.value
            if sum.probes > 0 { estimate = sum }
            let fitted = d.z.multiply(point.coefficients)
            let wyRaw = weights.lag(panel.y)
            let mean = (0..<panel.observations).map { r in
                panel.y[r] - rho * wyRaw[r] - (d.y[r] - rho * d.wy[r] - fitted[r])
            }
            let g = projection.apply(try weights.applyG(mean, rho: rho))
            let zg = d.z.multiply(g, transpose: true)
            for i in 0..<p { info[i, p] = zg[i] / s2; info[p, i] = zg[i] / s2 }
            info[p, p] = Vector.dot(g, g) / s2 + source.traceG2(rho: rho) + gtg
            info[p, k - 1] = source.traceG(rho: rho) / s2
            info[k - 1, p] = info[p, k - 1]
        }
        return (try SpatialVariance.invertInformation(info), estimate)
    }
}
