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

/// The small-sample correction of the cluster sandwich (issue 20; docs/MODEL.md §5). Each
/// multiplies unit g's residual vector e_g by an adjustment A_g before the scores are formed,
/// with H_gg unit g's T × T block of the hat matrix of the within regression conditional on
/// ρ̂ — the absorbed fixed effects plus the regressors Z̃ (so for ols and slx exactly the
/// textbook estimators, as R clubSandwich `vcovCR` on `lm` with the fixed effects as dummies).
public enum ClusterCorrection: String, Sendable, Codable, CaseIterable {
    /// A_g = I, the sandwich times G/(G − 1) (Stata `vce(cluster)` for ML, xsmle).
    case cr1
    /// Bell & McCaffrey (2002): A_g = (I − H_gg)^{−1/2} (symmetric; Moore–Penrose on the null
    /// direction that unit fixed effects give I − H_gg), no G/(G − 1).
    case cr2
    /// A_g = (I − H_gg)^{−1} (the jackknife's closed form for least squares; clubSandwich
    /// "CR3", without the (G − 1)/G of Stata's `vce(jackknife)`).
    case cr3

    /// The correction used when none is given.
    public static let standard: ClusterCorrection = .cr1

    /// `cr1`, `cr2` or `cr3`, in any case.
    public init?(spelling s: String) { self.init(rawValue: s.lowercased()) }

    public static var spellings: [String] { allCases.map(\.rawValue) }
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
    /// The degrees-of-freedom-corrected residual variance e'e/(n − f − p): the observations left
    /// after the f absorbed fixed effects and the p coefficients (issue 20). The QML σ̂² = e'e/n*
    /// ignores p under Lee–Yu (n* is already net of the fixed effects) and also f under the direct
    /// approach (n* = NT). It is `sigma2`, and every SE is evaluated at it, when `spec.residualVariance`
    /// is `.dof`; by default `sigma2` is the QML one, as in xsmle, spatialreg and spreg (docs/MODEL.md §4).
    /// Nil for fits other than a balanced panel's.
    public internal(set) var sigma2DOF: Double? = nil
    /// The QML σ̂² = e'e/n* (equal to `sigma2` unless `spec.residualVariance` is `.dof`); nil for
    /// fits other than a balanced panel's.
    public internal(set) var sigma2QML: Double? = nil
    /// G, the number of clusters of a clustered variance (the N units); nil for the other variances.
    public internal(set) var clusterCount: Int? = nil
    /// The small-sample correction of a clustered variance (nil for the other variances).
    public internal(set) var clusterCorrection: ClusterCorrection? = nil
    /// With the CR2 cluster variance: each coefficient's Satterthwaite degrees of freedom (in `names`
    /// order; Bell & McCaffrey 2002, docs/MODEL.md §5), the t reference of that coefficient's
    /// interval and p-value. Nil for the other variances, and ρ, λ, effects, curves and turning
    /// points keep `tDegreesOfFreedom`.
    public internal(set) var coefficientDegreesOfFreedom: [Double]? = nil
    /// With `spec.interval == .profile` (the SAC model): the profile-likelihood 95% intervals of ρ
    /// and λ (`SACProfile`); empty otherwise, and for a fit that did not converge (the statistic is
    /// measured from the maximum). `profileFailure` says why an interval that was asked for is absent.
    public internal(set) var profileIntervals: [SACParameter: ProfileLikelihoodInterval] = [:]
    public internal(set) var profileFailure: String? = nil

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
        return EstimateWithSE(estimate: rho, se: vcov[k, k].squareRoot())   // standardErrors[k], without the others
    }
    public var lambdaEstimate: EstimateWithSE? {
        guard let lambda, let k = lambdaIndex else { return nil }
        return EstimateWithSE(estimate: lambda, se: vcov[k, k].squareRoot())
    }

    /// Degrees of freedom of the Student t reference of every interval and test built from this
    /// fit (coefficients, effects, curves, turning points, Fieller sets, U-tests): G − 1 with a
    /// clustered variance (Stata `vce(cluster)`, fixest's default `t.df = "min"`; Cameron &
    /// Miller 2015, §VI), n* − k otherwise (analytic, Hessian, Conley). One rule, docs/MODEL.md §5.
    public var tDegreesOfFreedom: Double {
        if let g = clusterCount { return Double(max(g - 1, 1)) }
        return Double(max(nObservations - parameterCount, 1))
    }

    /// The two-sided critical value t_{df, (1 + level)/2} of `tDegreesOfFreedom`.
    public func criticalValue(level: Double = 0.95) -> Double {
        StudentT.quantile(0.5 + level / 2, df: tDegreesOfFreedom)
    }

    /// Two-sided p-value of a t statistic under `tDegreesOfFreedom` (NaN when the statistic is not finite).
    public func twoSidedPValue(_ statistic: Double) -> Double {
        statistic.isFinite ? 2 * StudentT.survival(abs(statistic), df: tDegreesOfFreedom) : .nan
    }

    /// The t reference of coefficient j (index in `names`): its Satterthwaite df under CR2, else
    /// `tDegreesOfFreedom`; an index past the coefficients (ρ, λ, σ²) gets `tDegreesOfFreedom`.
    public func degreesOfFreedom(coefficient j: Int) -> Double {
        guard let dfs = coefficientDegreesOfFreedom, j < dfs.count, dfs[j].isFinite else { return tDegreesOfFreedom }
        return dfs[j]
    }

    /// The two-sided critical value of coefficient j's t reference (`degreesOfFreedom(coefficient:)`).
    public func criticalValue(level: Double = 0.95, coefficient j: Int) -> Double {
        StudentT.quantile(0.5 + level / 2, df: degreesOfFreedom(coefficient: j))
    }

    /// Two-sided p-value of coefficient j's t statistic under its own t reference.
    public func twoSidedPValue(_ statistic: Double, coefficient j: Int) -> Double {
        statistic.isFinite ? 2 * StudentT.survival(abs(statistic), df: degreesOfFreedom(coefficient: j)) : .nan
    }

    /// Index of a coefficient by name.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }
}
