import Foundation
import Numerics
import TestSupport
import XCTest

/// Factorisations and eigen-decompositions against matrices whose answers are known in closed form.
final class LinearAlgebraTests: XCTestCase {
    /// The n×n tridiagonal Toeplitz matrix tridiag(−1, 2, −1) has eigenvalues
    /// 2 − 2cos(kπ/(n+1)), k = 1…n (e.g. Strang, Linear Algebra and its Applications, §7.4).
    func testSymmetricEigenOfTridiagonalToeplitz() throws {
        let n = 10
        var a = Matrix(rows: n, cols: n)
        for i in 0..<n {
            a[i, i] = 2
            if i + 1 < n { a[i, i + 1] = -1; a[i + 1, i] = -1 }
        }
        let e = try SymmetricEigen(a)
        let expected = (1...n).map { 2 - 2 * cos(Double($0) * .pi / Double(n + 1)) }
        // dsyevd is backward stable: errors ≈ n·ε·‖A‖ ≈ 10 × 2.2e-16 × 4 < 1e-14.
        assertClose(expected, e.values, tolerance: 1e-13, "closed-form Toeplitz spectrum")
        // A V = V Λ and VᵀV = I.
        let av = a * e.vectors
        let vl = e.vectors * Matrix.diagonal(e.values)
        assertClose(vl.data, av.data, tolerance: 1e-13, "eigenpairs satisfy A v = λ v")
        let vtv = Matrix.product(e.vectors, e.vectors, transposeA: true)
        assertClose(Matrix.identity(n).data, vtv.data, tolerance: 1e-13, "orthonormal eigenvectors")
        let valuesOnly = try SymmetricEigen(a, computeVectors: false)
        assertClose(expected, valuesOnly.values, tolerance: 1e-13, "eigenvalues without vectors")
    }

    func testSymmetricEigenRejectsBadInput() {
        assertThrows(try SymmetricEigen(Matrix(rowArrays: [[1, 2], [0, 1]])), as: NumericsError.self) { error in
            XCTAssertTrue("\(error)".contains("non-symmetric"), "\(error)")
        }
        assertThrows(try SymmetricEigen(Matrix(rows: 2, cols: 3)), as: NumericsError.self, "not square")
        assertThrows(try SymmetricEigen(Matrix(rowArrays: [[1, .nan], [.nan, 1]])), as: NumericsError.self, "NaN entries")
    }

    /// r·[[cos θ, −sin θ], [sin θ, cos θ]] (a scaled rotation) has eigenvalues r·e^{±iθ};
    /// a third, decoupled diagonal entry 3 adds a real eigenvalue.
    func testGeneralEigenvaluesOfRotationAreAComplexPair() throws {
        let r = 0.8, theta = 0.6
        let a = try Matrix(rowArrays: [[r * cos(theta), -r * sin(theta), 0],
                                       [r * sin(theta), r * cos(theta), 0],
                                       [0, 0, 3]])
        let e = try GeneralEigenvalues(a)
        XCTAssertFalse(e.isReal())
        let order = (0..<3).sorted { (e.real[$0], e.imaginary[$0]) < (e.real[$1], e.imaginary[$1]) }
        // dgeev on a 3×3 well-conditioned matrix: errors a few ε.
        assertClose([r * cos(theta), r * cos(theta), 3], order.map { e.real[$0] }, tolerance: 1e-14, "Re λ")
        assertClose([-r * sin(theta), r * sin(theta), 0], order.map { e.imaginary[$0] }, tolerance: 1e-14, "Im λ")
        XCTAssertTrue(try GeneralEigenvalues(Matrix.diagonal([1, -2])).isReal())
    }

    /// L = [[2,0,0],[1,1,0],[0.5,0.25,1.5]], A = LLᵀ; det A = (2·1·1.5)² = 9.
    func testCholeskySolveLogDeterminantInverse() throws {
        let l = try Matrix(rowArrays: [[2, 0, 0], [1, 1, 0], [0.5, 0.25, 1.5]])
        let a = Matrix.product(l, l, transposeB: true)
        let c = try Cholesky(a)
        // Entries are small dyadic rationals: dpotrf recovers them to rounding.
        assertClose(l.data, c.lower.data, tolerance: 1e-14, "the factor is unique with positive diagonal")
        assertClose(log(9), c.logDeterminant, tolerance: 1e-14, "log det = 2 Σ log L_ii = log 9")
        let x = [1.0, -2.0, 3.0]
        assertClose(x, try c.solve(a.multiply(x)), tolerance: 1e-13, "A x = b solved back; cond(A) ≈ 30")
        let inv = try c.inverse()
        assertClose(Matrix.identity(3).data, (a * inv).data, tolerance: 1e-13, "A A⁻¹ = I")
        XCTAssertTrue(inv.isSymmetric(tolerance: 0), "the inverse is filled symmetric")
    }

