import Numerics
import TestSupport
import XCTest

/// The sparse representation of W against the dense one on small matrices, where every
/// quantity has an exact dense reference (LU, Cholesky, eigenvalues).
final class SparseWeightsTests: XCTestCase {
    /// Row-standardised connectivity of `n` points on a circle-ish layout: each unit linked
    /// to the next `k` units; `symmetric` adds the reverse links (then W has a symmetric form).
    func ring(_ n: Int, k: Int, symmetric: Bool) throws -> SparseMatrix {
        var t: [(row: Int, col: Int, value: Double)] = []
        for i in 0..<n {
            for d in 1...k {
                let j = (i + d * d) % n   // irregular offsets so W is not circulant
                if j != i { t.append((i, j, 1)); if symmetric { t.append((j, i, 1)) } }
            }
            // Irregular degrees, so a row-standardised W is not itself symmetric.
            if i % 5 == 0 { let j = (i + n / 2) % n; t.append((i, j, 1)); if symmetric { t.append((j, i, 1)) } }
        }
        return try SparseMatrix(rows: n, cols: n, triplets: t).pattern().rowStandardised()
    }

    func testSparseMatrixOperationsMatchDense() throws {
        let a = try ring(23, k: 3, symmetric: false)
        let b = try ring(23, k: 2, symmetric: true)
        let da = a.dense(), db = b.dense()
        assertClose((da * db).data, (a * b).dense().data, tolerance: 1e-15)
        XCTAssertEqual(a.transposed().dense(), da.transposed())
        let x = (0..<23).map { sin(Double($0)) }
        assertClose(da.multiply(x), a.multiply(x), tolerance: 1e-15)
        let ab = da * db
        let trace = (0..<23).reduce(0.0) { $0 + ab[$1, $1] }
        assertClose(trace, SparseMatrix.traceOfProduct(a, bTransposed: b.transposed()), tolerance: 1e-14)
        let dup = try SparseMatrix(rows: 2, cols: 2, triplets: [(0, 1, 1), (0, 1, 2), (1, 0, 0)])
        XCTAssertEqual(dup.nonzeroCount, 1, "duplicates summed, exact zeros dropped")
        XCTAssertEqual(dup[0, 1], 3)
        XCTAssertThrowsError(try SparseMatrix(rows: 2, cols: 2, triplets: [(2, 0, 1)]))
    }

    func testCholmodLogDeterminantAndSolveMatchDense() throws {
        // The symmetric form of a row-standardised symmetric C is D^{-1/2} C D^{-1/2}.
        let c = try ring(40, k: 3, symmetric: true).pattern()
        let d = c.rowSums().map { 1 / $0.squareRoot() }
        let s = c.scaled(left: d, right: d)
        let system = try SymmetricSparseSystem(s)
        for rho in [-0.9, 0.0, 0.4, 0.95] {
            var a = Matrix.identity(40)
            for k in 0..<a.data.count { a.data[k] -= rho * s.dense().data[k] }
            let reference = try Cholesky(a)
            // log det from a dense Cholesky: both are backward stable, so agreement to ~N·ε·|log d|.
            assertClose(reference.logDeterminant, try XCTUnwrap(try system.logDeterminant(rho: rho)), tolerance: 1e-12)
            let b = (0..<80).map { cos(Double($0)) }
            let x = try system.solve(rho: rho, b)
            assertClose(try reference.solve(Matrix(rows: 40, cols: 2, columnMajor: b)).data, x, tolerance: 1e-12)
        }
        XCTAssertNil(try system.logDeterminant(rho: 1.5), "I − 1.5S is indefinite: reported as nil, not a NaN")
    }

