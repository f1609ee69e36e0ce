import Foundation

/// What one fit says about one estimand in one replication. Fields that an
/// estimator does not provide (e.g. no test for a turning point) are NaN or nil.
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
    /// A confidence set that need not be an interval (the Fieller set of a ratio
    /// estimand, MODEL.md §5); nil for other estimands.
    public var confidenceSet: ConfidenceSet?
    /// Ratio estimands: whether the estimated curve has the true curve's shape (U or inverted U).
    public var rightShape: Bool?
    /// Turning points: whether the estimate lies inside the data support [CA p5, CA p95].
    public var insideSupport: Bool?
    /// U-tests: the true endpoint slopes over their estimated SEs, min(−s_l/se_l, s_h/se_h)
    /// for a U (signs reversed for an inverted U): how detectable the true shape is.
    public var noncentrality: Double

    public init(truth: Double, estimate: Double, standardError: Double = .nan,
                lower: Double = .nan, upper: Double = .nan, pValue: Double = .nan,
                confidenceSet: ConfidenceSet? = nil, rightShape: Bool? = nil, insideSupport: Bool? = nil,
                noncentrality: Double = .nan) {
        self.truth = truth
        self.estimate = estimate
        self.standardError = standardError
        self.lower = lower
        self.upper = upper
        self.pValue = pValue
        self.confidenceSet = confidenceSet
        self.rightShape = rightShape
        self.insideSupport = insideSupport
        self.noncentrality = noncentrality
    }

    /// A placeholder for an estimand of a fit that failed: only the truth is known.
    public static func missing(truth: Double) -> EstimandResult { EstimandResult(truth: truth, estimate: .nan) }

    public static func == (a: EstimandResult, b: EstimandResult) -> Bool {
        // Bitwise: NaN equals NaN and −0 differs from +0, which is what
        // "bit-identical across thread counts" needs.
        a.storedValues.map(\.bitPattern) == b.storedValues.map(\.bitPattern)
    }

    /// Names of the stored per-replication fields (HDF5 datasets, journal order);
    /// docs/results-schema.md. Files of format_version 1 hold only the first six.
    public static let storedFieldNames = ["truth", "estimate", "se", "lower", "upper", "p_value",
                                          "set_type", "set_lower", "set_upper", "right_shape", "inside_support", "noncentrality"]

    /// The fields as doubles in the order of `storedFieldNames`: a set type is its
    /// code, a flag 1 or 0, and anything absent NaN.
    public var storedValues: [Double] {
        let flag = { (b: Bool?) in b.map { $0 ? 1.0 : 0.0 } ?? .nan }
        return [truth, estimate, standardError, lower, upper, pValue,
                confidenceSet.map { Double($0.type.rawValue) } ?? .nan, confidenceSet?.lower ?? .nan, confidenceSet?.upper ?? .nan,
                flag(rightShape), flag(insideSupport), noncentrality]
    }

    /// The inverse of `storedValues`; missing trailing fields (older files) are absent.
    /// Returns nil for a set-type code this version does not know.
    public init?(storedValues v: [Double]) {
        func at(_ i: Int) -> Double { i < v.count ? v[i] : .nan }
        func flag(_ i: Int) -> Bool? { at(i).isNaN ? nil : at(i) != 0 }
        var set: ConfidenceSet?
        if !at(6).isNaN {
            guard let type = ConfidenceSet.Kind(rawValue: Int(at(6))) else { return nil }
            set = ConfidenceSet(type, lower: at(7), upper: at(8))
        }
        self.init(truth: at(0), estimate: at(1), standardError: at(2), lower: at(3), upper: at(4), pValue: at(5),
                  confidenceSet: set, rightShape: flag(9), insideSupport: flag(10), noncentrality: at(11))
    }
}

/// A confidence set of one of the shapes a Fieller set can take (Fieller 1954;
/// MODEL.md §5). `lower`/`upper` are its finite end points; for `disjoint` the set
/// is (−∞, lower] ∪ [upper, ∞).
public struct ConfidenceSet: Equatable, Sendable {
    /// Codes stored in result files (`set_type`).
    public enum Kind: Int, Sendable, CaseIterable {
        case bounded = 1
        /// (−∞, lower] ∪ [upper, ∞).
        case disjoint = 2
        case wholeLine = 3
        /// (−∞, upper] or [lower, ∞); the other bound is ±∞.
        case halfLine = 4
        case empty = 5
    }

    public var type: Kind
    public var lower: Double
    public var upper: Double

    public init(_ type: Kind, lower: Double = -.infinity, upper: Double = .infinity) {
        self.type = type
        self.lower = lower
        self.upper = upper
    }

    public func contains(_ x: Double) -> Bool {
        switch type {
        case .bounded, .halfLine: return lower <= x && x <= upper
        case .disjoint: return x <= lower || x >= upper
        case .wholeLine: return !x.isNaN
        case .empty: return false
        }
    }
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
