import Foundation
import MonteCarlo

/// Heatmap of the true W (the design's weights factors) × the estimator (each with
/// its own W), and the U-test's power and size against a numeric design factor.
extension AppendixFigures {
    /// Grid factors that set the true spatial weights (`city_system.weights.*`).
    var weightFactors: [(path: String, levels: [String])] {
        varyingFactors.filter { $0.path.hasPrefix("city_system.weights") }
    }

    /// Heatmap panels, one per (estimand, measure): rows are the cells (labelled by the
    /// true-W factors), columns the estimators; each tile prints its value. Drawn when the
    /// grid varies the true W and more than one estimator scores a W-invariant estimand.
    public func heatmap() -> FigurePlan {
        let id = "w-heatmap"
        let wf = weightFactors
        guard !wf.isEmpty, data.estimators.count > 1 else {
            return FigurePlan(id: id, caption: "", figures: [], skipped: "the grid does not vary the true W (city_system.weights.*) across several estimators")
        }
        // Estimands every estimator scores, comparable everywhere (W-invariant ones).
        let sets = data.estimators.map { e in Set(data.rows.filter { $0.estimator == e && Self.comparable($0) }.map(\.estimand)) }
        let common = sets.dropFirst().reduce(sets.first ?? []) { $0.intersection($1) }
        var names: [String] = []
        for r in data.rows where common.contains(r.estimand) && !names.contains(r.estimand) {
            switch EstimandKind(name: r.estimand) {
            case .curveGridPoint, .curvePoint: continue
            default: names.append(r.estimand)
            }
        }
        var panels: [(name: String, m: MeasureChoice)] = []
        let finite = { (n: String, m: MeasureChoice) in data.rows.contains { $0.estimand == n && $0.measure(m.column).isFinite } }
        for n in names where panels.count < 8 {
            let k = EstimandKind(name: n)
            for m in k == .uTest ? [Self.location(k)] : [Self.location(k), Self.calibration(k)] where finite(n, m) { panels.append((n, m)) }
        }
        guard !panels.isEmpty else {
            return FigurePlan(id: id, caption: "", figures: [], skipped: "no estimand is scored, comparably, by every estimator")
        }
        let rowLabel = { (c: CellInfo) in
            wf.map { f in c.factors.first { $0.path == f.path }?.value ?? "" }.joined(separator: ", ")
                + (c.factors.count > wf.count ? " | " + c.factors.filter { f in !wf.contains { $0.path == f.path } }
                    .map { "\($0.shortName)=\($0.value)" }.joined(separator: ", ") : "")
        }
        let cells = data.cells, ests = data.estimators
        var dataText = "", script = ""
        let ytics = cells.enumerated().map { "\(text.quote(rowLabel($1))) \($0)" }.joined(separator: ", ")
        let xtics = ests.enumerated().map { "\(text.quote($1)) \($0)" }.joined(separator: ", ")
        for (i, p) in panels.enumerated() {
            dataText += "# \(Typeset.plain(Typeset.estimand(p.name))), \(p.m.column): estimator column, cell row, value\n"
            var values: [Double] = []
            for (ci, c) in cells.enumerated() {
                for (ei, e) in ests.enumerated() {
                    let v = data.rows.first { $0.cell.ordinal == c.ordinal && $0.estimator == e && $0.estimand == p.name }?.measure(p.m.column) ?? .nan
                    values.append(v)
                    dataText += "\(ei) \(ci) \(GP.num(v))\n"
                }
                dataText += "\n"
            }
            dataText += "\n"
            // Bias: symmetric around 0 by |value|; proportions on [0, 1].
            let finite = values.filter(\.isFinite)
            let isShare = p.m.column.contains("coverage") || p.m.column == "rejection"
            let cb = isShare ? "[0:1]" : "[0:\(GP.num(max(finite.map(abs).max() ?? 1, 1e-12)))]"
            let using = isShare ? "1:2:3" : "1:2:(abs($3))"
            script += "\n# panel \(i + 1): \(Typeset.plain(Typeset.estimand(p.name))) \(p.m.label)\n"
            script += "set title \(text.quote(Typeset.estimand(p.name) + ": " + p.m.label + (isShare ? "" : " (shade: |value|)")))\n"
            script += "set cbrange \(cb)\nset xrange [-0.5:\(GP.num(Double(ests.count) - 0.5))]\nset yrange [\(GP.num(Double(cells.count) - 0.5)):-0.5]\n"
            script += "plot datafile index \(i) using \(using) with image notitle, '' index \(i) using 1:2:(sprintf('%.3f', $3)) "
                + "with labels font ',8' notitle\n"
        }
        let cols = min(2, panels.count), rows = (panels.count + cols - 1) / cols
        let labelWidth = cells.map { rowLabel($0).count }.max() ?? 10
        let width = max(760, cols * (260 + 90 * ests.count + 6 * labelWidth))
        let title = "True W (rows: " + wf.map { CellInfo.Factor(path: $0.path, value: "").shortName }.joined(separator: ", ")
            + ") × estimator (columns, each with its own W): bias and coverage of the W-invariant estimands"
        let caption = runCaption(estimators: Set(ests))
        let head = "set multiplot layout \(rows),\(cols) title " + text.lines(GP.wrap(title, width: width / 7) + GP.wrap(caption, width: width / 7)) + "\n"
            + "set ytics (\(ytics)) font ',8'\nset xtics (\(xtics)) rotate by 20 right font ',8'\nset grid noxtics noytics\nunset key\n"
        let figure = GnuplotFigure(name: "\(baseName)-\(id)", script: head + script + "unset multiplot\n", data: dataText,
                                   width: width, height: 120 + rows * (120 + 30 * cells.count))
        return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: [figure], skipped: nil)
    }
}
