import Foundation
import Numerics

/// A panel in which cities may be missing in some years (entry, exit, gaps): only the
/// observed city-years are stored, time-major — period by period, cities ascending within a
/// period. Units and periods are indices into the full sets (0..<n, 0..<t).
public struct UnbalancedPanel: Sendable {
    public let y: [Double]
    /// Observed rows × k regressors.
    public let x: Matrix
    public let names: [String]
    /// Number of units (cities) and periods of the full index; a unit need not appear every period.
    public let n: Int
    public let t: Int
    /// Unit and period of each observed row.
    public let unit: [Int]
    public let period: [Int]
    /// Rows of period p are periodStart[p]..<periodStart[p + 1].
    public let periodStart: [Int]

    public var observations: Int { y.count }
    public var isBalanced: Bool { observations == n * t }

    /// The cities present in period p (ascending).
    public func citySet(_ p: Int) -> ArraySlice<Int> { unit[periodStart[p]..<periodStart[p + 1]] }

    /// - Parameters: rows given in any order; they are sorted time-major here.
    public init(y: [Double], x: Matrix, names: [String], n: Int, t: Int, unit: [Int], period: [Int]) throws {
        let m = y.count
        guard n >= 2, t >= 1 else { throw EstimationError("panel needs N ≥ 2 units and T ≥ 1 periods, got N = \(n), T = \(t)") }
        guard x.rows == m, unit.count == m, period.count == m else {
            throw EstimationError("unbalanced panel: \(m) outcomes, \(x.rows) regressor rows, \(unit.count) units and \(period.count) periods")
        }
        guard names.count == x.cols, Set(names).count == names.count else {
            throw EstimationError("regressor names must be unique, one per column: \(names)")
        }
        guard y.allSatisfy({ $0.isFinite }), x.data.allSatisfy({ $0.isFinite }) else {
            throw EstimationError("the observed rows have non-finite values; a city-year with a missing value is left out, not stored")
        }
        guard unit.allSatisfy({ (0..<n).contains($0) }), period.allSatisfy({ (0..<t).contains($0) }) else {
            throw EstimationError("unbalanced panel: a unit or period index is out of range")
        }
        let order = (0..<m).sorted { (period[$0], unit[$0]) < (period[$1], unit[$1]) }
        for k in 1..<max(m, 1) where period[order[k]] == period[order[k - 1]] && unit[order[k]] == unit[order[k - 1]] {
            throw EstimationError("unit \(unit[order[k]] + 1) appears twice in period \(period[order[k]] + 1)")
        }
        self.y = order.map { y[$0] }
        var xs = Matrix(rows: m, cols: x.cols)
        for j in 0..<x.cols { for (r, k) in order.enumerated() { xs[r, j] = x[k, j] } }
        self.x = xs
        self.names = names
        self.n = n
        self.t = t
        self.unit = order.map { unit[$0] }
        self.period = order.map { period[$0] }
        var start = [Int](repeating: 0, count: t + 1)
        for p in self.period { start[p + 1] += 1 }
        for p in 0..<t { start[p + 1] += start[p] }
        periodStart = start
    }

    /// The rows of a balanced panel for which `keep(unit, period)` is true.
    public init(_ balanced: SpatialPanel, keep: (Int, Int) -> Bool) throws {
        let n = balanced.n, t = balanced.t
        var rows: [Int] = []
        for p in 0..<t { for i in 0..<n where keep(i, p) { rows.append(p * n + i) } }
        var x = Matrix(rows: rows.count, cols: balanced.x.cols)
        for j in 0..<x.cols { for (r, k) in rows.enumerated() { x[r, j] = balanced.x[k, j] } }
        try self.init(y: rows.map { balanced.y[$0] }, x: x, names: balanced.names, n: n, t: t,
                      unit: rows.map { $0 % n }, period: rows.map { $0 / n })
    }
}
