import Foundation
import Numerics

/// One candidate weight matrix fitted to a panel, with the evidence for it.
public struct WeightCandidate: Sendable {
    public let name: String
    /// The QML fit of the model with this W (its log-likelihood, AIC and BIC are the ones reported).
    public let fit: SpatialFitResult
    /// log p(y | W) of LeSage & Pace (2009, §6.3), up to a constant common to every candidate.
    public let logMarginal: LogMarginalLikelihood
    /// Posterior probability of this W among the candidates (equal prior model probabilities).
    public let posterior: Double

    public var logLikelihood: Double { fit.logLikelihood }
    public var aic: Double { fit.aic }
    public var bic: Double { fit.bic }
}

/// The candidates and which one each rule chooses.
public struct WeightSelectionResult: Sendable {
    public let candidates: [WeightCandidate]
    /// Index of the candidate with the largest maximised log-likelihood.
    public var byLogLikelihood: Int { argmax(candidates.map(\.logLikelihood)) }
    public var byAIC: Int { argmax(candidates.map { -$0.aic }) }
    public var byBIC: Int { argmax(candidates.map { -$0.bic }) }
    public var byPosterior: Int { argmax(candidates.map(\.posterior)) }

    /// The first index of the largest value (NaN never wins), so ties go to the earlier candidate.
    private func argmax(_ v: [Double]) -> Int {
        var best = 0
        for k in v.indices where v[k] > v[best] || (!v[best].isFinite && v[k].isFinite) { best = k }
        return best
    }
}

/// The log marginal likelihood of a lag model given W, and how its integral went.
public struct LogMarginalLikelihood: Sendable {
    public let value: Double
    /// The mode of ρ's marginal posterior (uniform prior) on the stable interval.
    public let posteriorMode: Double
    /// GSL's error estimate of the integral, relative to its value.
    public let relativeError: Double
    public let intervals: Int
}

/// W selection: fit the same model with each candidate W and compare the maximised
/// log-likelihoods, AIC, BIC and Bayesian posterior model probabilities.
///
/// With one model for every candidate, the parameter count is the same, so AIC and BIC
/// rank the candidates exactly as the log-likelihood does; they differ only in the
/// reported values. The posterior integrates over ρ instead of maximising, so it can disagree.
public enum WeightSelection {
    /// Fits `spec` with every candidate (all of them N × N in the panel's unit order).
    public static func compare(_ spec: SpatialModelSpec, panel: SpatialPanel,
                               candidates: [(name: String, weights: SpatialWeights)]) throws -> WeightSelectionResult {
        guard !candidates.isEmpty else { throw EstimationError("W selection needs at least one candidate weight matrix") }
        let fits = try candidates.map { c -> (SpatialFitResult, LogMarginalLikelihood) in
            do {
                return (try SpatialEstimator.fit(spec, panel: panel, weights: c.weights),
                        try logMarginal(spec, panel: panel, weights: c.weights))
            } catch let e as EstimationError {
                throw EstimationError("candidate W `\(c.name)`: \(e.message)")
            }
        }
        let post = posteriors(logMarginals: fits.map(\.1.value))
        return WeightSelectionResult(candidates: zip(candidates, zip(fits, post)).map { c, fp in
            WeightCandidate(name: c.name, fit: fp.0.0, logMarginal: fp.0.1, posterior: fp.1)
        })
    }

    /// Posterior model probabilities from log marginal likelihoods under equal prior
    /// probabilities: p_m = exp(ℓ_m − ℓ_max) / Σ exp(ℓ_j − ℓ_max) (log-sum-exp, so
    /// log marginals of −10⁵ do not underflow).
    public static func posteriors(logMarginals l: [Double]) -> [Double] {
        guard let top = l.filter(\.isFinite).max() else { return l.map { _ in .nan } }
        let w = l.map { $0.isFinite ? exp($0 - top) : 0 }
        let s = w.reduce(0, +)
        return w.map { $0 / s }
    }

