import Foundation
import MonteCarlo
import Numerics

/// (c) effect curves and (d) turning-point distributions: a grid of panels,
/// one row per design cell and one column per (estimator, curve or estimand),
/// drawn from the per-replication estimates.
extension AppendixFigures.Column {
    mutating func append(_ k: Int, x: Double) {
        estimands.append(k)
        xs.append(x)
    }
}

extension AppendixFigures {
    /// Columns of the grid: estimator index, the estimand indices it draws and,
    /// for curves, each one's x and the x-axis label.
    struct Column {
        let estimator: Int
        var title: String
        var estimands: [Int]
        var xs: [Double] = []
        var xlabel = ""
        /// Per estimand, the series it belongs to (the level of D in `curvesByD`).
        var series: [String] = []
        /// Estimators with the same estimates, drawn in this column's panels.
        var twins: [String] = []
    }

    /// Where a curve point goes: its curve (effect, qualifier, axis) and its x.
    static func curvePosition(_ kind: EstimandKind) -> (curve: String, onGrid: Bool, x: Double)? {
        switch kind {
        case .curvePoint(let effect, let qualifier, let x):
            let e = Typeset.effectShort[effect] ?? effect
            return (qualifier.isEmpty ? "\(e)(CA)" : "\(e)(CA), \(qualifier)", false, x)
        case .curveGridPoint(let effect, let qualifier, let j):
            return ("\(Typeset.effectShort[effect] ?? effect)(CA), D = \(qualifier)", true, EstimandKind.gridPercentile(j))
        default: return nil
        }
    }

    /// (c) True and mean-estimated direct, indirect and total effect curves of CA, with
    /// the 2.5–97.5% percentile band of the replication estimates (type-7 quantiles).
    public func curves() -> FigurePlan {
        var columns: [Column] = []
        for (e, name) in data.estimators.enumerated() {
            guard let layout = data.draws.first?[e] else { continue }
            var byCurve: [String: Column] = [:], order: [String] = []
            for (k, n) in layout.estimands.enumerated() {
                guard let (curve, onGrid, x) = Self.curvePosition(data.kind(n)) else { continue }
                let key = "\(curve)|\(onGrid)"
                if byCurve[key] == nil {
                    order.append(key)
                    byCurve[key] = Column(estimator: e, title: "\(curve) (\(name))", estimands: [],
                                          xlabel: onGrid ? "CA percentile" : "CA (level)")
                }
                byCurve[key]!.append(k, x: x)
            }
            // One point is not a curve (e.g. a scenario scoring only curve.direct.p50.20).
            columns += order.map { byCurve[$0]! }.filter { $0.estimands.count >= 2 }
        }
        let title = "Effect curves of CA (DE direct, IE indirect, TE total): truth (solid), mean estimate (dashed, open circles), 2.5–97.5% of estimates (grey band)"
        let key = ["with boxes fc rgb band_colour fs solid 1.0 title '2.5–97.5% of estimates'", "with linespoints ls 102 title 'truth (mean)'",
                   "with linespoints ls 103 title 'mean estimate'"]
        return grid(id: "curves", title: title, columns: columns, key: key,
                    emptyReason: "no curve with two or more points (curve.K.L.j, or direct@0.25, indirect@0.25, total@0.25)") { _, d, column, _ in
            var rows: [(x: Double, line: String)] = []
            for (k, x) in Swift.zip(column.estimands, column.xs) {
                let (est, _) = d.usable(k)
                let truths = (0..<d.replications).map { d.truth[$0 * d.estimands.count + k] }.filter(\.isFinite)
                guard !est.isEmpty else { continue }
                let s = est.sorted()
                rows.append((x, [x, Statistics.mean(truths), Statistics.mean(est), Statistics.quantile(sorted: s, 0.025),
                                 Statistics.quantile(sorted: s, 0.975)].map(GP.num).joined(separator: " ")))
            }
            guard !rows.isEmpty else { return nil }
            let data = "# x, true effect (mean over replications), mean estimate, 2.5% and 97.5% quantiles of estimates\n"
                + rows.sorted { $0.x < $1.x }.map(\.line).joined(separator: "\n") + "\n"
            let plot = { (i: Int) in
                "plot datafile index \(i) using 1:4:5 with filledcurves fc rgb band_colour fs solid 1.0 title '2.5–97.5% of estimates', \\\n"
                    + "     '' index \(i) using 1:2 with linespoints ls 102 title 'truth', \\\n"
                    + "     '' index \(i) using 1:3 with linespoints ls 103 title 'mean estimate'\n"
            }
            let xs = rows.map(\.x), (x0, x1) = (xs.min()!, xs.max()!)
            let xaxis = x1 > x0 ? "set xrange [\(GP.num(x0)):\(GP.num(x1))]\nset xtics \(GP.num(GP.tickStep(lo: x0, hi: x1, inches: 1.5)))\n" : "set autoscale x\n"
            return (data, "set xlabel \(self.text.quote(column.xlabel))\nset ylabel \(self.text.quote("∂y/∂CA"))\n" + xaxis, plot)
        }
    }

