import Foundation
import Numerics

/// The members of the spatial Durbin family (MODEL.md §4; Elhorst 2014, ch. 2).
public enum SpatialModel: String, Sendable, CaseIterable, Codable {
    /// y = ρWy + Xβ + WXθ + ε
    case sdm
    /// y = ρWy + Xβ + ε
    case sar
    /// y = Xβ + WXθ + ε (no likelihood search)
    case slx
    /// y = Xβ + u, u = λWu + ε
    case sem
    /// y = Xβ + WXθ + u, u = λWu + ε
    case sdem
    /// y = Xβ + ε, the non-spatial model (pooled OLS when `effects` is `.none`)
    case ols
    /// y = ρWy + Xβ + WXθ + u, u = λMu + ε (M = W unless given): the lag-plus-error model
    /// (SAC; xsmle `model(sac)`, spatialreg `sacsarlm`), fitted by `SACEstimator`
    case sac

    /// True for models with a spatially lagged dependent variable (ρ).
    public var hasLag: Bool { self == .sdm || self == .sar || self == .sac }
    /// True for models with a spatially autocorrelated error (λ).
    public var hasErrorLag: Bool { self == .sem || self == .sdem || self == .sac }
    /// True for models that may carry W-lags of regressors.
    public var allowsDurbin: Bool { self == .sdm || self == .slx || self == .sdem || self == .sac }
    /// True for models that read W at all (ols is the only one that does not).
    public var usesWeights: Bool { self != .ols }
    /// True for models whose likelihood has a log-determinant ln|I − ρW| or ln|I − λW|.
    public var hasLogDeterminant: Bool { hasLag || hasErrorLag }
}

/// How fixed effects enter the likelihood (MODEL.md §4 table).
public enum SpatialApproach: String, Sendable, CaseIterable, Codable {
    /// Demean and maximise as if the demeaned errors were NT independent draws.
    case direct
    /// Lee & Yu (2010) orthogonal transformation: n* and the Jacobian lose the
    /// dimensions the transformation removes, which makes σ² (and with time
    /// effects ρ) consistent for fixed T.
    case leeYu = "lee-yu"

}

/// Which residual variance σ̂² a fit reports and evaluates its information matrix at (docs/MODEL.md §4,
/// "Which σ̂²"). β̂ and ρ̂ do not depend on it; the log-likelihood is always the maximum, at the QML σ̂².
public enum ResidualVariance: String, Sendable, CaseIterable, Codable {
    /// e'e/n*, the maximum of the (transformed) likelihood: Lee & Yu (2010, §3) for the Lee–Yu
    /// approach, as xsmle, spatialreg and spreg report it.
    case qml
    /// e'e/(NT − f − p): the observations left after the f absorbed fixed effects and the p
    /// coefficients, unbiased for σ² at the true ρ (e = M ε with M idempotent of rank NT − f − p).
    case dof
}

extension ResidualVariance {
    /// The residual variance used when none is given, by the CLI and by scenarios alike.
    public static let standard: ResidualVariance = .qml

    /// `qml` or `dof`, in any case.
    public init?(spelling s: String) { self.init(rawValue: s.lowercased()) }

    public static var spellings: [String] { allCases.map(\.rawValue) }
}

/// Which regressors get a W-lag in the Durbin models.
public enum DurbinVariables: Sendable, Hashable {
    case all
    case none
    case only([String])
}

/// A model specification: a value, independent of any data.
public struct SpatialModelSpec: Sendable, Hashable {
    public var model: SpatialModel
    public var effects: FixedEffects
    public var approach: SpatialApproach
    public var durbin: DurbinVariables
    /// The σ̂² the fit reports and its variance is evaluated at (the SDM family's analytic variance only).
    public var residualVariance: ResidualVariance
    /// The information matrix the variance inverts and the sandwiches use as their bread: expected
    /// (every model) or observed (the SAC model only, `SACVariance.observedInformation`).
    public var information: InformationMatrix
    /// The 95% interval of the spatial parameters ρ and λ: Wald (every model) or the profile
    /// likelihood (the SAC model only, `SACProfile`); every other estimand's interval is Wald.
    public var interval: SpatialParameterInterval

    public init(model: SpatialModel = .sdm, effects: FixedEffects = .twoWays, approach: SpatialApproach = .direct,
                durbin: DurbinVariables = .all, residualVariance: ResidualVariance = .standard,
                information: InformationMatrix = .standard, interval: SpatialParameterInterval = .standard) {
        self.model = model
        self.effects = effects
        self.approach = approach
        self.durbin = durbin
        self.residualVariance = residualVariance
        self.information = information
        self.interval = interval
    }
}

/// A balanced panel ready for estimation, time-major (observation (t, i) at t·N + i).
public struct SpatialPanel: Sendable {
    public let y: [Double]
    /// NT × k regressors, columns named by `names` (no intercept: it is added for pooled models).
    public let x: Matrix
    public let names: [String]
    public let n: Int
    public let t: Int

    public init(y: [Double], x: Matrix, names: [String], n: Int, t: Int) throws {
        guard n >= 2, t >= 1 else { throw EstimationError("panel needs N ≥ 2 units and T ≥ 1 periods, got N = \(n), T = \(t)") }
        guard y.count == n * t else { throw EstimationError("y has \(y.count) values; N·T = \(n * t)") }
        guard x.rows == n * t else { throw EstimationError("X has \(x.rows) rows; N·T = \(n * t)") }
        guard names.count == x.cols else { throw EstimationError("\(names.count) names for \(x.cols) regressor columns") }
        guard Set(names).count == names.count else { throw EstimationError("regressor names are not unique: \(names)") }
        guard y.allSatisfy({ $0.isFinite }), x.data.allSatisfy({ $0.isFinite }) else {
            throw EstimationError("the panel has missing or non-finite values; remove or impute them before estimating")
        }
        self.y = y
        self.x = x
        self.names = names
        self.n = n
        self.t = t
    }
}

/// A problem with a model specification or its data that the caller can fix.
public struct EstimationError: EstimatorError {
    public typealias Kind = EstimatorFailureKind

    public let kind: Kind
    public let message: String
    public init(kind: Kind, message: String) { self.kind = kind; self.message = message }
}

/// Name of the W-lag of a regressor, as the CLI and JSON report it.
public func spatialLagName(_ name: String) -> String { "W*\(name)" }
