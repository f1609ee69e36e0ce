@testable import Estimators
import Numerics
import XCTest

/// The lag likelihood's two least-squares fits by the normal equations (`LagLeastSquares`): equal to
/// the Householder QR within the error the conditioning allows, and the QR's decisions kept where
/// the normal equations cannot carry the design.
final class LagLeastSquaresTests: XCTestCase {
    /// A deterministic NT × p design with correlated columns (pairwise correlation about `mix`).
    static func design(rows: Int, cols: Int, mix: Double) -> Matrix {
        var z = Matrix(rows: rows, cols: cols)
        for r in 0..<rows {
            let common = sin(Double(r) * 0.37) + cos(Double(r) * 0.011)
            for j in 0..<cols { z[r, j] = mix * common + (1 - mix) * sin(Double(r * (j + 3)) * 0.7 + Double(j)) * Double(j + 1) }
        }
        return z
    }

    func testNormalEquationsMatchQRWithinTheirConditioning() throws {
        let z = Self.design(rows: 600, cols: 8, mix: 0.6)
        let y = (0..<600).map { r in Double(r % 11) / 5 + sin(Double(r)) }
        let wy = (0..<600).map { r in cos(Double(r) * 0.3) + Double(r % 7) / 9 }
        let ne = try LagLeastSquares.fit(z: z, y: y, wy: wy)
        XCTAssertEqual(ne.method, .normalEquations)
        let qr = try LeastSquares.fits(x: z, ys: [y, wy])
        let chol = try XCTUnwrap(ScaledCholesky(z.crossProduct()))
        // Relative error of either method ≲ p·κ·u in the scaled coefficients (κ = κ₁ of the scaled
        // cross product); a factor 100 of slack for the constants of the bounds.
        let tolerance = 100 * 8 * chol.condition * Double.ulpOfOne
        for (got, want) in [(ne.b0, qr[0].coefficients), (ne.bd, qr[1].coefficients)] {
            let scale = want.map(abs).max()!
            for k in 0..<8 { XCTAssertEqual(got[k], want[k], accuracy: tolerance * scale) }
        }
        // The residual products (the residuals are not stored): each residual within tolerance·max|e| of the
        // QR's, so |Δ(aᵀb)| ≤ (‖a‖ + ‖b‖)·√n·tolerance·max|e| to first order (twice that for slack).
        let (e0, ed) = (qr[0].residuals, qr[1].residuals)
        let (s00, s0d, sdd) = ne.residualProducts
        let want = LagLeastSquares.products(e0, ed)
        let shift = tolerance * max(e0.map(abs).max()!, ed.map(abs).max()!) * Double(600).squareRoot()
        let n0 = Vector.norm(e0), nd = Vector.norm(ed)
        XCTAssertEqual(s00, want.0, accuracy: 4 * n0 * shift)
        XCTAssertEqual(s0d, want.1, accuracy: 2 * (n0 + nd) * shift)
        XCTAssertEqual(sdd, want.2, accuracy: 4 * nd * shift)
        // The cross product handed to the variance is dsyrk's within the rounding of a sum of 600 terms.
        let xtx = try XCTUnwrap(ne.crossProduct), blas = z.crossProduct()
        for j in 0..<8 {
            for i in 0..<8 {
                let bound = 2 * 602 * Double.ulpOfOne * (blas[i, i] * blas[j, j]).squareRoot()
                XCTAssertEqual(xtx[i, j], blas[i, j], accuracy: bound)
                XCTAssertEqual(xtx[i, j].bitPattern, xtx[j, i].bitPattern)
            }
        }
    }

    func testIllConditionedDesignFallsBackToQR() throws {
        var z = Self.design(rows: 400, cols: 4, mix: 0.3)
        // Column 3 nearly equal to column 0: κ₁ of the scaled cross product about 1e9.
        for r in 0..<400 { z[r, 3] = z[r, 0] + 1e-5 * sin(Double(r) * 2.1) }
        let y = (0..<400).map { sin(Double($0) * 0.9) }
        XCTAssertGreaterThan(try XCTUnwrap(ScaledCholesky(z.crossProduct())).condition, LagLeastSquares.conditionLimit)
        let fit = try LagLeastSquares.fit(z: z, y: y, wy: y)
        XCTAssertEqual(fit.method, .householderQR)
        XCTAssertNil(fit.crossProduct)
        XCTAssertEqual(fit.b0.map(\.bitPattern), try LeastSquares(x: z, y: y).coefficients.map(\.bitPattern))
    }

    func testCollinearColumnIsNamedByTheQR() {
        var z = Self.design(rows: 300, cols: 3, mix: 0.2)
        for r in 0..<300 { z[r, 2] = 2 * z[r, 0] - z[r, 1] }
        let y = (0..<300).map { cos(Double($0)) }
        XCTAssertThrowsError(try LagLeastSquares.fit(z: z, y: y, wy: y)) { error in
            XCTAssertEqual(error as? CollinearColumnError, CollinearColumnError(column: 2))
        }
    }

    /// κ₁ computed from the factor equals κ₁ of the explicit inverse (LAPACK) on a small case.
    func testConditionNumberIsKappaOne() throws {
        let a = Matrix(rows: 3, cols: 3, uncheckedColumnMajor: [4, 2, 0.5, 2, 3, 0.2, 0.5, 0.2, 2])
        let chol = try XCTUnwrap(ScaledCholesky(a))
        var c = a
        for j in 0..<3 { for i in 0..<3 { c[i, j] = a[i, j] / (a[i, i] * a[j, j]).squareRoot() } }
        let inv = try Cholesky(c).inverse()
        func norm1(_ m: Matrix) -> Double { (0..<3).map { j in (0..<3).reduce(0) { $0 + abs(m[$1, j]) } }.max()! }
        XCTAssertEqual(chol.condition, norm1(c) * norm1(inv), accuracy: 1e-12 * chol.condition)
        let x = chol.solve([1, 2, 3])
        let back = a.multiply(x)
        for k in 0..<3 { XCTAssertEqual(back[k], Double(k + 1), accuracy: 1e-13) }
    }
}