    /// log p(y | W) for a lag model (SDM or SAR), LeSage & Pace (2009, §6.3, eq. 6.14–6.16).
    ///
    /// Priors: p(β, σ) ∝ 1/σ (flat on β, Jeffreys on σ), ρ uniform on the stable interval
    /// (1/ω_min, 1/ω_max). Integrating β and σ analytically leaves, with Z the transformed
    /// design (p columns), ν = n* − p and S(ρ) = e(ρ)'e(ρ) the residual sum of squares of
    /// Qy − ρQWy on QZ,
    ///
    ///   p(y | W) = Γ(ν/2) π^{−ν/2} |Z'Z|^{−1/2} (1/D) ∫ exp(J(ρ)) S(ρ)^{−ν/2} dρ,
    ///
    /// where J(ρ) is the model's Jacobian (MODEL.md §4: c·ln|I − ρW|, Lee–Yu adjusted) and D
    /// the interval's length. The common factor ½ of the σ integral is dropped. |Z'Z| depends on
    /// W through the W-lags of X, which is why it stays. S(ρ) is quadratic in ρ once the two
    /// regressions are done, and J costs O(N) with the cached spectrum, so each evaluation of
    /// the integrand is O(N). The integral is adaptive (GSL QAGP) with breakpoints at the mode
    /// and ±10 posterior SDs, scaled by the value at the mode so it cannot overflow.
    public static func logMarginal(_ spec: SpatialModelSpec, panel: SpatialPanel, weights: SpatialWeights) throws -> LogMarginalLikelihood {
        guard spec.model.hasLag else {
            throw EstimationError("posterior model probabilities over W are implemented for the models with a spatial lag of y (sdm, sar), not \(spec.model.rawValue)")
        }
        let d = try SpatialDesign(spec: spec, panel: panel, weights: weights)
        let ls0 = try LeastSquares(x: d.z, y: d.y)
        let lsd = try LeastSquares(x: d.z, y: d.wy)
        let s00 = Vector.dot(ls0.residuals, ls0.residuals)
        let s0d = Vector.dot(ls0.residuals, lsd.residuals)
        let sdd = Vector.dot(lsd.residuals, lsd.residuals)
        let nu = d.shape.nStar - Double(d.p)
        guard nu > 0 else { throw EstimationError("W selection needs more observations (n* = \(d.shape.nStar)) than coefficients (\(d.p))") }
        let shape = d.shape, spectrum = weights.logDeterminant
        let (lo, hi) = weights.stableInterval
        func rss(_ r: Double) -> Double { s00 - 2 * r * s0d + r * r * sdd }
        /// ln of the integrand: J(ρ) − (ν/2) ln S(ρ).
        func g(_ r: Double) -> Double {
            let s = rss(r)
            guard s > 0 else { return -.infinity }
            return shape.jacobian(r, spectrum: spectrum) - 0.5 * nu * log(s)
        }
        let m = SpatialEstimator.search({ -g($0) }, lower: lo, upper: hi)
        let mode = m.argmin[0]
        let top = g(mode)
        guard top.isFinite else { throw EstimationError("the marginal posterior of ρ is not finite at its mode (\(mode)); the model fits y exactly") }
        // Curvature at the mode: d²/dρ² of J − (ν/2) ln S, with S' = 2(ρ·sdd − s0d), S'' = 2 sdd.
        let s = rss(mode), s1 = 2 * (mode * sdd - s0d)
        let curvature = shape.periods * shape.traceG2(mode, spectrum: spectrum) + 0.5 * nu * (2 * sdd * s - s1 * s1) / (s * s)
        let sd = curvature > 0 ? 1 / curvature.squareRoot() : (hi - lo) / 20
        var points = [lo]
        for x in [mode - 10 * sd, mode, mode + 10 * sd] where x > points.last! + 1e-12 * (hi - lo) && x < hi - 1e-12 * (hi - lo) {
            points.append(x)
        }
        points.append(hi)
        let integral = try Quadrature.integrate({ r in exp(g(r) - top) }, breakpoints: points)
        guard integral.value > 0 else { throw EstimationError("the integral of ρ's marginal posterior vanished") }
        let logDetZZ = try Cholesky(d.z.crossProduct()).logDeterminant
        let constant: Double = lgamma(0.5 * nu) - 0.5 * nu * log(Double.pi) - 0.5 * logDetZZ - log(hi - lo)
        let value: Double = constant + top + log(integral.value)
        return LogMarginalLikelihood(value: value, posteriorMode: mode, relativeError: integral.absoluteError / integral.value,
                                     intervals: integral.intervals)
    }
}

/// The `--json` report of `spillsim estimate w-select` (keys in docs/spatial.md).
public struct WeightSelectionJSON: Encodable, Sendable {
    public struct Candidate: Encodable, Sendable {
        public let weights: String
        @FiniteOrNull public var loglik: Double
        @FiniteOrNull public var aic: Double
        @FiniteOrNull public var bic: Double
        @FiniteOrNull public var log_marginal: Double
        @FiniteOrNull public var posterior: Double
        @FiniteOrNull public var rho: Double
        public let termination: FitTermination
    }
    public let command = "w-select"
    public let model: String
    public let effects: String
    public let approach: String
    public let n_units: Int
    public let n_periods: Int
    public let candidates: [Candidate]
    /// The chosen candidate's `weights` by each rule.
    public let selected: [String: String]

    public init(_ r: WeightSelectionResult) {
        let spec = r.candidates[0].fit.spec
        model = spec.model.rawValue
        effects = spec.effects.rawValue
        approach = spec.approach.rawValue
        n_units = r.candidates[0].fit.n
        n_periods = r.candidates[0].fit.t
        candidates = r.candidates.map {
            Candidate(weights: $0.name, loglik: $0.logLikelihood, aic: $0.aic, bic: $0.bic, log_marginal: $0.logMarginal.value,
                      posterior: $0.posterior, rho: $0.fit.rho ?? .nan, termination: $0.fit.termination)
        }
        selected = ["loglik": r.candidates[r.byLogLikelihood].name, "aic": r.candidates[r.byAIC].name,
                    "bic": r.candidates[r.byBIC].name, "posterior": r.candidates[r.byPosterior].name]
    }
}
