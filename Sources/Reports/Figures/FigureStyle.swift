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
/// terminal and fonts for each format, sixteen series styles that differ in colour,
/// dash pattern and point shape (so a greyscale print still tells them apart; the first
/// eight colours are Okabe & Ito's colour-blind-safe palette), and the reference-line,
/// band and grid styles. A user restyles every figure by editing this one file;
/// `spillsim report` keeps an existing one.
public enum FigureStyle {
    public static let fileName = "spillsim-style.gp"

    /// Series styles: `lt 1` … `lt 16` in the scripts. The first eight are Okabe & Ito's
    /// colours, each with its own dash and point; series 9–16 (weights-stress has 11
    /// estimators) take Paul Tol's muted colours, with dash patterns and point shapes none of
    /// the first eight has, so no two series look alike in colour or in greyscale.
    static let series: [(color: String, dash: String, point: Int)] = [
        ("#000000", "1", 7), ("#D55E00", "2", 5), ("#0072B2", "4", 9), ("#009E73", "5", 13),
        ("#CC79A7", "3", 11), ("#E69F00", "6", 4), ("#56B4E9", "7", 6), ("#7F7F7F", "8", 8),
        ("#117733", "(12,4,2,4,2,4)", 1), ("#882255", "(2,6)", 2), ("#332288", "(16,6)", 3), ("#999933", "(8,3,8,3,2,3)", 10),
        ("#44AA99", "(4,2,4,8)", 12), ("#AA4499", "(20,4,4,4)", 14), ("#661100", "(2,3,2,3,8,3)", 15), ("#6699CC", "(10,2)", 1),
    ]

    /// How many series a figure can tell apart before a style repeats (`set linetype cycle`):
    /// a figure that would draw more splits into facets or pages on this count, not its own.
    public static var seriesStyles: Int { series.count }

    /// Print geometry (inches and points): every figure is one of these widths, with its
    /// text at `fontPoints` at that size; a figure that would need more room splits into
    /// pages or facets instead of shrinking.
    public static let columnWidth = 3.5, textWidth = 6.5, maxHeight = 9.0
    public static let fontPoints = 8.0
    /// Raster resolution of PNG figures, written into the file's pHYs chunk.
    public static let dpi = 300.0

    public static var text: String {
        var s = """
            # spillsim figure style — loaded by every *.gp script in this directory.
            # Edit this file to restyle all figures, then rerun `gnuplot NAME.gp` (or
            # `spillsim report`, which keeps this file when it exists).
            #
            # Print geometry: each script sets fig_width and fig_height in INCHES — the size the
            # figure is printed at: one column 3.5 in, the full text width 6.5 in, at most 9 in tall.
            # PNG is drawn at `dpi` pixels per inch (spillsim writes the resolution into the PNG's
            # pHYs chunk), PDF, SVG and cairolatex at the same physical size, and the text is
            # `font_size` points at that size in every format (never below 8 pt). Scripts place
            # panels with margins in inches through `line_height`/`char_width` below, so a larger
            # font needs a larger figure (or a new `spillsim report`).
            # Each script also sets fig_format ('png' | 'pdf' | 'svg' | 'cairolatex') and fig_output.

            font_name = 'Sans'
            font_size = \(GP.num(fontPoints))                   # points at print size
            dpi = \(GP.num(dpi))                       # PNG pixels per inch
            if (fig_format eq 'png') {
                # pngcairo sets text for 96 px per inch: scale it (and line widths) to `dpi`.
                set terminal pngcairo size fig_width*dpi,fig_height*dpi enhanced font sprintf('%s,%g', font_name, font_size) fontscale dpi/96.0 linewidth dpi/96.0*0.75
            }
            if (fig_format eq 'pdf') {
                # pdfcairo, like pngcairo, sets text for 96 units per inch: 0.75 makes font_size points.
                set terminal pdfcairo size fig_width,fig_height enhanced font sprintf('%s,%g', font_name, font_size) fontscale 0.75 linewidth 0.75
            }
            if (fig_format eq 'svg') {
                # One SVG unit per point (72 per inch); spillsim states the size in inches.
                set terminal svg size fig_width*72,fig_height*72 enhanced font sprintf('%s,%g', font_name, font_size) fontscale 1 linewidth 0.75 background '#ffffff'
            }
            if (fig_format eq 'cairolatex') {
                # Text is set by LaTeX in the document's font; \\input{NAME.tex} (needs graphicx and color).
                set terminal cairolatex pdf size fig_width,fig_height colortext
            }
            set output fig_output
            # Height of one line of text and width of one character, as fractions of the canvas.
            line_height = 1.25*font_size/72.0/fig_height
            char_width = 0.6*font_size/72.0/fig_width
            point_scale = 1.0

            # Series 1–16: colour + dash pattern + point shape, distinguishable in greyscale
            # (series 9–16: Paul Tol's muted colours, dash patterns and point shapes of their own).

            """
        for (i, st) in series.enumerated() {
            s += "set linetype \(i + 1) lc rgb '\(st.color)' dt \(st.dash) pt \(st.point) ps 0.8*point_scale lw 1.5\n"
        }
        s += """
            set linetype cycle \(series.count)

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
            # Heatmaps: a diverging palette centred on the target (scripts set cbrange symmetric
            # about it: 0 for bias, 0.95 for coverage): blue below, white at the target, orange
            # above, light enough at both ends for the printed values.
            set palette defined (-1 '#4a90c9', -0.5 '#a8cbe8', 0 '#ffffff', 0.5 '#f5c08a', 1 '#e0842d')

            set grid lc rgb '#e0e0e0' lw 0.6
            set border lw 0.8
            set tics nomirror out scale 0.6
            set key below horizontal samplen 2 spacing 1
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
