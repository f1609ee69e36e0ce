import ArgumentParser
import Foundation
import Reports

extension FigureFormat: ExpressibleByArgument {}
extension TableFormat: ExpressibleByArgument {}

extension Spillsim {
    /// `spillsim report FILE.h5`: appendix tables and figures from a result file.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write methods-appendix tables and figures (via gnuplot) from a result file.",
            discussion: "For --out plots/NAME (default plots/<file name>) writes NAME-summary.<md|tex|csv|txt>, "
                + "the figures NAME-bias, -coverage, -zip, -ratio-bias, -ratio-coverage, -nlp-bias, -nlp-coverage, "
                + "-curves, -curves-by-d, -turning-points, -utest, -w-heatmap and -utest-power (each with its gnuplot script .gp and data .dat, "
                + "to restyle; a figure with more panels than a page holds is split into pages NAME-ID-1, NAME-ID-2, …) and NAME-captions.md. Figures whose estimands the run does not have are skipped, "
                + "with the reason. See docs/REPORTS.md.")

        @Argument(help: "A result file written by spillsim run or spillsim merge.")
        var file: String

        @Option(help: "Output path prefix (directory and file-name prefix).")
        var out: String?

        @Option(help: "Figure format: png, pdf, svg or cairolatex (.tex with a .pdf of the graphics).")
        var format: FigureFormat = .png

        @Option(help: "Table format: markdown, latex, csv or table (aligned plain text, .txt).")
        var tables: TableFormat = .markdown

        @Option(parsing: .unconditional, help: "Decimals of the numbers in the table (0–8).")
        var decimals: Int = 3

        @Option(help: "Path of the gnuplot executable (default: gnuplot on PATH).")
        var gnuplot: String?

        func validate() throws {
            guard (0...8).contains(decimals) else { throw ValidationError("--decimals must be between 0 and 8, got \(decimals)") }
        }

        func run() throws {
            let plotter: Gnuplot
            do { plotter = try Gnuplot(path: gnuplot) } catch let e as GnuplotError {
                throw CommandLineError(description: "\(e) with --gnuplot")
            }
            let output = try AppendixReport.write(resultsPath: file, out: out, figureFormat: format,
                                                  tableFormat: tables, decimals: decimals, gnuplot: plotter)
            print("table    \(output.table.path)")
            for f in output.figures { print("figure   \(f.figure.path)") }
            for s in output.skipped { print("skipped  \(s.id): \(s.reason)") }
            print("captions \(output.captions.path)")
        }
    }
}
