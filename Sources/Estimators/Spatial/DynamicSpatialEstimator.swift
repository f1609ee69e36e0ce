import Foundation
import Numerics

/// Which small-T bias correction the dynamic SDM applies.
public enum DynamicBiasCorrection: String, Sendable, CaseIterable, Codable {
    /// Yu, de Jong & Lee (2008), stable case, on the Lee–Yu transformed panel (see `DynamicSpatialEstimator`).
    case ydl
    /// The QML estimates conditional on the first year, uncorrected (O(1/T) biased).
    case none
}

/// The dynamic spatial Durbin panel
///
///   y_t = τ y_{t−1} + η W y_{t−1} + ρ W y_t + X_t β + W X_t θ + μ + α_t ι + ε_t,  t = 2…T,
///
/// by QML conditional on the first year (Yu, de Jong & Lee 2008; Lee & Yu 2010, *Econometric
/// Theory* 26, "A spatial dynamic panel data model with both time and individual fixed effects").
///
/// Transformation: the time effects α_t are removed exactly by the Lee–Yu orthonormal
/// transformation F_N (the N − 1 eigenvectors of J_N = I − ιι'/N; needs a row-standardised W,
/// for which F_N'WF_N is the transformed W), the individual effects μ by the within
/// transformation over t = 2…T. The likelihood then has n* = (N − 1)(T − 1) observations and
/// Jacobian (T − 1)[ln|I − ρW| − ln(1 − ρ)] — the transformed W has W's eigenvalues except the
/// unit one. Sums of squares of F_N'-transformed, within-demeaned data equal those of the
/// two-way demeaned data (F_N F_N' = J_N), so the design is the static SDM's (W-lags first,
/// then demeaning) with y_{t−1} among the regressors and W y_{t−1} as its W-lag, on periods 2…T.
/// This is SDPDmod's `SDPDm(dynamic = TRUE, LYtrans = TRUE, effect = "twoways")` convention.
///
/// Bias correction: the within transformation leaves an O(1/T) bias (Nickell-type, through
/// y_{t−1} and through ρ); the time-effect transformation leaves none. The implemented case is
/// Lee & Yu's transformation approach whose remaining bias is Yu, de Jong & Lee's (2008,
/// Theorem 3) *stable* case applied to the transformed W: θ̂¹ = θ̂ − B̂/(T − 1) with
/// B = −Σ⁻¹ b, i.e. θ̂¹ = θ̂ + V̂ c where V̂ = (n*Σ)⁻¹ is the inverse information and, with
/// A = S⁻¹(τI + ηW), S = I − ρW, G = WS⁻¹, traces over the transformed W (Σ′ below: the sum over
/// W's eigenvalues ω minus the term at ω = 1, because tr F'f(W)F = tr f(W) − f(1) for W ι = ι):
///   c_τ = tr[(I − A)⁻¹S⁻¹] = Σ′ 1/(1 − τ − (ρ + η)ω),
///   c_η = tr[W(I − A)⁻¹S⁻¹] = Σ′ ω/(1 − τ − (ρ + η)ω),
///   c_ρ = τ tr[G(I − A)⁻¹S⁻¹] + η tr[GW(I − A)⁻¹S⁻¹] + tr G
///       = Σ′ (τω + ηω²)/((1 − ρω)(1 − τ − (ρ + η)ω)) + Σ′ ω/(1 − ρω),
///   c_σ² = (N − 1)/(2σ²), and 0 for β, θ.
/// The stable case needs every eigenvalue of the transformed A inside the unit circle; when one
/// is within 1/(N − 1) of 1 (SDPDmod's test for the unstable, spatial-cointegration case, whose
/// correction differs), the correction is refused. Variance: the inverse analytic information at
/// the corrected estimates (normal errors; YDL's extra fourth-moment term is not added).
public enum DynamicSpatialEstimator {
    /// Name of the time lag of the outcome among the coefficients (its W-lag is `W*y(t-1)`).
    public static let lagName = "y(t-1)"

