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
    /// Characters of panel title that fit on one line over a plot area (centred on it, so
    /// it may run 0.1 in into the margins, no further: the last column has no more).
    var titleChars: Int { max(12, Int((plotWidth + 0.2) / Self.char)) }

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
        let perRow = max(1, min(entries, Int((width - 0.3) / (Double(chars) * char + 0.45))))
        return ((entries + perRow - 1) / perRow, perRow)
    }

    /// Header height for a key of `rows` rows.
    static func keyHeader(rows: Int) -> Double { rows == 0 ? 0.08 : Double(rows) * line * 1.3 + 0.2 }

    /// The figure's key across the header, `perRow` entries a row: a line (and point) or a
    /// filled swatch, then the text, placed by us (gnuplot's own key layout differs between
    /// terminals, which estimate text widths differently). `entries` are plot styles with a
    /// title, as in a plot command: "with linespoints lt 2 title 'sdm'".
    func key(_ entries: [String], perRow: Int) -> String {
        guard !entries.isEmpty else { return "" }
        var out = "\n# key\nunset object; unset arrow; unset label\n"
        let columnWidth = (width - 0.3) / Double(perRow)
        let f = { (x: Double) in String(format: "%.5f", x) }
        for (i, entry) in entries.enumerated() {
            let (row, col) = (i / perRow, i % perRow)
            let x = 0.15 + Double(col) * columnWidth, y = height - 0.12 - (Double(row) + 0.5) * Self.line * 1.3
            let parts = entry.components(separatedBy: " title ")
            let title = parts.count > 1 ? parts[1] : "''"
            var style = parts[0].trimmingCharacters(in: .whitespaces)
            if style.hasPrefix("with ") { style = String(style.dropFirst(5)) }
            let words = style.split(separator: " ").map(String.init)
            let kind = words.first ?? "lines", rest = words.dropFirst().joined(separator: " ")
            let (x0, x1) = (x, x + 0.28)
            if kind.hasPrefix("box") || kind.hasPrefix("filled") {
                out += "set object rect from screen \(f(x0 / width)), screen \(f((y - 0.04) / height)) to screen \(f(x1 / width)), screen \(f((y + 0.04) / height)) \(rest.replacingOccurrences(of: "lc rgb", with: "fc rgb")) front\n"
            } else {
                let lineStyle = rest.replacingOccurrences(of: #"\s*(pt|ps) [^ ]+"#, with: "", options: .regularExpression)
                out += "set arrow from screen \(f(x0 / width)), screen \(f(y / height)) to screen \(f(x1 / width)), screen \(f(y / height)) nohead \(lineStyle) front\n"
                if kind.contains("points") || kind.hasPrefix("steps") == false && kind.contains("errorl") {
                    let lt = rest.range(of: #"(lt|ls) [0-9]+"#, options: .regularExpression).map { String(rest[$0]) } ?? "lt 1"
                    out += "set label '' at screen \(f((x0 + x1) / 2 / width)), screen \(f(y / height)) point \(lt) front\n"
                }
            }
            out += "set label \(title) at screen \(f((x1 + 0.06) / width)), screen \(f((y - 0.3 * Self.line) / height)) left front\n"
        }
        // An empty plot over the whole canvas draws the objects, arrows and labels.
        out += "set lmargin at screen 0; set rmargin at screen 1; set tmargin at screen 1; set bmargin at screen 0\n"
            + "unset border; unset tics; unset xlabel; unset ylabel; unset title; unset grid; unset key\nset xrange [0:1]; set yrange [0:1]\n"
            + "plot -1 notitle\n"
        return out
    }
}
