@testable import Estimators
import Foundation
import Numerics
import TestSupport
import XCTest

/// The SAC model's cluster-robust sandwich (CR1 by unit; `SACVariance.clusterCovariance`, issue 23)
/// against an independent NumPy computation from scratch (QML fit, information, unit scores,
/// cross-unit terms of the ρ and λ scores) on the cigarette panel with two-way effects, direct and
/// Lee–Yu: Fixtures/sac_cluster_cigarette.json, scripts/fixtures/make_sac_cluster_cigarette.py
/// (NumPy 2.4.6, SciPy 1.17.1). Its unit scores (the per-observation scores summed per unit, which the
/// Conley sandwich uses unsummed) are also checked here against central differences of the log-likelihood.
final class SACClusterVarianceTests: XCTestCase {
    static let parameterNames = ["logp", "logy", "W*logp", "W*logy", "rho", "lambda", "sigma2"]

    func design(_ approach: SpatialApproach) throws -> (SACDesign, SpatialWeights, SpatialModelSpec) {
        let (panel, w) = try SpatialTestData.cigarette()
        let spec = SpatialModelSpec(model: .sac, effects: .twoWays, approach: approach, durbin: .all)
        return (try SACDesign(spec: spec, panel: panel, weights: w, errorWeights: w), w, spec)
    }

    /// The reference's own estimates as a converged SAC point.
    func referencePoint(_ ref: [String: Any]) throws -> SACPoint {
        SACPoint(coefficients: try XCTUnwrap(ref["beta"] as? [Double]), rho: try XCTUnwrap(ref["rho"] as? Double),
                 lambda: try XCTUnwrap(ref["lambda"] as? Double), sigma2: try XCTUnwrap(ref["sigma2"] as? Double),
                 iterations: 0, termination: .converged, reason: "")
    }

    /// Every element of a 7 × 7 covariance against the reference's, to 1e-8 of √(V_aa V_bb).
    func assertCovarianceClose(_ m: [[Double]], _ v: Matrix, _ label: String) {
        for a in 0..<7 {
            for b in 0..<7 {
                let scale = (m[a][a] * m[b][b]).squareRoot()
                assertClose(m[a][b], v[a, b], tolerance: 1e-8 * scale, "\(label) V[\(Self.parameterNames[a]), \(Self.parameterNames[b])]")
            }
        }
    }