    /// The specification every dynamic fit uses: SDM, two-way effects, transformation approach.
    static func spec(durbin: DurbinVariables) -> SpatialModelSpec {
        SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: durbin)
    }

    /// The static panel on periods 2…T with y_{t−1} appended to the regressors, and the
    /// Durbin list extended so that y_{t−1} carries its W-lag (η).
    public static func augmentedPanel(_ panel: SpatialPanel, durbin: DurbinVariables) throws -> (SpatialPanel, DurbinVariables) {
        guard panel.t >= 3 else {
            throw EstimationError("the dynamic SDM needs T ≥ 3 periods (one is lost to the lag, and the within transformation needs two more); the panel has T = \(panel.t)")
        }
        guard !panel.names.contains(lagName), !panel.names.contains(spatialLagName(lagName)) else {
            throw EstimationError("a regressor is named '\(lagName)' or '\(spatialLagName(lagName))', the names of the dynamic terms; rename it")
        }
        let n = panel.n, t = panel.t
        let rows = n * (t - 1)
        var x = Matrix(rows: rows, cols: panel.x.cols + 1)
        for j in 0..<panel.x.cols {
            for r in 0..<rows { x[r, j] = panel.x[n + r, j] }
        }
        for r in 0..<rows { x[r, panel.x.cols] = panel.y[r] }
        let lagged: DurbinVariables
        switch durbin {
        case .all: lagged = .only(panel.names + [lagName])
        case .none: lagged = .only([lagName])
        case .only(let names): lagged = .only(names + [lagName])
        }
        let augmented = try SpatialPanel(y: Array(panel.y[n...]), x: x, names: panel.names + [lagName], n: n, t: t - 1)
        return (augmented, lagged)
    }

    /// Fits the dynamic SDM to a panel of T periods (the first is conditioned on).
    public static func fit(panel: SpatialPanel, weights: SpatialWeights, durbin: DurbinVariables = .all,
                           biasCorrection: DynamicBiasCorrection = .ydl) throws -> DynamicSpatialFit {
        guard weights.isRowStandardised else {
            throw EstimationError("the dynamic SDM removes time effects by the Lee–Yu transformation, which needs a row-standardised W (its rows sum to 1); row-standardise W")
        }
        guard let spectrum = weights.spectrum, spectrum.isReal else {
            throw EstimationError("the dynamic SDM's bias correction and long-run effects use the eigenvalues of W, which must be held dense with a real spectrum (log-determinant method exact; W similar to a symmetric matrix)")
        }
        let (augmented, lagged) = try augmentedPanel(panel, durbin: durbin)
        let n = Double(panel.n), periods = Double(augmented.t)
        let shape = LikelihoodShape(nStar: (n - 1) * periods, periods: periods, dropsUnitRoot: 1)
        let design: SpatialDesign
        do {
            design = try SpatialDesign(spec: spec(durbin: lagged), panel: augmented, weights: weights, shape: shape)
        } catch let e as EstimationError {
            throw EstimationError("dynamic SDM: \(e.message)")
        }
        let raw = try SpatialEstimator.fit(design.spec, panel: augmented, weights: weights, variance: .analytic, clock: nil,
                                           shared: nil, design: design)
        let tauIndex = raw.index(of: lagName)!
        let etaIndex = raw.index(of: spatialLagName(lagName))!
        guard biasCorrection == .ydl, raw.converged else {
            let reason = biasCorrection == .ydl ? raw.reason + "; bias correction not applied (the uncorrected fit did not converge)" : raw.reason
            return DynamicSpatialFit(fit: raw.replacing(reason: reason), uncorrected: raw, biasCorrection: biasCorrection,
                                     correction: [Double](repeating: 0, count: raw.parameterCount), correctionApplied: false,
                                     tauIndex: tauIndex, etaIndex: etaIndex, eigenvalues: spectrum.real)
        }
        let tau = raw.coefficients[tauIndex], eta = raw.coefficients[etaIndex], rho = raw.rho!
        let worst = largestTransformedRoot(tau: tau, eta: eta, rho: rho, eigenvalues: spectrum.real)
        guard worst < 1 - 1 / (n - 1) else {
            throw DynamicEstimationError.unstable(largestRoot: worst,
                message: "the uncorrected estimates (τ = \(tau), η = \(eta), ρ = \(rho)) put an eigenvalue of (I − ρW)⁻¹(τI + ηW) other than the common-factor one at \(worst), within 1/(N − 1) of the unit circle; the Yu–de Jong–Lee stable-case correction does not apply (use bias correction none)")
        }
        var c = [Double](repeating: 0, count: raw.parameterCount)
        let terms = ydlTerms(tau: tau, eta: eta, rho: rho, eigenvalues: spectrum.real)
        c[tauIndex] = terms.tau
        c[etaIndex] = terms.eta
        c[raw.spatialIndex!] = terms.rho
        c[raw.sigma2Index] = (n - 1) / (2 * raw.sigma2)
        let correction = raw.vcov.multiply(c)
        let corrected = zip(raw.parameters, correction).map { $0 + $1 }
        let p = raw.coefficients.count
        let rhoC = corrected[p], sigma2C = corrected[p + 1]
        let (lo, hi) = weights.stableInterval
        guard rhoC > lo, rhoC < hi, sigma2C > 0 else {
            throw EstimationError("the bias-corrected ρ = \(rhoC) (σ² = \(sigma2C)) leaves the stable interval (\(lo), \(hi)); use bias correction none")
        }
        let point = PointEstimate(coefficients: Array(corrected[0..<p]), spatial: rhoC, sigma2: sigma2C,
                                  iterations: raw.iterations, termination: .converged, reason: "converged")
        var termination = FitTermination.converged
        var reason = "converged; Yu–de Jong–Lee bias correction applied"
        var vcov: Matrix
        do {
            vcov = try SpatialVariance.analyticCovariance(design, point: point, weights: weights).vcov
        } catch {
            vcov = Matrix(rows: raw.parameterCount, cols: raw.parameterCount, repeating: .nan)
        }
        if !vcov.data.allSatisfy({ $0.isFinite }) {
            termination = .varianceUnavailable
            reason = "variance unavailable at the bias-corrected estimates: the information matrix is singular or not finite"
        }
        let loglik = design.logLikelihood(coefficients: point.coefficients, spatial: rhoC, sigma2: sigma2C,
                                          spectrum: weights.logDeterminant)
        let fit = raw.replacing(coefficients: point.coefficients, rho: rhoC, sigma2: sigma2C, vcov: vcov,
                                logLikelihood: loglik, termination: termination, reason: reason,
                                accuracy: weights.logDeterminant.accuracy(rho: rhoC))
        return DynamicSpatialFit(fit: fit, uncorrected: raw, biasCorrection: biasCorrection, correction: correction,
                                 correctionApplied: true, tauIndex: tauIndex, etaIndex: etaIndex, eigenvalues: spectrum.real)
    }

    /// The traces c_τ, c_η, c_ρ of the correction (see the type's comment): sums over the
    /// eigenvalues ω of W minus the term at ω = 1, the eigenvalue F_N removes.
    static func ydlTerms(tau: Double, eta: Double, rho: Double, eigenvalues: [Double]) -> (tau: Double, eta: Double, rho: Double) {
        func terms(_ w: Double) -> (Double, Double, Double) {
            let s = 1 - rho * w
            let r = 1 - tau - (rho + eta) * w
            return (1 / r, w / r, (tau * w + eta * w * w) / (s * r) + w / s)
        }
        var a = 0.0, b = 0.0, c = 0.0
        for w in eigenvalues {
            let (x, y, z) = terms(w)
            a += x; b += y; c += z
        }
        let (x, y, z) = terms(1)
        return (a - x, b - y, c - z)
    }

    /// Eigenvalues of A = (I − ρW)⁻¹(τI + ηW) are (τ + ηω)/(1 − ρω). The largest modulus
    /// over W's eigenvalues with one unit eigenvalue removed (the common factor the time
    /// effects absorb).
    static func largestTransformedRoot(tau: Double, eta: Double, rho: Double, eigenvalues: [Double]) -> Double {
        let unit = eigenvalues.indices.min { abs(eigenvalues[$0] - 1) < abs(eigenvalues[$1] - 1) }
        var worst = 0.0
        for (k, w) in eigenvalues.enumerated() where k != unit {
            worst = max(worst, abs((tau + eta * w) / (1 - rho * w)))
        }
        return worst
    }

    /// Largest modulus of the eigenvalues of A over all of W's eigenvalues (< 1: stationary).
    public static func largestRoot(tau: Double, eta: Double, rho: Double, eigenvalues: [Double]) -> Double {
        eigenvalues.reduce(0) { max($0, abs((tau + eta * $1) / (1 - rho * $1))) }
    }
}

