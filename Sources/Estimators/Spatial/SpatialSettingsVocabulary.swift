import Foundation

/// The words and defaults of the spatial settings, shared by every entry point: the
/// CLI (`estimate sdm`, `estimate w-select`, `calibrate`) and scenario estimators
/// (`approach:`, `variance:`, `effects:`). One spelling is canonical; older ones stay
/// accepted as aliases (docs/spatial.md, scenarios/README.md).
extension SpatialApproach {
    /// The approach used when none is given, by the CLI and by scenarios alike. Lee–Yu
    /// is the one whose σ² (and ρ with time effects) is consistent for fixed T; W selection
    /// then reports the marginal of the same likelihood the estimator maximises
    /// (`MarginalCriterion`, issue 20).
    public static let standard: SpatialApproach = .leeYu

    /// The canonical spelling (`direct`, `lee-yu`) or an alias (`leeyu`, `lee_yu`).
    public init?(spelling s: String) {
        switch s.lowercased() {
        case "direct": self = .direct
        case "lee-yu", "leeyu", "lee_yu": self = .leeYu
        default: return nil
        }
    }

    /// The canonical spellings, for messages.
    public static var spellings: [String] { allCases.map(\.rawValue) }
}

extension SpatialVarianceMethod {
    /// The variance used when none is given.
    public static let standard: SpatialVarianceMethod = .analytic

    /// `analytic` (canonical; alias `oim`, Stata xsmle's name for the inverse observed/analytic
    /// information), `cluster` or `conley` (the spatial-HAC sandwich; its settings are given
    /// separately). The numerical Hessian is a check, not a user setting.
    public init?(spelling s: String) {
        switch s.lowercased() {
        case "analytic", "oim": self = .analytic
        case "cluster": self = .cluster
        case "conley": self = .conley
        default: return nil
        }
    }

    /// The canonical spellings users choose from, for messages.
    public static let spellings = ["analytic", "cluster", "conley"]

    /// Why this variance cannot be computed for `model`, or nil when it can. The one
    /// statement of the rule: the sandwiches' scores are derived for models whose error has no
    /// spatial lag (sdm, sar, slx, ols) and for the SAC model (`SACVariance.clusterCovariance`,
    /// `SACVariance.conleyCovariance`) — not for sem and sdem.
    public func unsupportedReason(for model: SpatialModel) -> String? {
        guard self == .cluster || self == .conley, model.hasErrorLag, model != .sac else { return nil }
        let name = self == .cluster ? "cluster-robust" : "Conley"
        return "the \(name) variance is implemented for models without a spatial error lag (sdm, sar, slx, ols) and for sac, not for \(model.rawValue); use the analytic variance"
    }
}

extension FixedEffects {
    /// The canonical spellings (aliases in `init(userSpelling:)`), for messages.
    public static let spellings = ["none", "individual", "time", "twoways"]

    /// Observations of a balanced N × T panel left after absorbing these effects:
    /// (N − 1)(T − 1) two-way, N(T − 1) individual, (N − 1)T time, NT none.
    public static func observationsLeft(_ effects: FixedEffects, n: Int, t: Int) -> Int {
        switch effects {
        case .twoWays: return (n - 1) * (t - 1)
        case .individual: return n * (t - 1)
        case .time: return (n - 1) * t
        case .none: return n * t
        }
    }
}
