/// What kind of failure an estimator reports, in `EstimationError` (the spatial family) and
/// `TreatmentError` (the treatment-effect family) alike, for callers that branch on it (never on
/// the message text).
public enum EstimatorFailureKind: Sendable, Equatable {
    /// The input cannot be estimated as given (bad settings or columns, singular design, …).
    case input
    /// The fit ran but its sandwich (cluster-robust) variance is degenerate (too few clusters, or
    /// standard errors that are 0 up to rounding): no valid inference.
    case degenerateVariance
}

/// An estimator's error: its kind and a message naming the input and the fix. The two families'
/// errors (`EstimationError`, `TreatmentError`) share their initialisers and description here.
public protocol EstimatorError: Error, CustomStringConvertible, Equatable {
    var kind: EstimatorFailureKind { get }
    var message: String { get }
    init(kind: EstimatorFailureKind, message: String)
}

extension EstimatorError {
    /// An input error (`.input`).
    public init(_ message: String) { self.init(kind: .input, message: message) }
    public init(_ kind: EstimatorFailureKind, _ message: String) { self.init(kind: kind, message: message) }
    public var description: String { message }
}