/// Why a dynamic fit was refused, as a type code can branch on.
public enum DynamicEstimationError: Error, CustomStringConvertible {
    /// The YDL stable-case correction does not apply at these estimates.
    case unstable(largestRoot: Double, message: String)

    public var description: String {
        switch self { case .unstable(_, let message): message }
    }
}

/// The result of one dynamic SDM fit.
///
/// `fit` holds the reported estimates (bias-corrected or not) with coefficient names
/// `regressors…, y(t-1), W*regressors…, W*y(t-1)` and its covariance; `uncorrected` the QML
/// estimates conditional on the first year.
public struct DynamicSpatialFit: Sendable {
    public let fit: SpatialFitResult
    public let uncorrected: SpatialFitResult
    public let biasCorrection: DynamicBiasCorrection
    /// θ̂¹ − θ̂ in the parameter order of `fit` (zeros when not applied).
    public let correction: [Double]
    public let correctionApplied: Bool
    public let tauIndex: Int
    public let etaIndex: Int
    /// W's eigenvalues (for stability and long-run multipliers).
    let eigenvalues: [Double]

    public var tau: EstimateWithSE { EstimateWithSE(estimate: fit.coefficients[tauIndex], se: fit.standardErrors[tauIndex]) }
    public var eta: EstimateWithSE { EstimateWithSE(estimate: fit.coefficients[etaIndex], se: fit.standardErrors[etaIndex]) }
    public var rho: EstimateWithSE { fit.rhoEstimate! }
    /// Largest modulus of the eigenvalues of (I − ρW)⁻¹(τI + ηW): below 1 the process is stationary
    /// and long-run effects exist.
    public var largestRoot: Double {
        DynamicSpatialEstimator.largestRoot(tau: fit.coefficients[tauIndex], eta: fit.coefficients[etaIndex],
                                            rho: fit.rho!, eigenvalues: eigenvalues)
    }
    /// The regressors of the static part (without y(t-1)).
    public var regressors: [String] { fit.regressors.filter { $0 != DynamicSpatialEstimator.lagName } }
}

