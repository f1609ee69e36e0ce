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
        let factors = varyingFactors
        let names = gridEstimands(choice)
        guard data.cells.count > 1, !factors.isEmpty, !names.isEmpty else {
            return FigurePlan(id: id, caption: "", figures: [], skipped: data.cells.count > 1
                              ? "no estimand has this measure" : "a single design cell (a nested-loop plot needs a grid)")
        }
        let cells = data.cells.count
        var dataText = "", script = "", index = 0, used = Set<String>()
        for name in names {
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
            guard let lo0 = finite.min(), let hi0 = finite.max() else { continue }
            let span = hi0 > lo0 ? hi0 - lo0 : max(abs(hi0) * 0.2, 0.01)
            // Factor staircases below the data: each gets a band 0.18·span high, 0.08·span apart.
            let band = 0.18 * span, gap = 0.08 * span
            var plots: [String] = [], labels = ""
            for b in blocks {
                dataText += "# \(Typeset.plain(Typeset.estimand(name))) — \(b.title): cell (1-based, nested order; the last repeated), \(m.column)\n" + b.block + "\n\n"
                plots.append("datafile index \(index) using ($1-0.5):2 with steps lt \(b.style) title \(text.quote(b.title))")
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
                let shown = factor.levels.map { factorLabels.label(CellInfo.Factor(path: factor.path, value: $0)) }
                labels += "set label \(f + 1) \(text.quote("\(short): " + shown.joined(separator: ", "))) at first 0.6, first \(GP.num(top + 0.25 * gap)) left font ',8'\n"
            }
            let bottom = lo0 - Double(factors.count) * (band + gap) - gap
            script += "\n# panel: \(Typeset.plain(Typeset.estimand(name)))\nset title \(text.quote(Typeset.estimand(name)))\nunset label\nunset arrow\n"
            script += "set xrange [0.5:\(cells).5]\nset yrange [\(GP.num(bottom)):\(GP.num(hi0 + 0.08 * span))]\n"
            script += "set ylabel \(text.quote(m.label))\nset xlabel 'design cell (nested order)'\nset xtics 1 \(cells > 20 ? "format ''" : "")\n" + labels
            if m.reference.isFinite {
                script += "set arrow 1 from graph 0, first \(GP.num(m.reference)) to graph 1, first \(GP.num(m.reference)) nohead ls 100\n"
            }
            script += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        }
        guard index > 0 else { return FigurePlan(id: id, caption: "", figures: [], skipped: "no finite values") }
        let panels = names.count, cols = min(3, panels), rows = (panels + cols - 1) / cols
        let measures = Set(names.map { choice(data.kind($0)).label }).sorted().joined(separator: " / ")
        let title = "Nested-loop plot of \(measures) over the design grid (factors in nesting order, first slowest; staircases below show each factor's level)"
        let caption = runCaption(estimators: used)
        let width = max(760, 420 * cols)
        let head = "set multiplot layout \(rows),\(cols) title " + text.lines(GP.wrap(title, width: width / 8) + GP.wrap(caption, width: width / 8)) + "\n"
        let figure = GnuplotFigure(name: "\(baseName)-\(id)", script: head + script + "unset multiplot\n", data: dataText,
                                   width: width, height: 110 + rows * (260 + 40 * factors.count))
        return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: [figure], skipped: nil)
    }
}
