@testable import Estimators
@testable import Numerics
import XCTest

/// The lag likelihood's search on the spectrum's Hermite interpolant (`SpectrumSurrogate`), finished
/// by Newton steps on the exact score, ends where the search on the exact log-determinant ends.
final class SpectrumSurrogateSearchTests: XCTestCase {
    /// The exact spectrum without its surrogate: the search then runs on the exact values.
    struct WithoutSurrogate: LogDeterminantSource {
        let base: WeightSpectrum
        var method: LogDeterminantMethod { base.method }
        func logDeterminant(rho: Double) -> Double { base.logDeterminant(rho: rho) }
        func traceG(rho: Double) -> Double { base.traceG(rho: rho) }
        func traceG2(rho: Double) -> Double { base.traceG2(rho: rho) }
        func accuracy(rho: Double) -> LogDeterminantAccuracy { base.accuracy(rho: rho) }
        func screenedLogDeterminant(rho: Double) -> ScreenedValue? { base.screenedLogDeterminant(rho: rho) }
    }

    func testInterpolantIsCloseToTheExactLogDeterminantInside() throws {
        let p = try SyntheticSDMPanel(n: 120, t: 2, seed: 11)
        let w = try SpatialWeights(sparse: p.weights, logDeterminant: .exact)
        let spectrum = try XCTUnwrap(w.spectrum)
        let surrogate = try XCTUnwrap(spectrum.surrogate)
        let (lo, hi) = w.stableInterval
        // Inside the nodes (de Boor's bound, h⁴/384·max|f⁗|) and the exact value outside them.
        for k in 1..<200 {
            let rho = lo + (hi - lo) * Double(k) / 200
            let u = (rho - surrogate.first) / surrogate.step
            let inside = u >= 0 && u <= Double(SpectrumSurrogate.intervals)
            let bound = inside ? 1e-4 : 1e-12 * max(1, abs(spectrum.logDeterminant(rho: rho)))
            XCTAssertEqual(surrogate.logDeterminant(rho: rho), spectrum.logDeterminant(rho: rho), accuracy: bound, "ρ = \(rho)")
        }
    }

    func testSearchOnTheInterpolantEndsAtTheExactMaximum() throws {
        for (n, seed) in [(80, UInt64(3)), (150, UInt64(5))] {
            let p = try SyntheticSDMPanel(n: n, t: 6, seed: seed)
            let w = try SpatialWeights(sparse: p.weights, logDeterminant: .exact)
            for spec in [SpatialBenchmark.spec, SpatialModelSpec(model: .sar, effects: .individual, approach: .direct, durbin: .none)] {
                let d = try SpatialDesign(spec: spec, panel: p.panel, weights: w)
                XCTAssertNotNil(w.logDeterminant.searchSurrogate)
                let fast = try SpatialEstimator.fitLag(d, weights: w)
                let exact = try SpatialEstimator.fitLag(d, logDeterminant: WithoutSurrogate(base: try XCTUnwrap(w.spectrum)),
                                                        interval: w.stableInterval, gridPoints: 41)
                XCTAssertEqual(fast.termination, .converged)
                XCTAssertEqual(exact.termination, .converged)
                // Both are certified by a Newton step below 1e-12 on the same exact score.
                XCTAssertEqual(try XCTUnwrap(fast.spatial), try XCTUnwrap(exact.spatial), accuracy: 1e-10)
                for (a, b) in zip(fast.coefficients, exact.coefficients) { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(b))) }
            }
        }
    }
}
