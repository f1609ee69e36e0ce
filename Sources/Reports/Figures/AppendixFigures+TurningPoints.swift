import Foundation
import MonteCarlo
import Numerics

/// (d) The sampling distribution of each turning-point estimate c* per design cell: a
/// histogram per (cell, estimand) for small designs, and for grids too large for that (more
/// than `histogramPageLimit` pages) one panel per estimand with the cells down the side, each
/// a box (quartiles) and whiskers (2.5–97.5%). The per-cell shares (unbounded Fieller sets,
/// wrong shape, inside the support, beyond the range shown) go to a table under the caption,
/// so panel titles stay one or two lines.
extension AppendixFigures {
    /// Histogram pages above this become the compact box figure.
    static let histogramPageLimit = 3

    /// One drawn turning-point estimand (column) in one cell: its usable estimates
    /// (sorted), mean truth, data support and how many estimates fall beyond the x range.
    struct TurningPointCell {
        let sorted: [Double]
        let truth: Double
        let support: ClosedRange<Double>?
        let range: ClosedRange<Double>
        var outside: Int { sorted.filter { !range.contains($0) }.count }
        func quantile(_ p: Double) -> Double { Statistics.quantile(sorted: sorted, p) }
    }

    /// The columns (one per turning-point estimand and estimator; an estimator with the
    /// same estimates as an earlier one, a cluster-variance twin, is merged into it), in
    /// DE, IE, TE order within an estimator.
    func turningPointColumns() -> [Column] {
        var columns: [Column] = []
        for (e, name) in data.estimators.enumerated() {
            guard let layout = data.draws.first?[e] else { continue }
            for (k, n) in layout.estimands.enumerated() where data.kind(n) == .turningPoint {
                if let i = columns.firstIndex(where: { c in
                    data.draws.first?[c.estimator].estimands[c.estimands[0]] == n
                        && data.cells.allSatisfy { cell in
                            let a = data.draws[cell.ordinal][c.estimator], b = data.draws[cell.ordinal][e]
                            return a.usable(c.estimands[0]).0 == b.usable(k).0
                        }
                }) {
                    columns[i].twins.append(name)
                    columns[i].title = "\(Typeset.estimand(n)) (\(([data.estimators[columns[i].estimator]] + columns[i].twins).joined(separator: " = ")))"
                    continue
                }
                columns.append(Column(estimator: e, title: "\(Typeset.estimand(n)) (\(name))", estimands: [k]))
            }
        }
        let rank = { (c: Column) -> Int in
            let n = data.draws.first?[c.estimator].estimands[c.estimands[0]] ?? ""
            return ["direct", "indirect", "total"].firstIndex { n.contains($0) } ?? 3
        }
        return columns.enumerated().sorted { ($0.element.estimator, rank($0.element), $0.offset) < ($1.element.estimator, rank($1.element), $1.offset) }.map(\.element)
    }

    /// Every (cell ordinal, column) with usable estimates, on one x range per estimand over
    /// every cell and estimator, so panels and pages compare.
    func turningPointCells(_ columns: [Column]) -> [String: TurningPointCell] {
        var supports: [Int: ClosedRange<Double>] = [:]
        // A support that cannot be had is left unshaded (the file's cell says which world it is).
        for cell in data.cells { supports[cell.ordinal] = (try? DataSupport.of(cell, scenarioText: data.scenarioText)) ?? nil }
        var ranges: [String: ClosedRange<Double>] = [:]
        for c in columns {
            let name = data.draws.first?[c.estimator].estimands[c.estimands[0]] ?? ""
            for cell in data.cells {
                let (est, tru) = data.draws[cell.ordinal][c.estimator].usable(c.estimands[0])
                guard !est.isEmpty else { continue }
                let r = Self.turningPointRange(sorted: est.sorted(), truth: Statistics.mean(tru.filter(\.isFinite)), support: supports[cell.ordinal])
                ranges[name] = ranges[name].map { min($0.lowerBound, r.lowerBound)...max($0.upperBound, r.upperBound) } ?? r
            }
        }
        var out: [String: TurningPointCell] = [:]
        for (j, c) in columns.enumerated() {
            let name = data.draws.first?[c.estimator].estimands[c.estimands[0]] ?? ""
            for cell in data.cells {
                let (est, tru) = data.draws[cell.ordinal][c.estimator].usable(c.estimands[0])
                guard !est.isEmpty, let range = ranges[name] else { continue }
                out["\(cell.ordinal) \(j)"] = TurningPointCell(sorted: est.sorted(), truth: Statistics.mean(tru.filter(\.isFinite)),
                                                               support: supports[cell.ordinal], range: range)
            }
        }
        return out
    }

