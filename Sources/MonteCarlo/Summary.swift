import Foundation

/// One row of a run's summary: the measures of one (cell, estimator, estimand).
public struct SummaryRow: Equatable, Sendable {
    public let cell: CellInfo
    public let estimator: String
    public let estimand: String
    public let measures: PerformanceMeasures
}

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

/// Output formats of `spillsim summarize`.
public enum SummaryFormat: String, CaseIterable, Sendable {
    case table, csv, markdown, latex
}

/// Renders summary rows. Kept apart from the measures: formatting only.
public enum SummaryWriter {
    /// The CSV measure columns, in order, after `cell,cell_index,estimator,estimand`;
    /// the factor columns (named by their key paths) come last. `cell` is the
    /// cell's ordinal among the cells that ran — as in `/summary/cell` and the
    /// `cells/cell_NNNNN` group names — and `cell_index` its position in the
    /// full grid cross (they differ only when a `filter` drops cells).
    static let measureColumns = ["true", "n_ok", "n_failed", "mean", "bias", "mcse_bias", "rel_bias", "emp_se", "model_se",
                                 "rel_error_model_se", "rmse", "coverage", "mcse_coverage", "rejection", "mcse_rejection",
                                 "mcse_rel_bias", "mcse_emp_se", "mcse_model_se", "mcse_rel_error_model_se", "mse", "mcse_mse",
                                 "mcse_rmse", "be_coverage", "mcse_be_coverage"]
    /// The shorter set shown in human-readable tables.
    static let displayColumns = ["true", "n_ok", "n_failed", "bias", "mcse_bias", "emp_se", "model_se", "rmse",
                                 "coverage", "mcse_coverage", "rejection"]

    static func value(_ m: PerformanceMeasures, _ column: String) -> Double {
        switch column {
        case "n_ok": return Double(m.nOK)
        case "n_failed": return Double(m.nFailed)
        default:
            guard let i = PerformanceMeasures.columnNames.firstIndex(of: column) else { return .nan }
            return m.allValues[i]
        }
    }

    public static func render(_ rows: [SummaryRow], format: SummaryFormat) -> String {
        let factorPaths = rows.first?.cell.factors.map(\.path) ?? []
        switch format {
        case .csv:
            var lines = [(["cell", "cell_index", "estimator", "estimand"] + measureColumns + factorPaths).map(csvField).joined(separator: ",")]
            for r in rows {
                let fields = ["\(r.cell.ordinal)", "\(r.cell.index)", r.estimator, r.estimand]
                    + measureColumns.map { c in
                        let v = value(r.measures, c)
                        return c.hasPrefix("n_") ? String(Int(v)) : (v.isNaN ? "NA" : "\(v)")
                    } + r.cell.factors.map(\.value)
                lines.append(fields.map(csvField).joined(separator: ","))
            }
            return lines.joined(separator: "\n") + "\n"
        case .table, .markdown, .latex:
            let header = ["cell", "cell_index", "estimator", "estimand"] + factorPaths.map { String($0.split(separator: ".").last ?? "") } + displayColumns
            let body = rows.map { r in
                ["\(r.cell.ordinal)", "\(r.cell.index)", r.estimator, r.estimand] + r.cell.factors.map(\.value)
                    + displayColumns.map { c in
                        let v = value(r.measures, c)
                        return c.hasPrefix("n_") ? String(Int(v)) : (v.isNaN ? "–" : String(format: "%.4f", v))
                    }
            }
            return layout(header: header, body: body, format: format)
        }
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func layout(header: [String], body: [[String]], format: SummaryFormat) -> String {
        switch format {
        case .markdown:
            let line = { (cells: [String]) in "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
            return ([line(header), "|" + header.map { _ in "---|" }.joined()] + body.map(line)).joined(separator: "\n") + "\n"
        case .latex:
            let esc = { (s: String) in s.replacingOccurrences(of: "\\", with: "\\textbackslash{}").replacingOccurrences(of: "_", with: "\\_")
                .replacingOccurrences(of: "&", with: "\\&").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "–", with: "--") }
            let cols = String(repeating: "l", count: header.count - displayColumns.count) + String(repeating: "r", count: displayColumns.count)
            var out = ["\\begin{tabular}{\(cols)}", "\\hline", header.map(esc).joined(separator: " & ") + " \\\\", "\\hline"]
            out += body.map { $0.map(esc).joined(separator: " & ") + " \\\\" }
            out += ["\\hline", "\\end{tabular}"]
            return out.joined(separator: "\n") + "\n"
        default:
            let widths = header.indices.map { j in max(header[j].count, body.map { $0[j].count }.max() ?? 0) }
            let numericFrom = header.count - displayColumns.count
            let line = { (cells: [String]) in
                cells.enumerated().map { j, s in
                    let pad = String(repeating: " ", count: widths[j] - s.count)
                    return j >= numericFrom ? pad + s : s + pad
                }.joined(separator: "  ")
            }
            return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + body.map(line))
                .joined(separator: "\n") + "\n"
        }
    }
}
