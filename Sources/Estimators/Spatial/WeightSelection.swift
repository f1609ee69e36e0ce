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

/// The model W selection fits with every candidate.
public enum WeightSelectionModel: Sendable {
    /// A static lag model (sdm or sar) under its effects and approach.
    case spatial(SpatialModelSpec)
    /// The dynamic SDM (issue 25; `DynamicSpatialEstimator`), fitted by QML conditional on the
    /// first year *without* the bias correction — the maximised likelihood is the quantity compared,
    /// and the correction, which can be refused near a unit root, would move no candidate's
    /// likelihood to its maximum — with the marginal `MarginalCriterion.conditionalWithin`.
    case dynamic(DurbinVariables)

    /// The model's name as scenarios and the CLI spell it.
    public var name: String {
        switch self {
        case .spatial(let spec): return spec.model.rawValue
        case .dynamic: return "sdm_dynamic"
        }
    }
}

/// The candidates and which one each rule chooses.
public struct WeightSelectionResult: Sendable {
    public let model: WeightSelectionModel
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
    /// ν: the exponent of S(ρ)^{−ν/2}, the observations left after the fixed effects and the p coefficients.
    public let nu: Double
    /// Which Bayes factor this is (it depends on the approach; `MarginalCriterion`).
    public let criterion: MarginalCriterion

    func with(_ criterion: MarginalCriterion) -> LogMarginalLikelihood {
        LogMarginalLikelihood(value: value, posteriorMode: posteriorMode, relativeError: relativeError, intervals: intervals, nu: nu,
                              criterion: criterion)
    }
}

/// The two marginal likelihoods of a lag model with fixed effects. They are different Bayes
/// factors, not two roundings of one: integrating flat priors on the *structural* fixed effects
/// (those in A y = Zβ + μ + α + ε, A = I − ρW) leaves the within likelihood with Jacobian T·ln|A|
/// and N + T − 1 fewer degrees of freedom (LeSage & Pace 2009, §6.3; Elhorst's panel version);
/// the Lee–Yu transformed likelihood is the same integral with flat priors on the *reduced-form*
/// effects A⁻¹μ and α_t/(1 − ρ), whose change of variables costs one |A| for the N unit effects
/// and (1 − ρ) for each of the T − 1 free time effects: Jacobian (T − 1)[ln|A| − ln(1 − ρ)] with
/// the same ν = (N − 1)(T − 1) − p in the two-way case. The
/// factor depends on W through |A|, so the two can rank candidates differently. Each approach
/// reports the marginal of its own likelihood, so a W chosen under an approach is the W that
/// approach's estimator would fit best in the Bayesian sense.
public enum MarginalCriterion: String, Sendable, Codable {
    /// LeSage & Pace (2009, §6.3) with the fixed-effects correction: J = T·ln|A|,
    /// ν = NT − (absorbed fixed effects: N + T − 1 two-way, N or T one-way) − p.
    case lesagePaceWithin = "lesage-pace-within"
    /// The marginal of the Lee–Yu (2010) transformed likelihood: J = the Lee–Yu Jacobian, ν = n* − p.
    case leeYuTransformed = "lee-yu-transformed"
    /// The dynamic SDM (issue 25): p(y_2, …, y_T | y_1, W), the likelihood conditional on the first
    /// year — each year a static SDM given the previous one, so y_{t−1} and W y_{t−1} are regressors —
    /// with the structural fixed effects μ, α_t integrated out under flat priors: the
    /// `lesagePaceWithin` integral on periods 2…T, J = (T − 1)·ln|I − ρW|,
    /// ν = N(T − 1) − (N + T − 2) − p. The estimator's own (Lee–Yu, Yu–de Jong–Lee) quasi-likelihood
    /// counts (N − 1)(T − 1) observations for within-demeaned data of rank (N − 1)(T − 2), so it is
    /// not a density of the data and its integral would be no Bayes factor; this one is.
    case conditionalWithin = "lesage-pace-within-conditional"

    public init(_ approach: SpatialApproach) {
        self = approach == .direct ? .lesagePaceWithin : .leeYuTransformed
    }

