import Foundation
import Numerics
import TestSupport
import XCTest

final class MinimizerTests: XCTestCase {
    func testBrentFindsQuadraticMinimum() throws {
        let r = try Brent.minimize({ ($0 - 0.3) * ($0 - 0.3) }, lower: -1, upper: 1, guess: 0)
        XCTAssertTrue(r.converged)
        assertClose(0.3, r.argmin[0], tolerance: 1e-8, "bracket tolerance 1e-10; a flat minimum limits x to ≈ √ε")
        assertClose(0, r.minimum, tolerance: 1e-15)
    }

    /// cos x has its minimum −1 at π on [2, 4].
    func testBrentFindsMinimumOfCosine() throws {
        let r = try Brent.minimize(cos, lower: 2, upper: 4, guess: 3)
        XCTAssertTrue(r.converged)
        // Near π, cos x + 1 ≈ (x − π)²/2, below ε for |x − π| < 2e-8: x is determined only to ≈ √ε.
        assertClose(.pi, r.argmin[0], tolerance: 1e-7, "f is flat to rounding within ≈ 2e-8 of π")
        assertClose(-1, r.minimum, tolerance: 1e-15)
        assertThrows(try Brent.minimize(cos, lower: 2, upper: 4, guess: 5), as: NumericsError.self, "guess outside the bracket")
    }

    func testMinimizeOnIntervalInteriorAndBoundary() throws {
        let inner = try Brent.minimizeOnInterval({ ($0 + 0.3) * ($0 + 0.3) + 1 }, lower: -0.99, upper: 0.99)
        XCTAssertTrue(inner.converged)
        // Unlike the quadratic above (minimum 0), f* = 1 here: f is flat to rounding where
        // (x + 0.3)² < ε·f*, i.e. within √ε ≈ 1.5e-8 of the minimiser (8.9e-9 was observed), so x is
        // determined only to that; 3e-8 is twice the flat width.
        assertClose(-0.3, inner.argmin[0], tolerance: 2 * Double.ulpOfOne.squareRoot(), "flat to rounding within √(ε f*)")
        // Decreasing towards the upper bound: reported as a boundary solution, not converged.
        let edge = try Brent.minimizeOnInterval({ ($0 - 0.9) * ($0 - 0.9) }, lower: -1, upper: 0.5)
        XCTAssertEqual(edge.termination, .boundary, edge.message)
        XCTAssertFalse(edge.converged)
        assertClose(0.5, edge.argmin[0], tolerance: 1e-8, "the bound-side point is 1e-9 × width inside")
        // Strictly decreasing towards the lower bound with exactly representable steps.
        let lowerEdge = try Brent.minimizeOnInterval({ $0 }, lower: 0, upper: 1)
        XCTAssertEqual(lowerEdge.termination, .boundary, lowerEdge.message)
        XCTAssertTrue(Brent.isNearBound(lowerEdge.argmin[0], lower: 0, upper: 1, absoluteTolerance: 1e-10))
        assertThrows(try Brent.minimizeOnInterval({ _ in .nan }, lower: 0, upper: 1), as: NumericsError.self, "NaN objective")
    }

    /// A minimum between the last grid point and the bound (here 0.9995 on (0, 1), where
    /// the grid's last point is 41/42 ≈ 0.976) is interior and must be found, not reported as
    /// a boundary solution. The Lee–Yu likelihood has such optima when ρ is near 1 (review finding).
    func testMinimizeOnIntervalFindsMinimumBetweenEdgeGridPointAndBound() throws {
        for target in [0.9995, 0.99, 0.9999999, 0.0005] {
            let r = try Brent.minimizeOnInterval({ ($0 - target) * ($0 - target) }, lower: 0, upper: 1)
            XCTAssertTrue(r.converged, "target \(target): \(r.message)")
            assertClose(target, r.argmin[0], tolerance: 1e-7, "Brent's interval tolerance near x ≈ 1 is 1e-7 relative")
        }
    }

