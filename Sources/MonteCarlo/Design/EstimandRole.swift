import Foundation

/// How an estimand is scored (docs/monte-carlo.md, "Which measures apply").
public enum EstimandRole: String, Sendable, CaseIterable, Codable {
    /// A regular parameter or functional: every measure of Morris et al. applies.
    case parameter
    /// A ratio of coefficients (turning points `tp.*`, shifts `shift.*`): it has no
    /// finite moments (its denominator's distribution has positive density at 0), so
    /// mean bias, EmpSE, √mean(s²) and delta-method coverage are not estimable;
    /// robust measures and the Fieller sets are the ones to read.
    case ratio
    /// A test's decision (`utest.*`): the estimate is 1 when it rejects and the
    /// truth 1 when the null is false, so only rejection rates apply.
    case test
    /// W selection (`select.*`, `posterior.true`): the estimate is 1 when a rule picks the
    /// true W (or the posterior probability of the true W) and the truth 1, so the mean is
    /// the selection rate (mean posterior probability) and its MCSE is what applies.
    case selection

    /// The role the catalogue gives the estimand named `name` (`Estimand`).
    public init(estimand name: String) { self = Estimand(name).role }
}

/// How one estimand of one estimator is scored: its role, and whether its truth is
/// the parameter the estimator targets at all (a ρ or θ estimated with a W other
/// than the true one is a different parameter: it is kept, with its spread and SEs,
/// but left out of bias and coverage).
public struct ScoringRule: Equatable, Sendable {
    public var role: EstimandRole
    public var comparable: Bool

    public init(role: EstimandRole, comparable: Bool = true) {
        self.role = role
        self.comparable = comparable
    }

    public init(estimand name: String, comparable: Bool = true) {
        self.init(role: EstimandRole(estimand: name), comparable: comparable)
    }
}
