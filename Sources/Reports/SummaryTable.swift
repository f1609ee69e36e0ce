import Foundation

/// Output formats of report tables.
public enum TableFormat: String, CaseIterable, Sendable {
    case markdown, latex, csv

    public var fileExtension: String {
        switch self {
        case .markdown: return "md"
        case .latex: return "tex"
        case .csv: return "csv"
        }
    }
}

/// One column of a summary table.
public struct TableColumn: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        /// The value of the cell factor with this key path.
        case factor(String)
        case estimator
        case estimand
        /// A measure as a number.
        case number(String)
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
        case .factor, .estimator, .estimand: return false
        default: return true
        }
    }
}

/// A table of summary rows, rendered as Markdown, LaTeX (booktabs) or CSV.
public struct SummaryTable: Sendable {
    public var columns: [TableColumn]
    /// Decimals of every non-count number: 3 shows MCSEs of coverage (≈0.007 at
    /// R = 1000) and of bias at the scale of the default coefficients.
    public var decimals: Int

    public init(columns: [TableColumn], decimals: Int = 3) {
        self.columns = columns
        self.decimals = decimals
    }

    /// The methods-appendix table: the cell factors, estimator, estimand, truth,
    /// bias, empirical and model SE, RMSE, coverage and rejection, each with its
    /// MCSE, and the counts of usable and failed fits.
    public static func appendix(factorPaths: [String], decimals: Int = 3) -> SummaryTable {
        let shortNames = factorPaths.map { String($0.split(separator: ".").last ?? Substring($0)) }
        // Short factor names unless two factors would share one.
        let headers = Set(shortNames).count == shortNames.count ? shortNames : factorPaths
        return SummaryTable(columns: zip(headers, factorPaths).map { TableColumn($0, .factor($1)) } + [
            TableColumn("estimator", .estimator),
            TableColumn("estimand", .estimand),
            TableColumn("true", .number("true")),
            TableColumn("bias (MCSE)", .withMCSE("bias", mcse: "mcse_bias")),
            TableColumn("emp. SE (MCSE)", .withMCSE("emp_se", mcse: "mcse_emp_se")),
            TableColumn("model SE (MCSE)", .withMCSE("model_se", mcse: "mcse_model_se")),
            TableColumn("RMSE (MCSE)", .withMCSE("rmse", mcse: "mcse_rmse")),
            TableColumn("coverage (MCSE)", .withMCSE("coverage", mcse: "mcse_coverage")),
            TableColumn("rejection (MCSE)", .withMCSE("rejection", mcse: "mcse_rejection")),
            TableColumn("n_ok", .count("n_ok")),
            TableColumn("n_failed", .count("n_failed")),
        ], decimals: decimals)
    }

    public func render<Row: SummaryRecord>(_ rows: [Row], format: TableFormat) -> String {
        switch format {
        case .markdown: return markdown(rows)
        case .latex: return latex(rows)
        case .csv: return csv(rows)
        }
    }

    func cell<Row: SummaryRecord>(_ row: Row, _ column: TableColumn, minus: String, missing: String) -> String {
        switch column.content {
        case .factor(let path): return row.factors.first { $0.path == path }?.value ?? missing
        case .estimator: return row.estimator
        case .estimand: return row.estimand
        case .number(let m): return ReportNumber.format(row.measure(m), decimals: decimals, minus: minus, missing: missing)
        case .count(let m):
            let v = row.measure(m)
            return v.isFinite ? String(Int(v.rounded())) : missing
        case .withMCSE(let m, let s):
            return ReportNumber.withMCSE(row.measure(m), row.measure(s), decimals: decimals, minus: minus, missing: missing)
        }
    }

    func markdown<Row: SummaryRecord>(_ rows: [Row]) -> String {
        let escape = { (s: String) in s.replacingOccurrences(of: "|", with: "\\|") }
        let line = { (cells: [String]) in "| " + cells.map(escape).joined(separator: " | ") + " |" }
        let rule = "|" + columns.map { $0.isNumeric ? "---:|" : ":---|" }.joined()
        let body = rows.map { r in line(columns.map { cell(r, $0, minus: "\u{2212}", missing: "–") }) }
        return ([line(columns.map(\.header)), rule] + body).joined(separator: "\n") + "\n"
    }

    func latex<Row: SummaryRecord>(_ rows: [Row]) -> String {
        let spec = columns.map { $0.isNumeric ? "r" : "l" }.joined()
        let line = { (cells: [String]) in cells.joined(separator: " & ") + " \\\\" }
        var out = ["% requires \\usepackage{booktabs}", "\\begin{tabular}{\(spec)}", "\\toprule",
                   line(columns.map { Self.latexEscape($0.header) }), "\\midrule"]
        out += rows.map { r in
            line(columns.map { c in
                c.isNumeric ? cell(r, c, minus: "$-$", missing: "--") : Self.latexEscape(cell(r, c, minus: "-", missing: "--"))
            })
        }
        out += ["\\bottomrule", "\\end{tabular}"]
        return out.joined(separator: "\n") + "\n"
    }

    /// CSV (RFC 4180) of the same cells as the other formats, with an ASCII
    /// minus so spreadsheets read the numbers; missing values are `NA`. The raw
    /// measures as separate numeric columns are what `spillsim summarize --format csv` gives.
    func csv<Row: SummaryRecord>(_ rows: [Row]) -> String {
        let field = { (s: String) -> String in
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        let line = { (cells: [String]) in cells.map(field).joined(separator: ",") }
        let body = rows.map { r in line(columns.map { cell(r, $0, minus: "-", missing: "NA") }) }
        return ([line(columns.map(\.header))] + body).joined(separator: "\n") + "\n"
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
