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
            for n in names where panels.count < 6 {
                let k = data.kind(n)
                for m in k == .uTest ? [Self.location(k)] : [Self.location(k), Self.calibration(k)] where finite(n, m) {
                    let share = m.column.contains("coverage") || m.column == "rejection"
                    panels.append(HeatPanel(title: Typeset.estimand(n) + ": " + m.label + (share ? "" : " (shade: |value|)"),
                                            column: m.column, isShare: share, columns: scoring.map { ($0, $0, n) }))
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
                + (c.factors.count > wf.count ? " | " + labels.cellLabel(c) { f in !wf.contains { $0.path == f.path } } : "")
        }
        let cells = data.cells
        var dataText = "", script = ""
        let ytics = cells.enumerated().map { "\(text.quote(rowLabel($1))) \($0)" }.joined(separator: ", ")
        for (i, p) in panels.enumerated() {
            dataText += "# \(Typeset.plain(p.title)), \(p.column): column, cell row, value\n"
            var values: [Double] = []
            for (ci, c) in cells.enumerated() {
                for (j, col) in p.columns.enumerated() {
                    let v = data.rows.first { $0.cell.ordinal == c.ordinal && $0.estimator == col.estimator && $0.estimand == col.estimand }?
                        .measure(p.column) ?? .nan
                    values.append(v)
                    dataText += "\(j) \(ci) \(GP.num(v))\n"
                }
                dataText += "\n"
            }
            dataText += "\n"
            // Bias shaded by |value| from 0; proportions on [0, 1].
            let top = max(values.filter(\.isFinite).map(abs).max() ?? 1, 1e-12)
            let xtics = p.columns.enumerated().map { "\(text.quote($1.label)) \($0)" }.joined(separator: ", ")
            script += "\n# panel \(i + 1): \(Typeset.plain(p.title))\nset title \(text.quote(p.title))\nset xtics (\(xtics)) rotate by 20 right font ',8'\n"
            script += "set cbrange \(p.isShare ? "[0:1]" : "[0:\(GP.num(top))]")\n"
            script += "set xrange [-0.5:\(GP.num(Double(p.columns.count) - 0.5))]\nset yrange [\(GP.num(Double(cells.count) - 0.5)):-0.5]\n"
            script += "plot datafile index \(i) using \(p.isShare ? "1:2:3" : "1:2:(abs($3))") with image notitle, "
                + "'' index \(i) using 1:2:(sprintf('%.3f', $3)) with labels font ',8' notitle\n"
        }
        let cols = min(2, panels.count), rows = (panels.count + cols - 1) / cols
        let labelWidth = cells.map { rowLabel($0).count }.max() ?? 10
        let widest = panels.map(\.columns.count).max() ?? 1
        let width = max(760, cols * (260 + 90 * widest + 6 * labelWidth))
        let title = "True W (rows: " + wf.map { CellInfo.Factor(path: $0.path, value: "").shortName }.joined(separator: ", ")
            + ") × estimator (columns, each with its own W): W-invariant estimands and the choice of W"
        let caption = runCaption(estimators: Set(panels.flatMap { $0.columns.map(\.estimator) }))
        let head = "set multiplot layout \(rows),\(cols) title " + text.lines(GP.wrap(title, width: width / 8) + GP.wrap(caption, width: width / 8)) + "\n"
            + "set ytics (\(ytics)) font ',8'\nset grid noxtics noytics\nunset key\n"
        let figure = GnuplotFigure(name: "\(baseName)-\(id)", script: head + script + "unset multiplot\n", data: dataText,
                                   width: width, height: 120 + rows * (130 + 30 * cells.count))
        return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: [figure], skipped: nil)
    }
}
