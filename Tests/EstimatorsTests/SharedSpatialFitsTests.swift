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

    /// Twice the rounding bound of one evaluation of G(ρ)v = D^{-1/2} U diag(g) Uᵀ D^{1/2} v through the
    /// symmetric form: each product with U of N terms errs by at most γ_N times the product of absolute
    /// values (Higham 2002, §3.5), the row scalings by a few units in the last place, so two evaluations
    /// that sum in different orders (side by side or alone) differ by at most this, element by element.
    private func applyGRoundingBound(_ v: [Double], rho: Double, weights: SpatialWeights) throws -> [Double] {
        let spectrum = try XCTUnwrap(weights.spectrum), f = try XCTUnwrap(spectrum.symmetricForm)
        let n = weights.count, t = v.count / n
        let u = Double.ulpOfOne / 2, gamma = Double(n) * u / (1 - Double(n) * u)
        var absU = f.vectors
        for k in absU.data.indices { absU.data[k] = abs(absU.data[k]) }
        var z = Matrix(rows: n, cols: t)
        for j in 0..<t { for i in 0..<n { z[i, j] = abs(v[i + j * n]) * f.sqrtR[i] } }
        var c = Matrix.product(absU, z, transposeA: true)
        for j in 0..<t { for i in 0..<n { c[i, j] *= abs(spectrum.real[i] / (1 - rho * spectrum.real[i])) } }
        let out = absU * c
        return (0..<(n * t)).map { k in 2 * (2 * gamma + 8 * u) * out.data[k] * f.invSqrtR[k % n] }
    }

    /// G(ρ_k)v_k for several vectors (`applyG(_:rhos:weights:)`) is each vector's `applyG` alone — at N = 300
    /// (OpenBLAS splits the inner dimension of 300 into two blocks) and N = 40, with blocks of even widths
    /// side by side in one pair of products, and with odd widths (taken one by one). On this machine's
    /// OpenBLAS the even-width blocks give the separate products' bits (dgemm runs the inner dimension in
    /// one order for every column but a product's odd last one), but that is the BLAS build's property,
    /// not the code's: another CPU's kernels may round side-by-side columns otherwise. So the test holds
    /// every element to the rounding bound of the two evaluations (a misplaced block or a wrong ρ would
    /// be off by far more), and reports whether the bits agreed.
    func testBatchedApplyGEqualsSeparateToRounding() throws {
        let stream = RandomStream(seed: 11, purpose: 3)
        var identical = true
        for n in [300, 40] {
            let w = try denseWeights(n)
            for widths in [[18, 18], [6, 18, 2, 4], [5, 18, 3], [1, 2]] {
                let vs = widths.map { t in (0..<(n * t)).map { _ in stream.normal() } }
                let rhos = widths.indices.map { 0.1 + 0.2 * Double($0) }
                let together = try SpatialOperators.applyG(vs, rhos: rhos, weights: w)
                for k in vs.indices {
                    let alone = try SpatialOperators.applyG(vs[k], rho: rhos[k], weights: w)
                    let bound = try applyGRoundingBound(vs[k], rho: rhos[k], weights: w)
                    XCTAssertEqual(together[k].count, alone.count)
                    for i in alone.indices where abs(together[k][i] - alone[i]) > bound[i] {
                        XCTFail("N = \(n), widths \(widths), vector \(k), element \(i): \(together[k][i]) vs \(alone[i]), bound \(bound[i])")
                        break
                    }
                    identical = identical && together[k].map(\.bitPattern) == alone.map(\.bitPattern)
                }
            }
        }
        print("SharedSpatialFitsTests: side-by-side G(ρ)v \(identical ? "has" : "does not have") the separate products' bits on this BLAS")
    }

    /// With the replication's fits planned and T even, the first fit on a W estimates the later ones on it
    /// and forms their analytic variances together; each later fit is then served its entry. With T odd
    /// nothing is estimated ahead. Either way every fit's point estimate and log-likelihood are the separate
    /// fit's bits (the same calls); its covariance is the separate one's bits whenever this BLAS gives the
    /// side-by-side products the separate ones' bits (checked here on the same shapes), and otherwise agrees
    /// to the products' rounding carried through the information matrix (relative 1e-9 of each SE pair: the
    /// products' bound is ≈ 1e-14 relative at N = 40, and this panel's information matrix is well conditioned).
    func testPlannedFitsBatchVariancesAndEqualSeparateFits() throws {
        for t in [6, 5] { try checkPlannedFits(t: t) }
    }

    private func checkPlannedFits(t: Int) throws {
        let w = try denseWeights(40)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: t, rho: 0.35, beta: [1, -0.5], theta: [0.3, 0.2], seed: 29)
        let sdm = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let sar = SpatialModelSpec(model: .sar, effects: .twoWays, approach: .leeYu, durbin: .none)
        let sem = SpatialModelSpec(model: .sem, effects: .twoWays, approach: .leeYu, durbin: .none)
        let runs = [(sdm, SpatialVarianceMethod.analytic), (sdm, .cluster), (sem, .analytic), (sar, .analytic), (sar, .cluster)]
        // Whether this BLAS gives side-by-side products of these widths the separate ones' bits.
        let probe = [(0..<(40 * t)).map { sin(Double($0)) }, (0..<(40 * t)).map { cos(Double($0) * 0.7) }]
        let together = try SpatialOperators.applyG(probe, rhos: [0.3, 0.2], weights: w)
        let sameBits = zip(probe, [0.3, 0.2]).enumerated().allSatisfy { k, pair in
            (try? SpatialOperators.applyG(pair.0, rho: pair.1, weights: w).map(\.bitPattern)) == together[k].map(\.bitPattern)
        }
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
            XCTAssertEqual(got.logLikelihood.bitPattern, expected.logLikelihood.bitPattern)
            if sameBits || t % 2 == 1 {
                XCTAssertEqual(got.vcov.data.map(\.bitPattern), expected.vcov.data.map(\.bitPattern), "\(spec.model) \(variance), T = \(t)")
            } else {
                let k = expected.vcov.rows
                for i in 0..<k { for j in 0..<k {
                    let scale = (abs(expected.vcov[i, i]) * abs(expected.vcov[j, j])).squareRoot()
                    XCTAssertLessThanOrEqual(abs(got.vcov[i, j] - expected.vcov[i, j]), 1e-9 * scale, "\(spec.model) \(variance) vcov[\(i), \(j)], T = \(t)")
                } }
            }
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
