import Foundation
import XCTest
import Estimators
import Numerics
import TestSupport

/// The degrees-of-freedom σ̂² (`ResidualVariance.dof`, docs/MODEL.md §4 "Which σ̂²", issue 20)
/// against the independent NumPy reference, and the rules that keep it from being accepted and ignored.
final class ResidualVarianceTests: XCTestCase {
    /// Two-way Lee–Yu, two-way direct and individual Lee–Yu on the cigarette panel: σ̂² = e'e/(NT − f − p)
    /// and the information matrix evaluated at it (scripts/fixtures/make_cigarette_sigma2_dof.py,
    /// which also checks the denominator by an explicit dummy-variable regression).
    func testDofSigma2AgainstNumPyReference() throws {
        let fixture = try loadSpatialFixture("cigarette_sigma2_dof")
        let fits = try XCTUnwrap(fixture["fits"] as? [[String: Any]])
        XCTAssertEqual(fits.count, 3)
        let (panel, w) = try SpatialTestData.cigarette()
        for ref in fits {
            let effects = try XCTUnwrap(FixedEffects(rawValue: ref["effects"] as! String))
            let approach = try XCTUnwrap(SpatialApproach(rawValue: ref["approach"] as! String))
            let label = "\(effects.rawValue)/\(approach.rawValue) dof"
            let spec = SpatialModelSpec(model: .sdm, effects: effects, approach: approach, residualVariance: .dof)
            let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w)
            let qml = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, effects: effects, approach: approach), panel: panel, weights: w)
            XCTAssertTrue(fit.converged, "\(label): \(fit.reason)")
            // Same estimator and the same formula on both sides, each solving the score to rounding:
            // 1e-6 (relative for scales), as for the QML fixture (SpatialFixtureTests).
            assertClose(ref["rho"] as! Double, fit.rho!, tolerance: 1e-6, "\(label) rho")
            let s2 = ref["sigma2"] as! Double
            assertClose(s2, fit.sigma2, tolerance: 1e-6 * s2, "\(label) sigma2 (e'e/(NT − f − p))")
            assertClose(ref["sigma2_qml"] as! Double, try XCTUnwrap(fit.sigma2QML), tolerance: 1e-6 * s2, "\(label) QML sigma2 beside it")
            assertClose(s2, try XCTUnwrap(fit.sigma2DOF), tolerance: 1e-6 * s2, "\(label) sigma2_dof")
            // The log-likelihood stays the maximum (at the QML σ̂²), whichever σ̂² is reported.
            assertClose(qml.logLikelihood, fit.logLikelihood, tolerance: 1e-9 * abs(qml.logLikelihood), "\(label) loglik")
            let rhoSE = ref["rho_se"] as! Double
            assertClose(rhoSE, fit.rhoEstimate!.se, tolerance: 1e-6 * rhoSE, "\(label) rho SE")
            XCTAssertGreaterThan(fit.rhoEstimate!.se, qml.rhoEstimate!.se, "\(label): a larger σ̂² widens the ρ SE")
            for c in ref["coefficients"] as! [[String: Any]] {
                let name = c["name"] as! String
                let k = try XCTUnwrap(fit.index(of: name), name)
                assertClose(c["estimate"] as! Double, fit.coefficients[k], tolerance: 1e-6, "\(label) \(name)")
                let se = c["se"] as! Double
                assertClose(se, fit.standardErrors[k], tolerance: 1e-6 * se, "\(label) \(name) SE")
            }
            let sigmaSE = ref["sigma2_se"] as! Double
            assertClose(sigmaSE, fit.standardErrors[fit.sigma2Index], tolerance: 1e-6 * sigmaSE, "\(label) sigma2 SE")
            let impacts = try SpatialImpacts.delta(fit, weights: w)
            for r in ref["impacts"] as! [[String: Any]] {
                let v = r["variable"] as! String
                let mine = try XCTUnwrap(impacts.first { $0.variable == v })
                for kind in EffectKind.allCases {
                    let e = r[kind.rawValue] as! [String: Double]
                    assertClose(e["se"]!, mine.value(kind).se, tolerance: 1e-6 * e["se"]!, "\(label) \(v) \(kind) SE")
                }
            }
        }
    }

    /// The dof σ̂² is a plug-in for the analytic information matrix: with a sandwich, the Hessian
    /// or the SAC model it is refused (a typed error), never silently replaced by the QML one.
    func testDofSigma2IsRefusedWhereItWouldBeIgnored() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let dof = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, residualVariance: .dof)
        for variance in [SpatialVarianceMethod.cluster, .numericalHessian] {
            XCTAssertThrowsError(try SpatialEstimator.fit(dof, panel: panel, weights: w, variance: variance), "\(variance)") {
                XCTAssertTrue($0 is EstimationError, "\(variance): \($0)")
            }
        }
        var sac = dof
        sac.model = .sac
        XCTAssertThrowsError(try SpatialEstimator.fit(sac, panel: panel, weights: w)) { XCTAssertTrue($0 is EstimationError, "\($0)") }
    }
}
