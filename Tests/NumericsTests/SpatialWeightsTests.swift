import Foundation
import Numerics
import TestSupport
import XCTest

/// How far two summation orders of W·x may differ (the BLAS kernel, the sparse loop and
/// dgemv vs dgemm each pick their own): a sum of n products has rounding error at most
/// n·ε·Σ_j |w_ij x_j| (Higham, Accuracy and Stability of Numerical Algorithms, §3.1),
/// so two orders differ by at most twice the largest row's bound.
func summationOrderBound(_ w: Matrix, _ x: [Double]) -> Double {
    var worst = 0.0
    for i in 0..<w.rows {
        var s = 0.0
        for j in 0..<w.cols { s += abs(w[i, j] * x[j]) }
        worst = max(worst, s)
    }
    return 2 * Double(w.cols) * Double.ulpOfOne * worst
}

/// Validation of W, its cached spectrum, and the O(N²) quantities built on it,
/// each checked against a direct dense computation (LU of I − ρW).
final class SpatialWeightsTests: XCTestCase {
    /// A ring with chords, row-standardised: C symmetric, W = D⁻¹C asymmetric but similar to a symmetric matrix.
    func ringWithChords(_ n: Int) throws -> Matrix {
        var c = Matrix(rows: n, cols: n)
        for i in 0..<n {
            c[i, (i + 1) % n] = 1; c[(i + 1) % n, i] = 1
            c[i, (i + 3) % n] = 1; c[(i + 3) % n, i] = 1
        }
        c[0, 5] = 1; c[5, 0] = 1
        return c
    }

    /// Direct dense references: log|det(I − ρW)| and G = W(I − ρW)⁻¹.
    func direct(_ w: Matrix, rho: Double) throws -> (logdet: Double, g: Matrix, lu: LUDecomposition) {
        var a = Matrix.identity(w.rows)
        for k in 0..<a.data.count { a.data[k] -= rho * w.data[k] }
        let lu = try LUDecomposition(a)
        return (lu.logAbsDeterminant.value, w * (try lu.inverse()), lu)
    }

    func testRejectsIslandsDiagonalsAndNegativeWeights() throws {
        var c = try ringWithChords(8)
        for j in 0..<8 { c[4, j] = 0; c[j, 4] = 0 }   // unit 5 loses every neighbour
        assertThrows(try SpatialWeights.rowStandardised(c), as: NumericsError.self) { error in
            XCTAssertTrue("\(error)".contains("unit 5 has no neighbours"), "\(error)")
        }
        assertThrows(try SpatialWeights(c), as: NumericsError.self) { error in
            XCTAssertTrue("\(error)".contains("island"), "\(error)")
        }
        var d = try ringWithChords(8)
        d[1, 1] = 0.5
        assertThrows(try SpatialWeights(d), as: NumericsError.self) { error in
            XCTAssertTrue("\(error)".contains("nonzero diagonal entry at unit 2"), "\(error)")
        }
        var e = try ringWithChords(8)
        e[2, 3] = -1
        assertThrows(try SpatialWeights(e), as: NumericsError.self) { error in XCTAssertTrue("\(error)".contains("negative"), "\(error)") }
        assertThrows(try SpatialWeights(Matrix(rows: 3, cols: 4)), as: NumericsError.self) { error in
            XCTAssertTrue("\(error)".contains("3×4"), "names the shape: \(error)")
        }
    }

