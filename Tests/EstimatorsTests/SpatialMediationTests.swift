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
    func estimate(exposure: String? = nil) throws -> SpatialMediationResult {
        let (data, dataset, e) = try SpatialMediationFixture.load(exposure: exposure)
        return try SpatialMediation.estimate(data, weights: dataset.weights, exposure: e)
    }

    func assertAgrees(_ ref: [String: Any], _ r: SpatialMediationResult, _ label: String) {
        let mediator = ref["mediator"] as! [String: [String: Double]]
        XCTAssertEqual(mediator.count, 2 * 5, "one own and one neighbour coefficient per treated year (2016–2020)")
        for (k, q) in [("nie", r.indirect), ("nde", r.direct), ("total", r.total), ("share", r.share),
                       ("first_stage", r.firstStage), ("spillover_d", r.spilloverMediator)] {
            let e = ref[k] as! [String: Double]
            assertClose(e["estimate"]!, q.estimate, tolerance: 1e-6 * e["se"]!, "\(label) \(k) estimate")
            assertClose(e["se"]!, q.se, tolerance: 1e-4 * e["se"]!, "\(label) \(k) SE")
        }
        // The mediator model's own coefficients, in the reference's order (TP_s, WTP_s by year).
        let years = mediator.keys.compactMap { $0.hasPrefix("TP_") ? Int($0.dropFirst(3)) : nil }.sorted()
        for (j, year) in years.enumerated() {
            for (k, name) in [(2 * j, "TP_\(year)"), (2 * j + 1, "WTP_\(year)")] {
                let e = mediator[name]!
                assertClose(e["estimate"]!, r.mediatorFit.coefficients[k], tolerance: 1e-6 * e["se"]!, "\(label) \(name)")
                assertClose(e["se"]!, r.mediatorFit.standardErrors[k], tolerance: 1e-6 * e["se"]!, "\(label) \(name) SE")
            }
        }
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
        assertAgrees(ref, r, "exposure through W")
        XCTAssertEqual(r.total.estimate, r.indirect.estimate + r.direct.estimate, accuracy: 1e-15)
    }

    /// Fieller's set for the mediated share NIE/(NIE + NDE), against the reference's quadratic from its
    /// central-difference gradients (ends to 1e-4 of the share's delta-method SE, the bar of the SEs),
    /// for both exposure matrices. On this fixture T = NIE + NDE is within noise of 0, so the set is two
    /// rays, and the point estimate lies in it.
    func testTheSharesFiellerSetAgreesWithTheReference() throws {
        let ref = try XCTUnwrap(loadSpatialFixture("spatial_mediation_reference") as [String: Any]?)
        for (label, exposure, block) in [("W", nil, ref), ("V", "spatial_mediation_V.csv", ref["exposure_diffusion"] as! [String: Any])] {
            let r = try estimate(exposure: exposure)
            let f = block["share_fieller"] as! [String: Any], tol = 1e-4 * r.share.se
            guard case .disjoint(let lo, let hi) = r.shareFieller else { return XCTFail("\(label): \(r.shareFieller)") }
            XCTAssertEqual(f["kind"] as? String, "disjoint", label)
            assertClose(f["lower"] as! Double, lo, tolerance: tol, "\(label) lower ray end")
            assertClose(f["upper"] as! Double, hi, tolerance: tol, "\(label) upper ray end")
            XCTAssertTrue(r.share.estimate <= lo || r.share.estimate >= hi, "\(label): the estimate lies in its set")
        }
    }

    /// `exposure_weights: diffusion` / `--exposure-weights V.csv`: the mediator model's exposure through the
    /// generator's diffusion kernel V (pyfixest with (V TP)_s); the outcome SDM, its W-lags and the
    /// multiplier keep W, so ρ and NDE are those of the W fit and NIE moves only through ΔD̂.
    func testExposureThroughTheDiffusionKernelAgreesWithTheReference() throws {
        let ref = try XCTUnwrap(loadSpatialFixture("spatial_mediation_reference") as [String: Any]?)
        let r = try estimate(exposure: "spatial_mediation_V.csv"), rw = try estimate()
        assertAgrees(try XCTUnwrap(ref["exposure_diffusion"] as? [String: Any]), r, "exposure through V")
        XCTAssertEqual(r.direct.estimate, rw.direct.estimate, "NDE does not involve the mediator model")
        XCTAssertNotEqual(r.indirect.estimate, rw.indirect.estimate, "the exposure matrix must reach the mediator model")
    }

    /// A unit missing from the exposure file, or a negative entry, is a typed error naming the file.
    func testRefusesAnExposureMatrixThatDoesNotFitThePanel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smed-exposure-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let short = dir.appendingPathComponent("E.csv")
        try "id,a,b\na,0,1\nb,1,0\n".write(to: short, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ExposureWeights.read(csv: short, units: ["a", "b", "c"])) { error in
            XCTAssertTrue(error is DataError)
            XCTAssertTrue("\(error)".contains(short.path))
        }
        try "id,a,b\na,0,-1\nb,1,0\n".write(to: short, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ExposureWeights.read(csv: short, units: ["a", "b"])) { error in XCTAssertTrue(error is DataError) }
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
