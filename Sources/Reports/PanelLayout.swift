import Foundation

/// Places the panels of a multiplot figure in inches at print size, so every text
/// element has its room: the figure is `width` wide, panels sit in `columns` columns
/// with `left` inches for the y tick labels and y label of each panel (`firstLeft` for
/// the first column, when only it carries the labels), `titleLines` lines of panel
/// title above and `bottom` inches of x tick labels and x label below each plot area,
/// and `header` inches at the top for the figure's key. Scripts get explicit margins
/// (`set lmargin at screen …`), never gnuplot's automatic ones, which shrink the plot
/// area to nothing when a label is long ("Terminal canvas area too small").
struct PanelLayout {
    /// Height of one line of text and the width of one character (DejaVu Sans averages
    /// about 0.55 em; 0.6 leaves room) at the style's font size, in inches.
    static let line = 1.25 * FigureStyle.fontPoints / 72
    static let char = 0.6 * FigureStyle.fontPoints / 72

    var width: Double = FigureStyle.textWidth
    var columns: Int
    var rows: Int
    var header: Double = 0.1
    var firstLeft: Double
    var left: Double
    var right: Double = 0.12
    var titleLines: Int = 1
    var bottom: Double = 3 * PanelLayout.line + 0.12
    var plotHeight: Double

    var titleSpace: Double { Double(titleLines) * Self.line * 1.15 + (titleLines > 0 ? 0.2 : 0.04) }
    var cellHeight: Double { titleSpace + plotHeight + bottom }
    var height: Double { header + Double(rows) * cellHeight + 0.05 }
    /// Width of each plot area.
    var plotWidth: Double { (width - firstLeft - Double(columns - 1) * left - Double(columns) * right) / Double(columns) }
    /// Characters of panel title that fit on one line over a plot area (the title may
    /// run a little into the margins).
    var titleChars: Int { max(12, Int((plotWidth + 0.6 * left) / Self.char)) }

    /// How many columns of at least `minPlot` inches fit (at most `wanted`).
    static func columns(wanted: Int, firstLeft: Double, left: Double, minPlot: Double, width: Double = FigureStyle.textWidth) -> Int {
        var c = max(1, wanted)
        while c > 1, (width - firstLeft - Double(c - 1) * left - Double(c) * 0.12) / Double(c) < minPlot { c -= 1 }
        return c
    }

    /// gnuplot commands fixing the plot area of the panel at (`row`, `column`).
    func margins(row: Int, column: Int) -> String {
        let l = firstLeft + Double(column) * (plotWidth + right + left)
        let top = height - header - Double(row) * cellHeight - titleSpace
        let f = { (x: Double, total: Double) in String(format: "%.5f", x / total) }
        return "set lmargin at screen \(f(l, width)); set rmargin at screen \(f(l + plotWidth, width))\n"
            + "set tmargin at screen \(f(top, height)); set bmargin at screen \(f(top - plotHeight, height))\n"
    }

    /// Rows of a key of `entries` (longest `chars` characters) across the width.
    static func keyRows(entries: Int, chars: Int, width: Double = FigureStyle.textWidth) -> (rows: Int, perRow: Int) {
        let perRow = max(1, min(entries, Int((width - 0.3) / (Double(chars + 7) * char))))
        return ((entries + perRow - 1) / perRow, perRow)
    }

    /// Header height for a key of `rows` rows.
    static func keyHeader(rows: Int) -> Double { rows == 0 ? 0.08 : Double(rows) * line * 1.1 + 0.15 }

    /// The figure's key, drawn last as a panel of its own across the header (a key
    /// inside a panel is squeezed to the panel's width): `entries` are plot elements
    /// with titles ("with linespoints lt 2 title 'sdm'"), drawn off the axes.
    func key(_ entries: [String], perRow: Int) -> String {
        guard !entries.isEmpty else { return "" }
        let bottom = String(format: "%.5f", (height - header + 0.02) / height)
        return "\n# key\nset lmargin at screen 0.01; set rmargin at screen 0.99; set tmargin at screen 0.995; set bmargin at screen \(bottom)\n"
            + "unset border; unset tics; unset xlabel; unset ylabel; unset y2label; unset title; unset arrow; unset label; unset object; unset grid\n"
            + "set xrange [0:1]; set yrange [0:1]\nset key inside center center horizontal reverse Left maxcols \(perRow) samplen 2 spacing 1.1 width 1\n"
            + "plot " + entries.map { "-1 " + $0 }.joined(separator: ", \\\n     ") + "\n"
    }
}
