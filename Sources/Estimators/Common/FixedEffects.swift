/// Which fixed effects a panel estimator removes; shared by the spatial
/// (SDM family) and the treatment (TWFE / DID) estimators.
public enum FixedEffects: String, Sendable, CaseIterable, Codable {
    /// No fixed effects: an intercept is added (pooled model; T = 1 is a cross-section).
    case none
    /// Unit (city) effects.
    case individual
    /// Period (year) effects.
    case time
    /// Unit and period effects.
    case twoWays = "twoways"

    /// Parses the spellings users of R `plm`/`splm` ("individual", "twoways"),
    /// Stata/fixest ("unit", "twoway", "two-way") and the raw values.
    public init?(userSpelling s: String) {
        switch s.lowercased() {
        case "none", "pooled": self = .none
        case "individual", "unit", "id", "entity": self = .individual
        case "time", "period", "year": self = .time
        case "twoways", "twoway", "two-way", "two-ways", "both": self = .twoWays
        default: return nil
        }
    }

    public var removesUnitEffects: Bool { self == .individual || self == .twoWays }
    public var removesTimeEffects: Bool { self == .time || self == .twoWays }
}
