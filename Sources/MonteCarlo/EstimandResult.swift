import Foundation

/// What one fit says about one estimand in one replication. Fields that an
/// estimator does not provide (e.g. no test for a turning point) are NaN.
public struct EstimandResult: Equatable, Sendable {
    /// The true value this replication's estimate is scored against. It may vary
    /// by replication (a realised ATT under common random numbers) or be fixed.
    public var truth: Double
    public var estimate: Double
    public var standardError: Double
    /// Bounds of the nominal 95% interval.
    public var lower: Double
    public var upper: Double
    /// p-value of the estimator's own test (H0: parameter = 0, or the U-test's H0).
    public var pValue: Double

    public init(truth: Double, estimate: Double, standardError: Double = .nan,
                lower: Double = .nan, upper: Double = .nan, pValue: Double = .nan) {
        self.truth = truth
        self.estimate = estimate
        self.standardError = standardError
        self.lower = lower
        self.upper = upper
        self.pValue = pValue
    }

    /// A placeholder for an estimand of a fit that failed: only the truth is known.
    public static func missing(truth: Double) -> EstimandResult { EstimandResult(truth: truth, estimate: .nan) }

    public static func == (a: EstimandResult, b: EstimandResult) -> Bool {
        // Bitwise: NaN equals NaN and −0 differs from +0, which is what
        // "bit-identical across thread counts" needs.
        a.bits == b.bits
    }

    var bits: [UInt64] { [truth, estimate, standardError, lower, upper, pValue].map(\.bitPattern) }
}
