@testable import Estimators
import Foundation
import Numerics
import TestSupport
import XCTest

/// The SAC model's observed information (`SACVariance.observedInformation`, `information: .observed`):
/// the analytic Hessian against central differences of the log-likelihood, and the variance against
/// R spatialreg `sacsarlm(control = list(fdHess = TRUE))`'s finite-difference Hessian and a Richardson
/// Hessian (numDeriv) of the same spatialreg likelihood function on the 100-unit
/// cross-section (Fixtures/spatialreg_sac_fdhess_cross_section.json, scripts/fixtures/make_sacsarlm_fdhess.R).
final class SACObservedInformationTests: XCTestCase {
    /// −∂²ℓ by central differences of the analytic gradient-free log-likelihood: second differences
    /// with step h_k = 1e-4·max(1, |θ_k|) (σ²: 1e-4·σ²), truncation O(h²) ≈ 1e-8 relative to the
    /// curvature and rounding ε|ℓ|/h² ≈ 1e-16·1e3/1e-8 ≈ 1e-5 absolute against entries of 1–10⁸.
    func numericInformation(_ f: ([Double]) -> Double, at theta: [Double], sigmaIndex: Int) -> Matrix {
        let k = theta.count
        let h = (0..<k).map { 1e-4 * ($0 == sigmaIndex ? theta[$0] : max(1, abs(theta[$0]))) }
        var out = Matrix(rows: k, cols: k)
        var x = theta
        for a in 0..<k {
            for b in a..<k {
                func at(_ da: Double, _ db: Double) -> Double {
                    x = theta
                    x[a] += da * h[a]; x[b] += db * h[b]
                    return f(x)
                }
                let second = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[a] * h[b])
                out[a, b] = -second; out[b, a] = -second
            }
        }
        return out
    }

    /// On the cigarette panel (two-way effects with Durbin terms; direct, and Lee–Yu, whose
    /// Jacobian drops the unit root), at the estimates and at a point away from them (where the
    /// terms in e — MZ'e, MWy'e and the σ² cross terms — do not vanish).
    func testHessianEqualsCentralDifferences() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        for approach in [SpatialApproach.direct, .leeYu] {
            let spec = SpatialModelSpec(model: .sac, effects: .twoWays, approach: approach, durbin: .all)
            let d = try SACDesign(spec: spec, panel: panel, weights: w, errorWeights: w)
            let fit = try SACEstimator.fit(spec, panel: panel, weights: w)
            let p = d.p
            let mle = fit.coefficients + [try XCTUnwrap(fit.rho), try XCTUnwrap(fit.lambda), fit.sigma2]
            let away = fit.coefficients.map { $0 + 0.01 } + [mle[p] + 0.02, mle[p + 1] - 0.03, fit.sigma2 * 1.1]
            for (label, theta) in [("MLE", mle), ("away", away)] {
                let f: ([Double]) -> Double = { v in
                    d.logLikelihood(coefficients: Array(v[0..<p]), rho: v[p], lambda: v[p + 1], sigma2: v[p + 2], weights: w, errorWeights: w)
                }
                let numeric = numericInformation(f, at: theta, sigmaIndex: p + 2)
                let analytic = SACVariance.observedInformation(d, coefficients: Array(theta[0..<p]), rho: theta[p], lambda: theta[p + 1],
                                                               sigma2: theta[p + 2], weights: w, errorWeights: w)
                for a in 0..<theta.count {
                    for b in 0..<theta.count {
                        let scale = (abs(numeric[a, a]) * abs(numeric[b, b])).squareRoot()
                        assertClose(numeric[a, b], analytic[a, b], tolerance: 1e-5 * scale,
                                    "\(approach) \(label) −H[\(SACClusterVarianceTests.parameterNames[a]), \(SACClusterVarianceTests.parameterNames[b])]")
                    }
                }
            }
        }
    }

    /// At the maximum the inverse observed information's (ρ, λ, β) block is the inverse Hessian of the
    /// σ²-concentrated log-likelihood that sacsarlm differentiates (the profile identity); we evaluate it
    /// at estimates 2e-8 from R's. Two references on the same R function (spatialreg:::f_sac_hess):
    /// * numDeriv::hessian (Richardson extrapolation, accurate to ≈ 1e-8 here): SEs and cov(ρ, λ) to
    ///   1e-6 relative (measured 3e-8 for ρ and λ in the Durbin fit);
    /// * sacsarlm's own `fdHess` (nlme::fdHess, step ε^{1/3}|θ| ≈ 2e-6 for |θ| ≈ 0.4: its rounding error
    ///   ε|ℓ|/h² is of the order of the curvature's 1%): to 5% (measured ≤ 2.9%, W*x1 of the Durbin fit;
    ///   the Richardson reference shows the gap is fdHess's, not ours).
    func testSEsEqualSacsarlmHessian() throws {
        let fixture = try loadSpatialFixture("spatialreg_sac_fdhess_cross_section")
        let (panel, w, m) = try SACFixtureTests.crossSection()
        let cases: [(String, DurbinVariables, SpatialWeights?)] = [("sac", .none, nil), ("sac_durbin", .all, nil), ("sac_m2", .none, m)]
        for (key, durbin, errorWeights) in cases {
            let ref = try XCTUnwrap(fixture[key] as? [String: Any])
            let spec = SpatialModelSpec(model: .sac, effects: .none, durbin: durbin, information: .observed)
            let fit = try SACEstimator.fit(spec, panel: panel, weights: w, errorWeights: errorWeights)
            XCTAssertTrue(fit.converged, "\(key): \(fit.reason)")
            assertClose(try XCTUnwrap(ref["rho"] as? Double), try XCTUnwrap(fit.rho), tolerance: 1e-6, "\(key) rho")
            let rhoSE = try XCTUnwrap(fit.rhoEstimate).se, lambdaSE = try XCTUnwrap(fit.lambdaEstimate).se
            let cov = fit.vcov[try XCTUnwrap(fit.spatialIndex), try XCTUnwrap(fit.lambdaIndex)]
            let coefficients = try XCTUnwrap(ref["coefficients"] as? [[String: Any]])
            let ses = try coefficients.map { c -> Double in
                let name = try XCTUnwrap(c["name"] as? String)
                return fit.standardErrors[try XCTUnwrap(fit.index(of: name), name)]
            }
            for (prefix, tolerance) in [("richardson_", 1e-6), ("", 0.05)] {
                let label = prefix.isEmpty ? "\(key) fdHess" : "\(key) Richardson"
                let rse = try XCTUnwrap(ref["\(prefix)rho_se"] as? Double), lse = try XCTUnwrap(ref["\(prefix)lambda_se"] as? Double)
                assertClose(rse, rhoSE, tolerance: tolerance * rse, "\(label) rho SE")
                assertClose(lse, lambdaSE, tolerance: tolerance * lse, "\(label) lambda SE")
                assertClose(try XCTUnwrap(ref["\(prefix)rho_lambda_cov"] as? Double), cov, tolerance: tolerance * rse * lse, "\(label) cov(rho, lambda)")
                let expected = prefix.isEmpty ? try coefficients.map { try XCTUnwrap($0["se"] as? Double) }
                                              : try XCTUnwrap(ref["richardson_coefficient_se"] as? [Double])
                XCTAssertEqual(expected.count, ses.count)
                for (k, se) in expected.enumerated() {
                    assertClose(se, ses[k], tolerance: tolerance * se, "\(label) \(coefficients[k]["name"] ?? k) SE")
                }
            }
        }
    }

    /// The observed information is the SAC's only: refused, by type, for the other models and with
    /// the numerical Hessian (which is itself an observed information).
    func testObservedInformationRefusedOutsideTheSAC() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        XCTAssertThrowsError(try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, effects: .twoWays, information: .observed),
                                                      panel: panel, weights: w)) { XCTAssertTrue($0 is EstimationError) }
        XCTAssertThrowsError(try SpatialEstimator.fit(SpatialModelSpec(model: .sac, effects: .twoWays, information: .observed),
                                                      panel: panel, weights: w, variance: .numericalHessian)) { XCTAssertTrue($0 is EstimationError) }
    }
}
