import Estimators
import Numerics
import TestSupport
import XCTest

/// One quantile rule for every interval and test built from a spatial fit (docs/MODEL.md §5):
/// Student t with G − 1 degrees of freedom when the variance is clustered (G = N units), with
/// n* − k otherwise — for coefficients as for curves, turning points, Fieller sets and U-tests.
final class SpatialQuantileRuleTests: XCTestCase {
    func testDegreesOfFreedomFollowTheVariance() throws {
        let w = try SpatialTestData.ringWeights(24)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 6, rho: 0.4, beta: [1, -0.5], theta: [0.3, 0.2], seed: 31)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let analytic = try SpatialEstimator.fit(spec, panel: panel, weights: w)
        let cluster = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster)
        // Lee–Yu two-way: n* = (N − 1)(T − 1) = 115; k = 4 coefficients + ρ + σ².
        XCTAssertNil(analytic.clusterCount)
        XCTAssertEqual(analytic.tDegreesOfFreedom, 115 - 6)
        XCTAssertEqual(cluster.clusterCount, 24)
        XCTAssertEqual(cluster.tDegreesOfFreedom, 23)
        // Exact identities of the t distribution (quantile and survival are inverses).
        let q = StudentT.quantile(0.975, df: 23)
        assertClose(q, cluster.criticalValue(level: 0.95), tolerance: 1e-12)
        assertClose(0.05, cluster.twoSidedPValue(q), tolerance: 1e-10)
        XCTAssertGreaterThan(cluster.criticalValue(), analytic.criticalValue(), "fewer df, wider intervals")
    }

    func testCurvesAndTestsUseTheFitsRule() throws {
        let w = try SpatialTestData.ringWeights(30)
        var panel = try SpatialTestData.simulatedSDM(weights: w, t: 5, rho: 0.3, beta: [0.5, -0.4], theta: [0.2, 0.1], seed: 7)
        // Rename the regressors so the second is the square term of the first (the values need not be a square for the algebra checked here).
        panel = try SpatialPanel(y: panel.y, x: panel.x, names: ["CA", "CA^2"], n: panel.n, t: panel.t)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster)
        let terms = QuadraticTerms(linear: "CA", square: "CA^2", interaction: nil)
        let nl = try SpatialCurves.analyse(fit, weights: w, terms: terms, grid: [-1, 0, 1], moderatorValues: [], lower: -1, upper: 1)
        let q = StudentT.quantile(0.975, df: 29)
        for c in nl.curves { for p in c.points {
            // Half-width over SE is the critical value; the SEs are O(0.1), so 1e-9 is rounding.
            assertClose(q, (p.effect.upper - p.effect.estimate) / p.effect.se, tolerance: 1e-9)
        } }
        for tp in nl.turningPoints where tp.delta.se.isFinite && tp.delta.se > 0 {
            assertClose(q, (tp.delta.upper - tp.delta.estimate) / tp.delta.se, tolerance: 1e-9)
        }
        for u in nl.uTests {
            // p = max(p_l, p_h) of one-sided t(G − 1) tests of the endpoint slopes.
            let sign: Double = u.shape == .u ? 1 : -1
            let pl = StudentT.cdf(sign * u.tLower, df: 29), ph = StudentT.survival(sign * u.tUpper, df: 29)
            assertClose(max(pl, ph), u.pValue, tolerance: 1e-12)
        }
    }
}

/// Issue 20 item 9: the degrees-of-freedom-corrected residual variance is reported beside the
/// QML σ̂² = e'e/n*: e'e/(n − f − p) under both approaches (Lee–Yu's n* is already net of f).
final class SpatialSigma2DOFTests: XCTestCase {
    func testSigma2DOFSubtractsCoefficientsAndFixedEffects() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        for approach in [SpatialApproach.leeYu, .direct] {
            let fit = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, effects: .twoWays, approach: approach, durbin: .all),
                                               panel: panel, weights: w)
            let ee = fit.sigma2 * Double(fit.nObservations)
            let expected = ee / Double(45 * 29 - 4)   // (N − 1)(T − 1) − p, p = logp, logy and their lags
            assertClose(expected, try XCTUnwrap(fit.sigma2DOF), tolerance: 1e-14 * expected, "\(approach)")
        }
    }
}
