import XCTest
import Numerics
import TestSupport

final class SmokeTests: XCTestCase {
    func testEigenvaluesOfKnownMatrix() throws {
        // [[2,1],[1,2]] has eigenvalues 1 and 3 (hand computation).
        let a = try Matrix(rowArrays: [[2, 1], [1, 2]])
        let e = try SymmetricEigen(a)
        assertClose([1, 3], e.values, tolerance: 1e-12, "LAPACK dsyevd is accurate to rounding")
    }

    func testBrentFindsQuadraticMinimum() throws {
        let r = try Brent.minimize({ ($0 - 0.3) * ($0 - 0.3) }, lower: -1, upper: 1, guess: 0)
        assertClose(0.3, r.argmin[0], tolerance: 1e-8, "bracket tolerance 1e-10")
    }

    func testStreamReproducible() {
        let a = RandomStream(seed: 1, cell: 2, replication: 3)
        let b = RandomStream(seed: 1, cell: 2, replication: 3)
        XCTAssertEqual((0..<5).map { _ in a.nextBits() }, (0..<5).map { _ in b.nextBits() })
    }
}

final class SpatialWeightsSmokeTests: XCTestCase {
    /// A row-standardised ring-plus-chord contiguity matrix (symmetric C, asymmetric W).
    func makeW(_ n: Int) throws -> SpatialWeights {
        var c = Matrix(rows: n, cols: n)
        for i in 0..<n {
            c[i, (i + 1) % n] = 1; c[(i + 1) % n, i] = 1
            c[i, (i + 3) % n] = 1; c[(i + 3) % n, i] = 1
        }
        c[0, 5] = 1; c[5, 0] = 1
        return try SpatialWeights.rowStandardised(c)
    }

    func testSpectralQuantitiesMatchDirectComputation() throws {
        let w = try makeW(12)
        XCTAssertNotNil(w.spectrum.symmetricForm)
        let rho = 0.4
        var a = Matrix.identity(12)
        for k in 0..<a.data.count { a.data[k] -= rho * w.matrix.data[k] }
        let lu = try LUDecomposition(a)
        // Both are exact up to rounding in a 12×12 problem.
        assertClose(lu.logAbsDeterminant.value, w.spectrum.logDeterminant(rho: rho), tolerance: 1e-12)
        let g = w.matrix * (try lu.inverse())
        assertClose(g.trace, w.spectrum.traceG(rho: rho), tolerance: 1e-12)
        assertClose((g * g).trace, w.spectrum.traceG2(rho: rho), tolerance: 1e-12)
        assertClose(Matrix.product(g, g, transposeA: true).trace, w.spectrum.traceGtG(rho: rho)!, tolerance: 1e-11)
        let b = (0..<12).map { Double($0) - 3 }
        let f = try SpatialFilter(weights: w, rho: rho)
        assertClose(try lu.solve(b), try f.solve(b), tolerance: 1e-12)
        assertClose(1, w.spectrum.maximum, tolerance: 1e-12, "row-standardised W has ω_max = 1")
    }
}
