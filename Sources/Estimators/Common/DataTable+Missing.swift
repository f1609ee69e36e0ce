import Foundation

/// What the DID commands do with gaps, following the packages users know: fixest drops the
/// observations with a missing value in a model column ("NOTE: k observations removed because
/// of NA values") and keeps the panel unbalanced; R did's `att_gt` (panel = TRUE) balances the
/// panel by dropping every unit not observed in all periods, and says so.
public struct MissingRowsReport: Sendable, Equatable {
    /// Rows dropped because a model column was empty, NA, NaN or ".".
    public let rowsWithMissingValues: Int
    /// Units dropped because they were not observed in every period (balancing), and their rows.
    public let unitsDropped: Int
    public let rowsOfDroppedUnits: Int

    public init(rowsWithMissingValues: Int, unitsDropped: Int, rowsOfDroppedUnits: Int) {
        self.rowsWithMissingValues = rowsWithMissingValues
        self.unitsDropped = unitsDropped
        self.rowsOfDroppedUnits = rowsOfDroppedUnits
    }

    public var isEmpty: Bool { rowsWithMissingValues == 0 && unitsDropped == 0 }

    /// The note the commands print on standard error.
    public var note: String {
        var parts: [String] = []
        if rowsWithMissingValues > 0 { parts.append("\(rowsWithMissingValues) observation(s) removed because of missing values") }
        if unitsDropped > 0 {
            parts.append("\(unitsDropped) unit(s) not observed in every period dropped (\(rowsOfDroppedUnits) rows) to balance the panel, as R did does with panel = TRUE")
        }
        return "NOTE: " + parts.joined(separator: "; ")
    }
}

extension DataTable {
    static func isMissing(_ s: String) -> Bool {
        let t = s.trimmingCharacters(in: .whitespaces)
        return t.isEmpty || ["NA", "NAN", "."].contains(t.uppercased())
    }

    /// The rows whose `columns` are all filled (fixest's and R's na.omit convention).
    public func completeRows(_ columns: [String]) throws -> (table: DataTable, removed: Int) {
        let js = try columns.map(columnIndex)
        let kept = rows.filter { r in js.allSatisfy { !Self.isMissing(r[$0]) } }
        return (DataTable(source: source, columnNames: columnNames, rows: kept), rows.count - kept.count)
    }

    /// After dropping rows with a missing model column, the units observed in every period
    /// (R did's balancing with panel = TRUE). A duplicate unit-period is left for the panel
    /// builder to report.
    public func balancedPanel(id: String, time: String, columns: [String]) throws -> (table: DataTable, report: MissingRowsReport) {
        let (complete, removed) = try completeRows([id, time] + columns)
        let ij = try complete.columnIndex(id), tj = try complete.columnIndex(time)
        let periods = Set(complete.rows.map { $0[tj].trimmingCharacters(in: .whitespaces) })
        var seen: [String: Set<String>] = [:]
        for r in complete.rows { seen[r[ij].trimmingCharacters(in: .whitespaces), default: []].insert(r[tj].trimmingCharacters(in: .whitespaces)) }
        let full = Set(seen.filter { $0.value.count == periods.count }.keys)
        let kept = complete.rows.filter { full.contains($0[ij].trimmingCharacters(in: .whitespaces)) }
        guard !kept.isEmpty else {
            throw DataError("\(source): no unit is observed in every period with every model column filled; the estimator needs a balanced panel")
        }
        let report = MissingRowsReport(rowsWithMissingValues: removed, unitsDropped: seen.count - full.count,
                                       rowsOfDroppedUnits: complete.rows.count - kept.count)
        return (DataTable(source: source, columnNames: columnNames, rows: kept), report)
    }
}
