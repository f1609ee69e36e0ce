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
                switch EstimandKind(name: r.estimand) {
                case .curveGridPoint, .curvePoint: continue
                default: names.append(r.estimand)
                }
            }
            let finite = { (n: String, m: MeasureChoice) in data.rows.contains { $0.estimand == n && $0.measure(m.column).isFinite } }
            for n in names where panels.count < 9 {
                let k = EstimandKind(name: n)
                let rmse = MeasureChoice(column: "rmse", label: "RMSE", reference: 0)
                let measures = k == .uTest ? [Self.location(k)] : k.isRatio ? [Self.location(k), Self.calibration(k)] : [Self.location(k), rmse, Self.calibration(k)]
                for m in measures where finite(n, m) {
                    let share = m.column.contains("coverage") || m.column == "rejection"
                    panels.append(HeatPanel(title: Typeset.estimand(n) + ": " + m.label,
                                            column: m.column, isShare: share, columns: Self.distinctColumns(scoring.map { ($0, $0, n) }, column: m.column, rows: data.rows)))
                }
            }
        }
        var selection: [(String, String, String)] = []
        for r in data.rows where Self.isSelection(r.estimand) && !selection.contains(where: { $0.1 == r.estimator && $0.2 == r.estimand }) {
            selection.append((Typeset.estimand(r.estimand), r.estimator, r.estimand))
        }
        if !selection.isEmpty {
            panels.append(HeatPanel(title: "rate of choosing the true W (mean posterior probability)", column: "mean", isShare: true, columns: selection))
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
        var dataText = "", script = "set multiplot\nset grid noxtics noytics\nunset key\nunset colorbox\n"
        let ytics = cells.enumerated().map { "\(text.quote(rowLabel($1))) \($0)" }.joined(separator: ", ")
        let labelChars = cells.map { rowLabel($0).count }.max() ?? 10
        let widest = panels.map(\.columns.count).max() ?? 1
        let colLabelChars = panels.flatMap { $0.columns.map(\.label.count) }.max() ?? 6
        let firstLeft = Double(labelChars) * PanelLayout.char + 0.15
        // A tile wide enough for its value ("−0.012*") and its column label on two lines at most.
        let tile = max(0.5, Double(min(colLabelChars, 12) + 1) * PanelLayout.char)
        let cols = PanelLayout.columns(wanted: min(3, panels.count), firstLeft: firstLeft, left: 0.15, minPlot: tile * Double(widest))
        var layout = PanelLayout(columns: cols, rows: (panels.count + cols - 1) / cols, header: 0.08, firstLeft: firstLeft, left: 0.15,
                                 titleLines: 1, bottom: 2 * PanelLayout.line + 0.1, plotHeight: max(0.6, 0.2 * Double(cells.count)))
        layout.titleLines = panels.map { GP.wrap(Typeset.plain($0.title), width: layout.titleChars).count }.max() ?? 1
        let colChars = max(6, Int(layout.plotWidth / Double(widest) / PanelLayout.char) - 1)
        layout.bottom = Double(1 + (panels.flatMap { $0.columns.map { GP.wrap($0.label, width: colChars).count } }.max() ?? 1)) * PanelLayout.line + 0.12
        for (i, p) in panels.enumerated() {
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
            // Diverging, centred on the target: 0 for bias, 0.95 for coverage, 0 … max for RMSE
            // and selection rates (one-sided: only the upper half of the palette).
            let finite = values.filter(\.isFinite)
            let target = coverage ? 0.95 : 0
            let reach = max(finite.map { abs($0 - target) }.max() ?? 1, coverage ? 2 * half : 1e-12)
            let oneSided = !coverage && (p.isShare || p.column.contains("rmse") || p.column.contains("absolute"))
            let range = oneSided ? "[\(GP.num(-reach)):\(GP.num(reach))]" : "[\(GP.num(target - reach)):\(GP.num(target + reach))]"
            let xtics = p.columns.enumerated().map { "\(text.lines(GP.wrap($1.label, width: colChars))) \($0)" }.joined(separator: ", ")
            script += "\n# panel \(i + 1): \(Typeset.plain(p.title))\n" + layout.margins(row: i / cols, column: i % cols)
            script += "set title \(text.lines(GP.wrap(p.title, width: layout.titleChars)))\nset xtics (\(xtics)) scale 0\n"
            script += i % cols == 0 ? "set ytics (\(ytics)) scale 0\n" : "set ytics (\(cells.indices.map { "'' \($0)" }.joined(separator: ", "))) scale 0\n"
            script += "set cbrange \(range)\n"
            script += "set xrange [-0.5:\(GP.num(Double(p.columns.count) - 0.5))]\nset yrange [\(GP.num(Double(cells.count) - 0.5)):-0.5]\n"
            script += "plot datafile index \(i) using 1:2:3 with image notitle, "
                + "'' index \(i) using 1:2:4 with labels notitle\n"
        }
        let title = "True W (rows: " + wf.map { CellInfo.Factor(path: $0.path, value: "").shortName }.joined(separator: ", ")
            + ") × estimator (columns, each with its own W): bias, RMSE and coverage of the W-invariant estimands, and the choice of W. "
            + "Colours diverge from the target (white): 0 for bias, 0.95 for coverage (* outside 0.95 ± \(String(format: "%.3f", half)), "
            + "the Monte Carlo band at the fewest n_ok); estimators with identical values are merged into one column (\"a = b\")"
        let caption = caption(estimators: Set(panels.flatMap { $0.columns.map(\.estimator) }))
        let figure = GnuplotFigure(name: "\(baseName)-\(id)", script: script + "unset multiplot\n", data: dataText,
                                   width: layout.width, height: layout.height)
        return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: [figure], skipped: nil)
    }
}
