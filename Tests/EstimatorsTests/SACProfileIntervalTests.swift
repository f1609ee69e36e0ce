import Foundation
import XCTest
@testable import Estimators
import Numerics
import TestSupport

/// The SAC model's profile-likelihood intervals of ρ and λ (`SACProfile`) against an independent
/// NumPy/SciPy brute force (scripts/fixtures/make_sac_profile_interval.py: e'e by lstsq on the filtered
/// data at every evaluation, the other spatial parameter maximised out on a 101-point grid plus a
/// bounded Brent polish, LR on a 0.01 grid of the parameter, every sign change polished by brentq)
/// on the SAC panel of SACPanelTests, Lee–Yu two-way with Durbin terms and direct individual effects.
final class SACProfileIntervalTests: XCTestCase {
    static let cases: [(key: String, spec: SpatialModelSpec)] = [
        ("lee_yu_twoways_durbin", SpatialModelSpec(model: .sac, effects: .twoWays, approach: .leeYu, durbin: .all, interval: .profile)),
        ("direct_individual", SpatialModelSpec(model: .sac, effects: .individual, approach: .direct, durbin: .none, interval: .profile)),
    ]

    /// The panel of SACPanelTests (sac_panel.csv on spreg_panel_W.csv).
    func panel() throws -> SpatialDataset {
        func url(_ name: String) throws -> URL {
            try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"), name)
        }
        return try SpatialDataLoader.load(data: try url("sac_panel.csv"), weights: try url("spreg_panel_W.csv"),
                                          id: "id", time: "time", y: "y", x: ["x1", "x2"])
    }

    /// Ends to 1e-6 (the bar). Both sides find a root of LR(θ0) − χ²₁(0.95) to ≤ 1e-10 (ours by
    /// bisection, the reference by brentq at xtol 1e-13); LR's slope at an end is O(1–100) per unit of θ
    /// and both profiles are accurate to ≈ 1e-10 in LR (inner optima to ≈ 1e-7 in the other parameter,
    /// which enters LR quadratically), so the ends agree to ≈ 1e-10 — 1e-6 leaves the reference's own
    /// maximum (its bounded Brent at xatol 1e-12) every margin. The p-value of θ = 0 to 1e-6 absolute.
    func testAgainstNumPyBruteForce() throws {
        let ds = try panel()
        let ref = try loadSpatialFixture("sac_profile_interval")
        for (key, spec) in Self.cases {
            let fit = try SpatialEstimator.fit(spec, panel: ds.panel, weights: ds.weights)
            XCTAssertTrue(fit.converged, "\(key): \(fit.reason)")
            XCTAssertNil(fit.profileFailure, key)
            let refs = try XCTUnwrap(ref[key] as? [String: Any], key)
            for parameter in SACParameter.allCases {
                let r = try XCTUnwrap(refs[parameter.rawValue] as? [String: Any], "\(key) \(parameter)")
                let p = try XCTUnwrap(fit.profileIntervals[parameter], "\(key) \(parameter)")
                let label = "\(key) \(parameter.rawValue)"
                assertClose(r["estimate"] as! Double, p.estimate, tolerance: 1e-6, "\(label) estimate")
                assertClose(r["lower"] as! Double, p.lower, tolerance: 1e-6, "\(label) lower")
                assertClose(r["upper"] as! Double, p.upper, tolerance: 1e-6, "\(label) upper")
                XCTAssertEqual(r["lower_end"] as? String, p.lowerEnd.rawValue, label)
                XCTAssertEqual(r["upper_end"] as? String, p.upperEnd.rawValue, label)
                XCTAssertEqual((r["crossings"] as! [Double]).count > 2, p.disconnected, "\(label): pieces of the acceptance set")
                assertClose(r["lr_p_value_at_zero"] as! Double, p.pValueAtZero, tolerance: 1e-6, "\(label) LR p-value of 0")
                assertClose(ChiSquared.quantile(0.95, df: 1), p.critical, tolerance: 1e-12, "\(label) χ²₁(0.95)")
                XCTAssertEqual(p.excessOverMaximum, 0, accuracy: 1e-9, "\(label): no profile value above the fitted maximum")
            }
        }
    }

    /// The profile interval is not the Wald interval: on this panel (ρ and λ well identified) they
    /// are close, but the profile interval is not symmetric about the estimate.
    func testProfileDiffersFromWaldAndIsAsymmetric() throws {
        let ds = try panel()
        let fit = try SpatialEstimator.fit(Self.cases[0].spec, panel: ds.panel, weights: ds.weights)
        let p = try XCTUnwrap(fit.profileIntervals[.rho])
        let se = try XCTUnwrap(fit.rhoEstimate).se
        let halfWidth = 0.5 * (p.upper - p.lower)
        XCTAssertEqual(halfWidth / (1.96 * se), 1, accuracy: 0.3, "same scale as the Wald interval")
        XCTAssertGreaterThan(abs((p.upper - p.estimate) - (p.estimate - p.lower)), 1e-4, "asymmetric about ρ̂")
    }

    /// Refused where it would be ignored or mean something else: models other than sac, and the
    /// sandwich variances (the interval is the likelihood's own).
    func testRefusals() throws {
        let ds = try panel()
        var sdm = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        sdm.interval = .profile
        XCTAssertThrowsError(try SpatialEstimator.fit(sdm, panel: ds.panel, weights: ds.weights)) { XCTAssertTrue($0 is EstimationError, "\($0)") }
        XCTAssertThrowsError(try SpatialEstimator.fit(Self.cases[0].spec, panel: ds.panel, weights: ds.weights, variance: .cluster)) {
            XCTAssertTrue($0 is EstimationError, "\($0)")
        }
        XCTAssertNil(SpatialParameterInterval(spelling: "likelihood"))
        XCTAssertEqual(SpatialParameterInterval(spelling: "Profile"), .profile)
    }
}
