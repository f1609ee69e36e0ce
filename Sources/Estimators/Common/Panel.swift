import Foundation
import Numerics

/// A balanced panel laid out time-major: observation (t, i) sits at index
/// t·N + i, so each period is a contiguous block of N values and W applies
/// to the whole panel in one matrix product (see `SpatialWeights.applyPanel`).
public struct PanelIndex: Sendable, Equatable {
    /// Unit identifiers in panel order (sorted as given by `build`).
    public let units: [String]
    /// Time values in ascending order.
    public let times: [Double]
    /// permutation[k] = row of the source table holding observation k (time-major).
    public let permutation: [Int]

    public var n: Int { units.count }
    public var t: Int { times.count }

    /// Builds the index from id and time columns; refuses duplicates and unbalanced panels.
    public static func build(ids: [String], times rawTimes: [Double], source: String,
                             unitOrder: [String]? = nil) throws -> PanelIndex {
        precondition(ids.count == rawTimes.count)
        let units: [String]
        if let unitOrder {
            units = unitOrder
        } else {
            units = Array(Set(ids)).sorted { a, b in
                if let x = Double(a), let y = Double(b) { return x < y }
                return a < b
            }
        }
        let times = Array(Set(rawTimes)).sorted()
        let uIndex = Dictionary(uniqueKeysWithValues: units.enumerated().map { ($1, $0) })
        let tIndex = Dictionary(uniqueKeysWithValues: times.enumerated().map { ($1, $0) })
        var perm = [Int](repeating: -1, count: units.count * times.count)
        for (row, (id, tm)) in zip(ids, rawTimes).enumerated() {
            guard let i = uIndex[id] else {
                throw DataError("\(source): unit '\(id)' at line \(row + 2) is not in the weight matrix's ids")
            }
            let k = tIndex[tm]! * units.count + i
            if perm[k] >= 0 {
                throw DataError("\(source): unit '\(id)' appears twice in period \(formatPeriod(tm)) (lines \(perm[k] + 2) and \(row + 2))")
            }
            perm[k] = row
        }
        if let k = perm.firstIndex(of: -1) {
            let missingUnits = Set((0..<perm.count).filter { perm[$0] < 0 }.map { units[$0 % units.count] })
            throw DataError("\(source): the panel is unbalanced: unit '\(units[k % units.count])' has no row for period \(formatPeriod(times[k / units.count])) (\(missingUnits.count) unit(s) affected); spillsim's spatial estimators need every unit in every period")
        }
        return PanelIndex(units: units, times: times, permutation: perm)
    }

    /// Refuses a (unit, period) pair given on two rows; unbalanced panels are allowed
    /// (for panel OLS, which does not need a balanced panel).
    public static func checkNoDuplicates(ids: [String], times: [Double], source: String) throws {
        precondition(ids.count == times.count)
        var firstRow: [String: [Double: Int]] = [:]
        for (row, (id, tm)) in zip(ids, times).enumerated() {
            if let earlier = firstRow[id, default: [:]][tm] {
                throw DataError("\(source): unit '\(id)' appears twice in period \(formatPeriod(tm)) (lines \(earlier + 2) and \(row + 2))")
            }
            firstRow[id, default: [:]][tm] = row
        }
    }

    /// Reorders a column read in table order into panel (time-major) order.
    public func arrange(_ column: [Double]) -> [Double] { permutation.map { column[$0] } }
}

/// A period as users write it: "2003" for an integral value, otherwise the decimal ("2003.5").
public func formatPeriod(_ t: Double) -> String {
    if t.isFinite, t == t.rounded(), abs(t) < 1e15 { return String(Int64(t)) }
    return "\(t)"
}
