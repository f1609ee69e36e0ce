import Foundation
import Numerics

/// How the variance of the estimates is computed.
public enum SpatialVarianceMethod: String, Sendable, Codable {
    /// Inverse of the analytic (expected) information matrix: Elhorst (2014, eq. 3.x)
    /// for the direct approach, Lee & Yu (2010) for the transformation approach,
    /// with tr(G), tr(G²), tr(GᵀG) from the cached spectrum (O(N²) per fit).
    case analytic
    /// Inverse of the negative numerical Hessian (central differences) of the full,
    /// unconcentrated log-likelihood — slower; used to confirm the analytic form.
    case numericalHessian
    /// Sandwich clustered by unit around the analytic information (xsmle `vce(cluster)`):
    /// robust to within-unit serial correlation and heteroskedasticity.
    case cluster
    /// Conley spatial-HAC sandwich around the analytic information (the settings are passed
    /// separately as a `ConleySpec`): robust to errors correlated between nearby units.
    case conley
}

/// How a spatial fit ended. Code branches on this; `SpatialFitResult.reason` says it in words.
public enum FitTermination: String, Sendable, Equatable, CaseIterable, Codable {
    /// The likelihood search met its tolerance at an interior optimum and the variance exists.
    case converged
    /// The likelihood keeps rising towards a bound of the stable interval of ρ (or λ).
    case boundary
    /// The search reached its iteration limit.
    case iterationLimit
    /// The likelihood could not be searched; the best grid point is reported.
    case searchFailed
    /// The point estimate converged but the information matrix is singular or not finite.
    case varianceUnavailable

    init(_ search: SearchTermination) {
        switch search {
        case .converged: self = .converged
        case .boundary: self = .boundary
        case .iterationLimit: self = .iterationLimit
        case .searchFailed: self = .searchFailed
        }
    }
}

/// An estimate with its standard error.
public struct EstimateWithSE: Sendable, Equatable, Codable {
    public let estimate: Double
    public let se: Double
    public init(estimate: Double, se: Double) { self.estimate = estimate; self.se = se }
}

/// The immutable result of one spatial fit.
///
/// Parameter vector order (for `vcov`, `parameterNames`): the coefficients in
/// `names` order, then ρ (SAR/SDM/SAC) and λ (SEM/SDEM/SAC) when present, then σ².
public struct SpatialFitResult: Sendable {
    public let spec: SpatialModelSpec
    /// Coefficient names: `(Intercept)` for pooled models, the regressors, then `W*A` lags.
    public let names: [String]
    public let coefficients: [Double]
    /// ρ for SAR/SDM/SAC, nil otherwise.
    public let rho: Double?
    /// λ for SEM/SDEM/SAC, nil otherwise.
    public let lambda: Double?
    public let sigma2: Double
    /// Covariance of (coefficients, ρ and/or λ, σ²).
    public let vcov: Matrix
    public let varianceMethod: SpatialVarianceMethod
    public let logLikelihood: Double
    /// Number of observations entering the likelihood (n* of MODEL.md §4).
    public let nObservations: Int
    public let n: Int
    public let t: Int
    /// Iterations of the one-dimensional search (0 for models without one).
    public let iterations: Int
    public let termination: FitTermination
    /// "converged", or why not, in words (boundary solution, iteration limit, singular information matrix).
    public let reason: String
    public var converged: Bool { termination == .converged }
    /// The original regressor names and, for each, its coefficient index and W-lag index.
    public let regressors: [String]
    public let durbinIndex: [(beta: Int, theta: Int?)]
    /// The admissible interval (1/ω_min, 1/ω_max) of the spatial parameter.
    public let interval: (lower: Double, upper: Double)
    /// How log|I − ρW| was computed, and its accuracy at the estimate (zero for exact and sparse).
    public let logDeterminant: LogDeterminantMethod
    public let logDeterminantAccuracy: LogDeterminantAccuracy
    /// The tr(GᵀG) of the information matrix when it was estimated by Hutchinson probes (W held
    /// sparse), with its MCSE; nil when exact.
    public let traceGtG: TraceEstimate?

    /// Number of estimated parameters (coefficients, spatial parameters, σ²); fixed effects are not counted.
    public var parameterCount: Int { vcov.rows }
    /// −2ℓ + 2k with k = `parameterCount` (fixed effects are concentrated out and not counted).
    public var aic: Double { -2 * logLikelihood + 2 * Double(parameterCount) }
    /// −2ℓ + k ln n*.
    public var bic: Double { -2 * logLikelihood + Double(parameterCount) * log(Double(nObservations)) }

    public var parameterNames: [String] {
        names + (rho != nil ? ["rho"] : []) + (lambda != nil ? ["lambda"] : []) + ["sigma2"]
    }
    /// Index of ρ, or of λ in a model without ρ, in the parameter vector (the first spatial parameter).
    public var spatialIndex: Int? { (rho != nil || lambda != nil) ? names.count : nil }
    /// Index of λ in the parameter vector (after ρ in the SAC model).
    public var lambdaIndex: Int? { lambda == nil ? nil : names.count + (rho == nil ? 0 : 1) }
    public var sigma2Index: Int { vcov.rows - 1 }

    public var parameters: [Double] { coefficients + [rho, lambda].compactMap { $0 } + [sigma2] }
    public var standardErrors: [Double] { (0..<vcov.rows).map { vcov[$0, $0].squareRoot() } }

    public var coefficientTable: [(name: String, value: EstimateWithSE)] {
        let se = standardErrors
        return names.enumerated().map { ($1, EstimateWithSE(estimate: coefficients[$0], se: se[$0])) }
    }
    public var rhoEstimate: EstimateWithSE? {
        guard let rho, let k = spatialIndex else { return nil }
        return EstimateWithSE(estimate: rho, se: standardErrors[k])
    }
    public var lambdaEstimate: EstimateWithSE? {
        guard let lambda, let k = lambdaIndex else { return nil }
        return EstimateWithSE(estimate: lambda, se: standardErrors[k])
    }

    /// Index of a coefficient by name.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }
}
