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

    /// A W with every pair linked (decay with distance on a line), held dense with a symmetric form.
    private func denseWeights(_ n: Int) throws -> SpatialWeights {
        var c = Matrix(rows: n, cols: n)
        for i in 0..<n { for j in 0..<n where i != j { c[i, j] = exp(-Double(abs(i - j)) / 3) } }
        let w = try SpatialWeights.rowStandardised(c)
        XCTAssertNil(w.sparse, "the dense path")
        XCTAssertNotNil(w.spectrum?.symmetricForm)
        return w
    }

    /// G(ρ_k)v_k for several vectors (`applyG(_:rhos:weights:)`) is each vector's `applyG` alone bit for
    /// bit — at N = 300 (OpenBLAS splits the inner dimension of 300 into two blocks) and N = 40, with
    /// blocks of even widths side by side in one pair of products, and with odd widths (taken one by one:
    /// side by side, a column that is a product's odd last one alone would round otherwise).
    func testBatchedApplyGEqualsSeparateBitForBit() throws {
        let stream = RandomStream(seed: 11, purpose: 3)
        for n in [300, 40] {
            let w = try denseWeights(n)
            for widths in [[18, 18], [6, 18, 2, 4], [5, 18, 3], [1, 2]] {
                let vs = widths.map { t in (0..<(n * t)).map { _ in stream.normal() } }
                let rhos = widths.indices.map { 0.1 + 0.2 * Double($0) }
                let together = try SpatialOperators.applyG(vs, rhos: rhos, weights: w)
                for k in vs.indices {
                    let alone = try SpatialOperators.applyG(vs[k], rho: rhos[k], weights: w)
                    XCTAssertEqual(together[k].map(\.bitPattern), alone.map(\.bitPattern), "N = \(n), widths \(widths), vector \(k)")
                }
            }
        }
    }

    /// With the replication's fits planned and T even, the first fit on a W estimates the later ones on it
    /// and forms their analytic variances together; each later fit is then served its entry. With T odd
    /// nothing is estimated ahead. Either way every fit is the separate fit bit for bit (point estimates,
    /// every variance, log-likelihood).
    func testPlannedFitsBatchVariancesAndEqualSeparateFitsBitForBit() throws {
        for t in [6, 5] { try checkPlannedFits(t: t) }
    }

    private func checkPlannedFits(t: Int) throws {
        let w = try denseWeights(40)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: t, rho: 0.35, beta: [1, -0.5], theta: [0.3, 0.2], seed: 29)
        let sdm = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let sar = SpatialModelSpec(model: .sar, effects: .twoWays, approach: .leeYu, durbin: .none)
        let sem = SpatialModelSpec(model: .sem, effects: .twoWays, approach: .leeYu, durbin: .none)
        let runs = [(sdm, SpatialVarianceMethod.analytic), (sdm, .cluster), (sem, .analytic), (sar, .analytic), (sar, .cluster)]
        let shared = SharedSpatialFits()
        for (spec, _) in runs { shared.plan(spec, weightsName: "dense") }
        var served: [Bool] = []
        for (spec, variance) in runs {
            served.append(shared.entries[SharedSpatialFits.FitKey(weights: "dense", spec: spec)] != nil)
            let got = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: variance, shared: (shared, "dense"))
            let expected = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: variance)
            XCTAssertEqual(got.coefficients.map(\.bitPattern), expected.coefficients.map(\.bitPattern), "\(spec.model) \(variance), T = \(t)")
            XCTAssertEqual(got.rho?.bitPattern, expected.rho?.bitPattern)
            XCTAssertEqual(got.lambda?.bitPattern, expected.lambda?.bitPattern)
            XCTAssertEqual(got.vcov.data.map(\.bitPattern), expected.vcov.data.map(\.bitPattern), "\(spec.model) \(variance), T = \(t)")
            XCTAssertEqual(got.logLikelihood.bitPattern, expected.logLikelihood.bitPattern)
        }
        // With T even sdm estimated sar ahead (a lag model on the same W) but not sem (its variance takes no
        // product with V); with T odd nothing ahead.
        XCTAssertEqual(served, [false, true, false, t % 2 == 0, true], "T = \(t)")
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
