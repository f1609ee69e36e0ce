import Foundation
import MonteCarlo

/// Output formats of summary tables: `spillsim summarize --format` and `spillsim report --tables`.
public enum TableFormat: String, CaseIterable, Sendable {
    /// Plain text with aligned columns, for a terminal.
    case table
    case markdown, latex, csv

    public var fileExtension: String {
        switch self {
        case .table: return "txt"
        case .markdown: return "md"
        case .latex: return "tex"
        case .csv: return "csv"
        }
    }
}

/// One column of a summary table.
public struct TableColumn: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        /// The cell's ordinal among the cells that ran (`/summary/cell`).
        case cell
        /// The cell's position in the full grid cross.
        case cellIndex
        /// The value of the cell factor with this key path.
        case factor(String)
        /// The cell's label (`CellInfo.title`: a `cells:` label, grid level labels).
        case title
        case estimator
        case estimand
        /// The estimand, marked `(not comparable)` when its truth is not the parameter
        /// the estimator targets (a ρ or θ under a W other than the true one).
        case estimandMarked
        /// The estimand's typeset name (`Typeset`: ρ, β_CA, c*_IE …) in Markdown and
        /// LaTeX, its engine name in CSV and plain text; marked like `estimandMarked`.
        case estimandLabel
        /// A measure rounded to the table's decimals.
        case number(String)
        /// A measure with every digit (Swift's shortest round-trip text): what a program reads back.
        case exact(String)
        /// A measure as a count (no decimals).
        case count(String)
        /// A measure with its MCSE in brackets, e.g. `bias` with `mcse_bias`.
        case withMCSE(String, mcse: String)
    }

    public let header: String
    public let content: Content

    public init(_ header: String, _ content: Content) {
        self.header = header
        self.content = content
    }

    var isNumeric: Bool {
        switch content {
        case .cell, .cellIndex, .factor, .title, .estimator, .estimand, .estimandMarked, .estimandLabel: return false
        default: return true
        }
    }
}

/// A table of summary rows, rendered as aligned text, Markdown, LaTeX (booktabs)
/// or CSV: the one renderer behind `spillsim summarize` and `spillsim report`.
/// The columns are data, so a new measure is a new entry in a column list.
public struct SummaryTable: Sendable {
    public var columns: [TableColumn]
    /// Decimals of every `.number` and `.withMCSE` column.
    public var decimals: Int
    /// The run's estimators in file order: a factor column on one estimator's setting
    /// (`estimators.K.variance`) is then blank ("–") on the other estimators' rows, where the
    /// setting does not apply. Empty: every row shows its cell's level (CSV keeps it so).
    public var estimators: [String] = []

    public init(columns: [TableColumn], decimals: Int = 3) {
        self.columns = columns
        self.decimals = decimals
    }

    /// The key paths the cells set (grid factors, labelled cells' settings), in first-seen order.
    public static func factorPaths(_ cells: [CellInfo]) -> [String] {
        var paths: [String] = []
        for c in cells { for f in c.factors where !paths.contains(f.path) { paths.append(f.path) } }
        return paths
    }

    /// K of a factor path `estimators.K.…` (a setting of the K-th estimator), else nil.
    static func estimatorIndex(_ path: String) -> Int? {
        let parts = path.split(separator: ".")
        guard parts.count > 2, parts[0] == "estimators" else { return nil }
        return Int(parts[1])
    }

    /// True when any cell has a label: the tables then show a `label` column before the factors.
    public static func labelled(_ cells: [CellInfo]) -> Bool { cells.contains { $0.title != nil } }

    /// Factor columns, headed by the last key-path component unless two factors would share one.
    static func factorColumns(_ paths: [String]) -> [TableColumn] {
        let shortNames = paths.map { CellInfo.Factor(path: $0, value: "").shortName }
        let headers = Set(shortNames).count == shortNames.count ? shortNames : paths
        return zip(headers, paths).map { TableColumn($0, .factor($1)) }
    }

