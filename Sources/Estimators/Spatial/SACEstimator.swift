import Foundation
import Numerics

/// Exact QML of the general nesting model with a spatial lag and a spatial error process
/// (SAC; LeSage & Pace 2009 §3.1, Elhorst 2014 §2.2, xsmle `model(sac)`, spatialreg `sacsarlm`):
///
///   y = ρWy + Xβ + WXθ + u,   u = λMu + ε,   ε ~ (0, σ²I),
///
/// on a cross-section or a balanced panel with fixed effects removed as for the rest of the
/// family (direct, or the Lee & Yu 2010 transformation; with time effects it needs W and M
/// row-standardised, and then F'W = F'WFF' and F'M = F'MFF' make the transformed model a SAC
/// in N − 1 dimensions). M is W unless another error matrix is given.
///
/// The likelihood, concentrated in β and σ², is a function of (ρ, λ) only:
///   ℓc(ρ, λ) = −(n*/2) ln(e'e/n*) + J_W(ρ) + J_M(λ),  e = Q B(λ)(y − ρWy − Zβ̂(ρ, λ)),
/// with B(λ) = I − λM and J the Jacobians of `LikelihoodShape` from the cached spectra of W and M.
/// Every evaluation is O(p³ + N): e'e and β̂ come from the Gram matrix of
/// [y, Wy, My, MWy, Z, MZ] (formed once), in which the filtered data are linear combinations.
public enum SACEstimator {
    /// Fits the SAC model with `spec.model == .sac`; `errorWeights` is M (nil: M = W).
    /// `clusterCorrection` (cr1, cr2, cr3) applies to the cluster and Conley sandwiches.
    /// `variance` may be analytic (the inverse information: expected, as sacsarlm's
    /// `method = "eigen"`, or observed with `spec.information == .observed`), the numerical Hessian, the cluster sandwich by unit
    /// (`SACVariance.clusterCovariance`) or the Conley sandwich
    /// (`SACVariance.conleyCovariance`; `conley` required with it and refused otherwise); the
    /// sandwiches use the inverse of `spec.information` as their bread.
    /// W and M must carry their spectra (the exact method): with M = W the information matrix and the
    /// sandwiches come from W's spectrum (O(N²T) per fit; `SACVariance.InformationTraces`, `CrossUnitTerm`),
    /// with M ≠ W from dense N × N products, O(N³) per fit.
    public static func fit(_ spec: SpatialModelSpec, panel: SpatialPanel, weights: SpatialWeights,
                           errorWeights: SpatialWeights? = nil,
                           variance: SpatialVarianceMethod = .analytic,
                           clusterCorrection: ClusterCorrection = .standard, conley: ConleySpec? = nil) throws -> SpatialFitResult {
        guard spec.model == .sac else {
            throw EstimationError("internal: SACEstimator fits the sac model, not \(spec.model.rawValue)")
        }
        if let reason = variance.unsupportedReason(for: .sac) { throw EstimationError(reason) }
        guard variance == .cluster || variance == .conley || clusterCorrection == .cr1 else {
            throw EstimationError("the cluster correction \(clusterCorrection.rawValue) applies to the cluster and Conley variances, not to \(variance.rawValue)")
        }
        guard (variance == .conley) == (conley != nil) else {
            throw EstimationError(variance == .conley ? "the Conley variance needs its settings (cutoff, kernel, lag, neighbours)"
                                                      : "Conley settings were given but the variance is \(variance.rawValue)")
        }
        guard spec.interval == .wald || variance == .analytic else {
            throw EstimationError("the profile-likelihood interval of ρ and λ is the likelihood's own (it assumes the model's independent errors), so it does not go with the \(variance.rawValue) variance: use the analytic variance with it, or the Wald interval")
        }
        guard !(spec.information == .observed && variance == .numericalHessian) else {
            throw EstimationError("the numerical Hessian is itself an observed information; use the analytic variance with the observed information")
        }
        let m = errorWeights ?? weights
        guard m.count == panel.n else {
            throw EstimationError("the error weight matrix M has \(m.count) units but the panel has N = \(panel.n)")
        }
        guard weights.spectrum != nil, m.spectrum != nil else {
            throw EstimationError("the SAC model needs the exact spectra of W and M (N ≤ \(SpatialWeights.exactSizeLimit) with the exact log-determinant); its information matrix is formed from dense N × N products")
        }
        if spec.approach == .leeYu, spec.effects.removesTimeEffects, !m.isRowStandardised {
            throw EstimationError("the Lee–Yu transformation with time effects needs a row-standardised error matrix M (its rows sum to 1); row-standardise M or use the direct approach")
        }
        let d = try SACDesign(spec: spec, panel: panel, weights: weights, errorWeights: m)
        let point: SACPoint
        do {
            point = try SACSearch.maximise(d, weights: weights, errorWeights: m)
        } catch let e as CollinearColumnError {
            let which = e.column < d.base.names.count ? "'\(d.base.names[e.column])'" : "a regressor"
            throw EstimationError("\(which) is collinear with earlier regressors after removing the \(spec.effects.rawValue) fixed effects (regressors: \(d.base.names.joined(separator: ", "))); drop it")
        }
        var termination = point.termination
        var reason = point.reason
        let k = d.p + 3
        // CR2/CR3: the regressors X* and their leverage adjustments are built once per fit, where the
        // cluster sandwich first needs them, and reused for CR2's Satterthwaite df below (the same
        // objects, so the same bits as building them twice).
        var sandwich: (regressors: Matrix, adjustments: SpatialVariance.UnitAdjustments)? = nil
        func unitAdjustments() throws -> SpatialVariance.UnitAdjustments {
            if let sandwich { return sandwich.adjustments }
            let made = try SACVariance.unitAdjustments(d, lambda: point.lambda, correction: clusterCorrection)
            sandwich = made
            return made.adjustments
        }
        var vcov: Matrix
        do {
            vcov = spec.information == .observed
                ? try SACVariance.observedCovariance(d, point: point, weights: weights, errorWeights: m)
                : try SACVariance.analyticCovariance(d, point: point, weights: weights, errorWeights: m)
            if variance == .numericalHessian {
                vcov = try SACVariance.numericalHessianCovariance(d, point: point, weights: weights, errorWeights: m, scale: vcov)
            } else if variance == .cluster {
                vcov = try SACVariance.clusterCovariance(d, point: point, weights: weights, errorWeights: m, bread: vcov,
                                                         correction: clusterCorrection, adjustments: unitAdjustments)
            } else if variance == .conley, let conley {
                vcov = try SACVariance.conleyCovariance(d, point: point, weights: weights, errorWeights: m, bread: vcov, conley: conley,
                                                        correction: clusterCorrection)
            }
        } catch {
            vcov = Matrix(rows: k, cols: k, repeating: .nan)
            reason = (termination == .converged ? "" : reason + "; ") + "variance unavailable: \(error)"
            if termination == .converged { termination = .varianceUnavailable }
        }
        let loglik = d.logLikelihood(coefficients: point.coefficients, rho: point.rho, lambda: point.lambda,
                                     sigma2: point.sigma2, weights: weights, errorWeights: m)
        let lo = max(weights.stableInterval.lower, m.stableInterval.lower)
        let hi = min(weights.stableInterval.upper, m.stableInterval.upper)
        var result = SpatialFitResult(
            spec: spec, names: d.base.names, coefficients: point.coefficients, rho: point.rho, lambda: point.lambda,
            sigma2: point.sigma2, vcov: vcov, varianceMethod: variance, logLikelihood: loglik,
            nObservations: Int(d.shape.nStar.rounded()), n: d.base.n, t: d.base.t, iterations: point.iterations,
            termination: termination, reason: reason, regressors: d.base.regressors, durbinIndex: d.base.durbinPairs,
            interval: (lo, hi), logDeterminant: weights.logDeterminant.method,
            logDeterminantAccuracy: weights.logDeterminant.accuracy(rho: point.rho), traceGtG: nil)
        if spec.interval == .profile {
            // Measured from the certified maximum only: from another point the statistic is not an LR.
            if termination == .converged || termination == .varianceUnavailable {
                do {
                    for parameter in SACParameter.allCases {
                        result.profileIntervals[parameter] = try SACProfile.interval(parameter, design: d, point: point,
                                                                                      weights: weights, errorWeights: m)
                    }
                } catch {
                    result.profileIntervals = [:]
                    result.profileFailure = "\(error)"
                }
            } else {
                result.profileFailure = "the fit did not converge (\(termination.rawValue)): no likelihood-ratio interval"
            }
        }
        if variance == .cluster { result.clusterCount = d.base.n; result.clusterCorrection = clusterCorrection }
        if variance == .conley, clusterCorrection != .cr1 { result.clusterCorrection = clusterCorrection }
        // CR2's t reference: each coefficient's Satterthwaite df, for the regression given (ρ̂, λ̂)
        // (`SpatialVariance.satterthwaiteDegreesOfFreedom` on X* = Z̃ − λ̂MZ̃), as the SDM's given ρ̂.
        if variance == .cluster, clusterCorrection == .cr2, termination == .converged {
            // The sandwich converged, so it built `sandwich` (CR2 always adjusts the residuals).
            if (try? unitAdjustments()) != nil, let sandwich {
                result.coefficientDegreesOfFreedom = SpatialVariance.satterthwaiteDegreesOfFreedom(regressors: sandwich.regressors, n: d.base.n,
                                                                                                  t: d.base.t, adjustments: sandwich.adjustments)
            }
        }
        return result
    }
}