    /// A best grid point whose neighbour ties it (a stretch flat to rounding; seen in the SAC's profile
    /// likelihood far out on its ridge) is no strict bracket, which GSL's Brent refuses (GSL_EINVAL);
    /// the search falls back to golden section and finds the minimum instead of throwing.
    func testMinimizeOnIntervalWithATieBesideTheBestGridPoint() throws {
        // Flat at 0 on [−0.5, 0.5] (many grid points tie), and a flat floor off-centre with a dip.
        let flat = try Brent.minimizeOnInterval({ max(0, abs($0) - 0.5) }, lower: -1, upper: 1)
        XCTAssertTrue(flat.converged, flat.message)
        XCTAssertEqual(flat.minimum, 0)
        XCTAssertTrue(abs(flat.argmin[0]) <= 0.5, "argmin \(flat.argmin[0]) on the flat stretch")
        // Ties at the two grid points around a narrow dip between them (grid step 2/42 on (−1, 1)).
        let h = 2.0 / 42, x0 = -1 + 20 * h, x1 = -1 + 21 * h, dip = x0 + 0.3 * (x1 - x0)
        let f: (Double) -> Double = { x in x <= x0 || x >= x1 ? 1 + (x < x0 ? x0 - x : x - x1) : 1 - 0.5 * (x <= dip ? (x - x0) / (dip - x0) : (x1 - x) / (x1 - dip)) }
        let r = try Brent.minimizeOnInterval(f, lower: -1, upper: 1)
        XCTAssertTrue(r.converged, r.message)
        XCTAssertLessThan(r.minimum, 1, "found below the tied grid values")
        XCTAssertEqual(r.argmin[0], dip, accuracy: 1e-6)
    }

    /// A screen of the grid (a value and a bound on its distance from f) changes only how many
    /// grid points f is evaluated at: the result is bit for bit that of the plain search, with
    /// a minimum at the edge of the grid, loose bounds and missing screens. (Ties between grid
    /// points keep the first: every point that could tie is evaluated exactly, in order.)
    func testScreenedGridGivesTheSameResultWithFewerEvaluations() throws {
        let cases: [(f: (Double) -> Double, lower: Double, upper: Double)] = [
            ({ ($0 + 0.3) * ($0 + 0.3) + 1 }, -0.99, 0.99),
            ({ ($0 - 0.9995) * ($0 - 0.9995) }, 0, 1),
            ({ $0 }, 0, 1),
        ]
        for (k, c) in cases.enumerated() {
            var plainCalls = 0
            let plain = try Brent.minimizeOnInterval({ plainCalls += 1; return c.f($0) }, lower: c.lower, upper: c.upper)
            for (offset, bound) in [(0.0, 0.0), (1e-6, 2e-6), (0.0, 10.0)] {
                var calls = 0
                let counted: (Double) -> Double = { calls += 1; return c.f($0) }
                let screened = try Brent.minimizeOnInterval(counted, lower: c.lower, upper: c.upper, screen: { x in
                    x > 0.95 ? nil : ScreenedValue(value: c.f(x) + offset, bound: bound)
                })
                XCTAssertEqual(screened.argmin[0].bitPattern, plain.argmin[0].bitPattern, "case \(k), bound \(bound)")
                XCTAssertEqual(screened.minimum.bitPattern, plain.minimum.bitPattern, "case \(k), bound \(bound)")
                XCTAssertEqual(screened.termination, plain.termination, "case \(k), bound \(bound)")
                XCTAssertEqual(screened.iterations, plain.iterations, "case \(k), bound \(bound)")
                if k == 0, bound == 0 { XCTAssertLessThan(calls, plainCalls - 30, "a tight screen skips grid points") }
            }
        }
    }

    /// Rosenbrock's function (1 − x)² + 100(y − x²)² has its minimum 0 at (1, 1);
    /// the classic start (−1.2, 1) follows the curved valley.
    func testNelderMeadOnRosenbrock() throws {
        let f: ([Double]) -> Double = { v in (1 - v[0]) * (1 - v[0]) + 100 * (v[1] - v[0] * v[0]) * (v[1] - v[0] * v[0]) }
        let r = try NelderMead.minimize(f, start: [-1.2, 1], sizeTolerance: 1e-10)
        XCTAssertTrue(r.converged, r.message)
        // A simplex of size 1e-10 around a minimum whose valley is ill-conditioned (Hessian
        // eigenvalues ≈ 0.4 and 1000) pins x to about 1e-6.
        assertClose([1, 1], r.argmin, tolerance: 1e-6, "Rosenbrock minimum (1, 1)")
        assertClose(0, r.minimum, tolerance: 1e-12)
    }

    func testNelderMeadOnShiftedQuadratic() throws {
        let centre = [0.5, -2.0, 3.0]
        let r = try NelderMead.minimize({ v in zip(v, centre).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } },
                                        start: [0, 0, 0])
        XCTAssertTrue(r.converged)
        assertClose(centre, r.argmin, tolerance: 1e-6, "simplex size 1e-8 on a well-conditioned bowl")
        assertThrows(try NelderMead.minimize({ _ in 0 }, start: []), as: NumericsError.self, "empty start")
    }
}
