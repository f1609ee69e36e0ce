import Foundation
import MonteCarlo

/// The main job's verdict on one screen: per estimator and key estimand, the bias with its
/// Monte Carlo SE and the coverage of the 95% intervals in each cell side by side (the
/// paper-like world next to the correctly specified reference). Turning points show the
/// median bias and the Fieller sets' coverage, U-tests the rejection rate. The full table
/// (every estimand and measure) is `spillsim summarize`'s.
public enum VerdictTable {
    /// The estimands shown, in this order, when an estimator scores them comparably: the
    /// average effects of CA, the total effect's turning point and U-test, the DID effects.
    public static let keyEstimands = ["ame.direct.CA", "ame.indirect.CA", "ame.total.CA", "tp.total.p50", "utest.total.p50",
                                      "att", "att_net"]

    public static func render(_ rows: [SummaryRow], replications: Int, decimals: Int = 3) -> String {
        var cells: [CellInfo] = []
        for r in rows where !cells.contains(where: { $0.ordinal == r.cell.ordinal }) { cells.append(r.cell) }
        // The figures' cell names (`FactorLabels`): a label by its part before ": ", a bare grid
        // factor beside it; a grid's levels by their distinguishing values ("knn/5").
        let labels = FactorLabels(cells: cells)
        let name = { (c: CellInfo) in labels.cellName(c) }
        var estimators: [String] = []
        for r in rows where !estimators.contains(r.estimator) { estimators.append(r.estimator) }
        let comparable = { (r: SummaryRow) in r.measure("comparable") != 0 }
        var lines: [[String]] = []
        var flagged = false
        // Which footnotes a shown row needs: the c* and U-test notes explain only their own rows.
        var showsRatio = false, showsUTest = false
        for e in estimators {
            for k in keyEstimands {
                let mine = rows.filter { $0.estimator == e && $0.estimand == k && comparable($0) }
                guard !mine.isEmpty else { continue }
                var line = [e, Typeset.plain(Typeset.estimand(k))]
                let kind = EstimandKind(name: k)
                showsRatio = showsRatio || kind.isRatio
                showsUTest = showsUTest || kind == .uTest
                for c in cells {
                    guard let r = mine.first(where: { $0.cell.ordinal == c.ordinal }) else { line += ["", ""]; continue }
                    let n = max(r.measure("n_ok"), 1), half = 1.96 * (0.95 * 0.05 / n).squareRoot()
                    switch kind {
                    case .uTest:
                        line += ["", "rej " + ReportNumber.format(r.measure("rejection"), decimals: 2)]
                    default:
                        let (b, m, cov) = kind.isRatio ? ("median_bias", "mcse_median_bias", "fieller_coverage") : ("bias", "mcse_bias", "coverage")
                        let v = r.measure(cov)
                        let off = v.isFinite && abs(v - 0.95) > half
                        flagged = flagged || off
                        line += [ReportNumber.withMCSE(r.measure(b), r.measure(m), decimals: decimals),
                                 ReportNumber.format(v, decimals: 2) + (off ? "*" : "")]
                    }
                }
                lines.append(line)
            }
        }
        guard !lines.isEmpty else { return "no key estimand (\(keyEstimands.joined(separator: ", "))) in this file\n" }
        var header = ["estimator", "estimand"], sub = ["", ""]
        for c in cells { header += [name(c), ""]; sub += ["bias (MCSE)", "cover"] }
        let table = [header, sub] + lines
        let widths = (0..<header.count).map { j in table.map { $0[j].count }.max() ?? 0 }
        let pad = { (s: String, w: Int, right: Bool) in
            right ? String(repeating: " ", count: max(0, w - s.count)) + s : s + String(repeating: " ", count: max(0, w - s.count))
        }
        var out = "Verdict (R = \(replications) per cell): bias (Monte Carlo SE) and coverage of the 95% intervals\n"
        for (i, row) in table.enumerated() {
            out += row.enumerated().map { j, s in pad(s, widths[j], j >= 2 && i > 0) }.joined(separator: j2sep).replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression) + "\n"
            if i == 1 { out += String(repeating: "-", count: widths.reduce(0, +) + j2sep.count * (widths.count - 1)) + "\n" }
        }
        let notes = (showsRatio ? ["c*: median bias and Fieller-set coverage (a ratio has no mean)"] : [])
            + (showsUTest ? ["U-test: rejection rate (power where the truth is a U)"] : [])
        out += (notes.isEmpty ? "" : notes.joined(separator: "; ") + ".\n")
            + (flagged ? "* coverage outside 0.95 ± 1.96 √(0.95·0.05/n_ok), the Monte Carlo band of a correct interval.\n" : "")
        return out
    }

    static let j2sep = "  "
}
