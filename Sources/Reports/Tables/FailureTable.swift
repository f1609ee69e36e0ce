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
        // The estimates without a truth follow in the human formats; CSV stays one table (they are the
        // `n_no_truth` column of `summarize --format csv`, and `noTruthNote` says so on standard error).
        let noTruth = summary.noTruth.map { [String($0.cell.ordinal), condition($0.cell), $0.estimator, $0.estimand, String($0.count)] }
        switch format {
        case .csv: return csv(rows)
        case .table:
            return heading(summary) + "\n" + (rows.isEmpty ? "" : plain(rows, headers: headers))
                + (noTruthSection(summary).map { "\n" + $0 + "\n" + (noTruth.isEmpty ? "" : plain(noTruth, headers: noTruthHeaders)) } ?? "")
        case .markdown:
            return "**" + heading(summary) + "**\n\n" + (rows.isEmpty ? "" : markdown(rows, headers: headers))
                + (noTruthSection(summary).map { (rows.isEmpty ? "" : "\n") + "**" + $0 + "**\n\n" + (noTruth.isEmpty ? "" : markdown(noTruth, headers: noTruthHeaders)) } ?? "")
        case .latex:
            return "% " + heading(summary) + "\n" + (rows.isEmpty ? "" : latex(rows, headers: headers, spec: "rllllrp{0.4\\linewidth}"))
                + (noTruthSection(summary).map { "% " + $0 + "\n" + (noTruth.isEmpty ? "" : latex(noTruth, headers: noTruthHeaders, spec: "rlllr")) } ?? "")
        }
    }

    /// The one line `summarize` prints under its tables when any fit failed or any estimate had
    /// no truth; nil when neither.
    public static func note(_ summary: FailureSummary, file: String) -> String? {
        var lines: [String] = []
        if summary.failed > 0 {
            lines.append("\(summary.failed) of \(summary.fits) fits failed (excluded from the measures, counted in n_failed); "
                + "reasons: spillsim summarize \(file) --failures")
        }
        if let noTruth = noTruthNote(summary) { lines.append(noTruth) }
        return lines.isEmpty ? nil : lines.map { $0 + "\n" }.joined()
    }

    /// The line on estimates whose fit converged but whose estimand has no true value; nil when none.
    public static func noTruthNote(_ summary: FailureSummary) -> String? {
        guard summary.noTruthEstimates > 0 else { return nil }
        return "\(summary.noTruthEstimates) estimates of \(summary.noTruth.count) summary rows have no true value (converged fits, "
            + "excluded from the measures, counted in n_no_truth, not in n_failed)"
    }

    static let noTruthHeaders = ["cell", "condition", "estimator", "estimand", "n_no_truth"]

    /// The heading of the no-truth rows, or a line saying the file cannot tell them apart; nil when
    /// there is nothing to say.
    static func noTruthSection(_ summary: FailureSummary) -> String? {
        if let note = noTruthNote(summary) {
            return "Not failures: " + note + " — per cell, estimator and estimand:"
        }
        guard summary.noTruthUnknown else { return nil }
        return "This file predates n_no_truth: its n_failed also counts estimates whose truth is not finite (converged fits), which are not listed here."
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

    /// Aligned columns; a text column last (the reason) runs to the end of the line unpadded,
    /// a count last (`n_no_truth`) is right-aligned like the others.
    static func plain(_ rows: [[String]], headers: [String]) -> String {
        let numeric = Set([0, 4])
        let widths = headers.indices.map { j in max(headers[j].count, rows.map { $0[j].count }.max() ?? 0) }
        let line = { (cells: [String]) -> String in
            cells.enumerated().map { j, s in
                guard j < cells.count - 1 || numeric.contains(j) else { return s }
                let pad = String(repeating: " ", count: widths[j] - s.count)
                return numeric.contains(j) ? pad + s : s + pad
            }.joined(separator: "  ")
        }
        let rule = widths.enumerated().map { j, w in String(repeating: "-", count: j == widths.count - 1 ? headers[j].count : w) }
        return ([line(headers), rule.joined(separator: "  ")] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    static func markdown(_ rows: [[String]], headers: [String]) -> String {
        let line = { (cells: [String]) in
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
                .joined(separator: " | ") + " |"
        }
        let rule = "|" + headers.indices.map { [0, 4].contains($0) ? "---:|" : ":---|" }.joined()
        return ([line(headers), rule] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    static func latex(_ rows: [[String]], headers: [String], spec: String) -> String {
        let line = { (cells: [String]) in cells.map { SummaryTable.latexEscape($0) }.joined(separator: " & ") + " \\\\" }
        let out = ["% requires \\usepackage{booktabs}", "\\begin{tabular}{\(spec)}", "\\toprule",
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
