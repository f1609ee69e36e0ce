import Foundation
import MonteCarlo
import Numerics

/// The zip plot (Morris, White & Crowther 2019, Stat. Med. 38:2074, Fig. 4) and the
/// U-test's power and size curves.
extension AppendixFigures {
    /// Estimands a zip plot shows: per estimator, up to two comparable scalar
    /// estimands with intervals (ratios have Fieller sets instead; curve points are many).
    func zipColumns() -> [Column] {
        var columns: [Column] = []
        for (e, name) in data.estimators.enumerated() {
            guard let layout = data.draws.first?[e] else { continue }
            var picked = 0
            for (k, n) in layout.estimands.enumerated() where picked < 2 && data.kind(n) == .scalar {
                let row = data.rows.first { $0.estimator == name && $0.estimand == n }
                guard let row, Self.comparable(row), row.measure("coverage").isFinite else { continue }
                columns.append(Column(estimator: e, title: "\(Typeset.estimand(n)) (\(name))", estimands: [k]))
                picked += 1
            }
        }
        // Every estimator: a figure that does not fit one page goes on to pages -1, -2 … (never a silent cut).
        return columns
    }

    /// Zip plot: each replication's 95% interval, centred on its truth (lower − θ_r,
    /// upper − θ_r), ranked by |z_r| = |θ̂_r − θ_r| / s_r from the bottom, so the
    /// intervals that miss (dark, dashed) gather at the top; the horizontal line is the
    /// 95th centile, where the non-covering intervals start if coverage is 95%. The
    /// first cell of the grid only (one zip per estimand and cell would fill pages).
    public func zip() -> FigurePlan {
        let columns = zipColumns()
        let first = data.cells.first.map { [$0] } ?? []
        let title = "Zip plot of the replications' 95% intervals (first design cell): intervals centred on the truth, ranked by |z|; "
            + "covering (light), not covering (dark); dotted: 95th centile"
        let restricted = AppendixFigures(data: data.restricted(to: first), baseName: baseName, text: text)
        let key = ["with lines lc rgb '#a6a6a6' dt 1 lw 1 title 'interval covers'", "with lines lc rgb '#000000' dt 1 lw 1.5 title 'misses'",
                   "with lines ls 101 title '95th centile (nominal)'", "with lines ls 103 title 'observed coverage ± 1.96 MCSE'"]
        return restricted.grid(id: "zip", title: title, columns: columns, key: key,
                               emptyReason: "no comparable scalar estimand with intervals") { _, d, column, note in
            let k = column.estimands[0], e = d.estimands.count
            var rows: [(z: Double, lo: Double, hi: Double, covers: Bool)] = []
            for r in 0..<d.replications where d.status[r] == 0 {
                let i = r * e + k
                let (est, tru, se, lo, hi) = (d.estimate[i], d.truth[i], d.se[i], d.lower[i], d.upper[i])
                guard est.isFinite, tru.isFinite, se.isFinite, se > 0, !lo.isNaN, !hi.isNaN else { continue }
                rows.append((abs(est - tru) / se, lo - tru, hi - tru, lo <= tru && tru <= hi))
            }
            guard rows.count >= 2 else { return nil }
            rows.sort { $0.z < $1.z }
            let n = Double(rows.count)
            let covered = rows.filter(\.covers).count
            // Observed coverage and its Monte Carlo interval (rsimsum's zip plot), in centiles.
            let cov = Double(covered) / n, mc = 1.96 * (cov * (1 - cov) / n).squareRoot()
            note("coverage \(covered)/\(rows.count)")
            var covering = "# covering: centile of |z| (100 (rank − 0.5)/n), lower − truth, upper − truth\n"
            var missing = "# not covering: centile of |z|, lower − truth, upper − truth\n"
            for (j, r) in rows.enumerated() {
                let line = "\(GP.num(100 * (Double(j) + 0.5) / n)) \(GP.num(r.lo)) \(GP.num(r.hi))\n"
                if r.covers { covering += line } else { missing += line }
            }
            // Infinite bounds would be dropped by gnuplot; clip the view to the finite ones.
            let ends = rows.flatMap { [$0.lo, $0.hi] }.filter(\.isFinite)
            let span = max(abs(ends.min() ?? -1), abs(ends.max() ?? 1))
            let placeholder = "\(GP.num(-1)) NaN NaN\n"
            let block = covering + (rows.contains(where: \.covers) ? "" : placeholder) + "\n\n"
                + missing + (rows.allSatisfy(\.covers) ? placeholder : "")
            let setup = "set xrange [\(GP.num(-span)):\(GP.num(span))]\nset yrange [0:100]\nset xtics \(GP.num(GP.tickStep(lo: -span, hi: span, inches: 1.5)))\n"
                + "set xlabel \(self.text.quote("interval − truth"))\nset ylabel \(self.text.quote("centile of |z|"))\n"
                + "set arrow 1 from first 0, graph 0 to first 0, graph 1 nohead ls 100\n"
                + "set arrow 2 from graph 0, first 95 to graph 1, first 95 nohead ls 101\n"
                + "set arrow 3 from graph 0, first \(GP.num(100 * cov)) to graph 1, first \(GP.num(100 * cov)) nohead ls 103 front\n"
                + "set object 1 rect from graph 0, first \(GP.num(max(0, 100 * (cov - mc)))) to graph 1, first \(GP.num(min(100, 100 * (cov + mc)))) "
                + "behind fc rgb support_colour fs solid 1.0 noborder\n"
            let plot = { (i: Int) in
                "plot datafile index \(i) using 2:1:($3-$2):(0) with vectors nohead lc rgb '#a6a6a6' lw 1 notitle, \\\n"
                    + "     '' index \(i + 1) using 2:1:($3-$2):(0) with vectors nohead lc rgb '#000000' dt 1 lw 1.5 notitle\n"
            }
            return (block, setup, plot)
        }
    }
}

extension ResultsData {
    /// The same results with only `cells` (their rows and draws).
    func restricted(to cells: [CellInfo]) -> ResultsData {
        let keep = Set(cells.map(\.ordinal))
        var r = ResultsData(path: path, scenarioName: scenarioName, replications: replications, alpha: alpha, estimators: estimators,
                            cells: cells, rows: rows.filter { keep.contains($0.cell.ordinal) },
                            draws: draws.enumerated().map { keep.contains($0.offset) ? $0.element : [] })
        r.scenarioText = scenarioText
        return r
    }
}
