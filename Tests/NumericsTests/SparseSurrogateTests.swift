@testable import Numerics
import TestSupport
import XCTest

/// The two pieces that make a sparse fit cheaper (issue 22): the exact control variate of the
/// Hutchinson tr(GᵀG) and the low-order traces it shares with the search surrogate.
extension SparseWeightsTests {
    func testControlVariateMomentsMatchDense() throws {
        // A symmetric pattern (the sparse method's W) and an asymmetric one (chebyshev, mc).
        // With a symmetric form also through the similarity scaling (one accumulator, no transpose).
        let symmetricPattern = try ring(60, k: 3, symmetric: true)
        let scaling = try XCTUnwrap(SpatialWeights.similarityScaling(symmetricPattern))
        try checkControlVariateMoments(symmetricPattern, ControlVariateMoments(w: symmetricPattern, scaling: scaling))
        for symmetric in [true, false] {
            let w = try ring(60, k: 3, symmetric: symmetric)
            try checkControlVariateMoments(w, ControlVariateMoments(w: w))
        }
    }

    private func checkControlVariateMoments(_ w: SparseMatrix, _ moments: ControlVariateMoments) throws {
        let d = w.dense(), d2 = d * d
        for rho in [-0.5, 0.3, 0.8] {
            // ‖A₂‖²_F of G₂ = W + ρW² entry by entry.
            var a = 0.0
            for i in 0..<60 {
                for j in 0..<60 {
                    let g = d[i, j] + rho * d2[i, j], gt = d[j, i] + rho * d2[j, i]
                    a += 0.25 * (g - gt) * (g - gt)
                }
            }
            XCTAssertGreaterThan(a, 0, "the row-standardised ring is not symmetric")
            // Sums of about 60 · 40 products of terms ≤ 1 in another order than the dense ones.
            assertClose(a, moments.antisymmetricNorm(rho: rho), tolerance: 1e-12)
        }
        let d3 = d2 * d, d4 = d2 * d2
        let traces = [60, 0, d2.trace, d3.trace, d4.trace]
        assertClose(traces, moments.powerTraces(), tolerance: 1e-12)
    }

    /// The control variate leaves the estimator unbiased (within 4 MCSEs of the spectral value at
    /// every ρ, as the plain one) and stops at the first block of 8 probes whose MCSE is small enough.
    func testControlVariateTraceStopsEarlyAtTheSameAccuracy() throws {
        let w = try ring(60, k: 3, symmetric: true)
        let spectrum = try XCTUnwrap(try SpatialWeights(sparse: w, logDeterminant: .exact).spectrum)
        let sparse = try SpatialWeights(sparse: w, logDeterminant: .sparse)
        for rho in [-0.7, 0.2, 0.6, 0.9] {
            let all = try sparse.sparseTraceGtG(rho: rho, relativeTarget: 0)
            XCTAssertEqual(all.probes, 64, "a target of 0 uses every probe")
            let early = try sparse.sparseTraceGtG(rho: rho, relativeTarget: 1)
            XCTAssertEqual(early.probes, 8, "any MCSE meets a target of 100 %")
            let exact = try XCTUnwrap(spectrum.traceGtG(rho: rho))
            for e in [all, early] { assertClose(exact, e.value, tolerance: 4 * e.monteCarloSE + 1e-6) }
        }
    }
}

