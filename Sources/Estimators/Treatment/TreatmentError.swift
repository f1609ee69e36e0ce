/// An error from the treatment-effect estimators (propensity score, matching,
/// DID, Callaway–Sant'Anna), saying what is wrong with the input and how to fix it.
public struct TreatmentError: Error, CustomStringConvertible, Equatable {
    /// What kind of failure, for callers that branch on it (never on the message text).
    public enum Kind: Sendable, Equatable {
        /// The input cannot be estimated as given (bad columns, singular design, …).
        case input
        /// The fit ran but its cluster-robust variance is degenerate (too few clusters, or
        /// standard errors that are 0 up to rounding): no valid inference.
        case degenerateVariance
    }

    public let kind: Kind
    public let message: String
    public init(_ message: String) { self.kind = .input; self.message = message }
    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    public var description: String { message }
}