    func testSparseMethodsAgreeWithTheSpectrum() throws {
        let w = try ring(60, k: 3, symmetric: true)
        let exact = try SpatialWeights(sparse: w, logDeterminant: .exact)
        let sparse = try SpatialWeights(sparse: w, logDeterminant: .sparse)
        XCTAssertNil(sparse.spectrum)
        XCTAssertEqual(sparse.stableInterval.upper, 1, "row-standardised: 1/ω_max = 1 without eigenvalues")
        XCTAssertEqual(sparse.stableInterval.lower, -1)
        let spectrum = try XCTUnwrap(exact.spectrum)
        for rho in [-0.7, 0.2, 0.6, 0.9] {
            assertClose(spectrum.logDeterminant(rho: rho), sparse.logDeterminant.logDeterminant(rho: rho), tolerance: 1e-12)
            // Derivatives of a Chebyshev interpolant of exact values (LogDeterminant+Sparse.swift).
            assertClose(spectrum.traceG(rho: rho), sparse.logDeterminant.traceG(rho: rho), tolerance: 1e-8)
            assertClose(spectrum.traceG2(rho: rho), sparse.logDeterminant.traceG2(rho: rho), tolerance: 1e-6)
            let b = (0..<120).map { sin(0.3 * Double($0)) }
            let reference = try SpatialFilter(weights: exact, rho: rho).solvePanel(b)
            assertClose(reference, try sparse.sparseSolve(rho: rho, b), tolerance: 1e-12)
            assertClose(try SpatialFilter(weights: sparse, rho: rho).solvePanel(b), reference, tolerance: 1e-12)
            // Hutchinson on the antisymmetric part only: within 4 MCSEs of the spectral kernel's value
            // (plus the 1e-6 of the interpolated tr(G²) it is added to).
            let gtg = try sparse.sparseTraceGtG(rho: rho)
            XCTAssertGreaterThan(gtg.monteCarloSE, 0, "W is not symmetric, so G_a ≠ 0")
            assertClose(try XCTUnwrap(spectrum.traceGtG(rho: rho)), gtg.value, tolerance: 4 * gtg.monteCarloSE + 1e-6)
        }
    }

    func testWithoutASymmetricFormTheSeriesMethodsAndIterativeSolvesApply() throws {
        let w = try ring(50, k: 3, symmetric: false)
        XCTAssertThrowsError(try SpatialWeights(sparse: w, logDeterminant: .sparse), "no symmetric form, no Cholesky")
        let cheb = try SpatialWeights(sparse: w, logDeterminant: .chebyshev)
        var a = Matrix.identity(50)
        let dense = w.dense()
        for k in 0..<a.data.count { a.data[k] -= 0.5 * dense.data[k] }
        let b = (0..<50).map { Double($0 % 7) - 3 }
        let x = try cheb.sparseSolve(rho: 0.5, b)
        assertClose(try LUDecomposition(a).solve(Matrix(rows: 50, cols: 1, columnMajor: b)).data, x,
                    tolerance: 1e-11, "fixed point to 1e-13 of ‖b‖∞, contraction 0.5")
        let exact = try SpatialWeights(sparse: w, logDeterminant: .exact)
        XCTAssertFalse(exact.spectrum!.isReal, "the test needs a complex spectrum")
        // Complex spectrum: the Bernstein-ellipse bound (finite for |ρ| < 1/√2) holds.
        for rho in [-0.5, 0.3, 0.6] {
            let bound = cheb.logDeterminant.accuracy(rho: rho).truncationBound
            XCTAssertTrue(bound.isFinite)
            XCTAssertLessThanOrEqual(abs(exact.logDeterminant.logDeterminant(rho: rho) - cheb.logDeterminant.logDeterminant(rho: rho)), bound)
        }
        XCTAssertEqual(cheb.logDeterminant.accuracy(rho: 0.8).truncationBound, .infinity)
    }

    /// The interpolant used at ρ depends on ρ alone: a cache primed by other fits (another
    /// replication's ρ̂, another thread) must not change a single bit (the engine's contract).
    func testSparseTracesDoNotDependOnWhatWasAskedBefore() throws {
        let w = try ring(80, k: 3, symmetric: true)
        let fresh = try SpatialWeights(sparse: w, logDeterminant: .sparse)
        let primed = try SpatialWeights(sparse: w, logDeterminant: .sparse)
        for rho in [0.296, 0.3049, 0.31, -0.2] { _ = primed.logDeterminant.traceG(rho: rho) }
        for rho in [0.3, 0.3041, 0.9995] {
            XCTAssertEqual(fresh.logDeterminant.traceG(rho: rho).bitPattern, primed.logDeterminant.traceG(rho: rho).bitPattern)
            XCTAssertEqual(fresh.logDeterminant.traceG2(rho: rho).bitPattern, primed.logDeterminant.traceG2(rho: rho).bitPattern)
        }
    }

    func testAutoKeepsTheSpectrumForSmallW() throws {
        let w = try ring(30, k: 2, symmetric: true)
        XCTAssertEqual(try SpatialWeights(sparse: w, logDeterminant: .auto).logDeterminant.method, .exact)
        XCTAssertEqual(try SpatialWeights(w.dense(), logDeterminant: .auto).logDeterminant.method, .exact)
    }
}
