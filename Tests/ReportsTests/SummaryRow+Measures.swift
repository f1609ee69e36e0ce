import MonteCarlo

extension SummaryRow {
    /// A row with only the named measures (the others NaN, the counts 0 unless given).
    init(cell: CellInfo, estimator: String, estimand: String, measures: [String: Double]) {
        self.init(cell: cell, estimator: estimator, estimand: estimand, measures: PerformanceMeasures(measures))
    }
}