    /// The methods-appendix table (3 decimals by default: shows MCSEs of coverage,
    /// ≈0.007 at R = 1000, and of bias at the scale of the default coefficients):
    /// the cell factors, estimator, estimand, truth, bias, empirical and model SE,
    /// RMSE, coverage and rejection, each with its MCSE, and the counts of usable estimates, failed
    /// fits and estimates without a truth.
    public static func appendix(factorPaths: [String], labelled: Bool = false, decimals: Int = 3) -> SummaryTable {
        SummaryTable(columns: (labelled ? [TableColumn("label", .title)] : []) + factorColumns(factorPaths) + [
            TableColumn("estimator", .estimator),
            TableColumn("estimand", .estimandLabel),
            TableColumn("true", .number("true")),
            TableColumn("bias (MCSE)", .withMCSE("bias", mcse: "mcse_bias")),
            TableColumn("emp. SE (MCSE)", .withMCSE("emp_se", mcse: "mcse_emp_se")),
            TableColumn("model SE (MCSE)", .withMCSE("model_se", mcse: "mcse_model_se")),
            TableColumn("RMSE (MCSE)", .withMCSE("rmse", mcse: "mcse_rmse")),
            TableColumn("coverage (MCSE)", .withMCSE("coverage", mcse: "mcse_coverage")),
            TableColumn("rejection (MCSE)", .withMCSE("rejection", mcse: "mcse_rejection")),
            TableColumn("n_ok", .count("n_ok")),
            TableColumn("n_failed", .count("n_failed")),
            TableColumn("n_no_truth", .count("n_no_truth")),
        ], decimals: decimals)
    }

    /// The measure columns of `spillsim summarize --format csv`, in order, after
    /// `cell,cell_index,estimator,estimand`; the factor columns (named by their key
    /// paths) come last. `cell` is the cell's ordinal among the cells that ran — as in
    /// `/summary/cell` and the `cells/cell_NNNNN` group names — and `cell_index` its
    /// position in the full grid cross (they differ only when a `filter` drops cells).
    /// The original columns come first (their order is kept for existing scripts, except
    /// `n_no_truth`, set beside `n_failed` because the two split what `n_failed` once
    /// counted: read the columns by name), then every other stored measure in
    /// `PerformanceMeasures.columnNames` order.
    public static let csvMeasures: [String] = {
        let leading = ["true", "n_ok", "n_failed", "n_no_truth", "mean", "bias", "mcse_bias", "rel_bias", "emp_se", "model_se",
                       "rel_error_model_se", "rmse", "coverage", "mcse_coverage", "rejection", "mcse_rejection",
                       "mcse_rel_bias", "mcse_emp_se", "mcse_model_se", "mcse_rel_error_model_se", "mse", "mcse_mse",
                       "mcse_rmse", "be_coverage", "mcse_be_coverage"]
        return leading + PerformanceMeasures.columnNames.filter { !leading.contains($0) }
    }()

    /// One table of `summarize`'s human-readable output: the rows of one estimand
    /// role, the measures that apply to it (docs/monte-carlo.md, "Which measures
    /// apply") and a note saying why, printed above the table.
    public struct RoleSection: Sendable {
        public let role: EstimandRole
        public let note: String?
        public let measures: [String]
    }

    /// The role tables `summarize` shows (4 decimals), in this order; a role with no rows is left out.
    public static let summarizeSections = [
        RoleSection(role: .parameter, note: nil,
                    measures: ["true", "n_ok", "n_failed", "n_no_truth", "bias", "mcse_bias", "emp_se", "model_se", "rmse",
                               "coverage", "mcse_coverage", "rejection"]),
        RoleSection(role: .ratio,
                    note: "Ratio estimands (tp.*, shift.*) have no finite moments: median bias, median absolute error, robust SE (1.4826·MAD) with bootstrap MCSEs, Fieller-set coverage and shares, instead of mean bias, EmpSE, √mean(s²) and delta coverage",
                    measures: ["true", "n_ok", "n_failed", "n_no_truth", "median_bias", "mcse_median_bias", "mad_error", "robust_se", "median_model_se",
                               "rel_error_robust_se", "fieller_coverage", "mcse_fieller_coverage", "share_bounded", "share_disjoint",
                               "share_whole_line", "share_right_shape", "share_inside_support"]),
        RoleSection(role: .test,
                    note: "U-tests: rejection rate split by whether the null is true (size) or false (power), with the mean noncentrality of the true shape; the null-true rate also by distance from the least-favourable null: boundary = noncentrality in [−1, 0] (turning point within one SE of an end of the interval, where the size is), interior = below −1; bias, EmpSE and RMSE do not apply",
                    measures: ["true", "n_ok", "n_failed", "n_no_truth", "rejection", "mcse_rejection", "rejection_null_true", "n_null_true",
                               "rejection_null_boundary", "n_null_boundary", "rejection_null_interior", "n_null_interior",
                               "rejection_null_false", "n_null_false", "noncentrality"]),
        RoleSection(role: .selection,
                    note: "W selection: mean = how often the rule chose the true W (select.*) or the mean posterior probability of the true W (posterior.true); mcse_bias is the MCSE of that mean",
                    measures: ["n_ok", "n_failed", "n_no_truth", "mean", "mcse_bias"]),
    ]

