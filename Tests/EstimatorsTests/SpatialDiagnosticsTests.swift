import Foundation
import XCTest
import Estimators
import Numerics
import TestSupport

final class SpatialDiagnosticsTests: XCTestCase {
    /// Cross-section LM tests against the textbook formulas written densely (Anselin 1988):
    /// LM_err = [e'We/σ²]²/tr(W'W + W²) etc., with σ² = e'e/n.
    func testCrossSectionLMAgainstDenseFormulas() throws {
        let w = try SpatialTestData.ringWeights(40)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 1, rho: 0.3, beta: [1, -1], theta: [0, 0], seed: 9)
        let lm = try SpatialDiagnostics.lagrangeMultiplier(panel: panel, weights: w, effects: .none)
        let z = try Matrix(columns: [[Double](repeating: 1, count: 40), panel.x.column(0), panel.x.column(1)])
        let ls = try LeastSquares(x: z, y: panel.y)
        let e = ls.residuals, s2 = ls.residualSumOfSquares / 40
        let wm = w.matrix
        let tw = (Matrix.product(wm, wm, transposeA: true) + wm * wm).trace
        let dl = Vector.dot(e, wm.multiply(e)) / s2, dr = Vector.dot(e, wm.multiply(panel.y)) / s2
        let wxb = wm.multiply(z.multiply(ls.coefficients))
        let mwxb = try LeastSquares(x: z, y: wxb).residuals
        let j = Vector.dot(mwxb, mwxb) / s2 + tw
        // Same formulas, different code paths (dense traces vs cached spectrum): rounding only.
        assertClose(dl * dl / tw, lm.error.statistic, tolerance: 1e-9, "Anselin (1988) LM error")
        assertClose(dr * dr / j, lm.lag.statistic, tolerance: 1e-9, "Anselin (1988) LM lag")
        assertClose((dr - dl) * (dr - dl) / (j - tw), lm.robustLag.statistic, tolerance: 1e-9, "Anselin et al. (1996)")
        assertClose(pow(dl - tw / j * dr, 2) / (tw * (1 - tw / j)), lm.robustError.statistic, tolerance: 1e-9, "Anselin et al. (1996)")
    }

    /// Panel LM lag with time effects (direct approach) against the dummy-variable regression
    /// written densely: the annihilator of [X, period dummies] applied to (I_T ⊗ W)Xβ̂. With time
    /// effects W·X̃β̂ keeps per-period means, so it must be demeaned like every regressor; the
    /// earlier code skipped that (review finding: 45.279 vs 45.349 on the cigarette panel).
    func testPanelLMLagWithTimeEffectsAgainstDummyRegression() throws {
        let n = 30, t = 6
        let w = try SpatialTestData.ringWeights(n)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: t, rho: 0.3, beta: [1, -1], theta: [0.5, 0], seed: 12)
        let lm = try SpatialDiagnostics.lagrangeMultiplier(panel: panel, weights: w, effects: .time, approach: .direct)
        var cols = [panel.x.column(0), panel.x.column(1)]
        for p in 0..<t { cols.append((0..<(n * t)).map { $0 / n == p ? 1 : 0 }) }
        let z = try Matrix(columns: cols)
        let ls = try LeastSquares(x: z, y: panel.y)
        let e = ls.residuals, s2 = ls.residualSumOfSquares / Double(n * t)
        let wm = w.matrix
        let tw = Double(t) * (Matrix.product(wm, wm, transposeA: true) + wm * wm).trace
        let dr = Vector.dot(e, w.applyPanel(panel.y)) / s2
        let xb = try Matrix(columns: [panel.x.column(0), panel.x.column(1)]).multiply(Array(ls.coefficients[0..<2]))
        let mwxb = try LeastSquares(x: z, y: w.applyPanel(xb)).residuals
        let j = Vector.dot(mwxb, mwxb) / s2 + tw
        // Same statistic by two routes (dummies vs within transform): rounding only.
        assertClose(dr * dr / j, lm.lag.statistic, tolerance: 1e-8 * lm.lag.statistic, "LSDV form of the panel LM lag")
    }

    /// Wald SDM→SAR by hand from the vcov block; the SEM restriction holds exactly on data
    /// with θ = −ρβ only in expectation, so there only its sanity is checked; LR ≈ Wald.
    func testWaldAndLR() throws {
        let w = try SpatialTestData.ringWeights(80)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 8, rho: 0.4, beta: [1, -1], theta: [0.6, 0.3], seed: 4)
        let sdm = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm), panel: panel, weights: w)
        let sar = try SpatialEstimator.fit(SpatialModelSpec(model: .sar), panel: panel, weights: w)
        let wSAR = try SpatialDiagnostics.waldSDMtoSAR(sdm)
        let th = [2, 3]
        var v = Matrix(rows: 2, cols: 2)
        for i in 0..<2 { for j in 0..<2 { v[i, j] = sdm.vcov[th[i], th[j]] } }
        let b = th.map { sdm.coefficients[$0] }
        assertClose(Vector.dot(b, try v.inverse().multiply(b)), wSAR.statistic, tolerance: 1e-8 * wSAR.statistic, "θ'V⁻¹θ")
        XCTAssertEqual(wSAR.degreesOfFreedom, 2)
        XCTAssertLessThan(wSAR.pValue, 1e-6, "θ = (0.6, 0.3) is far from 0 at NT = 640")
        let lr = try SpatialDiagnostics.likelihoodRatio(restricted: sar, unrestricted: sdm)
        XCTAssertEqual(lr.degreesOfFreedom, 2)
        XCTAssertGreaterThan(lr.statistic, 0)
        let wSEM = try SpatialDiagnostics.waldSDMtoSEM(sdm)
        XCTAssertLessThan(wSEM.pValue, 1e-3, "θ = (0.6, 0.3) ≠ −ρβ = (−0.4, 0.4)")
        // A SEM-generated panel satisfies θ = −ρβ: the test should not reject at 0.1%.
        let semPanel = try SpatialTestData.simulatedSDM(weights: w, t: 8, rho: 0, beta: [1, -1], theta: [0, 0], errorLambda: 0.4, seed: 5)
        let sdm2 = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm), panel: semPanel, weights: w)
        XCTAssertGreaterThan(try SpatialDiagnostics.waldSDMtoSEM(sdm2).pValue, 1e-3)
    }
}
