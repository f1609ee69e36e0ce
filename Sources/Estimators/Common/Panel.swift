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

    /// Builds the index from id and time columns; refuses duplicates and unbalanced
    /// panels, saying who needs the balance (`balanceNeededBy`) and what to do.
    public static func build(ids: [String], times rawTimes: [Double], source: String, unitOrder: [String]? = nil,
                             balanceNeededBy: String = "spillsim's spatial estimators need every unit in every period") throws -> PanelIndex {
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
                throw DataError("\(source): unit '\(id)' appears twice in period \(PanelIndex.format(tm)) (lines \(perm[k] + 2) and \(row + 2))")
            }
            perm[k] = row
        }
        if let k = perm.firstIndex(of: -1) {
            let missingUnits = Set((0..<perm.count).filter { perm[$0] < 0 }.map { units[$0 % units.count] })
            throw DataError("\(source): the panel is unbalanced: unit '\(units[k % units.count])' has no row for period \(PanelIndex.format(times[k / units.count])) (\(missingUnits.count) unit(s) affected); \(balanceNeededBy)")
        }
        return PanelIndex(units: units, times: times, permutation: perm)
    }

    /// A period as users write it: 2003, not 2003.0.
    public static func format(_ t: Double) -> String {
        t.rounded() == t && abs(t) < 1e15 ? String(Int(t)) : String(t)
    }

    /// Reorders a column read in table order into panel (time-major) order.
    public func arrange(_ column: [Double]) -> [Double] { permutation.map { column[$0] } }
}