    /// The table of `spillsim summarize`: every measure with all its digits in CSV
    /// (for programs); otherwise the measures of `section` (default: the parameters')
    /// to 4 decimals, estimands not comparable under the estimator's W marked.
    public static func summarize(factorPaths: [String], labelled: Bool = false, format: TableFormat,
                                 section: RoleSection = summarizeSections[0]) -> SummaryTable {
        let title = labelled ? [TableColumn("label", .title)] : []
        let count = { (m: String) in m.hasPrefix("n_") }
        guard format != .csv else {
            let keys = [TableColumn("cell", .cell), TableColumn("cell_index", .cellIndex),
                        TableColumn("estimator", .estimator), TableColumn("estimand", .estimand)]
            return SummaryTable(columns: keys + csvMeasures.map { TableColumn($0, count($0) ? .count($0) : .exact($0)) }
                                    + title + factorPaths.map { TableColumn($0, .factor($0)) })
        }
        let keys = [TableColumn("cell", .cell), TableColumn("cell_index", .cellIndex),
                    TableColumn("estimator", .estimator), TableColumn("estimand", .estimandMarked)]
        return SummaryTable(columns: keys + title + factorColumns(factorPaths)
                                + section.measures.map { TableColumn($0, count($0) ? .count($0) : .number($0)) }, decimals: 4)
    }

    /// What `spillsim summarize` prints: in CSV one table of every row; otherwise one
    /// table per estimand role present (`summarizeSections`), each under its note.
    /// `estimators`: the run's estimators in file order (blanks estimator settings on other
    /// estimators' rows in the human-readable tables; the CSV keeps every cell's level).
    public static func renderSummary(_ rows: [SummaryRow], format: TableFormat, estimators: [String] = []) -> String {
        var cells: [CellInfo] = []
        for r in rows where cells.last != r.cell && !cells.contains(r.cell) { cells.append(r.cell) }
        let factorPaths = factorPaths(cells), labelled = labelled(cells)
        guard format != .csv else { return summarize(factorPaths: factorPaths, labelled: labelled, format: .csv).render(rows, format: .csv) }
        let tables = summarizeSections.compactMap { section -> String? in
            let selected = rows.filter { $0.role == section.role }
            guard !selected.isEmpty else { return nil }
            var table = summarize(factorPaths: factorPaths, labelled: labelled, format: format, section: section)
            table.estimators = estimators
            let text = table.render(selected, format: format)
            guard let note = section.note else { return text }
            switch format {
            case .markdown: return "**\(note)**\n\n" + text
            case .latex: return "% " + note + "\n" + text
            case .table, .csv: return note + "\n" + text
            }
        }
        return tables.joined(separator: "\n")
    }

    public func render(_ rows: [SummaryRow], format: TableFormat) -> String {
        switch format {
        case .table: return plain(rows)
        case .markdown: return markdown(rows)
        case .latex: return latex(rows)
        case .csv: return csv(rows)
        }
    }

