/// An error from the treatment-effect estimators (propensity score, matching,
/// DID, Callaway–Sant'Anna), saying what is wrong with the input and how to fix it.
public struct TreatmentError: Error, CustomStringConvertible, Equatable {
    public typealias Kind = EstimatorFailureKind

    public let kind: Kind
    public let message: String
    public init(_ message: String) { self.kind = .input; self.message = message }
    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    public var description: String { message }
}
