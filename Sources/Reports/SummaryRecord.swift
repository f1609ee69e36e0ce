import Foundation

/// What a table needs from one summary row: the cell's factors, the estimator,
/// the estimand and the performance measures by their column names in the
/// results schema (`bias`, `mcse_bias`, `coverage`, `n_failed` …). Any summary
/// type can be tabulated by conforming to this.
public protocol SummaryRecord {
    var factors: [CellFactor] { get }
    var estimator: String { get }
    var estimand: String { get }
    /// The measure named `column`, NaN when the row has none.
    func measure(_ column: String) -> Double
}

/// One row of a result file's summary: the measures of one (cell, estimator, estimand).
public struct ReportRow: SummaryRecord, Equatable, Sendable {
    public let cell: ReportCell
    public let estimator: String
    public let estimand: String
    /// Measures keyed by the schema's summary column names.
    public let measures: [String: Double]

    public init(cell: ReportCell, estimator: String, estimand: String, measures: [String: Double]) {
        self.cell = cell
        self.estimator = estimator
        self.estimand = estimand
        self.measures = measures
    }

    public var factors: [CellFactor] { cell.factors }
    public func measure(_ column: String) -> Double { measures[column] ?? .nan }
}

/// How numbers appear in report tables and captions.
public enum ReportNumber {
    /// `x` with `decimals` decimals and a true minus sign (U+2212, or `$-$` in
    /// LaTeX, `-` in CSV); values that round to zero lose their sign, so no
    /// "−0.000" appears. NaN and infinities as `missing`.
    public static func format(_ x: Double, decimals: Int, minus: String = "\u{2212}", missing: String = "–") -> String {
        guard x.isFinite else { return missing }
        var s = String(format: "%.\(decimals)f", abs(x))
        if x < 0, s.contains(where: { $0 != "0" && $0 != "." }) { s = minus + s }
        return s
    }

    /// An estimate with its Monte Carlo SE in brackets: `−0.012 (0.004)`. The
    /// MCSE is left out when it is not finite (e.g. a single usable replication).
    public static func withMCSE(_ x: Double, _ mcse: Double, decimals: Int, minus: String = "\u{2212}",
                                missing: String = "–") -> String {
        let v = format(x, decimals: decimals, minus: minus, missing: missing)
        guard x.isFinite, mcse.isFinite else { return v }
        return v + " (" + format(mcse, decimals: decimals, minus: minus, missing: missing) + ")"
    }
}
