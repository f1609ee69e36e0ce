import Foundation
import MonteCarlo

/// `spillsim summarize --failures`: the failed fits of a result file per cell and estimator,
/// grouped by status and reason with their counts and first replications (SimDesign's
/// `SimErrors`, tallied). Reads `FailureSummary`; prints in the summary's formats.
public enum FailureTable {
    static let headers = ["cell", "condition", "estimator", "status", "count", "first_replications", "reason"]

    public static func render(_ summary: FailureSummary, format: TableFormat) -> String {
        let rows = summary.groups.map { g in
            [String(g.cell.ordinal), condition(g.cell), g.estimator, TidyExport.statusNames[Int(g.status.rawValue)] ?? "status_\(g.status.rawValue)", String(g.count),
             g.firstReplications.map(String.init).joined(separator: " ") + (g.count > g.firstReplications.count ? " …" : ""),
             g.reason.isEmpty ? "(no reason stored)" : g.reason]
        }
        switch format {
        case .csv: return csv(rows)
        case .table: return heading(summary) + "\n" + (rows.isEmpty ? "" : plain(rows))
        case .markdown: return "**" + heading(summary) + "**\n\n" + (rows.isEmpty ? "" : markdown(rows))
        case .latex: return "% " + heading(summary) + "\n" + (rows.isEmpty ? "" : latex(rows))
        }
    }

    /// The one line `summarize` prints under its tables when any fit failed; nil when none did.
    public static func note(_ summary: FailureSummary, file: String) -> String? {
        guard summary.failed > 0 else { return nil }
        return "\(summary.failed) of \(summary.fits) fits failed (excluded from the measures, counted in n_failed); "
            + "reasons: spillsim summarize \(file) --failures\n"
    }

    static func heading(_ summary: FailureSummary) -> String {
        summary.failed == 0
            ? "No failed fits: all \(summary.fits) fits converged."
            : "Failed fits by reason: \(summary.failed) of \(summary.fits) fits (per cell and estimator; most frequent reason first)"
    }

    /// The cell's label, else its factor levels, else its ordinal.
    static func condition(_ cell: CellInfo) -> String {
        if let t = cell.title, !t.isEmpty { return t }
        let levels = cell.factors.map { "\($0.path)=\($0.label ?? $0.value)" }
        return levels.isEmpty ? "cell \(cell.ordinal)" : levels.joined(separator: ", ")
    }

    /// Aligned columns; the reason, last, runs to the end of the line unpadded.
    static func plain(_ rows: [[String]]) -> String {
        let numeric = Set([0, 4])
        let widths = headers.indices.map { j in max(headers[j].count, rows.map { $0[j].count }.max() ?? 0) }
        let line = { (cells: [String]) -> String in
            cells.enumerated().map { j, s in
                guard j < cells.count - 1 else { return s }
                let pad = String(repeating: " ", count: widths[j] - s.count)
                return numeric.contains(j) ? pad + s : s + pad
            }.joined(separator: "  ")
        }
        let rule = widths.enumerated().map { j, w in String(repeating: "-", count: j == widths.count - 1 ? headers[j].count : w) }
        return ([line(headers), rule.joined(separator: "  ")] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    static func markdown(_ rows: [[String]]) -> String {
        let line = { (cells: [String]) in
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
                .joined(separator: " | ") + " |"
        }
        let rule = "|" + headers.indices.map { [0, 4].contains($0) ? "---:|" : ":---|" }.joined()
        return ([line(headers), rule] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    static func latex(_ rows: [[String]]) -> String {
        let line = { (cells: [String]) in cells.map { SummaryTable.latexEscape($0) }.joined(separator: " & ") + " \\\\" }
        let out = ["% requires \\usepackage{booktabs}", "\\begin{tabular}{rllllrp{0.4\\linewidth}}", "\\toprule",
                   line(headers), "\\midrule"] + rows.map(line) + ["\\bottomrule", "\\end{tabular}"]
        return out.joined(separator: "\n") + "\n"
    }

    /// RFC 4180; one row per group, the header even when there is none.
    static func csv(_ rows: [[String]]) -> String {
        let field = { (s: String) -> String in
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        let csvRows = rows.map { r in r.enumerated().map { j, s in j == 5 ? s.replacingOccurrences(of: " …", with: "") : s } }
        return ([headers] + csvRows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
