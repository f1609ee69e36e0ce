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
    static let leadingColumns = ["true", "n_ok", "n_failed", "mean", "bias", "mcse_bias", "rel_bias", "emp_se", "model_se",
                                 "rel_error_model_se", "rmse", "coverage", "mcse_coverage", "rejection", "mcse_rejection",
                                 "mcse_rel_bias", "mcse_emp_se", "mcse_model_se", "mcse_rel_error_model_se", "mse", "mcse_mse",
                                 "mcse_rmse", "be_coverage", "mcse_be_coverage"]
    /// Every stored measure: the original columns first (their order is kept for
    /// existing scripts), then the rest in `PerformanceMeasures.columnNames` order.
    static let measureColumns = leadingColumns + PerformanceMeasures.columnNames.filter { !leadingColumns.contains($0) }

    /// What the human-readable tables show, by estimand role (docs/monte-carlo.md): one
    /// table per role present, each with its own columns and a heading saying why.
    struct DisplaySection {
        let role: EstimandRole
        let title: String?
        let columns: [String]
    }

    static let sections = [
        DisplaySection(role: .parameter, title: nil,
                       columns: ["true", "n_ok", "n_failed", "bias", "mcse_bias", "emp_se", "model_se", "rmse",
                                 "coverage", "mcse_coverage", "rejection"]),
        DisplaySection(role: .ratio,
                       title: "Ratio estimands (tp.*, shift.*) have no finite moments: median bias, median absolute error, robust SE (1.4826·MAD) with bootstrap MCSEs, Fieller-set coverage and shares, instead of mean bias, EmpSE, √mean(s²) and delta coverage",
                       columns: ["true", "n_ok", "n_failed", "median_bias", "mcse_median_bias", "mad_error", "robust_se", "median_model_se",
                                 "rel_error_robust_se", "fieller_coverage", "mcse_fieller_coverage", "share_bounded", "share_disjoint",
                                 "share_whole_line", "share_right_shape", "share_inside_support"]),
        DisplaySection(role: .test,
                       title: "U-tests: rejection rate split by whether the null is true (size) or false (power), with the mean noncentrality of the true shape; bias, EmpSE and RMSE do not apply",
                       columns: ["true", "n_ok", "n_failed", "rejection", "mcse_rejection", "rejection_null_true", "n_null_true",
                                 "rejection_null_false", "n_null_false", "noncentrality"]),
    ]

    /// Counts print as integers.
    static func isCount(_ column: String) -> Bool { column.hasPrefix("n_") }

    public static func render(_ rows: [SummaryRow], format: SummaryFormat) -> String {
        let factorPaths = rows.first?.cell.factors.map(\.path) ?? []
        switch format {
        case .csv:
            var lines = [(["cell", "cell_index", "estimator", "estimand"] + measureColumns + factorPaths).map(csvField).joined(separator: ",")]
            for r in rows {
                let fields = ["\(r.cell.ordinal)", "\(r.cell.index)", r.estimator, r.estimand]
                    + measureColumns.map { c in
                        let v = r.measures.value(c)
                        return isCount(c) && v.isFinite ? String(Int(v)) : (v.isNaN ? "NA" : "\(v)")
                    } + r.cell.factors.map(\.value)
                lines.append(fields.map(csvField).joined(separator: ","))
            }
            return lines.joined(separator: "\n") + "\n"
        case .table, .markdown, .latex:
            let factorHeaders = factorPaths.map { String($0.split(separator: ".").last ?? "") }
            let tables = sections.compactMap { section -> String? in
                let selected = rows.filter { EstimandRole(estimand: $0.estimand) == section.role }
                guard !selected.isEmpty else { return nil }
                let header = ["cell", "cell_index", "estimator", "estimand"] + factorHeaders + section.columns
                let body = selected.map { r in
                    // A ρ or θ under a wrong W keeps its spread and SEs but no bias or coverage.
                    let name = r.measures.comparable == 0 ? r.estimand + " (not comparable)" : r.estimand
                    return ["\(r.cell.ordinal)", "\(r.cell.index)", r.estimator, name] + r.cell.factors.map(\.value)
                        + section.columns.map { c in
                            let v = r.measures.value(c)
                            return isCount(c) && v.isFinite ? String(Int(v)) : (v.isNaN ? "–" : String(format: "%.4f", v))
                        }
                }
                let table = layout(header: header, body: body, numericColumns: section.columns.count, format: format)
                guard let title = section.title else { return table }
                switch format {
                case .markdown: return "**\(title)**\n\n" + table
                case .latex: return "% " + title + "\n" + table
                default: return title + "\n" + table
                }
            }
            return tables.joined(separator: "\n")
        }
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func layout(header: [String], body: [[String]], numericColumns: Int, format: SummaryFormat) -> String {
        switch format {
        case .markdown:
            let line = { (cells: [String]) in "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
            return ([line(header), "|" + header.map { _ in "---|" }.joined()] + body.map(line)).joined(separator: "\n") + "\n"
        case .latex:
            let esc = { (s: String) in s.replacingOccurrences(of: "\\", with: "\\textbackslash{}").replacingOccurrences(of: "_", with: "\\_")
                .replacingOccurrences(of: "&", with: "\\&").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "–", with: "--") }
            let cols = String(repeating: "l", count: header.count - numericColumns) + String(repeating: "r", count: numericColumns)
            var out = ["\\begin{tabular}{\(cols)}", "\\hline", header.map(esc).joined(separator: " & ") + " \\\\", "\\hline"]
            out += body.map { $0.map(esc).joined(separator: " & ") + " \\\\" }
            out += ["\\hline", "\\end{tabular}"]
            return out.joined(separator: "\n") + "\n"
        default:
            let widths = header.indices.map { j in max(header[j].count, body.map { $0[j].count }.max() ?? 0) }
            let numericFrom = header.count - numericColumns
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
