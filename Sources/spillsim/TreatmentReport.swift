import Estimators
import Foundation
import Numerics

/// Text and JSON renderings of the treatment-effect results (keys documented in docs/cli-json.md).
enum TreatmentReport {
    static func num(_ x: Double) -> Any { x.isFinite ? x : NSNull() }

    static func json(_ object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func balanceJSON(_ rows: [BalanceRow]) -> [[String: Any]] {
        rows.map { r in
            ["variable": r.variable, "smd_before": num(r.smdBefore), "smd_after": num(r.smdAfter),
             "var_ratio_before": num(r.varianceRatioBefore), "var_ratio_after": num(r.varianceRatioAfter),
             "ecdf_max_before": num(r.ecdfMaxBefore), "ecdf_max_after": num(r.ecdfMaxAfter),
             "mean_treated_before": num(r.meanTreatedBefore), "mean_control_before": num(r.meanControlBefore),
             "mean_treated_after": num(r.meanTreatedAfter), "mean_control_after": num(r.meanControlAfter)]
        }
    }

    static func countsJSON(_ c: MatchCounts) -> [String: Any] {
        ["all": ["control": c.allControl, "treated": c.allTreated],
         "matched": ["control": c.matchedControl, "treated": c.matchedTreated],
         "unmatched": ["control": c.unmatchedControl, "treated": c.unmatchedTreated],
         "discarded": ["control": c.discardedControl, "treated": c.discardedTreated]]
    }

    static func coefficientsJSON(_ f: PanelOLSResult, level: Double = 0.95) -> [[String: Any]] {
        f.names.indices.map { j in
            let ci = f.confidenceInterval(j, level: level)
            return ["name": f.names[j], "estimate": num(f.coefficients[j]), "se": num(f.standardErrors[j]),
                    "t": num(f.tStatistics[j]), "p": num(f.pValues[j]), "ci_lower": num(ci.lower), "ci_upper": num(ci.upper)]
        }
    }

    static func aggregateJSON(_ a: AggregateATT, key: String?) -> [String: Any] {
        var d: [String: Any] = ["att": num(a.att), "se": num(a.standardError), "ci_lower": num(a.ciLower), "ci_upper": num(a.ciUpper)]
        if let key { d[key] = num(a.label) }
        return d
    }

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

    static func eventStudyJSON(_ es: EventStudyResult) -> [String: Any] {
        ["coefficients": es.eventTimes.indices.map { k in
            ["event_time": es.eventTimes[k], "estimate": num(es.estimates[k]), "se": num(es.standardErrors[k]),
             "ci_lower": num(es.ciLower[k]), "ci_upper": num(es.ciUpper[k])] as [String: Any]
        },
         "reference": -1,
         "pretrend": es.preTrendUnavailable == nil
            ? ["f": num(es.preTrendF), "df1": es.preTrendDF.0, "df2": num(es.preTrendDF.1), "p": num(es.preTrendP)] as Any
            : NSNull(),
         "pretrend_note": es.preTrendUnavailable.map { $0 as Any } ?? NSNull()]
    }
}
