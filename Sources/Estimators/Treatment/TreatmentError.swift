/// An error from the treatment-effect estimators (propensity score, matching,
/// DID, Callaway–Sant'Anna), saying what is wrong with the input and how to fix it.
public struct TreatmentError: EstimatorError {
    public typealias Kind = EstimatorFailureKind

    public let kind: Kind
    public let message: String
    /// The cohort a Callaway–Sant'Anna refusal is about (one treated unit), so that a caller can
    /// restate it in its own terms — the CLI's `--cohort` column and data file, a scenario's file,
    /// entry and treatment keys; nil for every other error.
    public var smallCohort: SmallCohort? = nil
    public init(kind: Kind, message: String) { self.kind = kind; self.message = message }
}

/// A Callaway–Sant'Anna cohort too small for its cells' variance: the adoption period, the
/// first cell (g, t) where it was met, and its units' labels.
public struct SmallCohort: Sendable, Equatable {
    public let adoption: Double
    public let time: Double
    public let units: [String]
    public let controls: Int
}
