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
    public var storedValues: [Double] { withStoredValues { Array($0) } }

    /// `storedValues` lent as a buffer on the stack, without building an array (the journal writes
    /// them for every estimand of every replication).
    func withStoredValues<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        let flag = { (b: Bool?) in b.map { $0 ? 1.0 : 0.0 } ?? .nan }
        // A homogeneous tuple is laid out as contiguous elements.
        var values = (truth, estimate, standardError, lower, upper, pValue,
                      confidenceSet.map { Double($0.type.rawValue) } ?? .nan, confidenceSet?.lower ?? .nan, confidenceSet?.upper ?? .nan,
                      flag(rightShape), flag(insideSupport), noncentrality)
        let count = MemoryLayout.size(ofValue: values) / MemoryLayout<Double>.stride
        return try withUnsafeBytes(of: &values) { raw in
            try body(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: Double.self), count: count))
        }
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

