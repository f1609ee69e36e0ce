import Foundation

/// One row of a run's summary: the measures of one (cell, estimator, estimand).
public struct SummaryRow: Equatable, Sendable {
    public let cell: CellInfo
    public let estimator: String
    public let estimand: String
    public let measures: PerformanceMeasures
    /// The estimand's role and figure kind as the result file stores them (`Estimand`).
    public let role: EstimandRole
    public let kind: EstimandKind

    public init(cell: CellInfo, estimator: String, estimand: String, measures: PerformanceMeasures,
                role: EstimandRole? = nil, kind: EstimandKind? = nil) {
        self.cell = cell
        self.estimator = estimator
        self.estimand = estimand
        self.measures = measures
        if let role, let kind {
            self.role = role
            self.kind = kind
        } else {
            let parsed = Estimand(estimand)
            self.role = role ?? parsed.role
            self.kind = kind ?? parsed.kind
        }
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
            return m.estimators.enumerated().flatMap { e, stored in
                stored.catalogue.enumerated().map { k, entry in
                    SummaryRow(cell: cell, estimator: stored.name, estimand: entry.name, measures: measures[e][k],
                               role: entry.role, kind: entry.kind)
                }
            }
        }
    }
}
