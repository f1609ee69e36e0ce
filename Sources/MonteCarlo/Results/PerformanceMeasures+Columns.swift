import Foundation

/// The stored columns of the measures, in the order of the HDF5 `summary` table
/// (after `n_ok`, `n_failed`, `n_no_truth`) and of docs/results-schema.md. One table drives the
/// writer, the reader and the summary renderer; columns are matched by name when
/// read, so files of format_version 1 (the first 22 columns) still read.
extension PerformanceMeasures {
    typealias Path = WritableKeyPath<PerformanceMeasures, Double>

    /// Each stored measure with its Monte Carlo standard error, if it has one: the MCSE is
    /// stored as `mcse_NAME`, right after the measure.
    private static let measures: [(name: String, value: Path, mcse: Path?)] = [
        ("true", \.truth, nil), ("mean", \.mean, nil), ("bias", \.bias, \.mcseBias), ("rel_bias", \.relativeBias, \.mcseRelativeBias),
        ("emp_se", \.empiricalSE, \.mcseEmpiricalSE), ("model_se", \.modelSE, \.mcseModelSE),
        ("rel_error_model_se", \.relativeErrorModelSE, \.mcseRelativeErrorModelSE), ("mse", \.mse, \.mcseMSE), ("rmse", \.rmse, \.mcseRMSE),
        ("coverage", \.coverage, \.mcseCoverage), ("be_coverage", \.biasEliminatedCoverage, \.mcseBiasEliminatedCoverage),
        ("rejection", \.rejection, \.mcseRejection),
        // format_version 2
        ("median_bias", \.medianBias, \.mcseMedianBias), ("mad_error", \.madError, \.mcseMADError), ("robust_se", \.robustSE, \.mcseRobustSE),
        ("median_model_se", \.medianModelSE, nil), ("rel_error_robust_se", \.relativeErrorRobustSE, \.mcseRelativeErrorRobustSE),
        ("coverage_lower", \.coverageLower, nil), ("coverage_upper", \.coverageUpper, nil),
        ("rejection_lower", \.rejectionLower, nil), ("rejection_upper", \.rejectionUpper, nil),
        ("fieller_coverage", \.fiellerCoverage, \.mcseFiellerCoverage),
        ("fieller_coverage_lower", \.fiellerCoverageLower, nil), ("fieller_coverage_upper", \.fiellerCoverageUpper, nil),
        ("share_bounded", \.shareBounded, nil), ("share_disjoint", \.shareDisjoint, nil), ("share_whole_line", \.shareWholeLine, nil),
        ("share_right_shape", \.shareRightShape, nil), ("share_inside_support", \.shareInsideSupport, nil),
        ("rejection_null_true", \.rejectionNullTrue, \.mcseRejectionNullTrue), ("n_null_true", \.nNullTrue, nil),
        ("rejection_null_false", \.rejectionNullFalse, \.mcseRejectionNullFalse), ("n_null_false", \.nNullFalse, nil),
        ("noncentrality", \.noncentrality, \.mcseNoncentrality), ("comparable", \.comparable, nil),
        // issue 20: the null-true rejection rate by distance from the boundary
        ("rejection_null_boundary", \.rejectionNullBoundary, \.mcseRejectionNullBoundary), ("n_null_boundary", \.nNullBoundary, nil),
        ("rejection_null_interior", \.rejectionNullInterior, \.mcseRejectionNullInterior), ("n_null_interior", \.nNullInterior, nil),
    ]

    static let columns: [(name: String, path: Path)] = measures.flatMap { m in
        [(m.name, m.value)] + (m.mcse.map { [("mcse_" + m.name, $0)] } ?? [])
    }

    /// Column names of `allValues`, as they appear in the summary CSV and HDF5 table.
    public static let columnNames = columns.map(\.name)

    /// The measures in the order of `columnNames`.
    public var allValues: [Double] { Self.columns.map { self[keyPath: $0.path] } }

    /// The counts, in the order the summary stores them before `columnNames`.
    public static let countNames = ["n_ok", "n_failed", "n_no_truth"]

    /// The counts in the order of `countNames`; an unknown `n_no_truth` is NaN.
    public var countValues: [Double] { [Double(nOK), Double(nFailed), nNoTruth.map(Double.init) ?? .nan] }

    /// The value of a column by name (the counts of `countNames` included); NaN for an unknown
    /// name, and for `n_no_truth` read from a file that predates it.
    public func value(_ column: String) -> Double {
        if let k = Self.countNames.firstIndex(of: column) { return countValues[k] }
        return Self.columns.first { $0.name == column }.map { self[keyPath: $0.path] } ?? .nan
    }

    /// Rebuilds measures from values named by their summary columns (`countNames` and
    /// `columnNames`); an absent column is NaN (0 for `n_ok` and `n_failed`, 1 for
    /// `comparable`), as in `init(nOK:nFailed:nNoTruth:values:columns:)`. An absent or NaN
    /// `n_no_truth` is unknown (nil): a file written before the count kept those
    /// replications in `n_failed`, and 0 would claim there were none.
    public init(_ named: [String: Double]) {
        let count = { (name: String) -> Int? in named[name].flatMap { $0.isFinite ? Int($0) : nil } }
        let present = Self.columnNames.filter { named[$0] != nil }
        self.init(nOK: count("n_ok") ?? 0, nFailed: count("n_failed") ?? 0, nNoTruth: count("n_no_truth"),
                  values: present.map { named[$0]! }, columns: present)
    }

    /// Rebuilds measures from stored values named by `columns`; a column the file
    /// does not have (an older format) stays NaN, or 1 for `comparable`.
    public init(nOK: Int, nFailed: Int, nNoTruth: Int?, values: [Double], columns: [String] = PerformanceMeasures.columnNames) {
        self.init()
        self.nOK = nOK
        self.nFailed = nFailed
        self.nNoTruth = nNoTruth
        for (name, v) in zip(columns, values) {
            if let c = Self.columns.first(where: { $0.name == name }) { self[keyPath: c.path] = v }
        }
    }
}