/// The sparse log-determinant's two costs per ρ (session 6): the interpolant's degree, chosen by its
/// truncation bound, and the factorisation of the pre-permuted matrix in either of CHOLMOD's forms.
extension SparseWeightsTests {
    /// The degree rule of `SparseLogDeterminant.degree`: 8 (9 factorisations, 13 before) for the usual ρ,
    /// more towards the ends of the interval, never less accurate than the bound asks — checked
    /// against the interpolant's own tail: the degree-16 interpolant on the same interval agrees
    /// with the chosen one within the bound (1e-13·N for tr(G), 1e-10·N for tr(G²)) plus rounding.
    func testInterpolantDegreeFollowsItsBound() throws {
        func degree(_ c: Double) -> Int {
            let d = min(c + 1, 1 - c)
            return SparseLogDeterminant.degree(halfWidth: min(SparseLogDeterminant.maximumHalfWidth, 0.1 * d), distance: d, size: 50_000)
        }
        XCTAssertEqual(degree(0.3), 8)
        XCTAssertEqual(degree(-0.3), 8)
        XCTAssertEqual(degree(0.6), 10)
        XCTAssertGreaterThan(degree(0.95), 12)
        XCTAssertEqual(SparseLogDeterminant.degree(halfWidth: 0.02, distance: 0.7, size: 10),
                       SparseLogDeterminant.degree(halfWidth: 0.02, distance: 0.7, size: 10_000_000), "the bound is relative to N")
        // Against the spectrum at the degrees the rule picks (−0.7 … 0.97): the traces stay exact to rounding.
        let w = try ring(200, k: 3, symmetric: true)
        let spectrum = try XCTUnwrap(try SpatialWeights(sparse: w, logDeterminant: .exact).spectrum)
        let sparse = try SpatialWeights(sparse: w, logDeterminant: .sparse)
        for rho in [-0.7, 0.0, 0.3, 0.55, 0.8, 0.97] {
            // tr(G) ≈ 10² and tr(G²) ≈ 10²–10⁴ here; rounding of the 9–16 log-determinants (≈ 1e-13 each)
            // amplified by the interpolant's derivative (about n²/h and n⁴/h²).
            assertClose(spectrum.traceG(rho: rho), sparse.logDeterminant.traceG(rho: rho), tolerance: 1e-8)
            assertClose(spectrum.traceG2(rho: rho), sparse.logDeterminant.traceG2(rho: rho), tolerance: 1e-5)
        }
    }

    /// log det(I − ρS) and solves for S = (adjacency of a p × q grid)/4, whose eigenvalues are
    /// (cos(πi/(p+1)) + cos(πj/(q+1)))/2: a small grid gets CHOLMOD's simplicial factor, a large one
    /// its supernodal factor, and both pre-permuted forms give the closed form and solve exactly.
    func testCholmodFactorsThePermutedMatrixInBothForms() throws {
        for (side, supernodal) in [(12, false), (130, true)] {
            var t: [(row: Int, col: Int, value: Double)] = []
            for i in 0..<side {
                for j in 0..<side {
                    let k = i * side + j
                    if i + 1 < side { t.append((k, k + side, 0.25)); t.append((k + side, k, 0.25)) }
                    if j + 1 < side { t.append((k, k + 1, 0.25)); t.append((k + 1, k, 0.25)) }
                }
            }
            let n = side * side
            let s = try SparseMatrix(rows: n, cols: n, triplets: t)
            let system = try SymmetricSparseSystem(s)
            for rho in [-0.8, 0.35, 0.9] {
                var exact = 0.0
                for i in 1...side {
                    for j in 1...side {
                        exact += log(1 - rho * (cos(Double.pi * Double(i) / Double(side + 1)) + cos(Double.pi * Double(j) / Double(side + 1))) / 2)
                    }
                }
                // Both sums are backward stable: N·ε·max|log(1 − ρω)| ≈ 1e-11 at N = 16,900.
                assertClose(exact, try XCTUnwrap(try system.logDeterminant(rho: rho)), tolerance: 1e-9)
                let b = (0..<(2 * n)).map { sin(0.01 * Double($0)) }
                let x = try system.solve(rho: rho, b)
                let sx = s.multiplyBlocks(x)
                // Residual of (I − ρS)x = b; the condition number is at most 1/(1 − 0.9).
                assertClose(b, (0..<(2 * n)).map { x[$0] - rho * sx[$0] }, tolerance: 1e-12)
            }
            XCTAssertEqual(try system.factorIsSupernodal, supernodal, "a \(side) × \(side) grid")
        }
    }
}