    public func turningPoints() -> FigurePlan {
        let columns = turningPointColumns()
        var cells = turningPointCells(columns)
        let title = "Sampling distribution of turning-point estimates c*: truth (solid), median estimate (dashed), data support [p5, p95] of the curve regressor (CA) shaded"
        var plan = turningPointHistograms(columns: columns, cells: cells, title: title)
        if plan.figures.count > Self.histogramPageLimit {
            cells = Self.boxRanges(columns: columns, cells: cells, ordinals: data.cells.map(\.ordinal))
            plan = turningPointBoxes(columns: columns, cells: cells, title: title)
        }
        guard !plan.figures.isEmpty else { return plan }
        var caption = plan.caption
        if cells.values.contains(where: { $0.support != nil }) {
            caption += " The shaded support is the mean of CA's 5th and 95th percentiles over the panels of the first 10 replications (regenerated from the stored scenario)."
        }
        return FigurePlan(id: plan.id, caption: caption + " Shares per cell: the table below.", figures: plan.figures, skipped: nil,
                          table: turningPointTable(columns: columns, cells: cells))
    }

    /// (d) Histogram (density) of each turning-point estimate over the replications,
    /// with the truth (solid) and the median estimate (dashed), the data support
    /// [CA p5, CA p95] shaded. The x range stops at Tukey's far-out fences, Q1 − 3 IQR and
    /// Q3 + 3 IQR, widened to include the truth and the support: a ratio −g1/(2 g2) with g2
    /// near 0 gives huge estimates that would squeeze the rest into one bin; how many fall
    /// outside is in the table.
    func turningPointHistograms(columns: [Column], cells: [String: TurningPointCell], title: String) -> FigurePlan {
        let key = ["with boxes fs solid 0.55 lc rgb '#5a5a5a' title 'estimates (density)'", "with lines ls 102 title 'truth'",
                   "with lines ls 103 title 'median estimate'", "with boxes fc rgb support_colour fs solid 1.0 title 'data support CA p5–p95'"]
        return grid(id: "turning-points", title: title, columns: columns, key: key,
                    emptyReason: "no turning-point estimands (tp.K.L, or names starting turning_point or tp_)") { cell, d, column, _ in
            guard let j = columns.firstIndex(where: { $0.estimator == column.estimator && $0.estimands == column.estimands }),
                  let c = cells["\(cell.ordinal) \(j)"] else { return nil }
            let s = c.sorted, median = c.quantile(0.5)
            let (lo, hi) = (c.range.lowerBound, c.range.upperBound)
            // About √n bins, between 15 and 40.
            let bins = min(40, max(15, Int(Double(s.count).squareRoot())))
            let width = (hi - lo) / Double(bins)
            var counts = [Int](repeating: 0, count: bins)
            for x in s where x >= lo && x <= hi { counts[min(bins - 1, Int((x - lo) / width))] += 1 }
            var text = "# bin centre, density (count / (usable estimates × bin width)); truth \(GP.num(c.truth)), median \(GP.num(median))"
            if let support = c.support { text += "; support \(GP.num(support.lowerBound)) \(GP.num(support.upperBound))" }
            // The shares of the caption's table, unrounded.
            let row = data.rows.first { $0.cell.ordinal == cell.ordinal && $0.estimator == data.estimators[column.estimator] && $0.estimand == d.estimands[column.estimands[0]] }
            let shares = Self.shareLines(row)
            text += shares.isEmpty ? "\n" : "\n# " + shares.map { "\($0.key) \(GP.num($0.value))" }.joined(separator: "; ") + "\n"
            text += counts.enumerated().map { i, n in
                "\(GP.num(lo + (Double(i) + 0.5) * width)) \(GP.num(Double(n) / (Double(s.count) * width)))"
            }.joined(separator: "\n") + "\n"
            var setup = "set xlabel \(self.text.quote("turning point c* (CA)"))\nset yrange [0:*]\nset ylabel 'density'\n"
                + "set xrange [\(GP.num(lo)):\(GP.num(hi))]\nset boxwidth \(GP.num(width * 0.95))\nset xtics \(GP.num(GP.tickStep(lo: lo, hi: hi, inches: 1.5)))\n"
                // A curve without a turning point (m1β2 + m2θ2 = 0) has a NaN truth: no truth line then.
                + (c.truth.isFinite ? "set arrow 1 from first \(GP.num(c.truth)), graph 0 to first \(GP.num(c.truth)), graph 1 nohead front ls 102\n" : "")
                + "set arrow 2 from first \(GP.num(median)), graph 0 to first \(GP.num(median)), graph 1 nohead front ls 103\n"
            if let support = c.support {
                setup += "set object 1 rect from first \(GP.num(support.lowerBound)), graph 0 to first \(GP.num(support.upperBound)), graph 1 "
                    + "behind fc rgb support_colour fs solid 1.0 noborder\n"
            }
            return (text, setup, { i in "plot datafile index \(i) using 1:2 with boxes fs solid 0.55 lc rgb '#5a5a5a' notitle\n" })
        }
    }

