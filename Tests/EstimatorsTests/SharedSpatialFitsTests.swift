@testable import Estimators
import Numerics
import TestSupport
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

    /// The dense lag design forms W·[X, y] in one product when T is even (two products when odd), and a
    /// later lag design on the same panel and effects copies Q[X] from it: the W-lags and Q(Wy) equal the
    /// lags formed column by column within rounding, and the copied design is the one formed alone, bit for bit.
    func testJointLagProductAndSharedRegressors() throws {
        // Every pair linked (decay with distance on a line), so W is held dense.
        var c = Matrix(rows: 30, cols: 30)
        for i in 0..<30 { for j in 0..<30 where i != j { c[i, j] = exp(-Double(abs(i - j)) / 3) } }
        let w = try SpatialWeights.rowStandardised(c)
        XCTAssertNil(w.sparse, "the dense path")
        let sdm = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let sar = SpatialModelSpec(model: .sar, effects: .twoWays, approach: .leeYu, durbin: .none)
        for t in [4, 5] {
            let panel = try SpatialTestData.simulatedSDM(weights: w, t: t, rho: 0.35, beta: [1, -0.5], theta: [0.3, 0.2], seed: 23)
            let d = try SpatialDesign(spec: sdm, panel: panel, weights: w)
            let k = panel.x.cols, len = panel.x.rows
            XCTAssertEqual(d.z.cols, 2 * k)
            // Each lag alone: W on one column, then Q. A row of W sums 29 terms of at most max|x| in total
            // (W row-standardised), so two orders differ by at most 2·29·u·max|x|; Q adds and subtracts
            // three means of such values.
            func close(_ got: ArraySlice<Double>, _ want: [Double], raw: [Double], _ what: String) {
                let scale = raw.reduce(0) { max($0, abs($1)) }
                assertClose(want, Array(got), tolerance: 4 * 2 * 29 * Double.ulpOfOne * max(scale, 1), "\(what), T = \(t)")
            }
            for j in 0..<k {
                let column = Array(panel.x.data[(j * len)..<((j + 1) * len)])
                let lag = WithinTransform.apply(w.applyPanel(column), n: 30, t: t, effects: .twoWays)
                close(d.z.data[((k + j) * len)..<((k + j + 1) * len)], lag, raw: column, "W-lag of column \(j)")
                XCTAssertEqual(d.z.data[(j * len)..<((j + 1) * len)].map(\.bitPattern),
                               WithinTransform.apply(column, n: 30, t: t, effects: .twoWays).map(\.bitPattern), "Q of column \(j), T = \(t)")
            }
            close(d.wy[...], WithinTransform.apply(w.applyPanel(panel.y), n: 30, t: t, effects: .twoWays), raw: panel.y, "Q(Wy)")
            XCTAssertEqual(d.y.map(\.bitPattern), WithinTransform.apply(panel.y, n: 30, t: t, effects: .twoWays).map(\.bitPattern))

            let alone = try SpatialDesign(spec: sar, panel: panel, weights: w)
            let copied = try SpatialDesign(spec: sar, panel: panel, weights: w, outcome: d.outcome, regressors: d.regressorColumns)
            XCTAssertEqual(copied.z.cols, k)
            XCTAssertEqual(copied.z.data.map(\.bitPattern), alone.z.data.map(\.bitPattern), "T = \(t)")
            // And the other way: an SDM design after the SAR's Q[X].
            let after = try SpatialDesign(spec: sdm, panel: panel, weights: w, regressors: alone.regressorColumns)
            XCTAssertEqual(after.z.data.map(\.bitPattern), d.z.data.map(\.bitPattern), "T = \(t)")
            XCTAssertEqual(after.wy.map(\.bitPattern), d.wy.map(\.bitPattern), "T = \(t)")
        }
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
