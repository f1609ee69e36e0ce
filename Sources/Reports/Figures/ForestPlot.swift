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
        /// Usable replications behind the value (nil: not known, drawn as an estimate).
        var fits: Int? = nil
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

    /// A point behind fewer usable replications than this is not drawn as an estimate: its
    /// mean and MCSE rest on a handful of fits (or one, with no MCSE), so the cell is marked
    /// "k fit(s)" at the reference line instead (0: every point is drawn).
    var minimumFits = 0

    func tooFewFits(_ p: Point) -> Bool { p.fits.map { $0 < minimumFits } ?? false }

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

    /// Sizes of the runs of consecutive cells that belong together (one level of the
    /// grid's slowest factor); a figure too tall for one page breaks between runs.
    /// Empty: any cell may start a page.
    var cellBlocks: [Int] = []

    /// The figure at the full text width: panels in up to three columns (fewer when the
    /// cell names are long; each plot area at least 1.2 in and as wide as the x label), the cell names on the first
    /// column only (every panel has the same cells in the same order), and as many rows
    /// per page as fit 9 in; more panels go to pages `NAME-1`, `NAME-2` …. A grid with so
    /// many cells that one row of panels is taller than a page is split by cells (between
    /// `cellBlocks` where it can): each page shows every panel for a part of the cells, on
    /// the x range of all the cells, so pages compare.
    func figures() -> [GnuplotFigure] {
        let all = drawablePanels
        guard !all.isEmpty else { return [] }
        let labelChars = cellLabels.map(\.count).max() ?? 2
        let firstLeft = Double(labelChars) * PanelLayout.char + 0.15, left = 0.15
        // Each column carries its own x label under it: a plot area at least that wide.
        let minPlot = max(1.2, Double(xlabel.count) * PanelLayout.char + 0.15)
        let cols = PanelLayout.columns(wanted: min(3, all.count), firstLeft: firstLeft, left: left, minPlot: minPlot)
        let perPanel = all.map(\.series.count).max() ?? 1
        let rowHeight = max(PanelLayout.line * 1.2, 0.07 * Double(perPanel) + 0.08)
        let keys = Self.keySeries(all)
        let key = PanelLayout.keyRows(entries: keys.count, chars: keys.map(\.title.count).max() ?? 8)
        var layout = PanelLayout(columns: cols, rows: 1, header: PanelLayout.keyHeader(rows: key.rows),
                                 firstLeft: firstLeft, left: left, plotHeight: max(0.8, Double(cellLabels.count) * rowHeight))
        layout.titleLines = all.map { GP.wrap(Typeset.plain($0.title), width: layout.titleChars).count }.max() ?? 1
        let room = FigureStyle.maxHeight - layout.header - 0.05
        let ranges = all.map(xRange)
        var cellPages = [0..<cellLabels.count]
        if layout.cellHeight > room {
            // As many cells as fit with every row of panels on the page, or, when that leaves
            // fewer than 8 cells a page, with one row of panels a page.
            let panelRows = (all.count + cols - 1) / cols
            let fitting = { (rows: Int) in Int(((room / Double(rows)) - layout.titleSpace - layout.bottom) / rowHeight) }
            let most = max(1, fitting(panelRows) >= 8 ? fitting(panelRows) : fitting(1))
            cellPages = Self.pages(cells: cellLabels.count, blocks: cellBlocks, most: most)
            layout.plotHeight = max(0.8, Double(cellPages.map(\.count).max() ?? 1) * rowHeight)
        }
        let maxRows = max(1, Int(room / layout.cellHeight))
        let perPage = cols * maxRows
        let panelPages = stride(from: 0, to: all.count, by: perPage).map { $0..<min($0 + perPage, all.count) }
        var figures: [GnuplotFigure] = []
        let count = cellPages.count * panelPages.count
        for cells in cellPages {
            for panels in panelPages {
                var l = layout
                l.rows = (panels.count + cols - 1) / cols
                l.plotHeight = max(0.8, Double(cells.count) * rowHeight)
                figures.append(figure(Array(all[panels]), ranges: Array(ranges[panels]), cells: cells,
                                      name: count == 1 ? name : "\(name)-\(figures.count + 1)", layout: l, keyPerRow: key.perRow))
            }
        }
        return figures
    }

    /// Consecutive runs of at most `most` cells covering `cells`, as few pages as can be,
    /// evenly filled, breaking between `blocks` (runs of cells that belong together) where
    /// a block fits a page.
    static func pages(cells: Int, blocks: [Int], most: Int) -> [Range<Int>] {
        var pieces: [Int] = []
        for b in blocks.isEmpty || blocks.reduce(0, +) != cells ? [cells] : blocks {
            // A block larger than a page is cut into even parts.
            let parts = (b + most - 1) / most
            for k in 0..<parts { pieces.append(b * (k + 1) / parts - b * k / parts) }
        }
        let wanted = (cells + most - 1) / most
        let target = (cells + wanted - 1) / wanted
        var out: [Range<Int>] = [], start = 0, size = 0
        for p in pieces {
            if size > 0, size + p > most || size >= target { out.append(start..<(start + size)); start += size; size = 0 }
            size += p
        }
        if size > 0 { out.append(start..<(start + size)) }
        return out
    }

    /// The x range of a panel over every cell: its points' whiskers (clamped), the reference
    /// and the band, padded by 8%.
    func xRange(_ panel: Panel) -> ClosedRange<Double> {
        var lo = reference, hi = reference
        let band = band.map { b in clamp.map { max(b.lowerBound, $0.lowerBound)...min(b.upperBound, $0.upperBound) } ?? b }
        if let band { lo = min(lo, band.lowerBound); hi = max(hi, band.upperBound) }
        for s in panel.series {
            for p in s.points where !tooFewFits(p) {
                let (a, b) = whisker(p)
                lo = min(lo, a); hi = max(hi, b)
            }
        }
        let pad = hi > lo ? 0.08 * (hi - lo) : max(abs(hi) * 0.1, 0.01)
        return (lo - pad)...(hi + pad)
    }

    /// A panel's x axis: `range` widened so that a "k fits" label (`labelChars` long, drawn
    /// right of the reference line) ends inside the frame, and so that at least two ticks are
    /// labelled (a lone "0" gives no scale); the tick step for `inches` of axis.
    static func axis(_ range: ClosedRange<Double>, inches: Double, reference: Double, labelChars: Int?) -> (lo: Double, hi: Double, step: Double) {
        var (lo, hi) = (range.lowerBound, range.upperBound)
        if let labelChars {
            // The label starts 0.4 characters right of its point: it needs this much room.
            let room = (Double(labelChars) + 1.2) * PanelLayout.char
            if room < 0.8 * inches, (hi - reference) / (hi - lo) * inches < room {
                hi = (reference * inches - room * lo) / (inches - room)
            }
        }
        let ticks = { (step: Double) -> [Double] in
            stride(from: (lo / step).rounded(.up) * step, through: hi + step * 1e-9, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
        }
        let step = GP.tickStep(lo: lo, hi: hi, inches: inches)
        guard ticks(step).count < 2 else { return (lo, hi, step) }
        // One tick fits by the widest-label rule: a finer step whose neighbouring labels, each as
        // wide as it is, do not touch ("-0.0005 0 0.0005" where "0" alone was chosen).
        for n in 2...8 {
            let finer = GP.tickStep(hi - lo, ticks: n), values = ticks(finer)
            let width = { (x: Double) in Double(String(format: "%g", x).count) * PanelLayout.char }
            let apart = finer / (hi - lo) * inches
            if values.count >= 2, Swift.zip(values, values.dropFirst()).allSatisfy({ (width($0) + width($1)) / 2 + 0.1 <= apart }) {
                return (lo, hi, finer)
            }
        }
        // Else widen the range to two ticks of the step, padded so their labels stay over the axis.
        lo = min(lo, (lo / step).rounded(.down) * step)
        hi = max(hi, (hi / step).rounded(.up) * step)
        if ticks(step).count < 2 { hi += step }
        let pad = 0.12 * (hi - lo)
        return (lo - pad, hi + pad, step)
    }

    /// A point's ±1.96 MCSE whisker, clamped.
    func whisker(_ p: Point) -> (Double, Double) {
        let m = p.mcse.isFinite ? p.mcse : 0
        var a = p.value - Self.z * m, b = p.value + Self.z * m
        if let clamp { a = max(a, clamp.lowerBound); b = min(b, clamp.upperBound) }
        return (a, b)
    }

    func figure(_ panels: [Panel], ranges: [ClosedRange<Double>], cells: Range<Int>, name: String, layout: PanelLayout, keyPerRow: Int) -> GnuplotFigure {
        var data = "", script = "set multiplot\nunset key\n"
        let everySeries = Self.keySeries(panels)
        let tics = cellLabels[cells].enumerated().map { "\(text.quote($1)) \($0 + 1)" }.joined(separator: ", ")
        script += "set yrange [\(Double(cells.count) + 0.5):0.5]\n"
        script += "set grid noytics xtics\nset format x '%g'\n"
        var index = 0
        for (n, panel) in panels.enumerated() {
            let k = panel.series.count
            let band = band.map { b in clamp.map { max(b.lowerBound, $0.lowerBound)...min(b.upperBound, $0.upperBound) } ?? b }
            var plots: [String] = []
            for (j, s) in panel.series.enumerated() {
                let points = s.points.filter { cells.contains($0.cell) }
                guard !points.isEmpty else { continue }
                // Estimators side by side within a cell's row.
                let offset = k == 1 ? 0 : (Double(j) - Double(k - 1) / 2) * min(0.6 / Double(k), 0.2)
                let y = { (p: Point) in GP.num(Double(p.cell - cells.lowerBound + 1) + offset) }
                let drawn = points.filter { !tooFewFits($0) }, marked = points.filter(tooFewFits)
                if !drawn.isEmpty {
                    data += "# \(Typeset.plain(panel.title)) — \(s.title): y, value, value - 1.96 MCSE, value + 1.96 MCSE\n"
                    for p in drawn {
                        let (a, b) = whisker(p)
                        data += "\(y(p)) \(GP.num(p.value)) \(GP.num(a)) \(GP.num(b))\n"
                    }
                    data += "\n\n"
                    plots.append("datafile index \(index) using 2:1:3:4 with xerrorbars lt \(s.color) lw 1 notitle")
                    index += 1
                }
                if !marked.isEmpty {
                    // Too few fits for an estimate: a label at the reference line, in the series' style.
                    data += "# \(Typeset.plain(panel.title)) — \(s.title): y, reference, usable fits (too few to plot an estimate; value \(marked.map { GP.num($0.value) }.joined(separator: ", ")))\n"
                    for p in marked { data += "\(y(p)) \(GP.num(reference)) \(p.fits ?? 0)\n" }
                    data += "\n\n"
                    plots.append("datafile index \(index) using 2:1:(sprintf('%d fit%s', $3, $3 == 1 ? '' : 's')) with labels left offset 0.4,0 point pt 6 ps 0.6 lt \(s.color) textcolor lt \(s.color) notitle")
                    index += 1
                }
            }
            guard !plots.isEmpty else { continue }
            let (lo, hi, step) = Self.axis(ranges[n], inches: layout.plotWidth, reference: reference,
                                           labelChars: panel.series.flatMap { $0.points.filter { $0.value.isFinite && tooFewFits($0) } }
                                               .map { "\($0.fits ?? 0) fits".count }.max())
            let (row, col) = (n / layout.columns, n % layout.columns)
            let title = GP.wrap(panel.title, width: layout.titleChars)
            script += "\n# panel: \(Typeset.plain(panel.title))\n" + layout.margins(row: row, column: col)
            script += "set title \(text.lines(title))\n"
            script += col == 0 ? "set ytics (\(tics)) nomirror\nset format y '%g'\n" : "set ytics 1 nomirror\nset format y ''\n"
            script += "set xrange [\(GP.num(lo)):\(GP.num(hi))]\nset xtics \(GP.num(step))\n"
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
