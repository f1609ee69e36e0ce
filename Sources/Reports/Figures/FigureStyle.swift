import Foundation

/// Output format of a figure. The terminal itself is chosen in the style file
/// (`FigureStyle`), so one file sets the look of every figure in a directory.
///
/// `pngcairo`, `pdfcairo`, `svg` and `cairolatex` ship with Debian's `gnuplot-nox`,
/// which `scripts/setup` installs. `cairolatex` writes `NAME.tex` (the text, set by
/// LaTeX in the document's fonts) and `NAME.pdf` (the graphics): `\input{NAME.tex}`.
public enum FigureFormat: String, CaseIterable, Sendable {
    case png, pdf, svg, cairolatex

    public var fileExtension: String { self == .cairolatex ? "tex" : rawValue }

    /// How figure text is written: LaTeX for cairolatex, gnuplot enhanced text otherwise.
    public var text: FigureText { self == .cairolatex ? .latex : .enhanced }
}

/// The medium of a figure's text; `quote` turns neutral markup (`Typeset`) into a
/// single-quoted gnuplot string in that medium.
public enum FigureText: Sendable {
    case enhanced, latex

    public func render(_ markup: String) -> String {
        self == .latex ? Typeset.latex(markup) : Typeset.gnuplot(markup)
    }

    /// A gnuplot string literal of `markup`.
    public func quote(_ markup: String) -> String { GP.quote(render(markup)) }

    /// Several lines as one gnuplot string expression.
    public func lines(_ lines: [String]) -> String { GP.lines(lines.map(render)) }

    /// An estimand's typeset name as a gnuplot string literal.
    public func estimand(_ name: String) -> String { quote(Typeset.estimand(name)) }
}

/// The one style file every figure script loads (`load 'spillsim-style.gp'`): the
/// terminal and fonts for each format, eight series styles that differ in colour,
/// dash pattern and point shape (so a greyscale print still tells them apart; the
/// colours are Okabe & Ito's colour-blind-safe palette), and the reference-line,
/// band and grid styles. A user restyles every figure by editing this one file;
/// `spillsim report` keeps an existing one.
public enum FigureStyle {
    public static let fileName = "spillsim-style.gp"

    /// Series styles: `lt 1` … `lt 8` in the scripts.
    static let series: [(color: String, dash: Int, point: Int)] = [
        ("#000000", 1, 7), ("#D55E00", 2, 5), ("#0072B2", 4, 9), ("#009E73", 5, 13),
        ("#CC79A7", 3, 11), ("#E69F00", 6, 4), ("#56B4E9", 7, 6), ("#7F7F7F", 8, 8),
    ]

    public static var text: String {
        var s = """
            # spillsim figure style — loaded by every *.gp script in this directory.
            # Edit this file to restyle all figures, then rerun `gnuplot NAME.gp` (or
            # `spillsim report`, which keeps this file when it exists).
            # Each script sets fig_format ('png' | 'pdf' | 'svg' | 'cairolatex'),
            # fig_width and fig_height (pixels; PDF and LaTeX at 130 px per inch, so a figure fits a
            # printed page's text width at its natural size) and fig_output.

            font_name = 'Sans'
            font_size = 11                  # pixels in PNG and SVG; PDF uses 0.75 of it in points (8.25 pt)
            if (fig_format eq 'png') {
                set terminal pngcairo size fig_width,fig_height enhanced font sprintf('%s,%g', font_name, font_size) linewidth 1.2
            }
            if (fig_format eq 'pdf') {
                set terminal pdfcairo size fig_width/130.0,fig_height/130.0 enhanced font sprintf('%s,%g', font_name, 0.75*font_size) linewidth 1
            }
            if (fig_format eq 'svg') {
                set terminal svg size fig_width,fig_height enhanced font sprintf('%s,%g', font_name, font_size) background '#ffffff'
            }
            if (fig_format eq 'cairolatex') {
                # Text is set by LaTeX in the document's font; \\input{NAME.tex} (needs graphicx and color).
                set terminal cairolatex pdf size fig_width/130.0,fig_height/130.0 colortext
            }
            set output fig_output
            # Height of one line of text as a fraction of the canvas (scripts place keys with it),
            # and a point-size factor: cairo's PDF points are larger relative to the text.
            vector = (fig_format eq 'pdf' || fig_format eq 'cairolatex')
            # (pdfcairo draws text at half the nominal size: its default fontscale is 0.5, which keeps
            # the PDF's proportions those of the PNG.)
            line_height = vector ? 1.3*0.5*0.75*font_size/(fig_height/130.0*72) : 1.3*font_size/fig_height
            point_scale = vector ? 0.6 : 1.0

            # Series 1–8: colour + dash pattern + point shape, distinguishable in greyscale.

            """
        for (i, st) in series.enumerated() {
            s += "set linetype \(i + 1) lc rgb '\(st.color)' dt \(st.dash) pt \(st.point) ps 0.8*point_scale lw 1.5\n"
        }
        s += """
            set linetype cycle 8

            # Truth / reference value (0 for bias, 0.95 for coverage, α for rejection).
            set style line 100 lc rgb '#333333' dt 2 lw 1.2
            # Monte Carlo band around a reference (e.g. 0.95 ± 1.96 MCSE).
            set style line 101 lc rgb '#777777' dt 3 lw 1
            # The truth in curve and histogram figures: solid black, drawn on top.
            set style line 102 lc rgb '#000000' dt 1 lw 2 pt 7 ps 0.6*point_scale
            # An estimate summary (mean or median): dashed, with open circles.
            set style line 103 lc rgb '#D55E00' dt 2 lw 2 pt 6 ps 0.6*point_scale
            # Bands (percentile bands, data support): light grey, readable in print.
            band_colour = '#c8c8c8'
            support_colour = '#ececec'
            # Heatmaps: a sequential palette, light (low) to mid blue (high), monotone in
            # lightness so it reads in greyscale, and light enough for the printed values.
            set palette defined (0 '#ffffff', 1 '#5b9bd5')

            set grid lc rgb '#e0e0e0' lw 0.6
            set border lw 0.8
            set tics nomirror out scale 0.6
            set key below horizontal samplen 3 spacing 1.1
            set style fill solid 0.6 noborder

            """
        return s
    }

    /// Writes the style file into `directory` unless one is there (a user's edits stay).
    static func install(in directory: URL) throws {
        let url = directory.appendingPathComponent(fileName)
        guard !FileManager.default.fileExists(atPath: url.path) else { return }
        do { try text.write(to: url, atomically: true, encoding: .utf8) } catch {
            throw GnuplotError.cannotWrite(url.path, reason: error.localizedDescription)
        }
    }
}
