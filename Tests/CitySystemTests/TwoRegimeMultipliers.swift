@testable import CitySystem
import Numerics
import TestSupport
import XCTest

/// The truth's multipliers of a world whose city set changes once (entry, merges), rebuilt by
/// dense LU: for each regime's W, tr(A), 1ᵀA1 and tr(AW) with A = (I − ρW)⁻¹.
struct RegimeMultipliers {
    let trace: Double, total: Double, traceAW: Double

    init(_ w: Matrix, rho: Double) throws {
        var i = Matrix.identity(w.rows)
        for r in 0..<w.rows { for c in 0..<w.rows { i[r, c] -= rho * w[r, c] } }
        let a = try LUDecomposition(i).inverse()
        let aw = a * w
        trace = (0..<w.rows).reduce(0) { $0 + a[$1, $1] }
        total = a.data.reduce(0, +)
        traceAW = (0..<w.rows).reduce(0) { $0 + aw[$1, $1] }
    }

    /// The truth averages each multiplier over the city-years that exist: `before` periods of the
    /// first regime and the rest of the second, weighted by each regime's city count.
    static func assertAveraged(_ pre: RegimeMultipliers, _ post: RegimeMultipliers, before: Int, periods: Int,
                               citiesBefore: Int, citiesAfter: Int, truth: EffectWeights,
                               file: StaticString = #filePath, line: UInt = #line) {
        let cityYears = Double(before * citiesBefore + (periods - before) * citiesAfter)
        func averaged(_ a: Double, _ b: Double) -> Double { (Double(before) * a + Double(periods - before) * b) / cityYears }
        assertClose(averaged(pre.trace, post.trace), truth.a1, tolerance: 1e-10, "a1", file: file, line: line)
        assertClose(averaged(pre.traceAW, post.traceAW), truth.a2, tolerance: 1e-10, "a2", file: file, line: line)
        assertClose(averaged(pre.total, post.total), truth.t1, tolerance: 1e-10, "t1", file: file, line: line)
    }
}
