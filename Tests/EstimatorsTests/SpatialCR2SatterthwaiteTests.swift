import Estimators
import Foundation
import Numerics
import TestSupport
import XCTest

/// The Satterthwaite degrees of freedom of the SDM family's CR2 cluster sandwich (issue 23;
/// docs/MODEL.md §5): Bell–McCaffrey's df of the regression part given ρ̂, which depends on the
/// design only, so for ols, slx and sdm alike it equals R clubSandwich 0.5.8's
/// `coef_test(test = "Satterthwaite")` on lm() with the fixed effects as dummies and Z = [X, WX]
/// (Fixtures/sdm_cr2_satterthwaite.json, scripts/fixtures/make_sdm_cr2_satterthwaite.R; cigarette
/// panel, clustered by state).
final class SpatialCR2SatterthwaiteTests: XCTestCase {
    func testDegreesOfFreedomMatchClubSandwich() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let refs = try SpatialClusterCorrectionTests.json("sdm_cr2_satterthwaite.json")
        let cases: [(key: String, spec: SpatialModelSpec)] = [
            ("ols_twoways", SpatialModelSpec(model: .ols, effects: .twoWays, approach: .direct, durbin: .all)),
            ("slx_twoways", SpatialModelSpec(model: .slx, effects: .twoWays, approach: .direct, durbin: .all)),
            ("slx_twoways", SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)),
            ("slx_twoways", SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .direct, durbin: .all)),
            ("slx_individual", SpatialModelSpec(model: .slx, effects: .individual, approach: .direct, durbin: .all)),
            ("slx_individual", SpatialModelSpec(model: .sdm, effects: .individual, approach: .direct, durbin: .all)),
        ]
        for (key, spec) in cases {
            let ref = try XCTUnwrap(refs[key] as? [String: Any])
            let names = try XCTUnwrap(ref["names"] as? [String]), df = try XCTUnwrap(ref["df"] as? [Double])
            let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster, clusterCorrection: .cr2)
            XCTAssertTrue(fit.converged, "\(spec.model) \(key)")
            let dfs = try XCTUnwrap(fit.coefficientDegreesOfFreedom, "\(spec.model) \(key): CR2 gives per-coefficient df")
            XCTAssertEqual(dfs.count, fit.names.count)
            for (name, expected) in zip(names, df) {
                let j = try XCTUnwrap(fit.index(of: name), name)
                // A ratio of traces of products of the same projections; the dummy regression (R) and the
                // within transformation (here) agree to ~1e-12; 1e-8 relative leaves room for other BLAS.
                assertClose(expected, fit.degreesOfFreedom(coefficient: j), tolerance: 1e-8 * expected, "\(spec.model) \(spec.approach) \(key) df[\(name)]")
                let t = fit.coefficients[j] / fit.standardErrors[j]
                assertClose(2 * StudentT.survival(abs(t), df: expected), fit.twoSidedPValue(t, coefficient: j), tolerance: 1e-8,
                            "\(spec.model) \(key) p[\(name)] under t(ν)")
            }
            if spec.model != .sdm {
                // Least squares: the CR2 sandwich itself is clubSandwich's too (its β block).
                let v = try XCTUnwrap(ref["cr2"] as? [[Double]])
                for (a, na) in names.enumerated() {
                    let i = try XCTUnwrap(fit.index(of: na))
                    assertClose(v[a][a], fit.vcov[i, i], tolerance: 1e-8 * v[a][a], "\(spec.model) \(key) V[\(na)]")
                }
            }
            // ρ and σ² keep the cluster rule t(G − 1).
            XCTAssertEqual(fit.degreesOfFreedom(coefficient: fit.sigma2Index), fit.tDegreesOfFreedom)
        }
    }

    /// Only CR2 carries per-coefficient df: CR1/CR3 and the other variances keep one t reference.
    func testOtherVariancesKeepOneReference() throws {
        let w = try SpatialTestData.ringWeights(12)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 4, rho: 0.2, beta: [1], theta: [0.2], seed: 5)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        for (variance, correction) in [(SpatialVarianceMethod.cluster, ClusterCorrection.cr1), (.cluster, .cr3), (.analytic, .cr1)] {
            let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: variance, clusterCorrection: correction)
            XCTAssertNil(fit.coefficientDegreesOfFreedom, "\(variance) \(correction)")
            XCTAssertEqual(fit.degreesOfFreedom(coefficient: 0), fit.tDegreesOfFreedom)
        }
        let cr2 = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster, clusterCorrection: .cr2)
        let dfs = try XCTUnwrap(cr2.coefficientDegreesOfFreedom)
        // ν = tr(Γ)²/tr(Γ²) lies in (0, rank Γ] and Γ is G × G (12 clusters); a NaN would fail both.
        for v in dfs { XCTAssertGreaterThan(v, 0); XCTAssertLessThanOrEqual(v, 12 * (1 + 1e-12)) }
    }
}