    func testSimilarToSymmetricUsesTheSymmetricForm() throws {
        let w = try SpatialWeights.rowStandardised(ringWithChords(12))
        XCTAssertFalse(w.matrix.isSymmetric(tolerance: 1e-3), "row standardisation makes W asymmetric")
        XCTAssertNotNil(w.spectrum!.symmetricForm, "D⁻¹C with C symmetric is similar to D^{-1/2} C D^{-1/2}")
        XCTAssertTrue(w.spectrum!.isReal)
        let general = try GeneralEigenvalues(w.matrix)
        // dgeev on a 12×12 non-normal W vs dsyevd on its symmetric form: a few ε times the condition of the similarity.
        assertClose(general.real.sorted(), w.spectrum!.real, tolerance: 1e-12, "same spectrum both ways")
        assertClose(1, w.spectrum!.maximum, tolerance: 1e-12, "row-standardised W has ω_max = 1")
        let (lo, hi) = w.stableInterval
        assertClose(1, hi, tolerance: 1e-12)
        assertClose(1 / w.spectrum!.minimum, lo, tolerance: 1e-12)
        for rho in [-0.5, 0.0, 0.4, 0.9] {
            let ref = try direct(w.matrix, rho: rho)
            // 12×12 dense references are exact to rounding; the spectral forms sum 12 terms.
            assertClose(ref.logdet, w.spectrum!.logDeterminant(rho: rho), tolerance: 1e-12, "log det at ρ = \(rho)")
            assertClose(ref.g.trace, w.spectrum!.traceG(rho: rho), tolerance: 1e-11, "tr G at ρ = \(rho)")
            assertClose((ref.g * ref.g).trace, w.spectrum!.traceG2(rho: rho), tolerance: 1e-11, "tr G² at ρ = \(rho)")
            assertClose(Matrix.product(ref.g, ref.g, transposeA: true).trace, w.spectrum!.traceGtG(rho: rho)!,
                        tolerance: 1e-10, "tr GᵀG at ρ = \(rho)")
            let colSums = ref.g.multiply([Double](repeating: 1, count: 12), transpose: true)
            assertClose(Matrix.product(ref.g, ref.g, transposeA: true).trace - Vector.dot(colSums, colSums) / 12,
                        w.spectrum!.centredTraceGtG(rho: rho)!, tolerance: 1e-10, "tr GᵀG − ‖Gᵀ1‖²/N at ρ = \(rho)")
            let b = (0..<12).map { sin(Double($0)) }
            assertClose(try ref.lu.solve(b), try SpatialFilter(weights: w, rho: rho).solve(b), tolerance: 1e-12,
                        "(I − ρW)⁻¹ b at ρ = \(rho)")
        }
    }

    /// The screened log-determinant (one log per eight eigenvalues) lies within its stated bound
    /// of the exact routine's value over the stable interval, at a size with a partial last block;
    /// a complex spectrum has none.
    func testScreenedLogDeterminantIsWithinItsBound() throws {
        let w = try SpatialWeights.rowStandardised(ringWithChords(45))
        let (lo, hi) = w.stableInterval
        for k in 1...41 {
            let rho = lo + (hi - lo) * Double(k) / 42
            let exact = w.spectrum!.logDeterminant(rho: rho)
            let s = try XCTUnwrap(w.spectrum!.screenedLogDeterminant(rho: rho), "real spectrum at ρ = \(rho)")
            XCTAssertLessThanOrEqual(abs(s.value - exact), s.bound, "ρ = \(rho)")
            XCTAssertLessThan(s.bound, 1e-9, "the bound stays far below any likelihood difference that matters")
        }
        var cycle = Matrix(rows: 3, cols: 3)
        cycle[0, 1] = 1; cycle[1, 2] = 1; cycle[2, 0] = 1
        XCTAssertNil(try SpatialWeights(cycle).spectrum!.screenedLogDeterminant(rho: 0.3), "complex eigenvalues")
    }

