import Foundation
import MonteCarlo

/// Figures over a design grid: the nested-loop plot (Rücker & Schwarzer 2014, BMC Med.
/// Res. Methodol. 14:129; rsimsum's `nlp`), the heatmap of true W × estimator, and the
/// U-test's power and size against a factor.
extension AppendixFigures {
    /// The measure a grid figure shows for an estimand: its role decides (a ratio has
    /// no mean, a test only a rejection rate).
    struct MeasureChoice {
        let column: String
        let label: String
        let reference: Double
    }

    static func location(_ kind: EstimandKind) -> MeasureChoice {
        kind.isRatio ? MeasureChoice(column: "median_bias", label: "median bias", reference: 0)
            : kind == .uTest ? MeasureChoice(column: "rejection", label: "rejection rate", reference: .nan)
            : MeasureChoice(column: "bias", label: "bias", reference: 0)
    }

    static func calibration(_ kind: EstimandKind) -> MeasureChoice {
        kind.isRatio ? MeasureChoice(column: "fieller_coverage", label: "Fieller coverage", reference: 0.95)
            : kind == .uTest ? MeasureChoice(column: "rejection", label: "rejection rate", reference: .nan)
            : MeasureChoice(column: "coverage", label: "coverage", reference: 0.95)
    }

    /// Estimands with a finite `choice` in some comparable row, in first-seen order, at most `limit`;
    /// curve points are left out (the curves figure shows them).
    func gridEstimands(_ choice: (EstimandKind) -> MeasureChoice, limit: Int = 9) -> [String] {
        var names: [String] = []
        for r in data.rows where Self.comparable(r) && !names.contains(r.estimand) {
            let kind = r.kind
            if case .curveGridPoint = kind { continue }
            if case .curvePoint = kind { continue }
            if r.measure(choice(kind).column).isFinite { names.append(r.estimand) }
        }
        return Array(names.prefix(limit))
    }

    /// Grid factors with at least two levels, in the grid's order (last varies fastest).
    var varyingFactors: [(path: String, levels: [String])] {
        guard let first = data.cells.first else { return [] }
        return first.factors.indices.compactMap { i in
            var levels: [String] = []
            for c in data.cells where i < c.factors.count && !levels.contains(c.factors[i].value) { levels.append(c.factors[i].value) }
            return levels.count > 1 ? (first.factors[i].path, levels) : nil
        }
    }

    public func nestedLoopBias() -> FigurePlan { nestedLoop(id: "nlp-bias", choice: Self.location) }
    public func nestedLoopCoverage() -> FigurePlan { nestedLoop(id: "nlp-coverage", choice: Self.calibration) }

