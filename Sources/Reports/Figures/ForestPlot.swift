import Foundation

/// A dot-and-whisker ("forest") figure: one panel per estimand, the design
/// cells down the vertical axis, each estimator a dot with a ±1.96 MCSE
/// whisker, and a dashed reference line (0 for bias, 0.95 for coverage, α for
/// rejection). Horizontal whiskers keep long cell labels readable.
struct ForestPlot {
    struct Point {
        let cell: Int      // position among the cells, 0-based
        let value: Double
        let mcse: Double
    }
    struct Series {
        let title: String
        let points: [Point]
        /// Series style (`lt` of the style file: colour, dash, point shape): the
        /// estimator's position in the file, so an estimator keeps its look in every panel.
        var color = 1
    }
    struct Panel {
        let title: String
        let series: [Series]
    }

    var name: String
    var title: String
    var caption: String
    var xlabel: String
    var cellLabels: [String]
    var panels: [Panel]
    var reference: Double
    /// Extra dashed lines (e.g. the MCSE band around nominal coverage).
    var band: ClosedRange<Double>? = nil
    /// Limits of the whiskers: a proportion's ±1.96 MCSE interval stops at 0 and 1.
    var clamp: ClosedRange<Double>? = nil
    /// The medium of the figure's text (titles and labels are neutral markup, `Typeset`).
    var text: FigureText = .enhanced

    /// Half-width of the whiskers in MCSEs: 1.96 gives a 95% Monte Carlo interval.
    static let z = 1.96

    /// Panels with at least one finite point; the others (an estimand with no
    /// intervals has no coverage) would make gnuplot stop with "no valid points".
    var drawablePanels: [Panel] {
        panels.compactMap { p in
            let s = p.series.map { Series(title: $0.title, points: $0.points.filter { $0.value.isFinite }, color: $0.color) }.filter { !$0.points.isEmpty }
            return s.isEmpty ? nil : Panel(title: p.title, series: s)
        }
    }

    /// Every estimator of the panels once, in order of appearance: the figure's one key.
    static func keySeries(_ panels: [Panel]) -> [(title: String, color: Int)] {
        var all: [(title: String, color: Int)] = []
        for p in panels { for s in p.series where !all.contains(where: { $0.title == s.title }) { all.append((s.title, s.color)) } }
        return all
    }

    /// The figure at the full text width: panels in up to three columns (fewer when the
    /// cell names are long; each plot area at least 1.5 in), the cell names on the first
    /// column only (every panel has the same cells in the same order), and as many rows
    /// per page as fit 9 in; more panels go to pages `NAME-1`, `NAME-2` ….
    func figures() -> [GnuplotFigure] {
        let all = drawablePanels
        guard !all.isEmpty else { return [] }
        let labelChars = cellLabels.map(\.count).max() ?? 2
        let firstLeft = Double(labelChars) * PanelLayout.char + 0.15, left = 0.15
        let cols = PanelLayout.columns(wanted: min(3, all.count), firstLeft: firstLeft, left: left, minPlot: 1.5)
        let perPanel = all.map(\.series.count).max() ?? 1
        let rowHeight = max(PanelLayout.line * 1.2, 0.07 * Double(perPanel) + 0.08)
        let keys = Self.keySeries(all)
        let key = PanelLayout.keyRows(entries: keys.count, chars: keys.map(\.title.count).max() ?? 8)
        var layout = PanelLayout(columns: cols, rows: 1, header: PanelLayout.keyHeader(rows: key.rows),
                                 firstLeft: firstLeft, left: left, plotHeight: max(0.8, Double(cellLabels.count) * rowHeight))
        layout.titleLines = all.map { GP.wrap(Typeset.plain($0.title), width: layout.titleChars).count }.max() ?? 1
        let maxRows = max(1, Int((FigureStyle.maxHeight - layout.header - 0.05) / layout.cellHeight))
        let perPage = cols * maxRows
        let pages = stride(from: 0, to: all.count, by: perPage).map { Array(all[$0..<min($0 + perPage, all.count)]) }
        return pages.enumerated().map { k, panels in
            var l = layout
            l.rows = (panels.count + cols - 1) / cols
            return figure(panels, name: pages.count == 1 ? name : "\(name)-\(k + 1)", layout: l, keyPerRow: key.perRow)
        }
    }

