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

    public init(status: FitStatus, results: [EstimandResult]) {
        self.status = status
        self.results = results
    }
}

/// Everything one replication of one design cell produced.
public struct ReplicationRecord: Equatable, Sendable {
    public var replication: Int
    /// The 64-bit key of the replication's data-generation stream, stored so a
    /// reader can confirm which stream produced the record.
    public var streamKey: UInt64
    public var fits: [FitOutcome]

    public init(replication: Int, streamKey: UInt64, fits: [FitOutcome]) {
        self.replication = replication
        self.streamKey = streamKey
        self.fits = fits
    }
}

/// The names of an estimator and of the estimands it is scored on.
public struct EstimatorLayout: Equatable, Sendable {
    public var name: String
    public var estimands: [String]
    public init(name: String, estimands: [String]) {
        self.name = name
        self.estimands = estimands
    }
}
