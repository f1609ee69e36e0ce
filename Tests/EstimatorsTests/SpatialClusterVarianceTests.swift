import Estimators
import Numerics
import TestSupport
import XCTest

/// The cluster-robust (by unit) QML covariance of the SDM against a sandwich computed
/// here by hand on a small panel (`HandSDMScores`): own two-way demeaning, a dense G = (I − ρW)⁻¹W from an
/// LU inverse (the estimator uses W's spectrum), the per-unit scores of
/// SpatialVariance.clusterCovariance's doc comment with the cross-unit term of the ρ
/// scores, and the analytic covariance as bread.
final class SpatialClusterVarianceTests: XCTestCase {
    func testSandwichMatchesAHandComputation() throws {
        let w = try SpatialTestData.ringWeights(24)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 6, rho: 0.4, beta: [1, -0.5], theta: [0.3, 0.2], seed: 31)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let analytic = try SpatialEstimator.fit(spec, panel: panel, weights: w)
        let cluster = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster)
        XCTAssertEqual(cluster.coefficients, analytic.coefficients, "the variance does not change the estimates")
        let n = panel.n
        let hand = try HandSDMScores(panel: panel, weights: w, fit: analytic)
        let e = hand.residuals(analytic.coefficients), k = hand.k
        let scores = hand.unitScores(residuals: e)
        // The per-unit scores are terms of the exact score: they sum to ~0 at the estimates.
        for j in 0..<k {
            let sum = scores.reduce(0) { $0 + $1[j] }, scale = scores.reduce(0) { $0 + $1[j] * $1[j] }.squareRoot()
            XCTAssertLessThan(abs(sum), 1e-6 * scale, "score \(j) sums to zero (first-order condition)")
        }
        let meat = hand.clusterMeat(residuals: e)
        let bread = analytic.vcov
        let expected = bread * meat * bread
        for q in 0..<k {
            for p in 0..<k {
                let v = expected[p, q] * Double(n) / Double(n - 1)
                // Spectral vs LU route and two demeaning orders: agreement to ~1e-10 relative to the diagonal scale.
                let scale = (expected[p, p] * expected[q, q]).squareRoot()
                assertClose(v, cluster.vcov[p, q], tolerance: 1e-8 * scale, "V[\(p), \(q)]")
            }
        }
        XCTAssertEqual(cluster.varianceMethod, .cluster)
    }
}

/// Under i.i.d. errors the cluster-robust variance estimates the same variance as the
/// analytic information: the mean over replications of the cluster variance of each
/// parameter is close to the mean analytic variance. Without the cross-unit term of the
/// ρ scores the ρ ratio would be about tr(GᵀG)/(tr(GᵀG) + tr(G²)) ≈ 0.5 on this W.
final class SpatialClusterVarianceMonteCarloTests: XCTestCase {
    func testClusterVarianceAgreesWithAnalyticUnderIIDErrors() throws {
        let w = try SpatialTestData.ringWeights(40)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let reps = 200
        var analytic = [Double](repeating: 0, count: 6), cluster = analytic
        for r in 0..<reps {
            let panel = try SpatialTestData.simulatedSDM(weights: w, t: 6, rho: 0.4, beta: [1, -0.5], theta: [0.3, 0.2], seed: 1000 + UInt64(r))
            let a = try SpatialEstimator.fit(spec, panel: panel, weights: w)
            let c = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster)
            for j in 0..<6 { analytic[j] += a.vcov[j, j] / Double(reps); cluster[j] += c.vcov[j, j] / Double(reps) }
        }
        for j in 0..<6 {
            // The mean of 200 variance estimates has a Monte Carlo error of a few per cent; the
            // cluster estimator's O(1/N) small-sample bias with N = 40 clusters is of the same order.
            XCTAssertEqual(cluster[j] / analytic[j], 1, accuracy: 0.15, "parameter \(j): cluster vs analytic variance")
        }
    }
}