    /// One line for the command's output.
    public var summary: String {
        switch self {
        case .lesagePaceWithin:
            return "log p(y|W): LeSage & Pace (2009, §6.3) with the fixed effects integrated out (flat priors on them, Elhorst's panel version): Jacobian T·ln|I − ρW|, ν = NT − (fixed effects) − p"
        case .leeYuTransformed:
            return "log p(y|W): marginal of the Lee–Yu transformed likelihood (flat priors on the reduced-form fixed effects): Jacobian (T−1)[ln|I − ρW| − ln(1 − ρ)] (two-way), ν = n* − p"
        case .conditionalWithin:
            return "log p(y|W): dynamic SDM, likelihood conditional on the first year with the fixed effects integrated out (flat priors on μ, α_t, β, θ, τ, η; LeSage & Pace §6.3 on periods 2…T): Jacobian (T−1)·ln|I − ρW|, ν = N(T−1) − (N + T − 2) − p"
        }
    }
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
        try compare(.spatial(spec), panel: panel, candidates: candidates)
    }

    /// Fits `model` with every candidate (all of them N × N in the panel's unit order).
    public static func compare(_ model: WeightSelectionModel, panel: SpatialPanel,
                               candidates: [(name: String, weights: SpatialWeights)]) throws -> WeightSelectionResult {
        guard !candidates.isEmpty else { throw EstimationError("W selection needs at least one candidate weight matrix") }
        let fits = try candidates.map { c -> (SpatialFitResult, LogMarginalLikelihood) in
            do {
                switch model {
                case .spatial(let spec):
                    return (try SpatialEstimator.fit(spec, panel: panel, weights: c.weights),
                            try logMarginal(spec, panel: panel, weights: c.weights))
                case .dynamic(let durbin):
                    return (try DynamicSpatialEstimator.fit(panel: panel, weights: c.weights, durbin: durbin, biasCorrection: .none).fit,
                            try logMarginalDynamic(panel: panel, weights: c.weights, durbin: durbin))
                }
            } catch let e as EstimationError {
                throw EstimationError("candidate W `\(c.name)`: \(e.message)")
            }
        }
        let post = posteriors(logMarginals: fits.map(\.1.value))
        return WeightSelectionResult(model: model, candidates: zip(candidates, zip(fits, post)).map { c, fp in
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
    /// the interval's length. ν depends on the approach (`MarginalCriterion`): under the direct
    /// approach the absorbed fixed effects are integrated out too, ν = NT − (N + T − 1) − p for
    /// two-way effects (N or T one-way; LeSage & Pace 2009 §6.3, Elhorst's panel version); under
    /// Lee–Yu the transformed panel has none left, ν = n* − p. The common factor ½ of the σ integral is dropped. |Z'Z| depends on
    /// W through the W-lags of X, which is why it stays. S(ρ) is quadratic in ρ once the two
    /// regressions are done, and J costs O(N) with the cached spectrum, so each evaluation of
    /// the integrand is O(N). The integral is adaptive (GSL QAGP) with breakpoints at the mode
    /// and ±10 posterior SDs, scaled by the value at the mode so it cannot overflow.
    public static func logMarginal(_ spec: SpatialModelSpec, panel: SpatialPanel, weights: SpatialWeights) throws -> LogMarginalLikelihood {
        guard spec.model.hasLag, !spec.model.hasErrorLag else {
            throw EstimationError("posterior model probabilities over W are implemented for the models with a spatial lag of y (sdm, sar), not \(spec.model.rawValue)")
        }
        let d = try SpatialDesign(spec: spec, panel: panel, weights: weights)
        let ls0 = try LeastSquares(x: d.z, y: d.y)
        let lsd = try LeastSquares(x: d.z, y: d.wy)
        let s00 = Vector.dot(ls0.residuals, ls0.residuals)
        let s0d = Vector.dot(ls0.residuals, lsd.residuals)
        let sdd = Vector.dot(lsd.residuals, lsd.residuals)
        let criterion = MarginalCriterion(spec.approach)
        let nu = d.shape.nStar - absorbedFixedEffects(spec, n: d.n, t: d.t) - Double(d.p)
        guard nu > 0 else { throw EstimationError("W selection needs more observations (n* = \(d.shape.nStar)) than fixed effects and coefficients (\(d.p))") }
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
                                     intervals: integral.intervals, nu: nu, criterion: criterion)
    }

    /// log p(y_2, …, y_T | y_1, W) of the dynamic SDM (`MarginalCriterion.conditionalWithin`).
    /// Given y_{t−1}, year t is a static SDM with y_{t−1} and W y_{t−1} among its regressors, so the
    /// likelihood conditional on the first year is the static two-way SDM likelihood on periods
    /// 2…T of the augmented panel (`DynamicSpatialEstimator.augmentedPanel`), with Jacobian
    /// (T − 1)·ln|I − ρW| and the structural μ, α_t as regressors; its marginal under flat priors on
    /// them is the direct approach's (LeSage & Pace 2009, §6.3, with the fixed-effects correction).
    public static func logMarginalDynamic(panel: SpatialPanel, weights: SpatialWeights,
                                          durbin: DurbinVariables) throws -> LogMarginalLikelihood {
        let (augmented, lagged) = try DynamicSpatialEstimator.augmentedPanel(panel, durbin: durbin)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .direct, durbin: lagged)
        return try logMarginal(spec, panel: augmented, weights: weights).with(.conditionalWithin)
    }

    /// The fixed effects the direct approach's within transform absorbs (integrated out under
    /// flat priors): N + T − 1 two-way, N individual, T time, none pooled (its intercept is in p).
    /// The Lee–Yu transformation has already removed them from n*.
    static func absorbedFixedEffects(_ spec: SpatialModelSpec, n: Int, t: Int) -> Double {
        guard spec.approach == .direct else { return 0 }
        switch spec.effects {
        case .none: return 0
        case .individual: return Double(n)
        case .time: return Double(t)
        case .twoWays: return Double(n + t - 1)
        }
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
    /// Which marginal likelihood `log_marginal` is (`MarginalCriterion`): lesage-pace-within or lee-yu-transformed.
    public let criterion: String
    /// ν of the marginal (observations left after fixed effects and coefficients).
    @FiniteOrNull public var nu: Double
    public let n_units: Int
    public let n_periods: Int
    public let candidates: [Candidate]
    /// The chosen candidate's `weights` by each rule.
    public let selected: [String: String]

    public init(_ r: WeightSelectionResult) {
        let spec = r.candidates[0].fit.spec
        model = r.model.name
        effects = spec.effects.rawValue
        approach = spec.approach.rawValue
        criterion = r.candidates[0].logMarginal.criterion.rawValue
        nu = r.candidates[0].logMarginal.nu
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
