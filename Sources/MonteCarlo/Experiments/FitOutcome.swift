import Foundation

/// Whether a fit produced usable output. Codes are stored in result files; their
/// meanings are part of the results schema (docs/results-schema.md).
public struct FitStatus: Equatable, Sendable {
    public var code: Code
    /// Empty when the fit converged; otherwise the reason in words.
    public var message: String

    public enum Code: Int32, Sendable, CaseIterable {
        case ok = 0
        /// The optimiser stopped without meeting its convergence criterion.
        case notConverged = 1
        /// The estimator threw (singular design, separation, …).
        case failed = 2
        /// The data could not be generated for this replication.
        case generationFailed = 3
    }

    public init(_ code: Code, _ message: String = "") {
        self.code = code
        self.message = message
    }

    public static let ok = FitStatus(.ok)
    public var isOK: Bool { code == .ok }
}

/// One estimator's result in one replication: a status and one entry per
/// estimand in the order of its `EstimatorLayout`.
public struct FitOutcome: Equatable, Sendable {
    public var status: FitStatus
    public var results: [EstimandResult]
}