    /// Row-standardised k = 1 nearest neighbours of points 0, 1, 3, 7, 15 on a line:
    /// 0→1, 1→0, 3→1, 7→3, 15→7. The relation is not mutual (3 points to 1, 1 not to 3),
    /// so no symmetric form exists. Its spectrum is {1, −1, 0, 0, 0} (a 2-cycle and a tree),
    /// hence log|I − ρW| = log(1 − ρ²).
    func testNonSymmetrisableWeightsFallBackToGeneralEigenvalues() throws {
        let positions = [0.0, 1, 3, 7, 15]
        var c = Matrix(rows: 5, cols: 5)
        for i in 0..<5 {
            let nearest = (0..<5).filter { $0 != i }.min { abs(positions[$0] - positions[i]) < abs(positions[$1] - positions[i]) }!
            c[i, nearest] = 1
        }
        let w = try SpatialWeights.rowStandardised(c)
        XCTAssertNil(w.spectrum!.symmetricForm)
        XCTAssertNil(w.spectrum!.traceGtG(rho: 0.3), "tr GᵀG needs the symmetric form")
        // The zero eigenvalue is defective (a Jordan block), so dgeev finds it only to ≈ ε^{1/3};
        // log det and traces are symmetric functions of the cluster and stay accurate.
        assertClose(1, w.spectrum!.maximum, tolerance: 1e-12)
        assertClose(-1, w.spectrum!.minimum, tolerance: 1e-12)
        for rho in [-0.7, 0.3, 0.8] {
            let ref = try direct(w.matrix, rho: rho)
            assertClose(log(1 - rho * rho), ref.logdet, tolerance: 1e-14, "closed form vs LU")
            assertClose(ref.logdet, w.spectrum!.logDeterminant(rho: rho), tolerance: 1e-10, "log det at ρ = \(rho)")
            assertClose(ref.g.trace, w.spectrum!.traceG(rho: rho), tolerance: 1e-10, "tr G at ρ = \(rho)")
            assertClose((ref.g * ref.g).trace, w.spectrum!.traceG2(rho: rho), tolerance: 1e-10, "tr G² at ρ = \(rho)")
            let b = [1.0, -2, 0.5, 3, -1]
            assertClose(try ref.lu.solve(b), try SpatialFilter(weights: w, rho: rho).solve(b), tolerance: 1e-13,
                        "the filter uses LU for this W")
        }
    }

    /// A directed 3-cycle plus a reciprocal pair has genuinely complex eigenvalues
    /// (the cube roots of unity); log det, tr G and tr G² must use them as complex numbers.
    func testComplexSpectrumQuantitiesMatchDenseComputation() throws {
        var c = Matrix(rows: 5, cols: 5)
        c[0, 1] = 1; c[1, 2] = 1; c[2, 0] = 1   // 0 → 1 → 2 → 0
        c[3, 4] = 1; c[4, 3] = 1; c[3, 0] = 1
        let w = try SpatialWeights.rowStandardised(c)
        XCTAssertNil(w.spectrum!.symmetricForm)
        XCTAssertFalse(w.spectrum!.isReal)
        for rho in [-0.6, 0.5, 0.9] {
            let ref = try direct(w.matrix, rho: rho)
            assertClose(ref.logdet, w.spectrum!.logDeterminant(rho: rho), tolerance: 1e-12, "log det at ρ = \(rho)")
            assertClose(ref.g.trace, w.spectrum!.traceG(rho: rho), tolerance: 1e-12, "tr G at ρ = \(rho)")
            // tr G² reaches ≈ 100 at ρ = 0.9: the tolerance is relative, 1e-12 × max(1, |tr G²|).
            let g2 = (ref.g * ref.g).trace
            assertClose(g2, w.spectrum!.traceG2(rho: rho), tolerance: 1e-12 * max(1, abs(g2)), "tr G² at ρ = \(rho)")
        }
    }

    func testSpatialFilterOutsideStableIntervalThrows() throws {
        let w = try SpatialWeights.rowStandardised(ringWithChords(10))
        let (lo, hi) = w.stableInterval
        for rho in [hi, hi + 0.1, lo, lo - 0.1] {
            assertThrows(try SpatialFilter(weights: w, rho: rho), as: NumericsError.self) { error in
                XCTAssertTrue("\(error)".contains("outside the stable interval"), "\(error)")
            }
        }
        XCTAssertNoThrow(try SpatialFilter(weights: w, rho: 0.99 * hi))
    }

