import Foundation
import Numerics

/// The data of a panel regression (`PanelOLS`) read from a long table. Unbalanced
/// panels are fine; a (unit, period) pair twice is not a panel. Units, periods and
/// clusters are coded 0, 1, … in order of first appearance.
public struct PanelRegressionData: Sendable {
    public let y: [Double]
    public let x: Matrix
    public let names: [String]
    public let unit: [Int]
    public let time: [Int]
    /// Regression weights (finite, ≥ 0), or nil.
    public let weights: [Double]?
    /// Cluster codes, or nil.
    public let cluster: [Int]?

    public static func from(table: DataTable, id: String, time: String, outcome: String, regressors: [String],
                            weights: String? = nil, cluster: String? = nil) throws -> PanelRegressionData {
        let ids = try table.strings(id), times = try table.numbers(time)
        var firstLine: [String: Int] = [:]
        for (row, (u, t)) in zip(ids, times).enumerated() {
            let key = "\(u)\u{1F}\(t)"
            if let earlier = firstLine[key] {
                throw DataError("\(table.source): unit '\(u)' appears twice in period \(PanelIndex.format(t)) (lines \(earlier + 2) and \(row + 2)); remove the duplicate row")
            }
            firstLine[key] = row
        }
        let w = try weights.map { try table.numbers($0) }
        if let w, let column = weights, let bad = w.firstIndex(where: { !($0 >= 0) || !$0.isFinite }) {
            throw DataError("\(table.source): weight column '\(column)' must be finite and ≥ 0; line \(bad + 2) has \(w[bad])")
        }
        // No regressors is a regression on the fixed effects alone (a mediation step without
        // controls): n × 0, so every column block of the model has one row per observation.
        let x = regressors.isEmpty ? Matrix(rows: table.rowCount, cols: 0) : try Matrix(columns: regressors.map { try table.numbers($0) })
        return PanelRegressionData(y: try table.numbers(outcome), x: x,
                                   names: regressors, unit: codes(ids), time: codes(times.map { String($0) }), weights: w,
                                   cluster: try cluster.map { codes(try table.strings($0)) })
    }

    /// 0, 1, … in order of first appearance.
    static func codes(_ values: [String]) -> [Int] {
        var map: [String: Int] = [:]
        return values.map { v in
            if let c = map[v] { return c }
            map[v] = map.count
            return map[v]!
        }
    }
}
