import Foundation
import Numerics

/// How adoption is read from a table: a common start year for the treated, or a cohort column.
public enum AdoptionSource: Sendable, Equatable {
    /// `treat` is a 0/1 column constant within unit; treated units adopt in `year`.
    case postYear(treat: String, year: Double)
    /// `column` holds each unit's first treated period; 0, empty or NA = never treated.
    case cohort(String)
}

extension TreatmentPanel {
    /// Builds a balanced panel from a long table (one row per unit-period).
    /// Balanced panels only: PSM-DID's matched-unit regression and Callaway–Sant'Anna's
    /// ΔY = Y_t − Y_base need every unit in every period.
    public static func from(table: DataTable, id: String, time: String, outcome: String, covariates: [String],
                            adoption: AdoptionSource) throws -> TreatmentPanel {
        let ids = try table.strings(id)
        let times = try table.numbers(time)
        let index = try PanelIndex.build(ids: ids, times: times, source: table.source,
                                         balanceNeededBy: "PSM-DID and Callaway–Sant'Anna need a balanced panel; drop incomplete units")
        let n = index.n
        let y = index.arrange(try table.numbers(outcome))
        var x = Matrix(rows: n * index.t, cols: covariates.count)
        for (j, c) in covariates.enumerated() { x.setColumn(j, index.arrange(try table.numbers(c))) }
        var adopt = [Double?](repeating: nil, count: n)
        switch adoption {
        case .postYear(let treat, let year):
            let d = index.arrange(try table.numbers(treat))
            for i in 0..<n {
                let vals = Set((0..<index.t).map { d[$0 * n + i] })
                guard vals.count == 1, let v = vals.first, v == 0 || v == 1 else {
                    throw DataError("\(table.source): column '\(treat)' must be 0 or 1 and constant within each unit (the ever-treated group); unit '\(index.units[i])' has \(vals.sorted())")
                }
                if v == 1 { adopt[i] = year }
            }
        case .cohort(let column):
            let cj = try table.columnIndex(column)
            let raw = index.permutation.map { table.rows[$0][cj].trimmingCharacters(in: .whitespaces) }
            for i in 0..<n {
                let vals = Set((0..<index.t).map { raw[$0 * n + i] })
                guard vals.count == 1, let s = vals.first else {
                    let shown = vals.sorted().prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (vals.count > 5 ? ", … (\(vals.count) values)" : "")
                    throw DataError("\(table.source): cohort column '\(column)' must be constant within each unit; unit '\(index.units[i])' has \(shown)")
                }
                if s.isEmpty || s.uppercased() == "NA" || s == "0" || s == "Inf" { continue }
                guard let g = Double(s) else { throw DataError("\(table.source): cohort column '\(column)' has '\(s)' for unit '\(index.units[i])'; use a period, or 0/NA for never treated") }
                // Named here with the file, the column and the line (`TreatmentPanel.init` can name only the unit).
                if !index.times.contains(g), g <= index.times.last! {
                    let periods = index.times.count > 6
                        ? "\(index.times.prefix(3).map(PanelIndex.format).joined(separator: ", ")), …, \(PanelIndex.format(index.times.last!))"
                        : index.times.map(PanelIndex.format).joined(separator: ", ")
                    throw DataError("\(table.source): cohort column '\(column)' gives unit '\(index.units[i])' (line \(index.permutation[i] + 2)) the first treated period \(s), which is not one of the periods of column '\(time)' (\(periods)); give each unit its first treated period, or 0/NA for never treated")
                }
                adopt[i] = g
            }
        }
        return try TreatmentPanel(unitCount: n, periods: index.times, outcome: y, covariates: x,
                                  covariateNames: covariates, adoption: adopt, unitLabels: index.units)
    }
}

extension TreatmentPanel {
    /// A panel from a long table that may lack unit-periods, with the time-major mask of the
    /// unit-periods present (nil when none is absent). Absent unit-periods get a placeholder
    /// outcome 0 that no estimator may read: the event study leaves them out (`observed:`), as
    /// fixest's `feols` does with rows absent. Adoption is read from each unit's rows.
    public static func fromObserved(table: DataTable, id: String, time: String, outcome: String,
                                    adoption: AdoptionSource) throws -> (panel: TreatmentPanel, observed: [Bool]?) {
        let ids = try table.strings(id), times = try table.numbers(time)
        let tj = try table.columnIndex(time), yj = try table.columnIndex(outcome)
        var firstRow: [String: Int] = [:], timeText: [Double: String] = [:]
        var present = Set<String>()
        for r in 0..<table.rowCount {
            if firstRow[ids[r]] == nil { firstRow[ids[r]] = r }
            if timeText[times[r]] == nil { timeText[times[r]] = table.rows[r][tj] }
            present.insert("\(ids[r])\u{1F}\(times[r])")
        }
        let periods = timeText.keys.sorted()
        // Placeholder rows for the absent unit-periods: the unit's first row (its treat/cohort
        // values) at the absent period, outcome 0.
        var padded = table.rows
        for (unit, r) in firstRow.sorted(by: { $0.value < $1.value }) {
            for t in periods where !present.contains("\(unit)\u{1F}\(t)") {
                var row = table.rows[r]
                row[tj] = timeText[t]!
                row[yj] = "0"
                padded.append(row)
            }
        }
        let full = DataTable(source: table.source, columnNames: table.columnNames, rows: padded)
        let panel = try from(table: full, id: id, time: time, outcome: outcome, covariates: [], adoption: adoption)
        guard padded.count > table.rowCount else { return (panel, nil) }
        var observed = [Bool](repeating: false, count: panel.unitCount * panel.periodCount)
        for t in 0..<panel.periodCount { for i in 0..<panel.unitCount {
            observed[t * panel.unitCount + i] = present.contains("\(panel.unitLabels[i])\u{1F}\(panel.periods[t])")
        } }
        return (panel, observed)
    }
}
