import CitySystem
import Estimators
import Numerics
import TestSupport
import XCTest

/// The Conley spatial-HAC QML covariance of the SDM (SpatialVariance.conleyCovariance) against
/// a sandwich computed here by hand (`HandSDMScores`): own two-way demeaning, a dense G = (I − ρW)⁻¹W from an LU
/// inverse, per-observation scores, the kernel written out over every pair of observations,
/// and the ρ term Σ_{i≠j} G_ij G_ji [Σ_t (1 − K_ij) e_it² e_jt² + Σ_{0<|t−s|≤lag} w_|t−s| e_it e_is e_jt e_js]/σ⁴;
/// bread = the analytic covariance.
final class SpatialConleyVarianceTests: XCTestCase {
    /// Units of the 24-unit ring W at angle 2πi/24 on a circle of radius 500 km (neighbours
    /// ≈ 131 km apart).
    func ringGeography(_ n: Int) throws -> Geography {
        let angle = (0..<n).map { 2 * Double.pi * Double($0) / Double(n) }
        return try Geography.locations(x: angle.map { 500 * cos($0) }, y: angle.map { 500 * sin($0) }, isLonLat: false)
    }

    func testSandwichMatchesAHandComputation() throws {
        let n = 24, t = 6
        let w = try SpatialTestData.ringWeights(n)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: t, rho: 0.4, beta: [1, -0.5], theta: [0.3, 0.2], seed: 31)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let geography = try ringGeography(n)
        let cutoff = 300.0, lag = 2
        let conley = try ConleySpec(cutoffKm: cutoff, kernel: .bartlett, lag: lag, neighbours: geography.neighbours(within: cutoff))
        let analytic = try SpatialEstimator.fit(spec, panel: panel, weights: w)
        let hac = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .conley, conley: conley)
        XCTAssertEqual(hac.coefficients, analytic.coefficients, "the variance does not change the estimates")
        XCTAssertEqual(hac.varianceMethod, .conley)
        let hand = try HandSDMScores(panel: panel, weights: w, fit: analytic)
        let e = hand.residuals(analytic.coefficients), k = hand.k, g = hand.g, s2 = hand.sigma2
        let scores = (0..<(n * t)).map { hand.score($0, residuals: e) }
        func kernel(_ i: Int, _ j: Int) -> Double {
            let d = geography.distance(i, j)
            return d < cutoff ? 1 - d / cutoff : 0
        }
        var meat = Matrix(rows: k, cols: k)
        for ra in 0..<(n * t) {
            for rb in 0..<(n * t) {
                let (ia, ta, ib, tb) = (ra % n, ra / n, rb % n, rb / n)
                var weight = 0.0
                if ta == tb { weight = kernel(ia, ib) } else if ia == ib, abs(ta - tb) <= lag { weight = 1 - Double(abs(ta - tb)) / Double(lag + 1) }
                guard weight != 0 else { continue }
                for q in 0..<k { for p in 0..<k { meat[p, q] += weight * scores[ra][p] * scores[rb][q] } }
            }
        }
        // Δ written out over every pair of periods: 1 − K(d_ij) within a period, the serial weight across periods.
        for ta in 0..<t {
            for tb in 0..<t {
                let gap = abs(ta - tb)
                let omega = gap <= lag ? 1 - Double(gap) / Double(lag + 1) : 0
                for j in 0..<n {
                    for i in 0..<n where i != j {
                        let weight = gap == 0 ? 1 - kernel(i, j) : omega
                        guard weight != 0 else { continue }
                        meat[k - 2, k - 2] += weight * g[i, j] * g[j, i] * e[ta * n + i] * e[tb * n + i] * e[ta * n + j] * e[tb * n + j] / (s2 * s2)
                    }
                }
            }
        }
        let expected = analytic.vcov * meat * analytic.vcov
        for q in 0..<k {
            for p in 0..<k {
                // Spectral vs LU route and two demeaning orders: agreement to ~1e-10 relative to the diagonal scale.
                let scale = (expected[p, p] * expected[q, q]).squareRoot()
                assertClose(expected[p, q], hac.vcov[p, q], tolerance: 1e-8 * scale, "V[\(p), \(q)]")
            }
        }
    }

    func testConleySettingsAreRequiredExactlyWithTheConleyVariance() throws {
        let w = try SpatialTestData.ringWeights(12)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 4, rho: 0.3, beta: [1, -0.5], theta: [0.3, 0.2], seed: 3)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let conley = try ConleySpec(cutoffKm: 200, neighbours: try ringGeography(12).neighbours(within: 200))
        XCTAssertThrowsError(try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .conley))
        XCTAssertThrowsError(try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster, conley: conley))
        let sem = SpatialModelSpec(model: .sem, effects: .twoWays, approach: .leeYu, durbin: .none)
        let fit = try SpatialEstimator.fit(sem, panel: panel, weights: w, variance: .conley, conley: conley)
        XCTAssertEqual(fit.termination, .varianceUnavailable, "SEM: the Conley variance is refused, with the reason recorded")
    }

    /// The Conley sandwich's `correction` is the cluster sandwich's: with every within-city pair
    /// (uniform serial kernel, lag T − 1) and a cutoff below every distance, the Conley meat is the
    /// cluster-by-unit meat — for the SDM the ρ score's cross-unit term included, its serial products
    /// summing to (Σ_t e_it e_jt)² — so cr2/cr3 Conley equals the cr2/cr3 cluster covariance, and the
    /// uncorrected Conley equals CR1 without its G/(G − 1). Checked for SLX (no ρ) and the SDM.
    func testCorrectedConleyOverThePanelIsTheCorrectedClusterSandwich() throws {
        for model in [SpatialModel.slx, .sdm] { try assertConleyOverThePanelIsTheClusterSandwich(model) }
    }

    func assertConleyOverThePanelIsTheClusterSandwich(_ model: SpatialModel) throws {
        let n = 12, t = 5
        let w = try SpatialTestData.ringWeights(n)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: t, rho: 0.3, beta: [1, -0.5], theta: [0.3, 0.2], seed: 8)
        let spec = SpatialModelSpec(model: model, effects: .twoWays, approach: .leeYu, durbin: .all)
        let tiny = 1e-3   // km: the ring's units are ≈ 260 km apart
        let conley = try ConleySpec(cutoffKm: tiny, kernel: .uniform, lag: t - 1, serialKernel: .uniform,
                                    neighbours: try ringGeography(n).neighbours(within: tiny))
        XCTAssertEqual(conley.neighbours.pairCount, 0)
        for correction in ClusterCorrection.allCases {
            let hac = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .conley, clusterCorrection: correction, conley: conley)
            let cluster = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster, clusterCorrection: correction)
            let factor = correction == .cr1 ? Double(n) / Double(n - 1) : 1
            XCTAssertEqual(hac.clusterCorrection, correction == .cr1 ? nil : correction)
            for i in 0..<hac.vcov.rows {
                for j in 0..<hac.vcov.cols {
                    // The same meat summed in two orders: agreement to rounding.
                    let scale = (hac.vcov[i, i] * hac.vcov[j, j]).squareRoot()
                    assertClose(cluster.vcov[i, j] / factor, hac.vcov[i, j], tolerance: 1e-10 * scale, "\(model) \(correction) [\(i), \(j)]")
                }
            }
        }
    }
}
