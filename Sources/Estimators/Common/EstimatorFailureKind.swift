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
