import Foundation
import Numerics

/// A cross-section for propensity-score matching read from a table: the 0/1
/// treatment and the covariate columns.
public struct MatchingData: Sendable {
    public let treated: [Bool]
    public let covariates: Matrix
    public let names: [String]

    public static func from(table: DataTable, treat: String, covariates names: [String]) throws -> MatchingData {
        let d = try table.numbers(treat)
        if let bad = d.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw DataError("\(table.source): column '\(treat)' must be 0 or 1; line \(bad + 2) has \(d[bad])")
        }
        return MatchingData(treated: d.map { $0 == 1 }, covariates: try Matrix(columns: names.map { try table.numbers($0) }),
                            names: names)
    }
}

extension MatchingResult {
    /// The balance table as MatchIt's summary shows it: the matching distance itself
    /// first (when matching was on a score), then the covariates.
    public func balance(_ data: MatchingData) throws -> [BalanceRow] {
        var x = data.covariates, names = data.names
        if !distance.isEmpty {
            x = try Matrix(columns: [distance] + (0..<x.cols).map { x.column($0) })
            names = ["distance"] + names
        }
        return Balance.table(treated: data.treated, covariates: x, names: names, weights: weights)
    }

    /// The matching weights as CSV, one row per unit in data order:
    /// `line` (of the input file), `treat`, `distance` (empty for Mahalanobis), `discarded`, `weight`.
    public func weightsCSV(treated: [Bool]) -> String {
        var csv = "line,treat,distance,discarded,weight\n"
        for i in 0..<treated.count {
            let dist = distance.isEmpty ? "" : String(distance[i])
            csv += "\(i + 2),\(treated[i] ? 1 : 0),\(dist),\(discarded[i] ? 1 : 0),\(weights[i])\n"
        }
        return csv
    }
}
