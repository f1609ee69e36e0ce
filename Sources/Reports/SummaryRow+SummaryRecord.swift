import MonteCarlo

/// The engine's own summary rows (`Summary.rows(of:)`) tabulate like the rows
/// read from a file, so `SummaryTable` serves both.
extension SummaryRow: SummaryRecord {
    public var factors: [CellFactor] { cell.factors.map { CellFactor(path: $0.path, value: $0.value) } }

    public func measure(_ column: String) -> Double { measures.value(column) }
}