    /// At the reference's own estimates, the sandwich is a closed form in the data: it must equal
    /// NumPy's to rounding (1e-8 relative to the diagonal scale leaves room for other BLAS and LU).
    func testSandwichEqualsNumPyAtTheReferenceEstimates() throws {
        let refs = try SpatialClusterCorrectionTests.json("sac_cluster_cigarette.json")
        for (key, approach) in [("direct", SpatialApproach.direct), ("leeyu", .leeYu)] {
            let ref = try XCTUnwrap(refs[key] as? [String: Any])
            let (d, w, _) = try design(approach)
            let point = try referencePoint(ref)
            let bread = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w)
            let v = try SACVariance.clusterCovariance(d, point: point, weights: w, errorWeights: w, bread: bread)
            for (name, expected) in [("analytic", bread), ("cluster", v)] {
                assertCovarianceClose(try XCTUnwrap(ref["\(name)_vcov"] as? [[Double]]), expected, "\(key) \(name)")
            }
        }
    }

    /// The full fit with `variance: .cluster`: the estimates are the reference's to the optimisers'
    /// tolerance (1e-6), so the SEs agree to ~1e-5 relative; G = N clusters, CR1, t(G − 1).
    func testFitReportsTheClusterVariance() throws {
        let refs = try SpatialClusterCorrectionTests.json("sac_cluster_cigarette.json")
        let (panel, w) = try SpatialTestData.cigarette()
        for (key, approach) in [("direct", SpatialApproach.direct), ("leeyu", .leeYu)] {
            let ref = try XCTUnwrap(refs[key] as? [String: Any])
            let spec = SpatialModelSpec(model: .sac, effects: .twoWays, approach: approach, durbin: .all)
            let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster)
            XCTAssertTrue(fit.converged, fit.reason)
            assertClose(try XCTUnwrap(ref["rho"] as? Double), try XCTUnwrap(fit.rho), tolerance: 1e-6, "\(key) rho")
            assertClose(try XCTUnwrap(ref["lambda"] as? Double), try XCTUnwrap(fit.lambda), tolerance: 1e-6, "\(key) lambda")
            XCTAssertEqual(fit.clusterCount, 46)
            XCTAssertEqual(fit.clusterCorrection, .cr1)
            XCTAssertEqual(fit.tDegreesOfFreedom, 45)
            let m = try XCTUnwrap(ref["cluster_vcov"] as? [[Double]])
            for a in 0..<7 {
                // SEs move with the estimates (≈1e-6 apart): 1e-4 relative.
                assertClose(m[a][a].squareRoot(), fit.standardErrors[a], tolerance: 1e-4 * m[a][a].squareRoot(), "\(key) SE[\(Self.parameterNames[a])]")
            }
        }
    }

    /// The unit scores sum to the gradient of the full log-likelihood (central differences, step
    /// 1e-5: truncation O(h²) ≈ 1e-10 against gradients of order 1–10⁴) at a point away from the maximum.
    func testScoresSumToTheGradientOfTheLogLikelihood() throws {
        for approach in [SpatialApproach.direct, .leeYu] {
            let (d, w, spec) = try design(approach)
            let fit = try SACEstimator.fit(spec, panel: try SpatialTestData.cigarette().panel, weights: w)
            var theta = fit.coefficients.map { $0 + 0.01 } + [try XCTUnwrap(fit.rho) + 0.02, try XCTUnwrap(fit.lambda) - 0.03, fit.sigma2 * 1.1]
            let p = d.p
            func loglik(_ v: [Double]) -> Double {
                d.logLikelihood(coefficients: Array(v[0..<p]), rho: v[p], lambda: v[p + 1], sigma2: v[p + 2], weights: w, errorWeights: w)
            }
            let scores = try SACVariance.unitScores(d, coefficients: Array(theta[0..<p]), rho: theta[p], lambda: theta[p + 1], sigma2: theta[p + 2],
                                                    weights: w, errorWeights: w).scores
            for k in 0..<theta.count {
                let h = 1e-5 * (k == p + 2 ? theta[k] : max(1, abs(theta[k])))
                let x = theta[k]
                theta[k] = x + h; let up = loglik(theta)
                theta[k] = x - h; let down = loglik(theta)
                theta[k] = x
                let numeric = (up - down) / (2 * h)
                let analytic = (0..<scores.rows).reduce(0.0) { $0 + scores[$1, k] }
                assertClose(numeric, analytic, tolerance: 1e-6 * max(1, abs(numeric)), "\(approach) score \(Self.parameterNames[k])")
            }
        }
    }

    /// CR2 and CR3 against an independent NumPy computation (scripts/fixtures/make_sac_cluster_cr23_cigarette.py:
    /// the hat matrix formed explicitly from the raw filtered regressors and N + T − 1 dummies, NT × NT, by
    /// the pseudo-inverse; Γ of the Satterthwaite df written out N × N) at the reference's own estimates —
    /// a closed form in the data, so to 1e-8 relative as the CR1 check; the df to 1e-8 relative too.
    func testCR2AndCR3EqualNumPyAtTheReferenceEstimates() throws {
        let refs = try SpatialClusterCorrectionTests.json("sac_cluster_cr23_cigarette.json")
        for (key, approach) in [("direct", SpatialApproach.direct), ("leeyu", .leeYu)] {
            let ref = try XCTUnwrap(refs[key] as? [String: Any])
            let (d, w, _) = try design(approach)
            let point = try referencePoint(ref)
            let bread = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w)
            for correction in [ClusterCorrection.cr2, .cr3] {
                let v = try SACVariance.clusterCovariance(d, point: point, weights: w, errorWeights: w, bread: bread, correction: correction)
                assertCovarianceClose(try XCTUnwrap(ref["\(correction.rawValue)_vcov"] as? [[Double]]), v, "\(key) \(correction.rawValue)")
            }
            let xs = SACVariance.sandwichRegressors(d, lambda: point.lambda)
            let adjustments = try SpatialVariance.UnitAdjustments(regressors: xs, n: d.base.n, t: d.base.t, effects: .twoWays, correction: .cr2)
            let df = SpatialVariance.satterthwaiteDegreesOfFreedom(regressors: xs, n: d.base.n, t: d.base.t, adjustments: adjustments)
            let expected = try XCTUnwrap(ref["cr2_satterthwaite_df"] as? [Double])
            for j in 0..<4 { assertClose(expected[j], df[j], tolerance: 1e-8 * expected[j], "\(key) Satterthwaite df \(Self.parameterNames[j])") }
        }
    }

    /// The full fit with CR2 reports the correction, no G/(G − 1) and each coefficient's Satterthwaite df
    /// as its t reference; with CR3 the SEs exceed CR2's.
    func testFitReportsCR2AndCR3() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let spec = SpatialModelSpec(model: .sac, effects: .twoWays, approach: .leeYu, durbin: .all)
        let cr2 = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster, clusterCorrection: .cr2)
        let cr3 = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster, clusterCorrection: .cr3)
        XCTAssertTrue(cr2.converged, cr2.reason)
        XCTAssertEqual(cr2.clusterCorrection, .cr2)
        XCTAssertEqual(cr3.clusterCorrection, .cr3)
        let df = try XCTUnwrap(cr2.coefficientDegreesOfFreedom)
        XCTAssertEqual(df.count, 4)
        XCTAssertTrue(df.allSatisfy { $0 > 1 && $0 < 45 })
        XCTAssertNil(cr3.coefficientDegreesOfFreedom)
        for k in 0..<4 { XCTAssertGreaterThan(cr3.standardErrors[k], cr2.standardErrors[k], Self.parameterNames[k]) }
    }
}