/// The SAC estimates before the variance step.
struct SACPoint {
    let coefficients: [Double]
    let rho: Double
    let lambda: Double
    let sigma2: Double
    let iterations: Int
    let termination: FitTermination
    let reason: String
}

/// The transformed data of a SAC fit: the family's design (Qy, Q(Wy), QZ) plus the M-lags
/// Q(My), Q(MWy), Q(MZ), and the Gram matrix of all of them.
struct SACDesign {
    let base: SpatialDesign
    let my: [Double]
    let mwy: [Double]
    let mz: Matrix
    /// Gram matrix of A = [y, Wy, My, MWy, Z, MZ] (all transformed), (4 + 2p) square.
    let gram: Matrix

    var shape: LikelihoodShape { base.shape }
    var p: Int { base.p }

    init(spec: SpatialModelSpec, panel: SpatialPanel, weights: SpatialWeights, errorWeights m: SpatialWeights) throws {
        // The lag design of the family (checks on effects, W and constant columns) with the
        // Durbin columns of `spec`; the error filter is added here.
        var lagSpec = spec
        lagSpec.model = .sdm
        base = try SpatialDesign(spec: lagSpec, panel: panel, weights: weights)
        let n = panel.n, t = panel.t, effects = spec.effects
        let lagged = try SpatialDesign.laggedColumns(lagSpec, names: panel.names)
        let raw = SpatialDesign.columns(x: panel.x, names: panel.names, intercept: effects == .none,
                                        lagged: lagged) { weights.applyPanel($0) }.matrix
        let wyRaw = weights.applyPanel(panel.y)
        my = WithinTransform.apply(m.applyPanel(panel.y), n: n, t: t, effects: effects)
        mwy = WithinTransform.apply(m.applyPanel(wyRaw), n: n, t: t, effects: effects)
        mz = WithinTransform.apply(m.applyPanel(raw), n: n, t: t, effects: effects)
        var cols = [base.y, base.wy, my, mwy]
        for j in 0..<base.z.cols { cols.append(base.z.column(j)) }
        for j in 0..<mz.cols { cols.append(mz.column(j)) }
        gram = try Matrix(columns: cols).crossProduct()
    }