    /// (d) Histogram (density) of each turning-point estimate over the replications,
    /// with the truth (solid) and the median estimate (dashed), the data support
    /// [CA p5, CA p95] shaded, and — where the file stores them (format version 2) —
    /// the shares of unbounded Fieller sets, of estimated curves of the wrong shape and
    /// of estimates inside the support printed in the panel. The x range stops at
    /// Tukey's far-out fences, Q1 − 3 IQR and Q3 + 3 IQR, widened to include the truth
    /// and the support: a ratio −g1/(2 g2) with g2 near 0 gives huge estimates that
    /// would squeeze the rest into one bin; how many fall outside is said in the title.
    public func turningPoints() -> FigurePlan {
        var columns: [Column] = []
        for (e, name) in data.estimators.enumerated() {
            guard let layout = data.draws.first?[e] else { continue }
            for (k, n) in layout.estimands.enumerated() where data.kind(n) == .turningPoint {
                // An estimator with the same estimates as an earlier one (a cluster-variance
                // twin) is drawn once, its Fieller shares beside the first's.
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
        // Within an estimator DE, IE, TE in that order, so a page's columns line up by effect.
        let rank = { (c: Column) -> Int in
            let n = data.draws.first?[c.estimator].estimands[c.estimands[0]] ?? ""
            return ["direct", "indirect", "total"].firstIndex { n.contains($0) } ?? 3
        }
        columns = columns.enumerated().sorted { ($0.element.estimator, rank($0.element), $0.offset) < ($1.element.estimator, rank($1.element), $1.offset) }.map(\.element)
        var supports: [Int: ClosedRange<Double>] = [:]
        if !columns.isEmpty {
            // A support that cannot be had is left unshaded (the file's cell says which world it is).
            for cell in data.cells { supports[cell.ordinal] = (try? DataSupport.of(cell, scenarioText: data.scenarioText)) ?? nil }
        }
        // One x range per estimand over every cell and estimator, so panels compare.
        var ranges: [String: ClosedRange<Double>] = [:]
        for c in columns {
            let name = data.draws.first?[c.estimator].estimands[c.estimands[0]] ?? ""
            for cell in data.cells {
                let d = data.draws[cell.ordinal][c.estimator]
                let (est, tru) = d.usable(c.estimands[0])
                guard !est.isEmpty else { continue }
                let r = Self.turningPointRange(sorted: est.sorted(), truth: Statistics.mean(tru.filter(\.isFinite)), support: supports[cell.ordinal])
                ranges[name] = ranges[name].map { min($0.lowerBound, r.lowerBound)...max($0.upperBound, r.upperBound) } ?? r
            }
        }
        let title = "Sampling distribution of turning-point estimates c*: truth (solid), median estimate (dashed), data support [p5, p95] of the curve regressor (CA) shaded"
        let key = ["with boxes fs solid 0.55 lc rgb '#5a5a5a' title 'estimates (density)'", "with lines ls 102 title 'truth'",
                   "with lines ls 103 title 'median estimate'", "with boxes fc rgb support_colour fs solid 1.0 title 'data support CA p5–p95'"]
        var plan = grid(id: "turning-points", title: title, columns: columns, key: key,
                        emptyReason: "no turning-point estimands (tp.K.L, or names starting turning_point or tp_)") { cell, d, column, note in
            let k = column.estimands[0]
            let (est, tru) = d.usable(k)
            guard !est.isEmpty else { return nil }
            // A curve without a turning point (m1β2 + m2θ2 = 0) has a NaN truth: no truth line then.
            let s = est.sorted(), truth = Statistics.mean(tru.filter(\.isFinite)), median = Statistics.quantile(sorted: s, 0.5)
            if !truth.isFinite { note("no finite true turning point") }
            let support = supports[cell.ordinal]
            let range = ranges[d.estimands[k]] ?? Self.turningPointRange(sorted: s, truth: truth, support: support)
            let (lo, hi) = (range.lowerBound, range.upperBound)
            // About √n bins, between 15 and 40.
            let bins = min(40, max(15, Int(Double(s.count).squareRoot())))
            let width = (hi - lo) / Double(bins)
            var counts = [Int](repeating: 0, count: bins)
            var outside = 0
            for x in s {
                guard x >= lo, x <= hi else { outside += 1; continue }
                counts[min(bins - 1, Int((x - lo) / width))] += 1
            }
            if outside > 0 { note("\(outside) of \(s.count) outside the range shown") }
            let row = data.rows.first { $0.cell.ordinal == cell.ordinal && $0.estimator == d.estimator && $0.estimand == d.estimands[k] }
            let shares = Self.shareLines(row)
            let twinShares = column.twins.map { t in
                Self.shareLines(data.rows.first { $0.cell.ordinal == cell.ordinal && $0.estimator == t && $0.estimand == d.estimands[k] })
            }
            var text = "# bin centre, density (count / (usable estimates × bin width)); truth \(GP.num(truth)), median \(GP.num(median))"
            if let support { text += "; support \(GP.num(support.lowerBound)) \(GP.num(support.upperBound))" }
            text += shares.isEmpty ? "\n" : "\n# " + shares.map { "\($0.key) \(GP.num($0.value))" }.joined(separator: "; ") + "\n"
            text += counts.enumerated().map { i, c in
                "\(GP.num(lo + (Double(i) + 0.5) * width)) \(GP.num(Double(c) / (Double(s.count) * width)))"
            }.joined(separator: "\n") + "\n"
            var setup = "set xlabel \(self.text.quote("turning point c* (CA)"))\nset yrange [0:*]\nset ylabel 'density'\n"
                + "set xrange [\(GP.num(lo)):\(GP.num(hi))]\nset boxwidth \(GP.num(width * 0.95))\nset xtics \(GP.num(GP.tickStep(lo: lo, hi: hi, inches: 1.5)))\n"
                + (truth.isFinite ? "set arrow 1 from first \(GP.num(truth)), graph 0 to first \(GP.num(truth)), graph 1 nohead front ls 102\n" : "")
                + "set arrow 2 from first \(GP.num(median)), graph 0 to first \(GP.num(median)), graph 1 nohead front ls 103\n"
            if let support {
                setup += "set object 1 rect from first \(GP.num(support.lowerBound)), graph 0 to first \(GP.num(support.upperBound)), graph 1 "
                    + "behind fc rgb support_colour fs solid 1.0 noborder\n"
            }
            // Printed under the panel's title (and listed in the caption).
            let pct = { (x: Double) in String(format: "%.0f%%", 100 * x) }
            if let f = shares.first(where: { $0.key == "unbounded_fieller" }) {
                let others = twinShares.compactMap { $0.first { $0.key == "unbounded_fieller" }.map { pct($0.value) } }
                note("Fieller unbounded " + ([pct(f.value)] + others).joined(separator: " / "))
            }
            let rest = shares.filter { $0.key != "unbounded_fieller" }
            if !rest.isEmpty { note(rest.map { "\(Self.shareNames[$0.key] ?? $0.key) \(pct($0.value))" }.joined(separator: " · ")) }
            let plot = { (i: Int) in
                "plot datafile index \(i) using 1:2 with boxes fs solid 0.55 lc rgb '#5a5a5a' notitle\n"
            }
            return (text, setup, plot)
        }
        if supports.values.contains(where: { _ in true }) {
            plan = FigurePlan(id: plan.id, caption: plan.caption + " The shaded support is the mean of CA's 5th and 95th percentiles over the panels of the first 10 replications (regenerated from the stored scenario).",
                              figures: plan.figures, skipped: plan.skipped)
        }
        return plan
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

    /// Names of the per-panel shares, as printed.
    static let shareNames = ["unbounded_fieller": "Fieller unbounded", "wrong_shape": "wrong shape",
                             "inside_support": "in support"]

    /// The shares a turning-point panel prints, from its summary row (format version 2
    /// columns; none for older files): unbounded Fieller sets (1 − share_bounded), curves
    /// of the wrong shape (1 − share_right_shape), estimates inside [CA p5, CA p95].
    static func shareLines(_ row: SummaryRow?) -> [(key: String, value: Double)] {
        guard let row else { return [] }
        let all = [("unbounded_fieller", 1 - row.measure("share_bounded")), ("wrong_shape", 1 - row.measure("share_right_shape")),
                   ("inside_support", row.measure("share_inside_support"))]
        return all.filter { $0.1.isFinite }.map { (key: $0.0, value: $0.1) }
    }

    /// Lays out one panel per (cell, column), at most `perRow` panels in a row at the
    /// text width (each plot area at least 1.5 in) and as many rows as fit 9 in (more
    /// become pages `-1`, `-2` …); the first panel's key sits across the top of each page.
    /// `panel` returns a panel's data block, its set-up commands and its plot command for
    /// the index of its first data block, or nil when the panel has nothing to draw.
    func grid(id: String, title: String, columns: [Column], key: [String], emptyReason: String, perRow: Int = 3,
              panel: (CellInfo, ReplicationDraws, Column, (String) -> Void) -> (data: String, setup: String, plot: (Int) -> String)?) -> FigurePlan {
        let used = Set(columns.map { data.estimators[$0.estimator] })
        var caption = caption(estimators: used)
        var notes: [String] = []
        let names = cellNames.names
        // Every drawable panel, in cell-major order.
        var panels: [(title: [String], data: String, setup: String, plot: (Int) -> String)] = []
        for cell in data.cells {
            for column in columns {
                let d = data.draws[cell.ordinal][column.estimator]
                let cellName = data.cells.firstIndex { $0.ordinal == cell.ordinal }.map { names[$0] } ?? cell.shortLabel
                let panelTitle = cellName.isEmpty ? column.title : "\(column.title), \(cellName)"
                var panelNotes: [String] = []
                guard let p = panel(cell, d, column, { panelNotes.append($0) }) else { continue }
                notes += panelNotes.map { "\(Typeset.plain(panelTitle)): \($0)" }
                panels.append(([panelTitle] + panelNotes, p.data, p.setup, p.plot))
            }
        }
        guard !panels.isEmpty else {
            return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: [], skipped: emptyReason)
        }
        let firstLeft = 0.62
        let cols = PanelLayout.columns(wanted: min(perRow, panels.count), firstLeft: firstLeft, left: firstLeft, minPlot: 1.35)
        let keyChars = key.map { ($0.components(separatedBy: "title '").last ?? "").count }.max() ?? 10
        let keyShape = PanelLayout.keyRows(entries: key.count, chars: keyChars)
        var layout = PanelLayout(columns: cols, rows: 1, header: PanelLayout.keyHeader(rows: keyShape.rows), firstLeft: firstLeft, left: firstLeft, plotHeight: 1.5)
        let wrapped = { (lines: [String]) in lines.flatMap { GP.wrap($0, width: layout.titleChars) } }
        layout.titleLines = panels.map { wrapped($0.title).count }.max() ?? 1
        let maxRows = max(1, Int((FigureStyle.maxHeight - layout.header - 0.05) / layout.cellHeight))
        let perPage = cols * maxRows
        let pageCount = (panels.count + perPage - 1) / perPage
        let figures = (0..<pageCount).map { k -> GnuplotFigure in
            let page = Array(panels[(k * perPage)..<min((k + 1) * perPage, panels.count)])
            var l = layout
            l.rows = (page.count + cols - 1) / cols
            var dataText = "", script = "set multiplot\nunset key\n", block = 0
            for (n, p) in page.enumerated() {
                let flat = Typeset.plain(p.title.joined(separator: "; "))
                dataText += "# \(flat)\n" + p.data + "\n\n"
                script += "\n# panel: \(flat)\n" + l.margins(row: n / cols, column: n % cols)
                script += "set title \(text.lines(wrapped(p.title)))\nunset arrow\nunset label\nunset object\nset xtics autofreq\n" + p.setup
                script += p.plot(block)
                // A panel's data may hold several blocks (separated by two blank lines); `plot` gets the first one's index.
                block += p.data.components(separatedBy: "\n\n\n").count
            }
            script += l.key(key, perRow: keyShape.perRow)
            return GnuplotFigure(name: "\(baseName)-\(id)" + (pageCount > 1 ? "-\(k + 1)" : ""),
                                 script: script + "unset multiplot\n", data: dataText, width: l.width, height: l.height)
        }
        if !notes.isEmpty { caption += "; " + notes.joined(separator: "; ") }
        return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: figures, skipped: nil)
    }
}