    /// W applied to a time-major panel (index t·N + i) equals W applied period by period.
    func testApplyPanelIsPeriodByPeriod() throws {
        let w = try SpatialWeights.rowStandardised(ringWithChords(8))
        let periods = 3
        let y = (0..<(8 * periods)).map { Double($0 * $0 % 7) - 2 }
        let wy = w.applyPanel(y)
        var bound = 0.0
        for t in 0..<periods {
            let slice = Array(y[(t * 8)..<((t + 1) * 8)])
            let tolerance = summationOrderBound(w.matrix, slice)
            bound = max(bound, tolerance)
            assertClose(w.apply(slice), Array(wy[(t * 8)..<((t + 1) * 8)]), tolerance: tolerance, "period \(t)")
        }
        let x = try Matrix(columns: [y, y.map { -$0 }])
        let wx = w.applyPanel(x)
        assertClose(wy, wx.column(0), tolerance: bound, "one column or two: the kernel may order the sums differently")
        assertClose(wy.map { -$0 }, wx.column(1), tolerance: bound)
        let f = try SpatialFilter(weights: w, rho: 0.5)
        let z = try f.solvePanel(y)
        // (I − ρW) z = y period by period.
        let back = zip(z, w.applyPanel(z)).map { $0 - 0.5 * $1 }
        assertClose(y, back, tolerance: 1e-13)
    }

    /// A sparse W with the exact method keeps its spectrum for the log-determinant and traces but
    /// forms G·v from a sparse factorisation of I − ρS (issue 22): the same as the dense G to the
    /// accuracy of a well-conditioned solve (κ(I − ρS) ≤ (1 + |ρ|)/(1 − |ρ|) here).
    func testSparseExactWeightsApplyGByFactorisation() throws {
        let n = 40, t = 3
        let w = try SpatialWeights.rowStandardised(try ringWithChords(n))
        XCTAssertNotNil(w.spectrum)
        XCTAssertTrue(w.factorisesG, "a sparse symmetrisable W factorises G even with its spectrum")
        let v = RandomStream(seed: 8).normals(n * t)
        for rho in [-0.6, 0.0, 0.35, 0.9] {
            let g = try direct(w.matrix, rho: rho).g
            let fast = try w.sparseApplyG(rho: rho, v)
            let cond = (1 + abs(rho)) / (1 - abs(rho))
            for p in 0..<t {
                let block = Array(v[(p * n)..<((p + 1) * n)])
                let reference = g.multiply(block)
                let scale = block.map(abs).max()! * g.data.map(abs).max()! * Double(n)
                assertClose(reference, Array(fast[(p * n)..<((p + 1) * n)]), tolerance: 64 * cond * Double.ulpOfOne * scale, "rho = \(rho)")
            }
        }
        var full = Matrix(rows: n, cols: n)
        for j in 0..<n { for i in 0..<n where i != j { full[i, j] = 1 / Double(n - 1) } }
        XCTAssertFalse(try SpatialWeights(full).factorisesG, "a dense W goes through its spectrum")
    }
}

final class SpatialWeightsProductTests: XCTestCase {
    /// A sparse W (ring with chords, density < 25%) takes the compressed-row path; a dense one
    /// (all pairs) the BLAS path. Both must equal the plain matrix product, period by period.
    func testPanelProductsMatchDenseProductOnBothPaths() throws {
        for dense in [false, true] {
            let n = 30, t = 4
            var c = Matrix(rows: n, cols: n)
            for i in 0..<n {
                for j in 0..<n where i != j && (dense || abs(i - j) == 1 || abs(i - j) == 7) {
                    c[i, j] = 1 / Double(1 + abs(i - j))
                }
            }
            let w = try SpatialWeights.rowStandardised(c)
            let rs = RandomStream(seed: 3)
            let y = rs.normals(n * t)
            let x = try Matrix(rows: n * t, cols: 2, columnMajor: rs.normals(2 * n * t))
            let wy = w.applyPanel(y)
            let wx = w.applyPanel(x)
            for p in 0..<t {
                let block = Array(y[(p * n)..<((p + 1) * n)])
                assertClose(w.matrix.multiply(block), Array(wy[(p * n)..<((p + 1) * n)]),
                            tolerance: summationOrderBound(w.matrix, block), "dense=\(dense)")
                for k in 0..<2 {
                    let slice = Array(x.column(k)[(p * n)..<((p + 1) * n)])
                    assertClose(w.matrix.multiply(slice), Array(wx.column(k)[(p * n)..<((p + 1) * n)]),
                                tolerance: summationOrderBound(w.matrix, slice), "dense=\(dense)")
                }
            }
            let first = Array(y[0..<n])
            assertClose(w.matrix.multiply(first), w.apply(first), tolerance: summationOrderBound(w.matrix, first))
        }
    }

}
