import Foundation

/// The stored columns of the measures, in the order of the HDF5 `summary` table
/// (after `n_ok`, `n_failed`) and of docs/results-schema.md. One table drives the
/// writer, the reader and the summary renderer; columns are matched by name when
/// read, so files of format_version 1 (the first 22 columns) still read.
extension PerformanceMeasures {
    static let columns: [(name: String, path: WritableKeyPath<PerformanceMeasures, Double>)] = [
        ("true", \.truth), ("mean", \.mean), ("bias", \.bias), ("mcse_bias", \.mcseBias),
        ("rel_bias", \.relativeBias), ("mcse_rel_bias", \.mcseRelativeBias),
        ("emp_se", \.empiricalSE), ("mcse_emp_se", \.mcseEmpiricalSE), ("model_se", \.modelSE), ("mcse_model_se", \.mcseModelSE),
        ("rel_error_model_se", \.relativeErrorModelSE), ("mcse_rel_error_model_se", \.mcseRelativeErrorModelSE),
        ("mse", \.mse), ("mcse_mse", \.mcseMSE), ("rmse", \.rmse), ("mcse_rmse", \.mcseRMSE),
        ("coverage", \.coverage), ("mcse_coverage", \.mcseCoverage),
        ("be_coverage", \.biasEliminatedCoverage), ("mcse_be_coverage", \.mcseBiasEliminatedCoverage),
        ("rejection", \.rejection), ("mcse_rejection", \.mcseRejection),
        // format_version 2
        ("median_bias", \.medianBias), ("mcse_median_bias", \.mcseMedianBias),
        ("mad_error", \.madError), ("mcse_mad_error", \.mcseMADError),
        ("robust_se", \.robustSE), ("mcse_robust_se", \.mcseRobustSE), ("median_model_se", \.medianModelSE),
        ("rel_error_robust_se", \.relativeErrorRobustSE), ("mcse_rel_error_robust_se", \.mcseRelativeErrorRobustSE),
        ("coverage_lower", \.coverageLower), ("coverage_upper", \.coverageUpper),
        ("rejection_lower", \.rejectionLower), ("rejection_upper", \.rejectionUpper),
        ("fieller_coverage", \.fiellerCoverage), ("mcse_fieller_coverage", \.mcseFiellerCoverage),
        ("fieller_coverage_lower", \.fiellerCoverageLower), ("fieller_coverage_upper", \.fiellerCoverageUpper),
        ("share_bounded", \.shareBounded), ("share_disjoint", \.shareDisjoint), ("share_whole_line", \.shareWholeLine),
        ("share_right_shape", \.shareRightShape), ("share_inside_support", \.shareInsideSupport),
        ("rejection_null_true", \.rejectionNullTrue), ("mcse_rejection_null_true", \.mcseRejectionNullTrue), ("n_null_true", \.nNullTrue),
        ("rejection_null_false", \.rejectionNullFalse), ("mcse_rejection_null_false", \.mcseRejectionNullFalse), ("n_null_false", \.nNullFalse),
        ("noncentrality", \.noncentrality), ("mcse_noncentrality", \.mcseNoncentrality),
        ("comparable", \.comparable),
        // issue 20: the null-true rejection rate by distance from the boundary
        ("rejection_null_boundary", \.rejectionNullBoundary), ("mcse_rejection_null_boundary", \.mcseRejectionNullBoundary),
        ("n_null_boundary", \.nNullBoundary),
        ("rejection_null_interior", \.rejectionNullInterior), ("mcse_rejection_null_interior", \.mcseRejectionNullInterior),
        ("n_null_interior", \.nNullInterior),
    ]

    /// Column names of `allValues`, as they appear in the summary CSV and HDF5 table.
    public static let columnNames = columns.map(\.name)

    /// The measures in the order of `columnNames`.
    public var allValues: [Double] { Self.columns.map { self[keyPath: $0.path] } }

    /// The value of a column by name (`n_ok`, `n_failed` included); NaN for an unknown name.
    public func value(_ column: String) -> Double {
        switch column {
        case "n_ok": return Double(nOK)
        case "n_failed": return Double(nFailed)
        default: return Self.columns.first { $0.name == column }.map { self[keyPath: $0.path] } ?? .nan
        }
    }

    /// Rebuilds measures from values named by their summary columns (`n_ok`,
    /// `n_failed` and `columnNames`); an absent column is NaN (0 for the counts,
    /// 1 for `comparable`), as in `init(nOK:nFailed:values:columns:)`.
    public init(_ named: [String: Double]) {
        let count = { (name: String) -> Int in named[name].flatMap { $0.isFinite ? Int($0) : nil } ?? 0 }
        let present = Self.columnNames.filter { named[$0] != nil }
        self.init(nOK: count("n_ok"), nFailed: count("n_failed"), values: present.map { named[$0]! }, columns: present)
    }

    /// Rebuilds measures from stored values named by `columns`; a column the file
    /// does not have (an older format) stays NaN, or 1 for `comparable`.
    public init(nOK: Int, nFailed: Int, values: [Double], columns: [String] = PerformanceMeasures.columnNames) {
        self.init()
        self.nOK = nOK
        self.nFailed = nFailed
        for (name, v) in zip(columns, values) {
            if let c = Self.columns.first(where: { $0.name == name }) { self[keyPath: c.path] = v }
        }
    }
}
