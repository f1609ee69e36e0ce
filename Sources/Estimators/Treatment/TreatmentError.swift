/// An error from the treatment-effect estimators (propensity score, matching,
/// DID, Callaway–Sant'Anna), saying what is wrong with the input and how to fix it.
public struct TreatmentError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
