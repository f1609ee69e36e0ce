import Foundation

/// A report that cannot be written: the output path and what to do.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    case outputPrefixWithoutName(String)
    case cannotCreateDirectory(String, reason: String)
    case cannotWrite(String, reason: String)
    /// Every figure was attempted, but gnuplot warned on these (figure path, warning text).
    case gnuplotWarnings([GnuplotWarning])

    public var description: String {
        switch self {
        case .outputPrefixWithoutName(let path): return "the output prefix \(path) must end in a file-name prefix, e.g. plots/baseline"
        case let .cannotCreateDirectory(path, reason): return "cannot create the output directory \(path): \(reason)"
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        case .gnuplotWarnings(let list):
            return "gnuplot warned on \(list.count) figure(s), which may be cut off or wrong:\n"
                + list.map { "  \($0.figure): \($0.message.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\n    "))" }
                    .joined(separator: "\n")
                + "\n(a spillsim figure should draw without warnings: please report it with the .gp and .dat files beside the figure)"
        }
    }
}

/// A figure gnuplot drew with a warning.
public struct GnuplotWarning: Sendable, Equatable {
    public let figure: String
    public let message: String
}

/// What `spillsim report` wrote.
public struct ReportOutput: Sendable {
    public let table: URL
    public let captions: URL
    public let figures: [RenderedFigure]
    /// Figures not drawn, with the reason (e.g. the run has no curve-point estimands).
    public let skipped: [(id: String, reason: String)]
}

/// Tables and figures for a methods appendix, straight from a result file.
///
/// For `out = plots/NAME` it writes `plots/NAME-summary.{md,tex,csv}`,
/// `plots/NAME-{bias,coverage,curves,turning-points,utest}.{png,pdf,svg}` each
/// with its `.gp` script and `.dat` data, and `plots/NAME-captions.md`.
public enum AppendixReport {
    /// The default output base for a result file: `plots/` + its name without `.h5`.
    public static func defaultOutput(for resultsPath: String) -> String {
        let name = URL(fileURLWithPath: resultsPath).deletingPathExtension().lastPathComponent
        return "plots/" + name
    }

    public static func write(resultsPath: String, out: String? = nil, figureFormat: FigureFormat = .png,
                             tableFormat: TableFormat = .markdown, decimals: Int = 3, gnuplot: Gnuplot) throws -> ReportOutput {
        let data = try ResultsData.read(resultsPath)
        let base = URL(fileURLWithPath: out ?? defaultOutput(for: resultsPath))
        let directory = base.deletingLastPathComponent(), name = base.lastPathComponent
        guard !name.isEmpty, name != "." else { throw ReportError.outputPrefixWithoutName(base.path) }
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw ReportError.cannotCreateDirectory(directory.path, reason: error.localizedDescription)
        }

        var appendix = SummaryTable.appendix(factorPaths: SummaryTable.factorPaths(data.cells), labelled: SummaryTable.labelled(data.cells),
                                             decimals: decimals)
        // A setting of one estimator is blank on the others' rows (the CSV keeps every level, for programs).
        if tableFormat != .csv { appendix.estimators = data.estimators }
        let table = appendix.render(data.rows, format: tableFormat)
        let tableURL = directory.appendingPathComponent("\(name)-summary.\(tableFormat.fileExtension)")
        try write(table, to: tableURL)

        var rendered: [RenderedFigure] = [], skipped: [(String, String)] = [], warnings: [GnuplotWarning] = []
        var captions = "# \(data.scenarioName): figures from \(URL(fileURLWithPath: resultsPath).lastPathComponent)\n\n"
        for plan in AppendixFigures(data: data, baseName: name, text: figureFormat.text).all() {
            guard !plan.figures.isEmpty else {
                skipped.append((plan.id, plan.skipped ?? "nothing to draw"))
                captions += "- **\(plan.id)**: not drawn — \(plan.skipped ?? "nothing to draw").\n"
                continue
            }
            for (k, figure) in plan.figures.enumerated() {
                let r: RenderedFigure
                do { r = try gnuplot.render(figure, in: directory, format: figureFormat) } catch GnuplotError.warning(let path, let message) {
                    // Draw the rest, then fail naming every figure that warned.
                    warnings.append(GnuplotWarning(figure: path, message: message))
                    continue
                }
                rendered.append(r)
                let page = plan.figures.count > 1 ? " (page \(k + 1) of \(plan.figures.count))" : ""
                let reading = FigureReading.hints[plan.id].map { " *How to read:* " + $0 } ?? ""
                captions += "- **\(r.figure.lastPathComponent)**: \(plan.caption)\(page)\(reading)\n"
            }
            if let table = plan.table { captions += "\n" + table + "\n" }
        }
        captions += "\nTable: \(tableURL.lastPathComponent) — estimates with their Monte Carlo SEs in brackets.\n"
        captions += "\nEach figure's gnuplot script (.gp) and data (.dat) are beside it; every script loads \(FigureStyle.fileName), "
            + "which sets fonts, colours, line and point styles for all figures at once.\n"
        let captionsURL = directory.appendingPathComponent("\(name)-captions.md")
        try write(captions, to: captionsURL)
        guard warnings.isEmpty else { throw ReportError.gnuplotWarnings(warnings) }
        return ReportOutput(table: tableURL, captions: captionsURL, figures: rendered, skipped: skipped)
    }

    static func write(_ text: String, to url: URL) throws {
        do { try text.write(to: url, atomically: true, encoding: .utf8) } catch {
            throw ReportError.cannotWrite(url.path, reason: error.localizedDescription)
        }
    }
}
