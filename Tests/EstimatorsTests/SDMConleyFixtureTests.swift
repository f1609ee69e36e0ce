import CitySystem
@testable import Estimators
import Foundation
import Numerics
import TestSupport
import XCTest

/// The SDM's Conley spatial-HAC sandwich (`SpatialVariance.conleyCovariance`, issue 23) against an
/// independent NumPy computation from scratch (QML fit, information, per-observation scores, the meat
/// over an explicit NT × NT kernel matrix, the ρ score's cross-unit term pair by pair — within a period
/// and, up to the lag, across periods) on the cigarette panel with two-way effects, direct and Lee–Yu,
/// each state at its point of data/cigarette/usa46_centres.csv: Fixtures/sdm_conley_cigarette.json,
/// scripts/fixtures/make_sdm_conley_cigarette.py (NumPy, SciPy and pandas versions in its provenance)
/// — Bartlett 700 km without and with a serial lag of 3, uniform 500 km with a uniform serial lag of 2.
final class SDMConleyFixtureTests: XCTestCase {
    static let parameterNames = ["logp", "logy", "W*logp", "W*logy", "rho", "sigma2"]

    /// At the reference's own estimates the sandwich is a closed form in the data: equal to NumPy's to
    /// rounding (1e-8 relative to the diagonal scale leaves room for other BLAS kernels and LU). The
    /// estimates themselves agree with a full fit to the optimisers' tolerance.
    func testSandwichEqualsNumPyAtTheReferenceEstimates() throws {
        let refs = try SpatialClusterCorrectionTests.json("sdm_conley_cigarette.json")
        let settings = try XCTUnwrap(refs["settings"] as? [[String: Any]])
        XCTAssertEqual(settings.count, 3)
        XCTAssertTrue(settings.contains { ($0["lag"] as? Int ?? 0) > 0 }, "the serial cross-unit products are exercised")
        let geography = try CigaretteConleyFixture.stateGeography()
        let (panel, w) = try SpatialTestData.cigarette()
        for (key, approach) in [("direct", SpatialApproach.direct), ("leeyu", .leeYu)] {
            let ref = try XCTUnwrap(refs[key] as? [String: Any])
            let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: approach, durbin: .all)
            let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w)
            let rho = try XCTUnwrap(ref["rho"] as? Double)
            assertClose(rho, try XCTUnwrap(fit.rho), tolerance: 1e-6, "\(key) ρ̂: the same fit")
            let d = try SpatialDesign(spec: spec, panel: panel, weights: w)
            let point = PointEstimate(coefficients: try XCTUnwrap(ref["beta"] as? [Double]), spatial: rho,
                                      sigma2: try XCTUnwrap(ref["sigma2"] as? Double), iterations: 0, termination: .converged, reason: "")
            let bread = try SpatialVariance.analyticCovariance(d, point: point, weights: w).vcov
            let analytic = try XCTUnwrap(ref["analytic_vcov"] as? [[Double]])
            for a in 0..<6 {
                for b in 0..<6 {
                    let scale = (analytic[a][a] * analytic[b][b]).squareRoot()
                    assertClose(analytic[a][b], bread[a, b], tolerance: 1e-8 * scale, "\(key) bread[\(a), \(b)]")
                }
            }
            for setting in settings {
                let name = try XCTUnwrap(setting["name"] as? String)
                let v = try SpatialVariance.conleyCovariance(d, point: point, weights: w, bread: bread,
                                                             conley: try CigaretteConleyFixture.conley(setting, geography: geography))
                let m = try XCTUnwrap(ref[name] as? [[Double]])
                for a in 0..<6 {
                    for b in 0..<6 {
                        let scale = (m[a][a] * m[b][b]).squareRoot()
                        assertClose(m[a][b], v[a, b], tolerance: 1e-8 * scale, "\(key) \(name) V[\(Self.parameterNames[a]), \(Self.parameterNames[b])]")
                    }
                }
            }
        }
    }
}