    /// Weights on the columns of A giving e = B(λ)(y − ρWy − Zβ).
    func residualWeights(rho: Double, lambda: Double, beta: [Double]) -> [Double] {
        [1, -rho, -lambda, rho * lambda] + beta.map { -$0 } + beta.map { lambda * $0 }
    }

    /// β̂(ρ, λ) and e'e by GLS on the filtered data through the Gram matrix (nil when Z*'Z* is singular).
    func concentrated(rho: Double, lambda: Double) -> (beta: [Double], ee: Double)? {
        let p = self.p, g = gram
        let ay = [1, -rho, -lambda, rho * lambda]
        var ztz = Matrix(rows: p, cols: p)
        var zty = [Double](repeating: 0, count: p)
        for j in 0..<p {
            for i in 0..<p {
                ztz[i, j] = g[4 + i, 4 + j] - lambda * (g[4 + i, 4 + p + j] + g[4 + p + i, 4 + j])
                    + lambda * lambda * g[4 + p + i, 4 + p + j]
            }
            for a in 0..<4 { zty[j] += ay[a] * (g[4 + j, a] - lambda * g[4 + p + j, a]) }
        }
        var yty = 0.0
        for a in 0..<4 { for b in 0..<4 { yty += ay[a] * ay[b] * g[a, b] } }
        guard let ch = try? Cholesky(ztz), let beta = try? ch.solve(zty) else { return nil }
        return (beta, yty - Vector.dot(zty, beta))
    }

    /// Residuals e = Q B(λ)(y − ρWy − Zβ), formed from the data (not the Gram matrix).
    func residuals(rho: Double, lambda: Double, beta: [Double]) -> [Double] {
        let zb = base.z.multiply(beta), mzb = mz.multiply(beta)
        return (0..<base.y.count).map { k in
            (base.y[k] - rho * base.wy[k] - zb[k]) - lambda * (my[k] - rho * mwy[k] - mzb[k])
        }
    }

    /// Full log-likelihood −(n*/2) ln(2πσ²) − e'e/(2σ²) + J_W(ρ) + J_M(λ).
    func logLikelihood(coefficients b: [Double], rho: Double, lambda: Double, sigma2: Double,
                       weights: SpatialWeights, errorWeights m: SpatialWeights) -> Double {
        let e = residuals(rho: rho, lambda: lambda, beta: b)
        let ee = Vector.dot(e, e)
        let jac = shape.jacobian(rho, spectrum: weights.logDeterminant) + shape.jacobian(lambda, spectrum: m.logDeterminant)
        guard sigma2 > 0, jac.isFinite else { return -.infinity }
        return -0.5 * shape.nStar * log(2 * Double.pi * sigma2) - ee / (2 * sigma2) + jac
    }
}
