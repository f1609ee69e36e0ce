import Foundation
import Numerics

/// The link of a binary-response model for the propensity score.
public enum BinaryLink: String, Sendable, CaseIterable {
    case logit, probit
}

/// A fitted propensity-score model P(D = 1 | x) = F(β₀ + xᵀβ).
public struct PropensityModel: Sendable {
    public let link: BinaryLink
    /// Intercept first, then one coefficient per covariate.
    public let coefficients: [Double]
    /// Names matching `coefficients` ("(Intercept)" first).
    public let names: [String]
    /// Fitted probabilities, one per observation.
    public let scores: [Double]
    /// Linear predictor β₀ + xᵀβ (the "logit of the score" for the logit link).
    public let linearPredictor: [Double]
    public let logLikelihood: Double
    public let iterations: Int
    public let converged: Bool
    /// Inverse Fisher information (XᵀWX)⁻¹ at the estimate, intercept first.
    public let covariance: Matrix
}

/// Maximum-likelihood binary regression by iteratively reweighted least squares.
///
/// Each step solves the weighted least-squares problem of McCullagh & Nelder
/// (1989, §4.4): working response z = η + (d − μ)/μ′(η), weights μ′²/(μ(1−μ)).
/// Convergence is declared, as in R's `glm.fit`, when the relative change in
/// deviance |D − D_old|/(|D| + 0.1) falls below `tolerance`; the default
/// 1e-12 is tighter than R's 1e-8 so that scores agree with R to ~1e-9 even
/// where R itself stopped early.
public enum PropensityScore {
    public static let defaultTolerance = 1e-12
    public static let defaultMaxIterations = 100
    /// Fitted probabilities this close to 0 or 1 mean the likelihood has no
    /// finite maximum (complete or quasi-complete separation).
    public static let separationThreshold = 1e-10

    /// Fits the model with an intercept. `covariates` is n × p (no intercept column).
    public static func fit(treated: [Bool], covariates: Matrix, names: [String], link: BinaryLink = .logit,
                           tolerance: Double = defaultTolerance,
                           maxIterations: Int = defaultMaxIterations) throws -> PropensityModel {
        let n = treated.count, p = covariates.cols
        guard covariates.rows == n else {
            throw TreatmentError("propensity score: \(n) treatment indicators but \(covariates.rows) covariate rows")
        }
        guard names.count == p else { throw TreatmentError("propensity score: \(p) covariates but \(names.count) names") }
        let n1 = treated.filter { $0 }.count
        guard n1 > 0, n1 < n else {
            throw TreatmentError("propensity score: the treatment indicator is \(n1 == 0 ? "0" : "1") for every unit; both treated and control units are needed")
        }
        for j in 0..<p {
            let col = covariates.column(j)
            let lo = col.min() ?? 0, hi = col.max() ?? 0
            if hi - lo <= 1e-12 * max(1, abs(hi)) {
                throw TreatmentError("propensity score: covariate '\(names[j])' is constant (\(lo)) in the estimation sample; drop it from the covariates (it is absorbed by the intercept)")
            }
        }
        var x = Matrix(rows: n, cols: p + 1, repeating: 1)
        for j in 0..<p { x.setColumn(j + 1, covariates.column(j)) }
        let d = treated.map { $0 ? 1.0 : 0.0 }

        // Start from μ = (d + 0.5)/2 as glm.fit does for the binomial family.
        var eta = d.map { link.quantile(($0 + 0.5) / 2) }
        var beta = [Double](repeating: 0, count: p + 1)
        var devOld = Double.infinity
        var converged = false
        var iterations = 0
        // One buffer of √w-scaled rows reused by every step (each element is overwritten).
        var xw = x
        var zw = [Double](repeating: 0, count: n)
        var terms = LinkTerms(link: link, count: n)
        var lastDeviance = Double.nan
        while iterations < maxIterations {
            iterations += 1
            terms.weights(at: eta, d: d, design: x, scaled: &xw, response: &zw)
            let ls: LeastSquares
            do { ls = try LeastSquares(x: xw, y: zw) } catch {
                throw TreatmentError("propensity score: the covariates are collinear (\(error)); drop a redundant covariate")
            }
            beta = ls.coefficients
            eta = x.multiply(beta)
            let dev = terms.deviance(d, eta)
            lastDeviance = dev
            if !dev.isFinite { break }
            if abs(dev - devOld) / (abs(dev) + 0.1) < tolerance { converged = true; break }
            devOld = dev
        }
        let mu = terms.means(eta)
        let extreme = mu.filter { $0 < separationThreshold || $0 > 1 - separationThreshold }.count
        if extreme > 0 {
            throw TreatmentError("propensity score: \(extreme) unit(s) have fitted probability numerically 0 or 1 — the covariates (quasi-)completely separate treated from control units, so the \(link.rawValue) has no finite maximum; drop or coarsen the separating covariate, or trim the sample to the region of overlap")
        }
        guard converged else {
            throw TreatmentError("propensity score: IRLS did not converge in \(maxIterations) iterations (\(link.rawValue)); check for near-separation or badly scaled covariates")
        }
        // Information matrix XᵀWX at the estimate.
        terms.weights(at: eta, d: d, design: x, scaled: &xw, response: &zw)
        let cov = try Cholesky(xw.crossProduct()).inverse()
        return PropensityModel(link: link, coefficients: beta, names: ["(Intercept)"] + names, scores: mu,
                               linearPredictor: eta, logLikelihood: -lastDeviance / 2,
                               iterations: iterations, converged: converged, covariance: cov)
    }

