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

    /// The figure, in pages of at most `maxPanels` panels (`NAME-1`, `NAME-2` …
    /// when there is more than one), so no page grows taller than print allows.
    func figures(maxPanels: Int = 12) -> [GnuplotFigure] {
        let all = drawablePanels
        let pages = stride(from: 0, to: all.count, by: maxPanels).map { Array(all[$0..<min($0 + maxPanels, all.count)]) }
        return pages.enumerated().map { k, panels in
            pages.count == 1 ? figure(panels, name: name, title: title)
                : figure(panels, name: "\(name)-\(k + 1)", title: "\(title) (page \(k + 1) of \(pages.count))")
        }
    }

    /// Every estimator of the panels once, in order of appearance: the figure's one key.
    static func keySeries(_ panels: [Panel]) -> [(title: String, color: Int)] {
        var all: [(title: String, color: Int)] = []
        for p in panels { for s in p.series where !all.contains(where: { $0.title == s.title }) { all.append((s.title, s.color)) } }
        return all
    }

    func figure(_ panels: [Panel], name: String, title: String) -> GnuplotFigure {
        let cols = min(3, panels.count), rows = (panels.count + cols - 1) / cols
        let cells = cellLabels.count
        let labelWidth = min(40, cellLabels.map(\.count).max() ?? 4)
        let width = max(760, cols * (320 + 6 * labelWidth))
        let height = 100 + rows * (150 + 26 * cells)

        var data = "", script = ""
        // One key for the whole figure, on a blank title line under the caption (an
        // estimator keeps its style in every panel, so a key per panel would only repeat it).
        let textLines = GP.wrap(title, width: width / 8) + GP.wrap(caption, width: width / 8)
        let keyRows = (Self.keySeries(panels).count + 2) / 3
        let titleLines = textLines + Array(repeating: " ", count: keyRows + 1)
        script += "set multiplot layout \(rows),\(cols) title \(text.lines(titleLines))\nunset key\n"
        let everySeries = Self.keySeries(panels)
        // Top of the key (its rows, three entries each, hang below): just under the caption,
        // in lines of text (`line_height` from the style file, right for every terminal).
        let tics = cellLabels.enumerated().map { "\(text.quote($1)) \($0 + 1)" }.joined(separator: ", ")
        script += "set ytics (\(tics)) nomirror\nset yrange [\(Double(cells) + 0.5):0.5]\n"
        script += "set xlabel \(text.quote(xlabel))\nset grid noytics xtics\nset format x '%g'\n"
        var index = 0
        for panel in panels {
            let k = panel.series.count
            var lo = reference, hi = reference
            if let band { lo = min(lo, band.lowerBound); hi = max(hi, band.upperBound) }
            var plots: [String] = []
            for (j, s) in panel.series.enumerated() {
                // Estimators side by side within a cell's row.
                let offset = k == 1 ? 0 : (Double(j) - Double(k - 1) / 2) * min(0.5 / Double(k), 0.2)
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
            script += "\n# panel: \(Typeset.plain(panel.title))\nset title \(text.quote(panel.title))\n"
            script += "set xrange [\(GP.num(lo - pad)):\(GP.num(hi + pad))]\nset xtics \(GP.num(GP.tickStep(hi + pad - (lo - pad))))\n"
            script += "set arrow 1 from first \(GP.num(reference)), graph 0 to first \(GP.num(reference)), graph 1 nohead ls 100\n"
            if let band {
                script += "set arrow 2 from first \(GP.num(band.lowerBound)), graph 0 to first \(GP.num(band.lowerBound)), graph 1 nohead ls 101\n"
                script += "set arrow 3 from first \(GP.num(band.upperBound)), graph 0 to first \(GP.num(band.upperBound)), graph 1 nohead ls 101\n"
            }
            if panel.title == panels.first?.title {
                script += "set key at screen 0.5, screen 1 - \(Double(textLines.count) + 0.7)*line_height center top horizontal maxcols 3 samplen 2\n"
                plots += everySeries.map { "NaN with linespoints lt \($0.color) lw 1 title \(text.quote($0.title))" }
            }
            script += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
            if panel.title == panels.first?.title { script += "unset key\n" }
        }
        script += "unset multiplot\n"
        return GnuplotFigure(name: name, script: script, data: data, width: width, height: height)
    }
}