    /// (d, large grids) One panel per turning-point estimand with the design cells down the
    /// side (names on the first column): per cell the data support shaded, a box from the
    /// first to the third quartile of the estimates, a whisker from their 2.5% to 97.5%
    /// quantiles (cut at the panel's x range), the median (dashed tick) and the truth (solid
    /// tick). Pages split by cells, as the bias figure's, all on the same x range per estimand.
    func turningPointBoxes(columns: [Column], cells: [String: TurningPointCell], title: String) -> FigurePlan {
        let names = cellNames.names
        let labelChars = names.map(\.count).max() ?? 2
        let firstLeft = Double(labelChars) * PanelLayout.char + 0.15, left = 0.15
        let cols = PanelLayout.columns(wanted: min(3, columns.count), firstLeft: firstLeft, left: left, minPlot: 1.2)
        let rowHeight = PanelLayout.line * 1.25
        let key = ["with boxes fs solid 0.55 lc rgb '#5a5a5a' title 'estimates: quartiles'", "with lines lc rgb '#5a5a5a' lw 1 title '2.5–97.5%'",
                   "with lines ls 102 title 'truth'", "with lines ls 103 title 'median'", "with boxes fc rgb support_colour fs solid 1.0 title 'support CA p5–p95'"]
        let keyShape = PanelLayout.keyRows(entries: key.count, chars: 18)
        var layout = PanelLayout(columns: cols, rows: 1, header: PanelLayout.keyHeader(rows: keyShape.rows), firstLeft: firstLeft, left: left,
                                 plotHeight: Double(names.count) * rowHeight)
        layout.titleLines = columns.map { GP.wrap(Typeset.plain($0.title), width: layout.titleChars).count }.max() ?? 1
        let room = FigureStyle.maxHeight - layout.header - 0.05
        let panelRows = (columns.count + cols - 1) / cols
        let most = max(1, Int(((room / Double(panelRows)) - layout.titleSpace - layout.bottom) / rowHeight))
        let pages = layout.cellHeight * Double(panelRows) > room ? ForestPlot.pages(cells: names.count, blocks: cellBlocks, most: most) : [0..<names.count]
        let y = { (x: Double) in GP.num(x) }
        let figures = pages.enumerated().map { p, page -> GnuplotFigure in
            var l = layout
            l.rows = panelRows
            l.plotHeight = max(0.8, Double(page.count) * rowHeight)
            let tics = names[page].enumerated().map { "\(text.quote($1)) \($0 + 1)" }.joined(separator: ", ")
            var dataText = "", script = "set multiplot\nunset key\nset yrange [\(Double(page.count) + 0.5):0.5]\nset grid noytics xtics\n", index = 0
            for (j, column) in columns.enumerated() {
                var block = "", range: ClosedRange<Double>?, supports = false, cutLow = false, cutHigh = false
                for (row, ordinal) in page.map({ data.cells[$0].ordinal }).enumerated() {
                    guard let c = cells["\(ordinal) \(j)"] else { continue }
                    range = c.range
                    let clip = { (x: Double) in min(max(x, c.range.lowerBound), c.range.upperBound) }
                    let (s0, s1) = (c.support?.lowerBound ?? .nan, c.support?.upperBound ?? .nan)
                    supports = supports || c.support != nil
                    let (q0, q1) = (c.quantile(0.025), c.quantile(0.975))
                    cutLow = cutLow || q0 < c.range.lowerBound
                    cutHigh = cutHigh || q1 > c.range.upperBound
                    block += [Double(row + 1), clip(c.quantile(0.5)), clip(c.quantile(0.25)), clip(c.quantile(0.75)), clip(q0), clip(q1),
                              c.truth, s0, s1, q0 < c.range.lowerBound ? 1 : 0, q1 > c.range.upperBound ? 1 : 0].map(y).joined(separator: " ") + "\n"
                }
                guard let range, !block.isEmpty else { continue }
                dataText += "# \(Typeset.plain(column.title)): row, median, Q1, Q3, 2.5% and 97.5% quantiles (cut at the x range), mean truth, support p5, p95, 2.5% cut, 97.5% cut (1 = beyond the range)\n"
                    + block + "\n\n"
                script += "\n# panel: \(Typeset.plain(column.title))\n" + l.margins(row: j / cols, column: j % cols)
                script += "set title \(text.lines(GP.wrap(column.title, width: l.titleChars)))\n"
                script += j % cols == 0 ? "set ytics (\(tics)) nomirror\nset format y '%g'\n" : "set ytics 1 nomirror\nset format y ''\n"
                script += "set xrange [\(GP.num(range.lowerBound)):\(GP.num(range.upperBound))]\nset xtics \(GP.num(GP.tickStep(lo: range.lowerBound, hi: range.upperBound, inches: l.plotWidth)))\n"
                script += "set xlabel \(j + cols >= columns.count ? text.quote("turning point c* (CA)") : "''")\n"
                var plots: [String] = []
                if supports { plots.append("datafile index \(index) using (($8+$9)/2):1:8:9:($1-0.45):($1+0.45) with boxxyerror fc rgb support_colour fs solid 1.0 noborder notitle") }
                plots += ["'' index \(index) using 5:1:($6-$5):(0) with vectors nohead lc rgb '#5a5a5a' lw 1 dt 1 notitle",
                          "'' index \(index) using 2:1:3:4:($1-0.28):($1+0.28) with boxxyerror fs solid 0.55 lc rgb '#5a5a5a' notitle",
                          "'' index \(index) using 7:($1-0.4):(0):(0.8) with vectors nohead ls 102 notitle",
                          "'' index \(index) using 2:($1-0.4):(0):(0.8) with vectors nohead ls 103 notitle"]
                if !supports { plots[0] = plots[0].replacingOccurrences(of: "''", with: "datafile") }
                // A whisker cut at the range ends in an arrowhead pointing on (only when some is:
                // a plot with no valid point makes gnuplot warn).
                let tip = 0.06 * (range.upperBound - range.lowerBound)
                if cutLow { plots.append("'' index \(index) using ($10 > 0 ? $5 + \(GP.num(tip)) : NaN):1:(-\(GP.num(tip))):(0) with vectors head filled size screen 0.012,25 lc rgb '#5a5a5a' dt 1 notitle") }
                if cutHigh { plots.append("'' index \(index) using ($11 > 0 ? $6 - \(GP.num(tip)) : NaN):1:(\(GP.num(tip))):(0) with vectors head filled size screen 0.012,25 lc rgb '#5a5a5a' dt 1 notitle") }
                script += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
                index += 1
            }
            script += l.key(key, perRow: keyShape.perRow)
            return GnuplotFigure(name: "\(baseName)-turning-points" + (pages.count > 1 ? "-\(p + 1)" : ""),
                                 script: script + "unset multiplot\n", data: dataText, width: l.width, height: l.height)
        }
        let used = Set(columns.map { data.estimators[$0.estimator] })
        return FigurePlan(id: "turning-points", caption: title + "; per cell a box from the first to the third quartile and whiskers from the 2.5% to the 97.5% quantile. "
                          + caption(estimators: used) + ".", figures: figures, skipped: figures.isEmpty ? "no turning-point estimates" : nil)
    }