    func figure(_ panels: [Panel], name: String, layout: PanelLayout, keyPerRow: Int) -> GnuplotFigure {
        let cells = cellLabels.count
        var data = "", script = "set multiplot\nunset key\n"
        let everySeries = Self.keySeries(panels)
        let tics = cellLabels.enumerated().map { "\(text.quote($1)) \($0 + 1)" }.joined(separator: ", ")
        script += "set yrange [\(Double(cells) + 0.5):0.5]\n"
        script += "set grid noytics xtics\nset format x '%g'\n"
        var index = 0
        for (n, panel) in panels.enumerated() {
            let k = panel.series.count
            var lo = reference, hi = reference
            let band = band.map { b in clamp.map { max(b.lowerBound, $0.lowerBound)...min(b.upperBound, $0.upperBound) } ?? b }
            if let band { lo = min(lo, band.lowerBound); hi = max(hi, band.upperBound) }
            var plots: [String] = []
            for (j, s) in panel.series.enumerated() {
                // Estimators side by side within a cell's row.
                let offset = k == 1 ? 0 : (Double(j) - Double(k - 1) / 2) * min(0.6 / Double(k), 0.2)
                data += "# \(Typeset.plain(panel.title)) — \(s.title): y, value, value - 1.96 MCSE, value + 1.96 MCSE\n"
                for p in s.points {
                    let m = p.mcse.isFinite ? p.mcse : 0
                    var a = p.value - Self.z * m, b = p.value + Self.z * m
                    if let clamp { a = max(a, clamp.lowerBound); b = min(b, clamp.upperBound) }
                    lo = min(lo, a); hi = max(hi, b)
                    data += "\(GP.num(Double(p.cell + 1) + offset)) \(GP.num(p.value)) \(GP.num(a)) \(GP.num(b))\n"
                }
                data += "\n\n"
                plots.append("datafile index \(index) using 2:1:3:4 with xerrorbars lt \(s.color) lw 1 notitle")
                index += 1
            }
            let pad = hi > lo ? 0.08 * (hi - lo) : max(abs(hi) * 0.1, 0.01)
            let (row, col) = (n / layout.columns, n % layout.columns)
            let title = GP.wrap(panel.title, width: layout.titleChars)
            script += "\n# panel: \(Typeset.plain(panel.title))\n" + layout.margins(row: row, column: col)
            script += "set title \(text.lines(title))\n"
            script += col == 0 ? "set ytics (\(tics)) nomirror\nset format y '%g'\n" : "set ytics 1 nomirror\nset format y ''\n"
            let step = GP.tickStep(lo: lo - pad, hi: hi + pad, inches: layout.plotWidth)
            script += "set xrange [\(GP.num(lo - pad)):\(GP.num(hi + pad))]\nset xtics \(GP.num(step))\n"
            // The x label once per column, under the page's last row.
            let lastInColumn = n + layout.columns >= panels.count
            script += "set xlabel \(lastInColumn ? text.quote(xlabel) : "''")\n"
            script += "set arrow 1 from first \(GP.num(reference)), graph 0 to first \(GP.num(reference)), graph 1 nohead ls 100\n"
            if let band {
                script += "set arrow 2 from first \(GP.num(band.lowerBound)), graph 0 to first \(GP.num(band.lowerBound)), graph 1 nohead ls 101\n"
                script += "set arrow 3 from first \(GP.num(band.upperBound)), graph 0 to first \(GP.num(band.upperBound)), graph 1 nohead ls 101\n"
            }
            script += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        }
        script += layout.key(everySeries.map { "with linespoints lt \($0.color) lw 1 title \(text.quote($0.title))" }, perRow: keyPerRow)
        script += "unset multiplot\n"
        return GnuplotFigure(name: name, script: script, data: data, width: layout.width, height: layout.height)
    }
}
