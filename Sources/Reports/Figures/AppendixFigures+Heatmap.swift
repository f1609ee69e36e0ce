import Foundation
import MonteCarlo

/// Heatmap of the true W (the design's weights factors) × the estimator (each with
/// its own W), and × the W-selection rules.
extension AppendixFigures {
    /// Grid factors that set the true spatial weights (`city_system.weights.*`).
    var weightFactors: [(path: String, levels: [String])] {
        varyingFactors.filter { $0.path.hasPrefix("city_system.weights") }
    }

    /// One heatmap panel: a value per (cell row, column); a column is an (estimator, estimand).
    struct HeatPanel {
        let title: String
        let column: String
        let isShare: Bool
        let columns: [(label: String, estimator: String, estimand: String)]
        /// The value the colours diverge from (white): 0 for bias and RMSE, 0.95 for
        /// coverage, 1 for a rule's rate of choosing the true W.
        var target: Double = 0
    }

    /// The (cell ordinal, estimator) tiles where an estimator's own W is the cell's true W: its
    /// summary rows there equal (mean and empirical SE of the estimates of every shared estimand) those of the
    /// estimator that uses the true W — the one with such a twin in the most cells.
    func trueWTiles(cells: [CellInfo], estimators: [String]) -> Set<String> {
        func same(_ a: String, _ b: String, _ cell: Int) -> Bool {
            let ra = data.rows.filter { $0.cell.ordinal == cell && $0.estimator == a }
            let rb = data.rows.filter { $0.cell.ordinal == cell && $0.estimator == b }
            let shared = ra.compactMap { r in rb.first { $0.estimand == r.estimand }.map { (r, $0) } }
            let equal = { (x: Double, y: Double) in x == y || (x.isNaN && y.isNaN) }
            return !shared.isEmpty && shared.allSatisfy { equal($0.0.measure("mean"), $0.1.measure("mean")) && equal($0.0.measure("emp_se"), $0.1.measure("emp_se")) }
        }
        let twins = estimators.map { e in cells.filter { c in estimators.contains { $0 != e && same(e, $0, c.ordinal) } }.count }
        guard let best = twins.indices.max(by: { twins[$0] < twins[$1] }), twins[best] > 1 else { return [] }
        let truth = estimators[best]
        var out = Set<String>()
        for c in cells { for e in estimators where e != truth && same(e, truth, c.ordinal) { out.insert("\(c.ordinal) \(e)") } }
        return out
    }

    /// Columns with identical values in every cell merged into one, labelled "a = b".
    static func distinctColumns(_ columns: [(label: String, estimator: String, estimand: String)], column: String,
                                rows: [SummaryRow]) -> [(label: String, estimator: String, estimand: String)] {
        var out: [(label: String, estimator: String, estimand: String)] = [], keys: [[String]] = []
        for c in columns {
            let key = rows.filter { $0.estimator == c.estimator && $0.estimand == c.estimand }
                .sorted { $0.cell.ordinal < $1.cell.ordinal }.map { "\($0.cell.ordinal):\($0.measure(column))" }
            if let i = keys.firstIndex(of: key) { out[i].label += " = " + c.label } else { out.append(c); keys.append(key) }
        }
        return out
    }

    /// Estimands of a W-selection estimator (`select.*`, `posterior.true`): their mean is
    /// the rate at which the rule picks the true W (the mean posterior probability).
    static func isSelection(_ name: String) -> Bool { name.hasPrefix("select.") || name == "posterior.true" }

