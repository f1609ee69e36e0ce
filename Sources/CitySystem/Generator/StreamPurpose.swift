import Numerics

/// The `purpose` field of the streams the generator draws from. The values are
/// spread out (0xC17 prefix) so other parts of spillsim can use small purposes
/// (estimation, inference, matching) without collision.
public enum CityStreamPurpose {
    /// Geography and city sizes: drawn with cell 0 and replication 0, so the same
    /// scenario seed gives the same map in every design cell and replication.
    public static let geography: UInt64 = 0xC17_0001
    public static let sectors: UInt64 = 0xC17_0010
    public static let digital: UInt64 = 0xC17_0011
    public static let controls: UInt64 = 0xC17_0012
    public static let treatment: UInt64 = 0xC17_0013
    public static let effects: UInt64 = 0xC17_0014
    public static let errors: UInt64 = 0xC17_0015
    /// Errors of the burn-in years of a dynamic outcome (`outcome.burn_in`).
    public static let burnIn: UInt64 = 0xC17_0016
    /// The spatially correlated error shocks (`error.shocks`): a stream of their own, so a
    /// scenario without shocks draws exactly what it drew before.
    public static let shocks: UInt64 = 0xC17_0017
    /// Which city-years the analyst observes (`city_system.panel`).
    public static let missingness: UInt64 = 0xC17_0018
}
