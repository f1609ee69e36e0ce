import Foundation

/// One row of a run's summary: the measures of one (cell, estimator, estimand).
public struct SummaryRow: Equatable, Sendable {
    public let cell: CellInfo
    public let estimator: String
    public let estimand: String
    public let measures: PerformanceMeasures

    public init(cell: CellInfo, estimator: String, estimand: String, measures: PerformanceMeasures) {
        self.cell = cell
        self.estimator = estimator
        self.estimand = estimand
        self.measures = measures
    }

    /// The measure stored under the summary column `column` (`bias`, `n_failed` …), NaN when there is none.
    public func measure(_ column: String) -> Double { measures.value(column) }
}

/// The summary a result file stores, as rows (tables are rendered by Reports' `SummaryTable`).
public enum Summary {
    /// The stored summary of every cell of a result file, in file order.
    public static func rows(of source: any ResultsSource) throws -> [SummaryRow] {
        let m = source.metadata
        return try m.cells.flatMap { cell -> [SummaryRow] in
            let measures = try source.measures(cell.ordinal)
            return m.layouts.enumerated().flatMap { e, layout in
                layout.estimands.enumerated().map { k, name in
                    SummaryRow(cell: cell, estimator: layout.name, estimand: name, measures: measures[e][k])
                }
            }
        }
    }
}
