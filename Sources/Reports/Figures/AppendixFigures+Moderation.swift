import Foundation
import MonteCarlo
import Numerics

/// The effect curves of CA as a function of the moderator D (MODEL.md §3: digital
/// technology shifts the turning point by dc*/dD).
extension AppendixFigures {
    /// One panel per cell × (estimator, effect) holding that effect's curves at every
    /// level of D the run scores (`curve.K.p25.j`, `.p50.j`, `.p75.j`; the long-run `curve_lr` in
    /// panels of their own): the truth solid and
    /// the mean estimate dashed, one style per level of D, so a reader sees the curve move
    /// with D and whether the estimator follows. Drawn when an effect has curves at two or
    /// more levels of D.
    public func curvesByD() -> FigurePlan {
        var columns: [Column] = []
        for (e, name) in data.estimators.enumerated() {
            guard let layout = data.draws.first?[e] else { continue }
            let grouped = Column.grouped(layout) { n in
                guard case .curveGridPoint(let effect, let qualifier, let j) = data.kind(n) else { return nil }
                // Short- and long-run curves (`curve_lr`, issue 25) are panels of their own.
                let longRun = qualifier.hasSuffix(EstimandKind.longRunQualifier)
                let level = longRun ? String(qualifier.dropLast(EstimandKind.longRunQualifier.count)) : qualifier
                return (effect.rawValue + (longRun ? EstimandKind.longRunQualifier : ""), EstimandKind.gridPercentile(j), level,
                        Column(estimator: e, title: "\(longRun ? "long-run " : "")\(Typeset.short(effect))(CA) by D (\(name))",
                               estimands: [], xlabel: "CA percentile"))
            }
            columns += grouped.filter { c in
                let levels = Set(c.series)
                return levels.count >= 2 && levels.allSatisfy { l in c.series.filter { $0 == l }.count >= 2 }
            }
        }
        let title = "Effect curves of CA at the quartiles of D: truth (solid) and mean estimate (dashed), one style per level of D"
        var allLevels: [String] = []
        for c in columns { for l in c.series where !allLevels.contains(l) { allLevels.append(l) } }
        let key = allLevels.enumerated().flatMap { j, level in
            ["with lines lt \(j + 1) dt 1 lw 2 title \(text.quote("truth, D " + level))",
             "with linespoints lt \(j + 1) dt 2 lw 1.5 title \(text.quote("estimate, D " + level))"]
        }
        return grid(id: "curves-by-d", title: title, columns: columns, key: key,
                    emptyReason: "no effect scored as a curve at two or more levels of D (curve.K.p25.j, curve.K.p75.j …)") { _, d, column, _ in
            var levels: [String] = []
            for l in column.series where !levels.contains(l) { levels.append(l) }
            var blocks: [String] = []
            for level in levels {
                var rows: [(x: Double, line: String)] = []
                for i in column.estimands.indices where column.series[i] == level {
                    let k = column.estimands[i]
                    guard let (truth, est) = d.curvePoint(k) else { continue }
                    rows.append((column.xs[i], [column.xs[i], truth, Statistics.mean(est)].map(GP.num).joined(separator: " ")))
                }
                blocks.append("# D = \(level): CA percentile, true effect (mean over replications), mean estimate\n"
                              + (rows.isEmpty ? "NaN NaN NaN" : rows.sorted { $0.x < $1.x }.map(\.line).joined(separator: "\n")) + "\n")
            }
            let plot = { (first: Int) in
                "plot " + levels.map { level in
                    let j = allLevels.firstIndex(of: level) ?? 0, i = first + (levels.firstIndex(of: level) ?? 0)
                    return "datafile index \(i) using 1:2 with lines lt \(j + 1) dt 1 lw 2 notitle, "
                        + "'' index \(i) using 1:3 with linespoints lt \(j + 1) dt 2 lw 1.5 notitle"
                }.joined(separator: ", \\\n     ") + "\n"
            }
            let setup = "set xlabel \(self.text.quote(column.xlabel))\nset ylabel \(self.text.quote("∂y/∂CA"))\nset xrange [0:100]\nset xtics 25\n"
            return (blocks.joined(separator: "\n\n"), setup, plot)
        }
    }
}
