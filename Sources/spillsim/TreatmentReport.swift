import Estimators
import Foundation
import Numerics

/// Text renderings of the treatment-effect results (their JSON reports are in Estimators, e.g. `PSMDiDReportJSON`).
enum TreatmentReport {
    /// Left-aligns `s` in a column of `width` characters.
    static func col(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
    /// Right-aligns `s` in a column of `width` characters.
    static func rcol(_ s: String, _ width: Int) -> String { s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s }
    static func f(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }

    static func balanceText(_ rows: [BalanceRow]) -> String {
        var s = col("variable", 18) + ["SMD before", "SMD after", "VR before", "VR after"].map { rcol($0, 11) }.joined() + "\n"
        for r in rows {
            s += col(r.variable, 18) + [r.smdBefore, r.smdAfter, r.varianceRatioBefore, r.varianceRatioAfter].map { rcol(f($0), 11) }.joined() + "\n"
        }
        return s + "SMD denominator: treated-group SD in the full sample (MatchIt, ATT)\n"
    }

    static func countsText(_ c: MatchCounts) -> String {
        let rows: [(String, Int, Int)] = [("all", c.allControl, c.allTreated), ("matched", c.matchedControl, c.matchedTreated),
                                          ("unmatched", c.unmatchedControl, c.unmatchedTreated),
                                          ("discarded", c.discardedControl, c.discardedTreated)]
        var s = col("", 10) + rcol("control", 9) + rcol("treated", 9) + "\n"
        for r in rows { s += col(r.0, 10) + rcol(String(r.1), 9) + rcol(String(r.2), 9) + "\n" }
        return s
    }

    static func coefficientsText(_ fit: PanelOLSResult) -> String {
        var s = col("", 16) + rcol("estimate", 13) + rcol("se", 13) + rcol("t", 10) + rcol("p", 10) + "\n"
        for j in fit.names.indices {
            s += col(fit.names[j], 16) + rcol(f(fit.coefficients[j], 6), 13) + rcol(f(fit.standardErrors[j], 6), 13)
                + rcol(f(fit.tStatistics[j], 3), 10) + rcol(f(fit.pValues[j], 4), 10) + "\n"
        }
        return s
    }
}