    /// [[1,2],[2,1]] has eigenvalues −1 and 3: not positive definite; dpotrf stops at minor 2.
    func testCholeskyOfIndefiniteMatrixThrowsLAPACKError() throws {
        assertThrows(try Cholesky(Matrix(rowArrays: [[1, 2], [2, 1]])), as: LAPACKError.self) { e in
            XCTAssertEqual(e.function, "dpotrf")
            XCTAssertEqual(e.info, 2)
            XCTAssertTrue(e.description.contains("not positive definite"))
        }
    }

    /// A = [[0,2,1],[1,1,0],[3,0,1]]: det = 0·1 − 2·(1 − 0) + 1·(0 − 3) = −5 by cofactor expansion.
    func testLUSolveDeterminantInverse() throws {
        let a = try Matrix(rowArrays: [[0, 2, 1], [1, 1, 0], [3, 0, 1]])
        let lu = try LUDecomposition(a)
        assertClose(log(5), lu.logAbsDeterminant.value, tolerance: 1e-14, "|det| = 5")
        XCTAssertEqual(lu.logAbsDeterminant.sign, -1, "det = −5 < 0 (the pivoting permutation's sign counts)")
        let x = [2.0, -1.0, 0.5]
        assertClose(x, try lu.solve(a.multiply(x)), tolerance: 1e-14, "small integer matrix, cond ≈ 5")
        assertClose(x, try lu.solve(a.transposed().multiply(x), transpose: true), tolerance: 1e-14, "Aᵀ x = b")
        assertClose(Matrix.identity(3).data, (a * (try a.inverse())).data, tolerance: 1e-14, "A A⁻¹ = I")
        assertClose(x, try a.solve(Matrix(rows: 3, cols: 1, columnMajor: a.multiply(x))).data, tolerance: 1e-14)
        assertThrows(try LUDecomposition(Matrix(rowArrays: [[1, 2], [2, 4]])), as: LAPACKError.self) { error in
            XCTAssertEqual(error.function, "dgetrf", "singular matrix: \(error)")
        }
    }

    /// y = (1, 3, 2, 5) on x = (0, 1, 2, 3) with an intercept, by hand:
    /// x̄ = 1.5, ȳ = 2.75, Sxx = 2.25 + 0.25 + 0.25 + 2.25 = 5,
    /// Sxy = (−1.5)(−1.75) + (−0.5)(0.25) + (0.5)(−0.75) + (1.5)(2.25) = 5.5,
    /// slope = 5.5/5 = 1.1, intercept = 2.75 − 1.1·1.5 = 1.1;
    /// fitted 1.1, 2.2, 3.3, 4.4, residuals −0.1, 0.8, −1.3, 0.6, RSS = 2.7;
    /// XᵀX = [[4, 6], [6, 14]], det 20, (XᵀX)⁻¹ = [[0.7, −0.3], [−0.3, 0.2]].
    func testLeastSquaresHandComputedCase() throws {
        let x = try Matrix(columns: [[1, 1, 1, 1], [0, 1, 2, 3]])
        let fit = try LeastSquares(x: x, y: [1, 3, 2, 5])
        // Values are short decimals; QR reproduces them to a few ε.
        assertClose([1.1, 1.1], fit.coefficients, tolerance: 1e-14, "hand computation above")
        assertClose([-0.1, 0.8, -1.3, 0.6], fit.residuals, tolerance: 1e-14, "hand computation above")
        assertClose(2.7, fit.residualSumOfSquares, tolerance: 1e-14, "hand computation above")
        let v = try fit.xtxInverse()
        assertClose([0.7, -0.3, -0.3, 0.2], v.data, tolerance: 1e-14, "hand computation above")
    }

    func testLeastSquaresRejectsCollinearDesign() throws {
        // Column 2 = 2 × column 1: rank 2 of 3.
        let x = try Matrix(columns: [[1, 1, 1, 1, 1], [0, 1, 2, 3, 4], [0, 2, 4, 6, 8]])
        assertThrows(try LeastSquares(x: x, y: [1, 2, 3, 4, 6]), as: CollinearColumnError.self) { error in
            XCTAssertEqual(error.column, 2, "the error carries the column")
        }
        assertThrows(try LeastSquares(x: x, y: [1, 2, 3]), as: NumericsError.self) { error in
            XCTAssertTrue("\(error)".contains("y has 3"), "\(error)")
        }
        assertThrows(try LeastSquares(x: Matrix(rows: 2, cols: 3), y: [1, 2]), as: NumericsError.self, "more regressors than observations")
    }
}
