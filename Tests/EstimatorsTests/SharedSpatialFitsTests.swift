import Estimators
import Numerics
import XCTest

/// Estimators of one replication that differ only in their variance share the design, point fit
/// and analytic covariance (`SharedSpatialFits`); a shared fit must be the separate fit bit for bit,
/// and fits on another W or model must not be served from the cache.
final class SharedSpatialFitsTests: XCTestCase {
    func testSharedFitsEqualSeparateFitsBitForBit() throws {
        let w = try SpatialTestData.ringWeights(30)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 5, rho: 0.35, beta: [1, -0.5], theta: [0.3, 0.2], seed: 17)
        let sdm = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let sar = SpatialModelSpec(model: .sar, effects: .twoWays, approach: .leeYu, durbin: .none)
        let shared = SharedSpatialFits()
        let fits = [(sdm, SpatialVarianceMethod.analytic), (sdm, .cluster), (sar, .analytic), (sar, .cluster)].map { spec, v in
            (try? SpatialEstimator.fit(spec, panel: panel, weights: w, variance: v, shared: (shared, "ring")),
             try? SpatialEstimator.fit(spec, panel: panel, weights: w, variance: v))
        }
        for (got, expected) in fits {
            let g = try XCTUnwrap(got), e = try XCTUnwrap(expected)
            XCTAssertEqual(g.coefficients.map(\.bitPattern), e.coefficients.map(\.bitPattern))
            XCTAssertEqual(g.rho?.bitPattern, e.rho?.bitPattern)
            XCTAssertEqual(g.vcov.data.map(\.bitPattern), e.vcov.data.map(\.bitPattern))
            XCTAssertEqual(g.logLikelihood.bitPattern, e.logLikelihood.bitPattern)
            XCTAssertEqual(g.varianceMethod, e.varianceMethod)
        }
        // The SAR fits were not served the SDM's entry: different coefficient counts.
        XCTAssertNotEqual(fits[0].0?.coefficients.count, fits[2].0?.coefficients.count)
    }

    func testLeastSquaresOnOneFactorEqualsSeparateFits() throws {
        let stream = RandomStream(seed: 5, purpose: 9)
        var x = Matrix(rows: 40, cols: 4)
        for k in 0..<x.data.count { x.data[k] = stream.normal() }
        let ys = (0..<3).map { _ in (0..<40).map { _ in stream.normal() } }
        let joint = try LeastSquares.fits(x: x, ys: ys)
        for (y, fit) in zip(ys, joint) {
            let alone = try LeastSquares(x: x, y: y)
            XCTAssertEqual(fit.coefficients.map(\.bitPattern), alone.coefficients.map(\.bitPattern))
            XCTAssertEqual(fit.residuals.map(\.bitPattern), alone.residuals.map(\.bitPattern))
        }
    }
}
