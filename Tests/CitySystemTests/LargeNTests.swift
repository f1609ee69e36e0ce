import CitySystem
import Numerics
import TestSupport
import XCTest

/// `city_system.logdet` and the truth cache of a W held sparse (issue 16).
final class LargeNTests: XCTestCase {
    func testLogdetKeyParsesAndRejectsUnknownMethods() throws {
        XCTAssertEqual(try Small.parse("city_system: {}").citySystem.logDeterminant, .auto)
        XCTAssertEqual(try Small.parse("city_system: {logdet: sparse}").citySystem.logDeterminant, .sparse)
        assertThrows(try Small.parse("city_system: {logdet: cholesky}"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.logdet")
        }
    }

    /// diag(A), diag(AW), Aᵀ1 and the effect weights from blocked sparse solves equal the dense
    /// inverse's (both to rounding: solves with condition number ≤ (1 + ρ)/(1 − ρ) = 3).
    func testSparseTruthCacheEqualsTheDenseOne() throws {
        var t: [(row: Int, col: Int, value: Double)] = []
        let n = 300   // > one block of 256 solves
        for i in 0..<n { for d in [1, 4, 9] { let j = (i + d) % n; t.append((i, j, 1)); t.append((j, i, 1)) } }
        for i in stride(from: 0, to: n, by: 7) { t.append((i, (i + 150) % n, 1)); t.append(((i + 150) % n, i, 1)) }
        let w = try SparseMatrix(rows: n, cols: n, triplets: t).pattern().rowStandardised()
        let exact = try ObservedEffectCache(filter: SpatialFilter(weights: SpatialWeights(sparse: w, logDeterminant: .exact), rho: 0.5))
        let sparse = try ObservedEffectCache(filter: SpatialFilter(weights: SpatialWeights(sparse: w, logDeterminant: .sparse), rho: 0.5))
        assertClose(exact.diagA, sparse.diagA, tolerance: 1e-12)
        assertClose(exact.diagAW, sparse.diagAW, tolerance: 1e-12)
        assertClose(exact.u, sparse.u, tolerance: 1e-12)
        assertClose(exact.uW, sparse.uW, tolerance: 1e-12)
        // a1, a2 from tr(G) of the interpolated exact log-determinant (~1e-9 relative).
        assertClose(exact.weights.a1, sparse.weights.a1, tolerance: 1e-9)
        assertClose(exact.weights.a2, sparse.weights.a2, tolerance: 1e-9)
        assertClose(exact.weights.t1, sparse.weights.t1, tolerance: 1e-12)
    }
}