    /// The box figure's x range, one per estimand for the whole figure: the truths and
    /// supports of every cell, widened by half their span. A cell whose true curve is flat
    /// (no turning point) has estimates far out that would squeeze every other cell into a
    /// line; its cut whiskers end in an arrowhead, and the table counts what lies beyond.
    static func boxRanges(columns: [Column], cells: [String: TurningPointCell], ordinals: [Int]) -> [String: TurningPointCell] {
        var out = cells
        for j in columns.indices {
            let here = ordinals.compactMap { cells["\($0) \(j)"] }
            let anchors = here.flatMap { c in [c.truth] + (c.support.map { [$0.lowerBound, $0.upperBound] } ?? []) }.filter(\.isFinite)
            guard let lo = anchors.min(), let hi = anchors.max() else { continue }
            let pad = hi > lo ? 0.5 * (hi - lo) : max(abs(lo) * 0.2, 0.5)
            for o in ordinals {
                guard let c = cells["\(o) \(j)"] else { continue }
                out["\(o) \(j)"] = TurningPointCell(sorted: c.sorted, truth: c.truth, support: c.support, range: (lo - pad)...(hi + pad))
            }
        }
        return out
    }

    /// A markdown table, one row per cell and one column per turning-point estimand: the share
    /// of unbounded Fieller sets (each merged estimator's), of estimated curves of the wrong
    /// shape, of estimates inside the data support, and the count beyond the x range shown.
    func turningPointTable(columns: [Column], cells: [String: TurningPointCell]) -> String {
        // Full names (never the C1, C2 … codes of a crowded axis): a table has the room.
        let labels = factorLabels
        let names = data.cells.map { labels.cellName($0, fullTitle: true) }
        let pct = { (x: Double?) in x.map { String(format: "%.0f", 100 * $0) } ?? "–" }
        var out = "Turning points per cell — each entry: % of Fieller 95% sets unbounded (of each merged estimator) · "
            + "% of estimated curves of the wrong shape · % of estimates inside the data support [CA p5, p95] · "
            + "estimates beyond the x range shown / usable estimates.\n\n"
        out += "| cell | " + columns.map { Typeset.plain($0.title) }.joined(separator: " | ") + " |\n"
        out += "|---|" + String(repeating: "---|", count: columns.count) + "\n"
        for (i, cell) in data.cells.enumerated() {
            let entries = columns.enumerated().map { j, column -> String in
                guard let c = cells["\(cell.ordinal) \(j)"] else { return "–" }
                let n = data.draws[cell.ordinal][column.estimator].estimands[column.estimands[0]]
                let share = { (est: String, key: String) in
                    Self.shareLines(data.rows.first { $0.cell.ordinal == cell.ordinal && $0.estimator == est && $0.estimand == n })
                        .first { $0.key == key }?.value
                }
                let first = data.estimators[column.estimator]
                let fieller = ([first] + column.twins).map { pct(share($0, "unbounded_fieller")) }.joined(separator: "/")
                return "\(fieller) · \(pct(share(first, "wrong_shape"))) · \(pct(share(first, "inside_support"))) · \(c.outside)/\(c.sorted.count)"
                    + (c.truth.isFinite ? "" : " (no finite true turning point)")
            }
            out += "| \(names[i]) | " + entries.joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// The x range of a turning-point histogram: Tukey's far-out fences (Q1 − 3 IQR,
    /// Q3 + 3 IQR) within the data, widened to the truth and the support.
    static func turningPointRange(sorted s: [Double], truth: Double, support: ClosedRange<Double>?) -> ClosedRange<Double> {
        let q1 = Statistics.quantile(sorted: s, 0.25), q3 = Statistics.quantile(sorted: s, 0.75)
        var lo = max(s.first!, q1 - 3 * (q3 - q1)), hi = min(s.last!, q3 + 3 * (q3 - q1))
        if truth.isFinite { lo = min(lo, truth); hi = max(hi, truth) }
        if let support { lo = min(lo, support.lowerBound); hi = max(hi, support.upperBound) }
        if !(hi > lo) { lo -= max(abs(lo) * 0.1, 0.5); hi += max(abs(hi) * 0.1, 0.5) }
        return lo...hi
    }

    /// The shares a turning-point cell reports, from its summary row (format version 2
    /// columns; none for older files): unbounded Fieller sets (1 − share_bounded), curves
    /// of the wrong shape (1 − share_right_shape), estimates inside [CA p5, CA p95].
    static func shareLines(_ row: SummaryRow?) -> [(key: String, value: Double)] {
        guard let row else { return [] }
        let all = [("unbounded_fieller", 1 - row.measure("share_bounded")), ("wrong_shape", 1 - row.measure("share_right_shape")),
                   ("inside_support", row.measure("share_inside_support"))]
        return all.filter { $0.1.isFinite }.map { (key: $0.0, value: $0.1) }
    }
}
