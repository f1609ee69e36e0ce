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
        let title: String
        var estimands: [Int]
        var xs: [Double] = []
        var xlabel = ""
    }

    /// Where a curve point goes: its curve (effect, qualifier, axis) and its x.
    static func curvePosition(_ name: String) -> (curve: String, onGrid: Bool, x: Double)? {
        switch EstimandKind(name: name) {
        case .curvePoint(let effect, let qualifier, let x):
            return (qualifier.isEmpty ? "\(effect) effect" : "\(effect) effect, \(qualifier)", false, x)
        case .curveGridPoint(let effect, let qualifier, let j):
            return ("\(effect) effect, D = \(qualifier)", true, EstimandKind.gridPercentile(j))
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
                guard let (curve, onGrid, x) = Self.curvePosition(n) else { continue }
                let key = "\(curve)|\(onGrid)"
                if byCurve[key] == nil {
                    order.append(key)
                    byCurve[key] = Column(estimator: e, title: "\(curve) (\(name))", estimands: [],
                                          xlabel: onGrid ? "percentile of the panel's CA" : "CA")
                }
                byCurve[key]!.append(k, x: x)
            }
            // One point is not a curve (e.g. a scenario scoring only curve.direct.p50.20).
            columns += order.map { byCurve[$0]! }.filter { $0.estimands.count >= 2 }
        }
        let title = "Effect curves of CA: truth (black), mean estimate (red, dashed), 2.5–97.5% of estimates (band)"
        return grid(id: "curves", title: title, columns: columns,
                    emptyReason: "no curve with two or more points (curve.K.L.j, or direct@0.25, indirect@0.25, total@0.25)") { d, column, _ in
            var rows: [(x: Double, line: String)] = []
            for (k, x) in zip(column.estimands, column.xs) {
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
                "plot datafile index \(i) using 1:4:5 with filledcurves fc rgb '#9ecae1' fs transparent solid 0.5 title '2.5–97.5%', \\\n"
                    + "     '' index \(i) using 1:2 with linespoints lc rgb 'black' pt 7 ps 0.5 title 'true', \\\n"
                    + "     '' index \(i) using 1:3 with linespoints lc rgb '#d62728' dt 2 pt 6 ps 0.5 title 'mean estimate'\n"
            }
            return (data, "set xlabel \(GP.quote(column.xlabel))\nset autoscale x\n", plot)
        }
    }

    /// (d) Histogram (density) of each turning-point estimate over the replications,
    /// with the truth (black line) and the median estimate (red dashed). The x range
    /// stops at Tukey's far-out fences, Q1 − 3 IQR and Q3 + 3 IQR, widened to include
    /// the truth: a ratio −g1/(2 g2) with g2 near 0 gives huge estimates that would
    /// squeeze the rest into one bin; how many fall outside is said in the title.
    public func turningPoints() -> FigurePlan {
        var columns: [Column] = []
        for (e, name) in data.estimators.enumerated() {
            guard let layout = data.draws.first?[e] else { continue }
            for (k, n) in layout.estimands.enumerated() where EstimandKind(name: n) == .turningPoint {
                columns.append(Column(estimator: e, title: "\(n) (\(name))", estimands: [k]))
            }
        }
        let title = "Sampling distribution of turning-point estimates: truth (black), median estimate (red, dashed)"
        return grid(id: "turning-points", title: title, columns: columns,
                    emptyReason: "no turning-point estimands (tp.K.L, or names starting turning_point or tp_)") { d, column, note in
            let k = column.estimands[0]
            let (est, tru) = d.usable(k)
            guard !est.isEmpty else { return nil }
            // A curve without a turning point (m1β2 + m2θ2 = 0) has a NaN truth: no truth line then.
            let s = est.sorted(), truth = Statistics.mean(tru.filter(\.isFinite)), median = Statistics.quantile(sorted: s, 0.5)
            let q1 = Statistics.quantile(sorted: s, 0.25), q3 = Statistics.quantile(sorted: s, 0.75)
            var lo = max(s.first!, q1 - 3 * (q3 - q1)), hi = min(s.last!, q3 + 3 * (q3 - q1))
            if truth.isFinite { lo = min(lo, truth); hi = max(hi, truth) } else { note("no finite true turning point") }
            if !(hi > lo) { lo -= max(abs(lo) * 0.1, 0.5); hi += max(abs(hi) * 0.1, 0.5) }
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
            let data = "# bin centre, density (count / (usable estimates × bin width)); truth \(GP.num(truth)), median \(GP.num(median))\n"
                + counts.enumerated().map { i, c in
                    "\(GP.num(lo + (Double(i) + 0.5) * width)) \(GP.num(Double(c) / (Double(s.count) * width)))"
                }.joined(separator: "\n") + "\n"
            let setup = "set xlabel 'turning point (CA)'\nset yrange [0:*]\nset ylabel 'density'\nset xrange [\(GP.num(lo)):\(GP.num(hi))]\nset boxwidth \(GP.num(width * 0.95))\n"
                + (truth.isFinite ? "set arrow 1 from first \(GP.num(truth)), graph 0 to first \(GP.num(truth)), graph 1 nohead front lc rgb 'black' lw 2\n" : "")
                + "set arrow 2 from first \(GP.num(median)), graph 0 to first \(GP.num(median)), graph 1 nohead front lc rgb '#d62728' dt 2 lw 2\n"
            let plot = { (i: Int) in
                "plot datafile index \(i) using 1:2 with boxes fs solid 0.5 lc rgb '#6baed6' title 'estimates', \\\n"
                    + "     NaN with lines lc rgb 'black' lw 2 title 'truth', NaN with lines lc rgb '#d62728' dt 2 lw 2 title 'median estimate'\n"
            }
            return (data, setup, plot)
        }
    }

    /// Lays out a grid of panels (rows: cells; columns: `columns`), at most
    /// `maxRows` cells per figure (more become pages `-1`, `-2` …, so no figure
    /// grows taller than a printed page can show). `panel` returns a panel's data
    /// block, its set-up commands and its plot command for a data index, or nil
    /// when the panel has nothing to draw (its slot stays empty).
    func grid(id: String, title: String, columns: [Column], emptyReason: String, maxRows: Int = 6,
              panel: (ReplicationDraws, Column, (String) -> Void) -> (data: String, setup: String, plot: (Int) -> String)?) -> FigurePlan {
        let used = Set(columns.map { data.estimators[$0.estimator] })
        var caption = runCaption(estimators: used)
        var notes: [String] = []
        var pages: [(data: String, script: String, rows: Int)] = []
        let cols = columns.count
        let width = max(700, 420 * cols)
        for start in stride(from: 0, to: data.cells.count, by: maxRows) {
            let cells = data.cells[start..<min(start + maxRows, data.cells.count)]
            var dataText = "", script = "", index = 0
            for cell in cells {
                for column in columns {
                    let d = data.draws[cell.ordinal][column.estimator]
                    let panelTitle = "\(column.title), \(cell.shortLabel)"
                    var panelNotes: [String] = []
                    guard let p = panel(d, column, { panelNotes.append($0) }) else {
                        script += "\n# \(panelTitle): no usable estimates\nset multiplot next\n"
                        continue
                    }
                    notes += panelNotes.map { "\(panelTitle): \($0)" }
                    let shownTitle = GP.lines(GP.wrap(([panelTitle] + panelNotes).joined(separator: "; "), width: width / cols / 7))
                    dataText += "# \(panelTitle)\n" + p.data + "\n\n"
                    script += "\n# panel: \(panelTitle)\nset title \(shownTitle)\nunset arrow\n" + p.setup + p.plot(index)
                    index += 1
                }
            }
            if index > 0 { pages.append((dataText, script, cells.count)) }
        }
        guard !pages.isEmpty else {
            return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: [], skipped: emptyReason)
        }
        let figures = pages.enumerated().map { k, page -> GnuplotFigure in
            let pageNote = pages.count > 1 ? " (page \(k + 1) of \(pages.count))" : ""
            let head = "set multiplot layout \(page.rows),\(cols) title "
                + GP.lines(GP.wrap(title + pageNote, width: width / 7) + GP.wrap(caption, width: width / 7)) + " font ',11'\n"
                + "set grid lc rgb '#dddddd'\nset key below horizontal font ',8'\n"
            return GnuplotFigure(name: "\(baseName)-\(id)" + (pages.count > 1 ? "-\(k + 1)" : ""),
                                 script: head + page.script + "unset multiplot\n", data: page.data,
                                 width: width, height: 110 + 300 * page.rows)
        }
        if !notes.isEmpty { caption += "; " + notes.joined(separator: "; ") }
        return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: figures, skipped: nil)
    }
}