extension SpatialFitResult {
    /// The same fit with some fields replaced (the dynamic SDM's corrected and effect-horizon fits).
    func replacing(names: [String]? = nil, coefficients: [Double]? = nil, rho: Double? = nil, sigma2: Double? = nil,
                   vcov: Matrix? = nil, logLikelihood: Double? = nil, termination: FitTermination? = nil,
                   reason: String? = nil, regressors: [String]? = nil,
                   durbinIndex: [(beta: Int, theta: Int?)]? = nil, accuracy: LogDeterminantAccuracy? = nil) -> SpatialFitResult {
        SpatialFitResult(
            spec: spec, names: names ?? self.names, coefficients: coefficients ?? self.coefficients, rho: rho ?? self.rho,
            lambda: lambda, sigma2: sigma2 ?? self.sigma2, vcov: vcov ?? self.vcov, varianceMethod: varianceMethod,
            logLikelihood: logLikelihood ?? self.logLikelihood, nObservations: nObservations, n: n, t: t,
            iterations: iterations, termination: termination ?? self.termination, reason: reason ?? self.reason,
            regressors: regressors ?? self.regressors, durbinIndex: durbinIndex ?? self.durbinIndex, interval: interval,
            logDeterminant: logDeterminant, logDeterminantAccuracy: accuracy ?? logDeterminantAccuracy, traceGtG: traceGtG)
    }
}
