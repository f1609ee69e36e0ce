import Foundation
import XCTest
@testable import Estimators
import Numerics
import TestSupport

/// Natural direct and indirect effects under interference (`SpatialMediation`, issue 26) against an
/// independent computation: the mediator model by pyfixest `feols(..., vcov = {"CRV1": "city"})`, the
/// outcome SDM by the NumPy/SciPy exact QML of scripts/fixtures/sdm_reference.py (two-way effects,
/// Lee–Yu), the decomposition with dense inverses and a central-difference delta method
/// (scripts/fixtures/make_spatial_mediation.py; versions in the JSON).
final class SpatialMediationTests: XCTestCase {
    func fixtureURL(_ name: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"), name)
    }

    func estimate() throws -> SpatialMediationResult {
        let controls = ["lngdppc", "gov"]
        let dataset = try SpatialDataLoader.load(data: try fixtureURL("spatial_mediation_panel.csv"),
                                                 weights: try fixtureURL("spatial_mediation_W.csv"), id: "city", time: "year", y: "Mis",
                                                 x: ["D", "treat", "post", "CA"] + controls)
        let data = try SpatialMediationData.columns(of: dataset, mediator: "D", treat: "treat", post: "post", moderator: "CA",
                                                    controls: controls)
        return try SpatialMediation.estimate(data, weights: dataset.weights)
    }

    /// Estimates to 1e-6 of their SE and SEs to 1e-4 relative: both maximise the same exact likelihood
    /// (the bar of the other sdm_reference fixtures is 1e-6 on ρ and β) and the decomposition is a smooth
    /// function of them; the reference's gradient is a central difference with step 1e-6 (error ~1e-10
    /// relative), its SDM covariance the same analytic information matrix.
    func testAgreesWithTheNumPyAndPyfixestReference() throws {
        let ref = try XCTUnwrap(loadSpatialFixture("spatial_mediation_reference") as [String: Any]?)
        let r = try estimate()
        XCTAssertTrue(r.outcomeFit.converged, r.outcomeFit.reason)
        assertClose(ref["rho"] as! Double, r.outcomeFit.rho!, tolerance: 1e-6, "rho")
        let mediator = ref["mediator"] as! [String: [String: Double]]
        XCTAssertEqual(mediator.count, 2 * 5, "one own and one neighbour coefficient per treated year (2016–2020)")
        for (k, q) in [("nie", r.indirect), ("nde", r.direct), ("total", r.total), ("share", r.share),
                       ("first_stage", r.firstStage), ("spillover_d", r.spilloverMediator)] {
            let e = ref[k] as! [String: Double]
            assertClose(e["estimate"]!, q.estimate, tolerance: 1e-6 * e["se"]!, "\(k) estimate")
            assertClose(e["se"]!, q.se, tolerance: 1e-4 * e["se"]!, "\(k) SE")
        }
        XCTAssertEqual(r.total.estimate, r.indirect.estimate + r.direct.estimate, accuracy: 1e-15)
    }

    /// A panel with no treated observation has no effect to decompose: a typed error, not NaNs.
    func testRefusesAPanelWithoutTreatedObservations() throws {
        let n = 4, t = 3
        let w = try SpatialWeights.rowStandardised(try Matrix(columns: (0..<n).map { j in (0..<n).map { i in abs(i - j) == 1 ? 1 : 0 } }))
        let zeros = [Double](repeating: 0, count: n * t)
        let data = SpatialMediationData(outcome: zeros, mediator: zeros, treatment: zeros, moderator: nil,
                                        controls: Matrix(rows: n * t, cols: 0), controlNames: [], n: n, t: t)
        XCTAssertThrowsError(try SpatialMediation.estimate(data, weights: w)) { error in
            XCTAssertTrue(error is EstimationError)
        }
    }
}
