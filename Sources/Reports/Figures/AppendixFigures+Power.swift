import Foundation
import MonteCarlo

/// Power and size of the U-test against a numeric design factor.
extension AppendixFigures {
    /// For each U-test estimand (and each level of the other naming factors), two facets:
    /// power — the rejection rate in the cells whose true curve is a U (share of true U
    /// ≥ 50%) — on [0, 1], and size — the rate where it is not — on its own scale with α
    /// dashed; the rate against the first numeric factor with several levels, its levels
    /// equally spaced (a categorical axis: N = 50, 100, 400 are not crowded at one end),
    /// one line per estimator with its Wilson interval (± 1.96 MCSE in version 1 files).
    /// The mean noncentrality stays in the data file (no second axis).
    public func power() -> FigurePlan {
        let id = "utest-power"
        let tests = gridEstimands({ _ in MeasureChoice(column: "rejection", label: "", reference: .nan) }, limit: 100)
            .filter { data.kind($0) == .uTest }
        let naming = factorLabels.naming
        // Labelled cells (`cells:`) are named designs, not a grid to trace a rate along.
        // (A title made of grid level labels alone is still a grid.)
        guard !data.cells.allSatisfy({ $0.title != nil && $0.title != $0.factors.compactMap(\.label).joined(separator: ", ") }) else {
            return FigurePlan(id: id, caption: "", figures: [], skipped: "the cells are labelled designs (cells:), not a grid over a numeric factor; the utest figure shows each cell's rejection rate")
        }
        guard let factor = varyingFactors.first(where: { f in naming.contains(f.path) && f.levels.allSatisfy { Double($0) != nil } }), !tests.isEmpty else {
            return FigurePlan(id: id, caption: "", figures: [], skipped: "needs U-test estimands and a numeric grid factor with several levels")
        }
        let levels = factor.levels.sorted { Double($0)! < Double($1)! }
        let short = CellInfo.Factor(path: factor.path, value: "").shortName
        let labels = factorLabels
        // The other factors that, with this one, tell the cells apart (those it determines left out).
        let others = FactorLabels.namingFactors(cells: data.cells, order: [factor.path] + varyingFactors.map(\.path).filter { $0 != factor.path }, rankLabels: false)
        let levelCount = { (p: String) in Set(data.cells.compactMap { c in c.factors.first { $0.path == p }?.value }).count }
        let testers = data.estimators.filter { e in data.rows.contains { $0.estimator == e && tests.contains($0.estimand) } }
        // Facet by the leading other factors, and draw the rest as lines (one style per
        // estimator × level), as few facets as keep the lines within the style file's series styles.
        var split = 0
        while split < others.count,
              testers.count * others.dropFirst(split).filter({ $0 != factor.path }).map(levelCount).reduce(1, *) > FigureStyle.seriesStyles { split += 1 }
        let facetFactors = Array(others.prefix(split)).filter { $0 != factor.path }
        let lineFactors = Array(others.dropFirst(split)).filter { $0 != factor.path }
        let describe = { (c: CellInfo, paths: [String]) in
            c.factors.filter { paths.contains($0.path) }.map { labels.named($0) }.joined(separator: ", ")
        }
        let group = { (c: CellInfo) in describe(c, facetFactors) }
        // Styles: one per (estimator, level of the line factors), in order of appearance.
        var styles: [String] = []
        for r in data.rows where tests.contains(r.estimand) && testers.contains(r.estimator) {
            let l = describe(r.cell, lineFactors), t = l.isEmpty ? r.estimator : "\(r.estimator), \(l)"
            if !styles.contains(t) { styles.append(t) }
        }
        // Facets: (estimand, group, power or size), each with its lines.
        struct Facet { var title: String; var isSize: Bool; var series: [(title: String, style: Int, rows: [SummaryRow], few: [SummaryRow])] }
        var facets: [Facet] = [], used = Set<String>()
        // A rate from a handful of fits is no estimate (the forest figures' "k fits" rule): such
        // a cell is left out, its line broken there, and the caption names it.
        let fewest = Self.minimumFits(replications: data.replications)
        let tooFew = { (r: SummaryRow) in r.measure("n_ok").isFinite && Int(r.measure("n_ok")) < fewest }
        var leftOut: [String] = []
        for name in tests {
            var groups: [String] = []
            for r in data.rows where r.estimand == name && !groups.contains(group(r.cell)) { groups.append(group(r.cell)) }
            for g in groups {
                for isSize in [false, true] {
                    var series: [(String, Int, [SummaryRow], [SummaryRow])] = []
                    for (k, title) in styles.enumerated() {
                        let rows = data.rows.filter {
                            let l = describe($0.cell, lineFactors)
                            return (l.isEmpty ? $0.estimator : "\($0.estimator), \(l)") == title && $0.estimand == name && group($0.cell) == g
                                && $0.measure("rejection").isFinite && (($0.measure("true").isFinite ? $0.measure("true") : 1) < 0.5) == isSize
                        }
                        let few = rows.filter(tooFew)
                        leftOut += few.map { r in
                            let level = r.cell.factors.first { $0.path == factor.path }.map(labels.label) ?? ""
                            let n = Int(r.measure("n_ok"))
                            return "\(Typeset.plain(Typeset.estimand(name)))\(g.isEmpty ? "" : ", " + g), \(title), \(short) = \(level): \(n) fit\(n == 1 ? "" : "s")"
                        }
                        let kept = rows.filter { !tooFew($0) }
                        guard !kept.isEmpty else { continue }
                        used.insert(kept[0].estimator)
                        series.append((title, k + 1, kept, few))
                    }
                    guard !series.isEmpty else { continue }
                    let what = isSize ? "size (true curve not a U)" : "power (true curve a U)"
                    facets.append(Facet(title: Typeset.estimand(name) + (g.isEmpty ? "" : ", \(g)") + ": " + what, isSize: isSize, series: series))
                }
            }
        }
        guard !facets.isEmpty else { return FigurePlan(id: id, caption: "", figures: [], skipped: "no U-test rejection rates") }
        let x = { (r: SummaryRow) in Double(levels.firstIndex(of: r.cell.factors.first { $0.path == factor.path }!.value) ?? 0) }
        var dataText = "", script = "set multiplot\nunset key\n", index = 0
        let keys = styles.enumerated().map { (offset: $0.offset, element: $0.element) }
        let key = PanelLayout.keyRows(entries: keys.count, chars: keys.map(\.element.count).max() ?? 8)
        var layout = PanelLayout(columns: min(2, facets.count), rows: 1, header: PanelLayout.keyHeader(rows: key.rows),
                                 firstLeft: 0.62, left: 0.62, plotHeight: 1.45)
        layout.titleLines = facets.map { GP.wrap(Typeset.plain($0.title), width: layout.titleChars).count }.max() ?? 1
        layout.rows = (facets.count + layout.columns - 1) / layout.columns
        let maxRows = max(1, Int((FigureStyle.maxHeight - layout.header) / layout.cellHeight))
        let perPage = layout.columns * maxRows
        var figures: [GnuplotFigure] = []
        let pages = stride(from: 0, to: facets.count, by: perPage).map { Array(facets[$0..<min($0 + perPage, facets.count)]) }
        let xtics = levels.enumerated().map { "\(text.quote($1)) \($0)" }.joined(separator: ", ")
        for (k, page) in pages.enumerated() {
            var l = layout
            l.rows = (page.count + l.columns - 1) / l.columns
            dataText = ""; script = "set multiplot\nunset key\n"; index = 0
            for (n, f) in page.enumerated() {
                var plots: [String] = [], top = data.alpha
                for s in f.series {
                    dataText += "# \(Typeset.plain(f.title)) — \(s.title): level position, \(factor.path), rejection, lower, upper (Wilson or ±1.96 MCSE), mean noncentrality, share of true U\n"
                    let gaps = Set(s.few.map(x))
                    var previous: Double?
                    for r in s.rows.sorted(by: { x($0) < x($1) }) {
                        // A blank line breaks the line where a cell was left out.
                        if let previous, gaps.contains(where: { previous < $0 && $0 < x(r) }) { dataText += "\n" }
                        previous = x(r)
                        let p = r.measure("rejection"), m = r.measure("mcse_rejection")
                        var lo = r.measure("rejection_lower"), hi = r.measure("rejection_upper")
                        if !lo.isFinite || !hi.isFinite { lo = max(0, p - 1.96 * m); hi = min(1, p + 1.96 * m) }
                        top = max(top, hi)
                        let level = r.cell.factors.first { $0.path == factor.path }!.value
                        dataText += "\(GP.num(x(r))) \(level) " + [p, lo, hi, r.measure("noncentrality"), r.measure("true")].map(GP.num).joined(separator: " ") + "\n"
                    }
                    dataText += "\n\n"
                    // Lines side by side at each level, so their intervals do not hide each other.
                    let offset = (Double(f.series.firstIndex { $0.title == s.title } ?? 0) - Double(f.series.count - 1) / 2) * min(0.08, 0.5 / Double(f.series.count))
                    plots.append("datafile index \(index) using ($1\(offset >= 0 ? "+" : "")\(GP.num(offset))):3:4:5 with yerrorlines lt \(s.style) notitle")
                    index += 1
                }
                let yTop = f.isSize ? min(1, max(0.1, (top * 1.15 * 20).rounded(.up) / 20)) : 1
                script += "\n# panel: \(Typeset.plain(f.title))\n" + l.margins(row: n / l.columns, column: n % l.columns)
                script += "set title \(text.lines(GP.wrap(f.title, width: l.titleChars)))\n"
                script += "set xlabel \(text.quote(short))\nset ylabel \(text.quote(f.isSize ? "rejection rate (size)" : "rejection rate (power)"))\n"
                script += "set xrange [-0.4:\(GP.num(Double(levels.count) - 0.6))]\nset xtics (\(xtics))\n"
                // Padded, so a rate of exactly 0 or 1 is not drawn on the frame.
                script += "set yrange [\(GP.num(-0.04 * yTop)):\(GP.num(1.04 * yTop))]\nset ytics \(GP.num(GP.tickStep(yTop, ticks: 4)))\nunset arrow\n"
                script += "set arrow 1 from graph 0, first \(GP.num(data.alpha)) to graph 1, first \(GP.num(data.alpha)) nohead ls 100\n"
                script += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
            }
            script += l.key(keys.map { "with linespoints lt \($0.offset + 1) title \(text.quote($0.element))" }, perRow: key.perRow)
            figures.append(GnuplotFigure(name: "\(baseName)-\(id)" + (pages.count > 1 ? "-\(k + 1)" : ""), script: script + "unset multiplot\n",
                                         data: dataText, width: l.width, height: l.height))
        }
        let title = "U-test rejection rate against \(short) with 95% intervals: power where the true curve is a U (left, on [0, 1]), "
            + "size where it is not (right, own scale; dashed: α = \(GP.num(data.alpha))); the \(short) levels equally spaced. "
            + "A cell counts as power when at least half its replications have a true U"
        let few = leftOut.isEmpty ? "" : "; left out, too few usable fits for a rate (fewer than \(fewest) of \(data.replications); the line is broken there): "
            + leftOut.joined(separator: "; ")
        let caption = caption(estimators: used) + "; the mean noncentrality is in the data file" + few
        return FigurePlan(id: id, caption: title + ". " + caption + ".", figures: figures, skipped: nil)
    }
}
