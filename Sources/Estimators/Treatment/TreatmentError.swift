/// An error from the treatment-effect estimators (propensity score, matching,
/// DID, Callaway–Sant'Anna), saying what is wrong with the input and how to fix it.
public struct TreatmentError: EstimatorError {
    public typealias Kind = EstimatorFailureKind

    public let kind: Kind
    public let message: String
    public init(kind: Kind, message: String) { self.kind = kind; self.message = message }
}
