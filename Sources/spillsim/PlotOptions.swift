import ArgumentParser
import Foundation
import Reports

/// `--plot FILE` (and `--gnuplot PATH`) of the estimate commands: the figure's format
/// comes from FILE's extension; its gnuplot script, data and the style file go beside it.
struct PlotOptions: ParsableArguments {
    @Option(help: "Draw the figure to FILE (.png, .pdf, .svg, or .tex for cairolatex), with its .gp script and .dat data beside it.")
    var plot: String?

    @Option(help: "Path of the gnuplot executable for --plot (default: gnuplot on PATH).")
    var gnuplot: String?

    func validate() throws {
        if let plot, PlotTarget(path: plot) == nil {
            throw ValidationError("--plot \(plot): the extension must be .png, .pdf, .svg or .tex (cairolatex)")
        }
    }

    /// Draws the figure `build` makes (given the text medium) when --plot was given; prints its path on stderr.
    func draw(_ build: (_ name: String, _ text: FigureText) -> GnuplotFigure) throws {
        guard let plot, let target = PlotTarget(path: plot) else { return }
        let plotter: Gnuplot
        do { plotter = try Gnuplot(path: gnuplot) } catch let e as GnuplotError {
            throw CommandLineError(description: "\(e) with --gnuplot")
        }
        let r = try plotter.render(build(target.name, target.format.text), in: target.directory, format: target.format)
        FileHandle.standardError.write(Data("figure \(r.figure.path) (script \(r.script.lastPathComponent), data \(r.data.lastPathComponent))\n".utf8))
    }
}
