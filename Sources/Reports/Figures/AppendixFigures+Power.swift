import Foundation
import MonteCarlo

/// Power and size of the U-test against a numeric design factor.
extension AppendixFigures {
    /// One panel per U-test estimand: the rejection rate (± 1.96 MCSE, or the Wilson
    /// interval where the file stores it) against the first numeric factor with several
    /// levels, one line per estimator (and per level of the other factors); where the
    /// file stores the mean noncentrality (format version 2) it is drawn on the right
    /// axis (dotted), so power reads against how detectable the U is. The panel title
    /// gives the share of replications whose true curve is a U: power where it is 100%,
    /// size (false-positive rate) where it is 0%.
    public func power() -> FigurePlan {
        let id = "utest-power"
        let tests = gridEstimands({ _ in MeasureChoice(column: "rejection", label: "", reference: .nan) }).filter { data.kind($0) == .uTest }
        guard let factor = varyingFactors.first(where: { $0.levels.allSatisfy { Double($0) != nil } }), !tests.isEmpty else {
            return FigurePlan(id: id, caption: "", figures: [], skipped: "needs U-test estimands and a numeric grid factor with several levels")
        }
        let short = CellInfo.Factor(path: factor.path, value: "").shortName
        let labels = factorLabels
        let others = { (c: CellInfo) in labels.cellLabel(c) { $0.path != factor.path } }
        var dataText = "", script = "", index = 0, used = Set<String>()
        for name in tests {
            var plots: [String] = [], style = 0, hasNC = false
            for est in data.estimators {
                let rows = data.rows.filter { $0.estimator == est && $0.estimand == name }
                guard !rows.isEmpty else { continue }
                used.insert(est)
                var groups: [String: [SummaryRow]] = [:], order: [String] = []
                for r in rows {
                    let g = others(r.cell)
                    if groups[g] == nil { order.append(g) }
                    groups[g, default: []].append(r)
                }
                for g in order.prefix(8) {
                    style += 1
                    let label = g.isEmpty ? est : "\(est), \(g)"
                    dataText += "# \(Typeset.plain(Typeset.estimand(name))) — \(label): \(factor.path), rejection, lower, upper (Wilson or ±1.96 MCSE), mean noncentrality, share of true U\n"
                    for r in groups[g]!.sorted(by: { Double($0.cell.factors.first { $0.path == factor.path }!.value)! < Double($1.cell.factors.first { $0.path == factor.path }!.value)! }) {
                        let x = Double(r.cell.factors.first { $0.path == factor.path }!.value)!
                        let p = r.measure("rejection"), m = r.measure("mcse_rejection")
                        var lo = r.measure("rejection_lower"), hi = r.measure("rejection_upper")
                        if !lo.isFinite || !hi.isFinite { lo = max(0, p - 1.96 * m); hi = min(1, p + 1.96 * m) }
                        let nc = r.measure("noncentrality")
                        hasNC = hasNC || nc.isFinite
                        dataText += [x, p, lo, hi, nc, r.measure("true")].map(GP.num).joined(separator: " ") + "\n"
                    }
                    dataText += "\n\n"
                    plots.append("datafile index \(index) using 1:2:3:4 with yerrorlines lt \(style) title \(text.quote(label))")
                    if hasNC { plots.append("'' index \(index) using 1:5 axes x1y2 with lines lt \(style) dt 3 lw 1 notitle") }
                    index += 1
                }
            }
            let shares = data.rows.filter { $0.estimand == name }.map { $0.measure("true") }.filter(\.isFinite)
            let pct = { (x: Double) in String(format: "%.0f%%", 100 * x) }
            let note = shares.isEmpty ? "" : " (true U: " + (pct(shares.min()!) == pct(shares.max()!) ? pct(shares.min()!) : "\(pct(shares.min()!))–\(pct(shares.max()!))") + ")"
            script += "\n# panel: \(name)\nset title \(text.quote(Typeset.estimand(name) + note))\n"
            script += "set xlabel \(text.quote(short))\nset ylabel 'rejection rate'\nset yrange [0:1]\nset autoscale x\nset offsets graph 0.05, graph 0.05, 0, 0\n"
            script += "set arrow 1 from graph 0, first \(GP.num(data.alpha)) to graph 1, first \(GP.num(data.alpha)) nohead ls 100\n"
            script += hasNC ? "set y2tics\nset y2label 'mean noncentrality (dotted)'\nset ytics nomirror\n" : "unset y2tics\nunset y2label\n"
            script += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        }
        guard index > 0 else { return FigurePlan(id: id, caption: "", figures: [], skipped: "no U-test rejection rates") }
        let cols = min(3, tests.count), rows = (tests.count + cols - 1) / cols
        let title = "U-test rejection rate against \(short) ± 95% interval (dashed: α = \(GP.num(data.alpha))): power where the true curve is a U, size where not"
        let caption = runCaption(estimators: used)
        let width = max(760, 440 * cols)
        let head = "set multiplot layout \(rows),\(cols) title " + text.lines(GP.wrap(title, width: width / 8) + GP.wrap(caption, width: width / 8)) + "\n"
        let figure = GnuplotFigure(name: "\(baseName)-\(id)", script: head + script + "unset multiplot\n", data: dataText,
                                   width: width, height: 140 + rows * 330)
        return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: [figure], skipped: nil)
    }
}