    static func deviance(_ d: [Double], _ eta: [Double], _ link: BinaryLink) -> Double {
        var s = 0.0
        for i in 0..<d.count {
            // log μ and log(1−μ) through the link's stable forms.
            s += d[i] == 1 ? link.logMean(eta[i]) : link.logOneMinusMean(eta[i])
        }
        return -2 * s
    }
}

/// The per-observation work of an IRLS step, each quantity computed once per observation.
///
/// The logit's μ = 1/(1 + e^(−η)) enters the clamped mean, the derivative μ(1 − μ), the working
/// response and the deviance's log μ = −log1p(e^(−η)); `BinaryLink`'s functions would each
/// evaluate e^(−η) again. Here e^(−η) is computed once per observation and step (in the deviance
/// pass, for the next step's weights) and every quantity is the same expression of it as in
/// `BinaryLink`, so the fit is bit for bit the one the link functions give. The probit has no
/// shared term and calls the link functions.
struct LinkTerms {
    let link: BinaryLink
    /// e^(−η) at the η of the last `deviance` call (logit only; valid when `cached`).
    private var expMinusEta: [Double]
    private var cached = false

    init(link: BinaryLink, count: Int) {
        self.link = link
        expMinusEta = link == .logit ? [Double](repeating: 0, count: count) : []
    }

    /// μ clamped to [ε, 1 − ε] and dμ/dη (≥ ε), as `BinaryLink.clampedMean` and `.derivative`.
    @inline(__always)
    private func meanAndDerivative(_ i: Int, _ eta: Double) -> (mu: Double, dmu: Double) {
        guard link == .logit else { return (link.clampedMean(eta), link.derivative(eta)) }
        let m = 1 / (1 + (cached ? expMinusEta[i] : exp(-eta)))
        let e = Double.ulpOfOne
        return (min(max(m, e), 1 - e), max(m * (1 - m), e))
    }

    /// The rows of `design` scaled by √w, w = μ′²/(μ(1 − μ)), into `scaled` (same shape), and the
    /// scaled working response √w (η + (d − μ)/μ′) into `response` (length n).
    func weights(at eta: [Double], d: [Double], design: Matrix, scaled: inout Matrix, response: inout [Double]) {
        let n = eta.count, cols = design.cols
        scaled.data.withUnsafeMutableBufferPointer { xw in
            design.data.withUnsafeBufferPointer { x in
                response.withUnsafeMutableBufferPointer { zw in
                    for i in 0..<n {
                        let (mu, dm) = meanAndDerivative(i, eta[i])
                        let dmu = max(dm, 1e-300)
                        let w = dmu * dmu / (mu * (1 - mu))
                        let sw = w.squareRoot()
                        zw[i] = sw * (eta[i] + (d[i] - mu) / dmu)
                        for j in 0..<cols { xw[j * n + i] = x[j * n + i] * sw }
                    }
                }
            }
        }
    }

    /// μ = F(η) unclamped (`BinaryLink.mean`), from the kept e^(−η) for the logit.
    func means(_ eta: [Double]) -> [Double] {
        guard link == .logit, cached else { return eta.map { link.mean($0) } }
        return expMinusEta.map { 1 / (1 + $0) }
    }

    /// −2 log L at η (as `PropensityScore.deviance`); for the logit it keeps e^(−η) for the next weights.
    mutating func deviance(_ d: [Double], _ eta: [Double]) -> Double {
        guard link == .logit else { cached = false; return PropensityScore.deviance(d, eta, link) }
        var s = 0.0
        for i in 0..<d.count {
            let em = exp(-eta[i])
            expMinusEta[i] = em
            // −log1p(e^(−η)) = log μ (`BinaryLink.logMean`); −log1p(e^η) = log(1 − μ).
            s += d[i] == 1 ? -log1p(em) : -log1p(exp(eta[i]))
        }
        cached = true
        return -2 * s
    }
}

extension BinaryLink {
    /// μ = F(η).
    public func mean(_ eta: Double) -> Double {
        switch self {
        case .logit: return 1 / (1 + exp(-eta))
        case .probit: return Normal.cdf(eta)
        }
    }

    /// μ kept inside [ε, 1 − ε] (ε = 2.2e-16, as R's binomial linkinv) for the weights.
    func clampedMean(_ eta: Double) -> Double {
        let e = Double.ulpOfOne
        return min(max(mean(eta), e), 1 - e)
    }

    /// dμ/dη.
    func derivative(_ eta: Double) -> Double {
        switch self {
        case .logit:
            let m = mean(eta)
            return max(m * (1 - m), Double.ulpOfOne)
        case .probit: return max(Normal.density(eta), Double.ulpOfOne)
        }
    }

    /// F⁻¹(p).
    public func quantile(_ p: Double) -> Double {
        switch self {
        case .logit: return log(p / (1 - p))
        case .probit: return Normal.quantile(p)
        }
    }

    func logMean(_ eta: Double) -> Double {
        switch self {
        case .logit: return -log1p(exp(-eta))
        case .probit: return log(max(Normal.cdf(eta), .leastNonzeroMagnitude))
        }
    }

    func logOneMinusMean(_ eta: Double) -> Double {
        switch self {
        case .logit: return -log1p(exp(eta))
        case .probit: return log(max(Normal.survival(eta), .leastNonzeroMagnitude))
        }
    }
}
