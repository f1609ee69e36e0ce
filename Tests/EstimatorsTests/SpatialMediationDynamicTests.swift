import Foundation
import XCTest
@testable import Estimators
import Numerics
import TestSupport

/// The dynamic mediator model of `SpatialMediation` (`MediatorModel.dynamic`, docs/MODEL.md §10, A2′)
/// against an independent computation on the spatial-mediation fixture panel: the mediator regression
/// by pyfixest `feols(D ~ Dlag + EDlag + cTP_s + LDlag + c_s + controls | year, vcov = {"CRV1": "city"})`
/// on the years after the first, the recursion and the outcome SDM in NumPy, a central-difference delta
/// method (scripts/fixtures/make_spatial_mediation_dynamic.py; versions in the JSON).
final class SpatialMediationDynamicTests: XCTestCase {
    /// The fixture's data, its exposure matrix V (or nil: W) and the target factor in the panel's unit order.
    func fixture(exposure: String?) throws -> (SpatialMediationData, SpatialWeights, ExposureWeights?, [Double]) {
        let (data, dataset, e) = try SpatialMediationFixture.load(exposure: exposure)
        let rows = try String(contentsOf: try SpatialMediationFixture.url("spatial_mediation_target.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        let c = Dictionary(uniqueKeysWithValues: rows.map { (String($0[0]), Double(String($0[1]))!) })
        return (data, dataset.weights, e, try dataset.units.map { try XCTUnwrap(c[$0], "target factor of \($0)") })
    }

    /// Estimates to 1e-6 of their SE and SEs to 1e-4 relative, the bar of the static model's fixture
    /// (SpatialMediationTests): the same exact likelihood, an OLS mediator model, and a decomposition
    /// smooth in both (the reference's gradient is a central difference with step 1e-6). The mediator
    /// model's coefficients and CR1 SEs to 1e-6 of their SE (OLS on the same columns; fixest's small-sample factor).
    func testAgreesWithTheNumPyAndPyfixestReference() throws {
        let ref = try loadSpatialFixture("spatial_mediation_dynamic_reference")
        for (label, exposure, withTarget) in [("dynamic_V_c", "spatial_mediation_V.csv", true), ("dynamic_W", nil, false)] {
            let (data, w, e, c) = try fixture(exposure: exposure)
            let r = try SpatialMediation.estimate(data, weights: w, exposure: e, mediatorModel: .dynamic(targetFactor: withTarget ? c : nil))
            XCTAssertTrue(r.outcomeFit.converged, r.outcomeFit.reason)
            let block = try XCTUnwrap(ref[label] as? [String: Any], label)
            let mediator = try XCTUnwrap(block["mediator"] as? [String: [String: Double]])
            // Reference order: Dlag, EDlag, cTP_2016 … cTP_2020, LDlag; the estimator's coefficients in the same order.
            let names = ["Dlag", "EDlag"] + (2016...2020).map { "cTP_\($0)" } + ["LDlag"]
            XCTAssertEqual(Set(mediator.keys), Set(names), label)
            for (k, name) in names.enumerated() {
                let m = try XCTUnwrap(mediator[name])
                assertClose(m["estimate"]!, r.mediatorFit.coefficients[k], tolerance: 1e-6 * m["se"]!, "\(label) \(name)")
                assertClose(m["se"]!, r.mediatorFit.standardErrors[k], tolerance: 1e-6 * m["se"]!, "\(label) \(name) SE")
            }
            for (k, q) in [("nie", r.indirect), ("nde", r.direct), ("total", r.total), ("share", r.share),
                           ("first_stage", r.firstStage), ("spillover_d", r.spilloverMediator)] {
                let x = try XCTUnwrap(block[k] as? [String: Double], k)
                assertClose(x["estimate"]!, q.estimate, tolerance: 1e-6 * x["se"]!, "\(label) \(k) estimate")
                assertClose(x["se"]!, q.se, tolerance: 1e-4 * x["se"]!, "\(label) \(k) SE")
            }
        }
    }

    /// The mediator model does not touch the outcome model: NDE is the static model's to the last bit,
    /// and the two mediator models give different NIE.
    func testOnlyTheIndirectEffectDependsOnTheMediatorModel() throws {
        let (data, w, e, c) = try fixture(exposure: "spatial_mediation_V.csv")
        let dynamic = try SpatialMediation.estimate(data, weights: w, exposure: e, mediatorModel: .dynamic(targetFactor: c))
        let fixed = try SpatialMediation.estimate(data, weights: w, exposure: e)
        XCTAssertEqual(dynamic.direct.estimate, fixed.direct.estimate)
        XCTAssertNotEqual(dynamic.indirect.estimate, fixed.indirect.estimate)
    }

    /// A target factor equal for every unit (its year interactions are the year effects), one of the
    /// wrong length, or a panel treated from its first period (no untreated lag to start the recursion):
    /// typed errors.
    func testRefusesWhatTheRecursionCannotUse() throws {
        let (data, w, _, c) = try fixture(exposure: nil)
        for bad in [[Double](repeating: 1.2, count: c.count), Array(c.dropLast())] {
            XCTAssertThrowsError(try SpatialMediation.estimate(data, weights: w, mediatorModel: .dynamic(targetFactor: bad))) { error in
                XCTAssertTrue(error is EstimationError, "\(error)")
            }
        }
        var early = data
        early.treatment = data.treatment.indices.map { k in k < data.n ? 1 : data.treatment[k] }
        XCTAssertThrowsError(try SpatialMediation.estimate(early, weights: w, mediatorModel: .dynamic(targetFactor: c))) { error in
            XCTAssertTrue(error is EstimationError, "\(error)")
        }
    }
}
