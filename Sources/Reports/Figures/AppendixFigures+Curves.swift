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
        /// Per estimand, the series it belongs to (the level of D in `curvesByD`).
        var series: [String] = []
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
                                          xlabel: onGrid ? "CA (percentile of the panel's CA)" : "CA (level)")
                }
                byCurve[key]!.append(k, x: x)
            }
            // One point is not a curve (e.g. a scenario scoring only curve.direct.p50.20).
            columns += order.map { byCurve[$0]! }.filter { $0.estimands.count >= 2 }
        }
        let title = "Effect curves of CA (DE direct, IE indirect, TE total): truth (solid), mean estimate (dashed, open circles), 2.5–97.5% of estimates (grey band)"
        return grid(id: "curves", title: title, columns: columns,
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
            return (data, "set xlabel \(self.text.quote(column.xlabel))\nset ylabel \(self.text.quote("∂y/∂CA (outcome units per CA unit)"))\nset autoscale x\n", plot)
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
                columns.append(Column(estimator: e, title: "\(Typeset.estimand(n)) (\(name))", estimands: [k]))
            }
        }
        var supports: [Int: ClosedRange<Double>] = [:]
        if !columns.isEmpty {
            // A support that cannot be had is left unshaded (the file's cell says which world it is).
            for cell in data.cells { supports[cell.ordinal] = (try? DataSupport.of(cell, scenarioText: data.scenarioText)) ?? nil }
        }
        let title = "Sampling distribution of turning-point estimates c*: truth (solid), median estimate (dashed), data support [p5, p95] of the curve regressor (CA) shaded"
        var plan = grid(id: "turning-points", title: title, columns: columns,
                        emptyReason: "no turning-point estimands (tp.K.L, or names starting turning_point or tp_)") { cell, d, column, note in
            let k = column.estimands[0]
            let (est, tru) = d.usable(k)
            guard !est.isEmpty else { return nil }
            // A curve without a turning point (m1β2 + m2θ2 = 0) has a NaN truth: no truth line then.
            let s = est.sorted(), truth = Statistics.mean(tru.filter(\.isFinite)), median = Statistics.quantile(sorted: s, 0.5)
            let q1 = Statistics.quantile(sorted: s, 0.25), q3 = Statistics.quantile(sorted: s, 0.75)
            var lo = max(s.first!, q1 - 3 * (q3 - q1)), hi = min(s.last!, q3 + 3 * (q3 - q1))
            if truth.isFinite { lo = min(lo, truth); hi = max(hi, truth) } else { note("no finite true turning point") }
            let support = supports[cell.ordinal]
            if let support { lo = min(lo, support.lowerBound); hi = max(hi, support.upperBound) }
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
            let row = data.rows.first { $0.cell.ordinal == cell.ordinal && $0.estimator == d.estimator && $0.estimand == d.estimands[k] }
            let shares = Self.shareLines(row)
            var text = "# bin centre, density (count / (usable estimates × bin width)); truth \(GP.num(truth)), median \(GP.num(median))"
            if let support { text += "; support \(GP.num(support.lowerBound)) \(GP.num(support.upperBound))" }
            text += shares.isEmpty ? "\n" : "\n# " + shares.map { "\($0.key) \(GP.num($0.value))" }.joined(separator: "; ") + "\n"
            text += counts.enumerated().map { i, c in
                "\(GP.num(lo + (Double(i) + 0.5) * width)) \(GP.num(Double(c) / (Double(s.count) * width)))"
            }.joined(separator: "\n") + "\n"
            var setup = "set xlabel \(self.text.quote("turning point c* (CA units)"))\nset yrange [0:*]\nset ylabel 'density'\n"
                + "set xrange [\(GP.num(lo)):\(GP.num(hi))]\nset boxwidth \(GP.num(width * 0.95))\nset xtics \(GP.num(GP.tickStep(hi - lo)))\n"
                + (truth.isFinite ? "set arrow 1 from first \(GP.num(truth)), graph 0 to first \(GP.num(truth)), graph 1 nohead front ls 102\n" : "")
                + "set arrow 2 from first \(GP.num(median)), graph 0 to first \(GP.num(median)), graph 1 nohead front ls 103\n"
            if let support {
                setup += "set object 1 rect from first \(GP.num(support.lowerBound)), graph 0 to first \(GP.num(support.upperBound)), graph 1 "
                    + "behind fc rgb support_colour fs solid 1.0 noborder\n"
            }
            // Printed under the panel's title (and listed in the caption).
            if !shares.isEmpty {
                note(shares.map { "\(Self.shareNames[$0.key] ?? $0.key) \(String(format: "%.0f%%", 100 * $0.value))" }.joined(separator: " · "))
            }
            let plot = { (i: Int) in
                "plot datafile index \(i) using 1:2 with boxes fs solid 0.55 lc rgb '#5a5a5a' title 'estimates', \\\n"
                    + "     NaN with lines ls 102 title 'truth', NaN with lines ls 103 title 'median estimate'"
                    + (support != nil ? ", \\\n     NaN with boxes fc rgb support_colour fs solid 1.0 title 'CA p5–p95'\n" : "\n")
            }
            return (text, setup, plot)
        }
        if supports.values.contains(where: { _ in true }) {
            plan = FigurePlan(id: plan.id, caption: plan.caption + " The shaded support is the mean of CA's 5th and 95th percentiles over the panels of the first 10 replications (regenerated from the stored scenario).",
                              figures: plan.figures, skipped: plan.skipped)
        }
        return plan
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

    /// Lays out one panel per (cell, column), at most `perRow` panels in a row (three
    /// fit a printed page's width) and `maxRows` rows per figure (more become pages
    /// `-1`, `-2` …). `panel` returns a panel's data block, its set-up commands and its
    /// plot command for the index of its first data block, or nil when the panel has nothing to draw.
    func grid(id: String, title: String, columns: [Column], emptyReason: String, perRow: Int = 3, maxRows: Int = 4, key: Bool = false,
              panel: (CellInfo, ReplicationDraws, Column, (String) -> Void) -> (data: String, setup: String, plot: (Int) -> String)?) -> FigurePlan {
        let used = Set(columns.map { data.estimators[$0.estimator] })
        var caption = runCaption(estimators: used)
        var notes: [String] = []
        // Every drawable panel, in cell-major order.
        var panels: [(title: String, data: String, setup: String, plot: (Int) -> String)] = []
        for cell in data.cells {
            for column in columns {
                let d = data.draws[cell.ordinal][column.estimator]
                // A run without a grid has one unnamed cell: no "cell 0" in every title.
                let panelTitle = cell.factors.isEmpty && cell.title == nil && data.cells.count == 1 ? column.title : "\(column.title), \(factorLabels.title(cell))"
                var panelNotes: [String] = []
                guard let p = panel(cell, d, column, { panelNotes.append($0) }) else { continue }
                notes += panelNotes.map { "\(Typeset.plain(panelTitle)): \($0)" }
                let shown = ([panelTitle] + panelNotes).joined(separator: "\n")
                panels.append((shown, p.data, p.setup, p.plot))
            }
        }
        guard !panels.isEmpty else {
            return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: [], skipped: emptyReason)
        }
        let cols = min(perRow, panels.count)
        let perPage = cols * maxRows
        let pageCount = (panels.count + perPage - 1) / perPage
        let width = max(700, 400 * cols)
        let figures = (0..<pageCount).map { k -> GnuplotFigure in
            let page = panels[(k * perPage)..<min((k + 1) * perPage, panels.count)]
            let rows = (page.count + cols - 1) / cols
            var dataText = "", script = "", block = 0
            for p in page {
                let shown = text.lines(p.title.split(separator: "\n").flatMap { GP.wrap(String($0), width: width / cols / 9) })
                let flat = Typeset.plain(p.title).replacingOccurrences(of: "\n", with: "; ")
                dataText += "# \(flat)\n" + p.data + "\n\n"
                script += "\n# panel: \(flat)\nset title \(shown)\nunset arrow\nunset label\nunset object\n" + p.setup + p.plot(block)
                // A panel's data may hold several blocks (separated by two blank lines); `plot` gets the first one's index.
                block += p.data.components(separatedBy: "\n\n\n").count
            }
            let pageNote = pageCount > 1 ? " (page \(k + 1) of \(pageCount))" : ""
            let head = "set multiplot layout \(rows),\(cols) title "
                + text.lines(GP.wrap(title + pageNote, width: width / 8) + GP.wrap(caption, width: width / 8)) + "\n"
                // Unless the series differ by panel, the title says what each line and band is:
                // no key repeated in every panel.
                + (key ? "" : "unset key\n")
            return GnuplotFigure(name: "\(baseName)-\(id)" + (pageCount > 1 ? "-\(k + 1)" : ""),
                                 script: head + script + "unset multiplot\n", data: dataText,
                                 width: width, height: 110 + 290 * rows)
        }
        if !notes.isEmpty { caption += "; " + notes.joined(separator: "; ") }
        return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: figures, skipped: nil)
    }
}
