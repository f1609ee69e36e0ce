@testable import Numerics
import TestSupport
import XCTest

/// The two pieces that make a sparse fit cheaper (issue 22): the exact control variate of the
/// Hutchinson tr(GᵀG) and the low-order traces it shares with the search surrogate.
extension SparseWeightsTests {
    func testControlVariateMomentsMatchDense() throws {
        let w = try ring(60, k: 3, symmetric: true)
        let d = w.dense(), d2 = d * d
        let moments = ControlVariateMoments(w: w)
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