    /// Heatmap panels: rows are the cells (labelled by the true-W factors); in the first
    /// panels the columns are the estimators, each tile the bias or coverage of an
    /// estimand every estimator scores comparably (the W-invariant ones); a last panel
    /// gives each W-selection rule's rate of choosing the true W. Each tile prints its value.
    public func heatmap() -> FigurePlan {
        let id = "w-heatmap"
        let wf = weightFactors
        guard !wf.isEmpty else {
            return FigurePlan(id: id, caption: "", figures: [], skipped: "the grid does not vary the true W (city_system.weights.*)")
        }
        var panels: [HeatPanel] = []
        let scoring = data.estimators.filter { e in data.rows.contains { $0.estimator == e && !Self.isSelection($0.estimand) } }
        if scoring.count > 1 {
            // Estimands every estimator scores, comparable everywhere (W-invariant ones).
            let sets = scoring.map { e in Set(data.rows.filter { $0.estimator == e && Self.comparable($0) }.map(\.estimand)) }
            let common = sets.dropFirst().reduce(sets.first ?? []) { $0.intersection($1) }
            var names: [String] = []
            for r in data.rows where common.contains(r.estimand) && !names.contains(r.estimand) {
                switch r.kind {
                case .curveGridPoint, .curvePoint: continue
                default: names.append(r.estimand)
                }
            }
            let finite = { (n: String, m: MeasureChoice) in data.rows.contains { $0.estimand == n && $0.measure(m.column).isFinite } }
            for n in names where panels.count < 9 {
                let k = data.kind(n)
                let rmse = MeasureChoice(column: "rmse", label: "RMSE", reference: 0)
                let measures = k == .uTest ? [Self.location(k)] : k.isRatio ? [Self.location(k), Self.calibration(k)] : [Self.location(k), rmse, Self.calibration(k)]
                for m in measures where finite(n, m) {
                    let share = m.column.contains("coverage") || m.column == "rejection"
                    panels.append(HeatPanel(title: Typeset.estimand(n) + ": " + m.label,
                                            column: m.column, isShare: share, columns: share ? scoring.map { ($0, $0, n) } : Self.distinctColumns(scoring.map { ($0, $0, n) }, column: m.column, rows: data.rows),
                                            target: m.column.contains("coverage") ? 0.95 : 0))
                }
            }
        }
        var selection: [(String, String, String)] = []
        for r in data.rows where Self.isSelection(r.estimand) && !selection.contains(where: { $0.1 == r.estimator && $0.2 == r.estimand }) {
            selection.append((Typeset.estimand(r.estimand), r.estimator, r.estimand))
        }
        // Several selection estimators score the same rules: each column names its estimator.
        if Set(selection.map(\.1)).count > 1 { selection = selection.map { ("\($0.1): " + $0.0, $0.1, $0.2) } }
        if !selection.isEmpty {
            panels.append(HeatPanel(title: "rate of choosing the true W (mean posterior probability)", column: "mean", isShare: true, columns: selection,
                                    target: 1))
        }
        guard !panels.isEmpty else {
            return FigurePlan(id: id, caption: "", figures: [], skipped: "no estimand is scored, comparably, by several estimators, and no W selection")
        }
        let labels = factorLabels
        let rowLabel = { (c: CellInfo) in
            wf.map { f in c.factors.first { $0.path == f.path }.map(labels.label) ?? "" }.joined(separator: ", ")
                + (c.factors.count > wf.count ? " | " + labels.cellLabel(c) { f in !wf.contains { $0.path == f.path } && labels.naming.contains(f.path) } : "")
        }
        let cells = data.cells
        let half = coverageBandHalfWidth("coverage")
        let diagonal = trueWTiles(cells: cells, estimators: scoring)
        let ytics = cells.enumerated().map { "\(text.quote(rowLabel($1))) \($0)" }.joined(separator: ", ")
        let labelChars = cells.map { rowLabel($0).count }.max() ?? 10
        let firstLeft = Double(labelChars) * PanelLayout.char + 0.15
        // One panel per row at the text width, stacked; a page holds what fits in 9 in. The
        // column labels go under the last panel of a run of panels with the same columns;
        // labels too long for their tile are turned upright.
        let plotWidth = FigureStyle.textWidth - firstLeft - 0.12
        let plotHeight = max(0.6, 0.19 * Double(cells.count) + 0.1)
        let line = PanelLayout.line
        struct Placed { var panel: Int; var top: Double; var labels: Bool; var titleLines: [String]; var upright: Bool; var height: Double; var labelSpace: Double }
        var pages: [[Placed]] = [[]], used = 0.05
        for (i, p) in panels.enumerated() {
            let labels = i == panels.count - 1 || panels[i + 1].columns.map(\.label) != p.columns.map(\.label)
            let tileChars = Int(plotWidth / Double(p.columns.count) / PanelLayout.char) - 1
            let upright = p.columns.contains { GP.wrap($0.label, width: tileChars).count > 2 || GP.wrap($0.label, width: tileChars).contains { $0.count > tileChars } }
            let labelSpace = upright ? Double(p.columns.map { Typeset.plain($0.label).count }.max() ?? 8) * PanelLayout.char + line + 0.2 : 3 * line + 0.12
            let titleLines = GP.wrap(p.title, width: Int((plotWidth + 0.3) / PanelLayout.char))
            let body = Double(titleLines.count) * line * 1.15 + 0.2 + plotHeight
            if used + body + labelSpace > FigureStyle.maxHeight, !pages[pages.count - 1].isEmpty {
                // The page is full: its last panel gets the column labels.
                var last = pages[pages.count - 1].removeLast()
                if !last.labels { last.labels = true; last.height += last.labelSpace - 0.12 }
                pages[pages.count - 1].append(last)
                pages.append([]); used = 0.05
            }
            // A panel followed by one with the same columns leaves the labels to it, unless it
            // ends its page (decided above, when the next one does not fit; the check keeps
            // room for the labels, so adding them stays within the page).
            let h = body + (labels ? labelSpace : 0.12)
            pages[pages.count - 1].append(Placed(panel: i, top: used, labels: labels, titleLines: titleLines, upright: upright, height: h, labelSpace: labelSpace))
            used += h
        }
        var figures: [GnuplotFigure] = []
        for (k, page) in pages.enumerated() {
            let height = (page.last.map { $0.top + $0.height } ?? 1) + 0.05
            var dataText = "", script = "set multiplot\nset grid noxtics noytics\nunset key\nunset colorbox\nset style textbox opaque noborder\n"
            for (n, placed) in page.enumerated() {
                let p = panels[placed.panel]
                dataText += "# \(Typeset.plain(p.title)), \(p.column): column, cell row, value, printed value (* outside the Monte Carlo band of the target)\n"
                var values: [Double] = []
                let coverage = p.column.contains("coverage")
                for (ci, c) in cells.enumerated() {
                    for (j, col) in p.columns.enumerated() {
                        let v = data.rows.first { $0.cell.ordinal == c.ordinal && $0.estimator == col.estimator && $0.estimand == col.estimand }?
                            .measure(p.column) ?? .nan
                        values.append(v)
                        let flag = coverage && v.isFinite && abs(v - 0.95) > half ? "*" : ""
                        dataText += "\(j) \(ci) \(GP.num(v)) \(v.isFinite ? String(format: "%.3f", v) + flag : "NA")\n"
                    }
                    dataText += "\n"
                }
                dataText += "\n"
                // Diverging, centred on the target: 0 for bias, 0.95 for coverage, 1 for a selection
                // rate (below it: blue, like too low a coverage); RMSE (0 … max) uses the upper half only.
                let finite = values.filter(\.isFinite)
                let target = p.target
                let reach = max(finite.map { abs($0 - target) }.max() ?? 1, coverage ? 2 * half : 1e-12)
                let range = "[\(GP.num(target - reach)):\(GP.num(target + reach))]"
                let tileChars = Int(plotWidth / Double(p.columns.count) / PanelLayout.char) - 1
                let xtics = !placed.labels ? p.columns.indices.map { "'' \($0)" }.joined(separator: ", ")
                    : p.columns.enumerated().map { "\(placed.upright ? text.quote($1.label) : text.lines(GP.wrap($1.label, width: tileChars))) \($0)" }.joined(separator: ", ")
                let top = placed.top + Double(placed.titleLines.count) * line * 1.15 + 0.2
                let f = { (x: Double) in String(format: "%.5f", x) }
                script += "\n# panel \(placed.panel + 1): \(Typeset.plain(p.title))\n"
                script += "set lmargin at screen \(f(firstLeft / FigureStyle.textWidth)); set rmargin at screen \(f((firstLeft + plotWidth) / FigureStyle.textWidth))\n"
                script += "set tmargin at screen \(f(1 - top / height)); set bmargin at screen \(f(1 - (top + plotHeight) / height))\n"
                script += "set title \(text.lines(placed.titleLines))\nset xtics (\(xtics)) scale 0 \(placed.upright ? "rotate by 90 right" : "norotate")\n"
                script += "set ytics (\(ytics)) scale 0\nset cbrange \(range)\n"
                script += "set xrange [-0.5:\(GP.num(Double(p.columns.count) - 0.5))]\nset yrange [\(GP.num(Double(cells.count) - 0.5)):-0.5]\n"
                script += "unset object\n"
                for (j, col) in p.columns.enumerated() {
                    for (ci, c) in cells.enumerated() where col.label.components(separatedBy: " = ").contains(where: { diagonal.contains("\(c.ordinal) \($0)") }) {
                        script += "set object rect from first \(GP.num(Double(j) - 0.47)), first \(GP.num(Double(ci) - 0.45)) to first \(GP.num(Double(j) + 0.47)), first \(GP.num(Double(ci) + 0.45)) front fs empty border lc rgb '#000000' lw 1.5\n"
                    }
                }
                script += "plot datafile index \(n) using 1:2:3 with image notitle, "
                    + "'' index \(n) using 1:2:4 with labels notitle\n"
            }
            figures.append(GnuplotFigure(name: "\(baseName)-\(id)" + (pages.count > 1 ? "-\(k + 1)" : ""), script: script + "unset multiplot\n",
                                         data: dataText, width: FigureStyle.textWidth, height: height))
        }
        let title = "True W (rows: " + wf.map { CellInfo.Factor(path: $0.path, value: "").shortName }.joined(separator: ", ")
            + ") × estimator (columns, each with its own W): bias, RMSE and coverage of the W-invariant estimands, and the choice of W. "
            + "Colours diverge from the target (white): 0 for bias and RMSE, 0.95 for coverage (* outside 0.95 ± \(String(format: "%.3f", half)), "
            + "the Monte Carlo band at the fewest n_ok)\(selection.isEmpty ? "" : ", 1 for the rate of choosing the true W (blue: below it)"); estimators with identical values are merged into one column (\"a = b\")"
            + (diagonal.isEmpty ? "" : "; outlined: the estimator whose W is the row's true W (its estimates equal those of the estimator using the true W)")
        let caption = caption(estimators: Set(panels.flatMap { $0.columns.map(\.estimator) }))
        return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: figures, skipped: nil)
    }
}
