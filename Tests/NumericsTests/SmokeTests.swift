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
