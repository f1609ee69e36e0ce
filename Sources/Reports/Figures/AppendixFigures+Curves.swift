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

    /// One estimator's estimands grouped into columns in first-seen order (both curve figures):
    /// `place` gives an estimand's column key, x, series (nil: none) and the column it opens,
    /// or nil when the estimand is not drawn.
    static func grouped(_ layout: ReplicationDraws,
                        place: (_ name: String) -> (key: String, x: Double, series: String?, column: Self)?) -> [Self] {
        var byKey: [String: Self] = [:], order: [String] = []
        for (k, n) in layout.estimands.enumerated() {
            guard let p = place(n) else { continue }
            if byKey[p.key] == nil {
                order.append(p.key)
                byKey[p.key] = p.column
            }
            byKey[p.key]!.append(k, x: p.x)
            if let series = p.series { byKey[p.key]!.series.append(series) }
        }
        return order.map { byKey[$0]! }
    }
}

extension ReplicationDraws {
    /// A curve point of estimand `k`: the mean truth over the replications with a finite truth
    /// and the usable estimates (nil when there are none).
    func curvePoint(_ k: Int) -> (truth: Double, estimates: [Double])? {
        let (est, _) = usable(k)
        guard !est.isEmpty else { return nil }
        let truths = (0..<replications).map { truth[$0 * estimands.count + k] }.filter(\.isFinite)
        return (Statistics.mean(truths), est)
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
            let e = Typeset.short(effect)
            return (qualifier.isEmpty ? "\(e)(CA)" : "\(e)(CA), \(qualifier)", false, x)
        case .curveGridPoint(let effect, let qualifier, let j):
            return ("\(Typeset.short(effect))(CA), D = \(qualifier)", true, EstimandKind.gridPercentile(j))
        default: return nil
        }
    }

    /// (c) True and mean-estimated direct, indirect and total effect curves of CA, with
    /// the 2.5–97.5% percentile band of the replication estimates (type-7 quantiles).
    public func curves() -> FigurePlan {
        var columns: [Column] = []
        for (e, name) in data.estimators.enumerated() {
            guard let layout = data.draws.first?[e] else { continue }
            let grouped = Column.grouped(layout) { n in
                guard let (curve, onGrid, x) = Self.curvePosition(data.kind(n)) else { return nil }
                return ("\(curve)|\(onGrid)", x, nil, Column(estimator: e, title: "\(curve) (\(name))", estimands: [],
                                                              xlabel: onGrid ? "CA percentile" : "CA (level)"))
            }
            // One point is not a curve (e.g. a scenario scoring only curve.direct.p50.20).
            columns += grouped.filter { $0.estimands.count >= 2 }
        }
        let title = "Effect curves of CA (DE direct, IE indirect, TE total): truth (solid), mean estimate (dashed, open circles), 2.5–97.5% of estimates (grey band)"
        let key = ["with boxes fc rgb band_colour fs solid 1.0 title '2.5–97.5% of estimates'", "with linespoints ls 102 title 'truth (mean)'",
                   "with linespoints ls 103 title 'mean estimate'"]
        return grid(id: "curves", title: title, columns: columns, key: key,
                    emptyReason: "no curve with two or more points (curve.K.L.j, or direct@0.25, indirect@0.25, total@0.25)") { _, d, column, _ in
            var rows: [(x: Double, line: String)] = []
            for (k, x) in Swift.zip(column.estimands, column.xs) {
                guard let (truth, est) = d.curvePoint(k) else { continue }
                let s = est.sorted()
                rows.append((x, [x, truth, Statistics.mean(est), Statistics.quantile(sorted: s, 0.025),
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