    /// Nested-loop plot: the design cells in the grid's nested order along x (the first
    /// factor varies slowest), each estimator's measure as a step line, and below it one
    /// staircase per factor showing its level in each cell — every factor of a grid and
    /// its effect at a glance. One panel per estimand.
    func nestedLoop(id: String, choice: @escaping (EstimandKind) -> MeasureChoice) -> FigurePlan {
        // The factors that tell the cells apart (those set by the others left out).
        let naming = factorLabels.naming
        let factors = varyingFactors.filter { naming.contains($0.path) }
        let names = gridEstimands(choice)
        // With one or two factors a forest plot or a facet says the same more plainly
        // (Rücker & Schwarzer: the nested loop pays off for three or more crossed factors).
        guard factors.count >= 3, !names.isEmpty else {
            return FigurePlan(id: id, caption: "", figures: [], skipped: factors.count < 3
                              ? "the design's \(data.cells.count) cell\(data.cells.count == 1 ? "" : "s") differ\(data.cells.count == 1 ? "s" : "") in \(factors.count) factor\(factors.count == 1 ? "" : "s")"
                                + (factors.isEmpty ? "" : " (\(factors.map(\.path).joined(separator: ", ")))")
                                + " — grid factors and keys set by `cells:` entries, leaving out those that vary with another; a nested-loop plot is drawn for 3 or more (the bias and coverage figures show every cell)"
                              : "no estimand has this measure")
        }
        let cells = data.cells.count
        let layoutCols = min(2, names.count)
        var layout = PanelLayout(columns: layoutCols, rows: (names.count + layoutCols - 1) / layoutCols, header: 2 * PanelLayout.line + 0.12,
                                 firstLeft: 0.62, left: 0.62, plotHeight: 1.4 + 0.3 * Double(factors.count))
        layout.titleLines = 1
        var keyEntries: [String] = []
        for (e, est) in data.estimators.enumerated() where data.rows.contains(where: { $0.estimator == est && names.contains($0.estimand) }) {
            keyEntries.append("with steps lt \(e + 1) title \(text.quote(est))")
        }
        let keyShape = PanelLayout.keyRows(entries: keyEntries.count, chars: data.estimators.map(\.count).max() ?? 8)
        layout.header = PanelLayout.keyHeader(rows: keyShape.rows)
        let half = coverageBandHalfWidth("coverage")
        // As many rows of panels a page as fit 9 in; more estimands go to pages `-1`, `-2` ….
        let rowsPerPage = max(1, Int((FigureStyle.maxHeight - layout.header - 0.05) / layout.cellHeight))
        let perPage = rowsPerPage * layoutCols
        let pageNames = stride(from: 0, to: names.count, by: perPage).map { Array(names[$0..<min($0 + perPage, names.count)]) }
        var figures: [GnuplotFigure] = [], used = Set<String>()
        for (pageNumber, page) in pageNames.enumerated() {
            layout.rows = (page.count + layoutCols - 1) / layoutCols
            var dataText = "", script = "set multiplot\nunset key\n", index = 0, panel = 0
            for name in page {
                let m = choice(data.kind(name))
                var values: [Double] = []
                var blocks: [(title: String, style: Int, block: String)] = []
                for (e, est) in data.estimators.enumerated() {
                    let rows = data.rows.filter { $0.estimator == est && $0.estimand == name && Self.comparable($0) }
                    guard !rows.isEmpty else { continue }
                    used.insert(est)
                    var block = ""
                    let sorted = rows.sorted(by: { $0.cell.ordinal < $1.cell.ordinal })
                    for r in sorted {
                        let v = r.measure(m.column)
                        values.append(v)
                        block += "\(r.cell.ordinal + 1) \(GP.num(v))\n"
                    }
                    // The last value again one cell further closes the last step (drawn at x − 0.5).
                    if let last = sorted.last { block += "\(last.cell.ordinal + 2) \(GP.num(last.measure(m.column)))\n" }
                    blocks.append((est, e + 1, block))
                }
                let finite = values.filter(\.isFinite) + (m.reference.isFinite ? [m.reference] : [])
                    + (m.reference == 0.95 ? [0.95 - half, 0.95 + half] : [])
                guard let lo0 = finite.min(), let hi0 = finite.max() else { continue }
                let span = hi0 > lo0 ? hi0 - lo0 : max(abs(hi0) * 0.2, 0.01)
                // Factor staircases below the data: each gets a band 0.15·span high, 0.13·span apart
                // (room for its label, centred in the gap above it).
                let band = 0.15 * span, gap = 0.13 * span
                var plots: [String] = [], labels = ""
                for b in blocks {
                    dataText += "# \(Typeset.plain(Typeset.estimand(name))) — \(b.title): cell (1-based, nested order; the last repeated), \(m.column)\n" + b.block + "\n\n"
                    plots.append("datafile index \(index) using ($1-0.5):2 with steps lt \(b.style) notitle")
                    index += 1
                }
                for (f, factor) in factors.enumerated() {
                    let top = lo0 - gap - Double(f) * (band + gap), bottom = top - band
                    dataText += "# factor \(factor.path): cell (the last repeated), level drawn at y (levels \(factor.levels.joined(separator: " < ")))\n"
                    for c in data.cells {
                        let level = factor.levels.firstIndex(of: c.factors.first { $0.path == factor.path }?.value ?? "") ?? 0
                        let y = bottom + band * Double(level) / Double(max(factor.levels.count - 1, 1))
                        dataText += "\(c.ordinal + 1) \(GP.num(y))\n"
                        if c.ordinal == data.cells.count - 1 { dataText += "\(c.ordinal + 2) \(GP.num(y))\n" }
                    }
                    dataText += "\n\n"
                    plots.append("datafile index \(index) using ($1-0.5):2 with steps lc rgb '#555555' dt 1 lw 1 notitle")
                    index += 1
                    let short = CellInfo.Factor(path: factor.path, value: "").shortName
                    // Each level's label as a cell carries it (the scenario's own, when it gives one).
                let all = factor.levels.map { level in
                    data.cells.lazy.compactMap { $0.factors.first { $0.path == factor.path && $0.value == level } }.first
                        .map(factorLabels.label) ?? level
                }
                    // The levels in order, or the first and last when they do not fit the panel.
                    let fits = Double(short.count + 2 + all.joined(separator: ", ").count) * PanelLayout.char < layout.plotWidth - 0.1
                    let shown = fits || all.count < 3 ? all : [all[0], "…", all[all.count - 1]]
                    // In the strip below the data, left of the plot area (graph coordinates: the
                    // axis no longer runs into the staircases' made-up values).
                    labels += "set label \(f + 1) \(text.quote("\(short): " + shown.joined(separator: ", "))) at graph 0.01, first \(GP.num(top + 0.5 * gap)) left front\n"
                }
                let bottom = lo0 - Double(factors.count) * (band + gap) - gap
                script += "\n# panel: \(Typeset.plain(Typeset.estimand(name)))\n" + layout.margins(row: panel / layoutCols, column: panel % layoutCols)
                script += "set title \(text.quote(Typeset.estimand(name)))\nunset label\nunset arrow\n"
                script += "set xrange [0.5:\(cells).5]\nset yrange [\(GP.num(bottom)):\(GP.num(hi0 + 0.08 * span))]\n"
                // y tics only over the data, not over the staircases.
                let step = GP.tickStep(hi0 - lo0 > 0 ? hi0 - lo0 : span, ticks: 3)
                script += "set ytics \(GP.num((lo0 / step).rounded(.up) * step)), \(GP.num(step)), \(GP.num(hi0 + 0.08 * span))\n"
                script += "set ylabel \(text.quote(m.label))\nset xlabel 'design cell (nested order)'\nset xtics \(GP.num(GP.tickStep(Double(cells), ticks: 6))) format '%g'\n" + labels
                if m.reference.isFinite {
                    script += "set arrow 1 from graph 0, first \(GP.num(m.reference)) to graph 1, first \(GP.num(m.reference)) nohead ls 100\n"
                }
                if m.reference == 0.95 {
                    script += "set arrow 2 from graph 0, first \(GP.num(0.95 - half)) to graph 1, first \(GP.num(0.95 - half)) nohead ls 101\n"
                    script += "set arrow 3 from graph 0, first \(GP.num(0.95 + half)) to graph 1, first \(GP.num(0.95 + half)) nohead ls 101\n"
                }
                script += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
                panel += 1
            }
            guard index > 0 else { continue }
            script += layout.key(keyEntries, perRow: keyShape.perRow)
            figures.append(GnuplotFigure(name: "\(baseName)-\(id)" + (pageNames.count > 1 ? "-\(pageNumber + 1)" : ""),
                                         script: script + "unset multiplot\n", data: dataText, width: layout.width, height: layout.height))
        }
        guard !figures.isEmpty else { return FigurePlan(id: id, caption: "", figures: [], skipped: "no finite values") }
        let measures = Set(names.map { choice(data.kind($0)).label }).sorted().joined(separator: " / ")
        let title = "Nested-loop plot of \(measures) over the design grid (factors in nesting order, first slowest; staircases below show each factor's level)"
            + (names.contains { choice(data.kind($0)).reference == 0.95 } ? "; dotted: 0.95 ± \(String(format: "%.3f", half)) (Monte Carlo band)" : "")
        let caption = caption(estimators: used)
        // Where a line stops (a blank value), the reason: per measure column drawn.
        var columns: [String] = []
        for n in names where !columns.contains(choice(data.kind(n)).column) { columns.append(choice(data.kind(n)).column) }
        let blanks = columns.map { c in blankNote(estimands: Set(names.filter { choice(data.kind($0)).column == c }), column: c) }.joined()
        return FigurePlan(id: id, caption: title + ". " + caption + "." + blanks, figures: figures, skipped: nil)
    }
}