    func cell(_ row: SummaryRow, _ column: TableColumn, minus: String, missing: String) -> String {
        switch column.content {
        case .cell: return String(row.cell.ordinal)
        case .cellIndex: return String(row.cell.index)
        case .factor(let path):
            if let k = Self.estimatorIndex(path), estimators.indices.contains(k), estimators[k] != row.estimator { return missing }
            return row.cell.factors.first { $0.path == path }?.value ?? missing
        case .title: return row.cell.title ?? missing
        case .estimator: return row.estimator
        case .estimand: return row.estimand
        case .estimandMarked, .estimandLabel: return row.measures.comparable == 0 ? row.estimand + " (not comparable)" : row.estimand
        case .number(let m): return ReportNumber.format(row.measure(m), decimals: decimals, minus: minus, missing: missing)
        case .exact(let m):
            let v = row.measure(m)
            return v.isNaN ? missing : "\(v)"
        case .count(let m):
            let v = row.measure(m)
            return v.isFinite ? String(Int(v.rounded())) : missing
        case .withMCSE(let m, let s):
            return ReportNumber.withMCSE(row.measure(m), row.measure(s), decimals: decimals, minus: minus, missing: missing)
        }
    }

    /// Aligned columns (text left, numbers right) under a rule of dashes.
    func plain(_ rows: [SummaryRow]) -> String {
        let header = columns.map(\.header)
        let body = rows.map { r in columns.map { cell(r, $0, minus: "-", missing: "–") } }
        let widths = header.indices.map { j in max(header[j].count, body.map { $0[j].count }.max() ?? 0) }
        let line = { (cells: [String]) in
            cells.enumerated().map { j, s in
                let pad = String(repeating: " ", count: widths[j] - s.count)
                return columns[j].isNumeric ? pad + s : s + pad
            }.joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + body.map(line))
            .joined(separator: "\n") + "\n"
    }

    func markdown(_ rows: [SummaryRow]) -> String {
        let escape = { (s: String) in s.replacingOccurrences(of: "|", with: "\\|") }
        let line = { (cells: [String]) in "| " + cells.map(escape).joined(separator: " | ") + " |" }
        let rule = "|" + columns.map { $0.isNumeric ? "---:|" : ":---|" }.joined()
        let body = rows.map { r in
            "| " + columns.map { c in
                c.content == .estimandLabel ? Typeset.markdown(Self.label(r)) : escape(cell(r, c, minus: "\u{2212}", missing: "–"))
            }.joined(separator: " | ") + " |"
        }
        return ([line(columns.map(\.header)), rule] + body).joined(separator: "\n") + "\n"
    }

    func latex(_ rows: [SummaryRow]) -> String {
        let spec = columns.map { $0.isNumeric ? "r" : "l" }.joined()
        let line = { (cells: [String]) in cells.joined(separator: " & ") + " \\\\" }
        var out = ["% requires \\usepackage{booktabs}", "\\begin{tabular}{\(spec)}", "\\toprule",
                   line(columns.map { Self.latexEscape($0.header) }), "\\midrule"]
        out += rows.map { r in
            line(columns.map { c in
                c.content == .estimandLabel ? Typeset.latex(Self.label(r))
                    : c.isNumeric ? cell(r, c, minus: "$-$", missing: "--") : Self.latexEscape(cell(r, c, minus: "-", missing: "--"))
            })
        }
        out += ["\\bottomrule", "\\end{tabular}"]
        return out.joined(separator: "\n") + "\n"
    }

    /// CSV (RFC 4180) of the same cells as the other formats, with an ASCII
    /// minus so spreadsheets read the numbers; missing values are `NA`.
    func csv(_ rows: [SummaryRow]) -> String {
        let field = { (s: String) -> String in
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        let line = { (cells: [String]) in cells.map(field).joined(separator: ",") }
        let body = rows.map { r in line(columns.map { cell(r, $0, minus: "-", missing: "NA") }) }
        return ([line(columns.map(\.header))] + body).joined(separator: "\n") + "\n"
    }

    /// The typeset estimand name (neutral markup), marked when not comparable.
    static func label(_ r: SummaryRow) -> String {
        Typeset.estimand(r.estimand) + (r.measures.comparable == 0 ? " (not comparable)" : "")
    }

    /// Escapes LaTeX's special characters in text cells.
    static func latexEscape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(ch)
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            // Under LaTeX's default OT1 encoding these would print as other glyphs.
            case "|": out += "\\textbar{}"
            case "<": out += "\\textless{}"
            case ">": out += "\\textgreater{}"
            default: out.append(ch)
            }
        }
        return out
    }
}
