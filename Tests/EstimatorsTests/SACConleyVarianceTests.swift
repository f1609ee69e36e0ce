import CitySystem
@testable import Estimators
import Foundation
import Numerics
import TestSupport
import XCTest

/// The SAC model's Conley spatial-HAC sandwich (`SACVariance.conleyCovariance`, issue 23) against an
/// independent NumPy computation from scratch (QML fit, information, per-observation scores, the meat
/// over an explicit NT × NT kernel matrix, the cross-unit terms of the ρ and λ scores pair by pair)
/// on the cigarette panel with two-way effects, direct and Lee–Yu, each state at its point of
/// data/cigarette/usa46_centres.csv: Fixtures/sac_conley_cigarette.json,
/// scripts/fixtures/make_sac_conley_cigarette.py (NumPy 2.4.6, SciPy 1.17.1) — Bartlett 700 km
/// without and with a serial lag of 3, uniform 500 km with a uniform serial lag of 2. Also: over the
/// whole panel (uniform serial kernel, lag T − 1, no pair within the cutoff) it is the cluster sandwich.
final class SACConleyVarianceTests: XCTestCase {
    static let parameterNames = SACClusterVarianceTests.parameterNames

    func design(_ approach: SpatialApproach) throws -> (SACDesign, SpatialWeights, SpatialModelSpec) {
        let (panel, w) = try SpatialTestData.cigarette()
        let spec = SpatialModelSpec(model: .sac, effects: .twoWays, approach: approach, durbin: .all)
        return (try SACDesign(spec: spec, panel: panel, weights: w, errorWeights: w), w, spec)
    }

    func referencePoint(_ ref: [String: Any]) throws -> SACPoint {
        SACPoint(coefficients: try XCTUnwrap(ref["beta"] as? [Double]), rho: try XCTUnwrap(ref["rho"] as? Double),
                 lambda: try XCTUnwrap(ref["lambda"] as? Double), sigma2: try XCTUnwrap(ref["sigma2"] as? Double),
                 iterations: 0, termination: .converged, reason: "")
    }

    /// At the reference's own estimates the sandwich is a closed form in the data: equal to NumPy's to
    /// rounding (1e-8 relative to the diagonal scale leaves room for other BLAS kernels and LU).
    func testSandwichEqualsNumPyAtTheReferenceEstimates() throws {
        let refs = try SpatialClusterCorrectionTests.json("sac_conley_cigarette.json")
        let settings = try XCTUnwrap(refs["settings"] as? [[String: Any]])
        XCTAssertEqual(settings.count, 3)
        let geography = try CigaretteConleyFixture.stateGeography()
        for (key, approach) in [("direct", SpatialApproach.direct), ("leeyu", .leeYu)] {
            let ref = try XCTUnwrap(refs[key] as? [String: Any])
            let (d, w, _) = try design(approach)
            let point = try referencePoint(ref)
            let bread = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w)
            for setting in settings {
                let name = try XCTUnwrap(setting["name"] as? String)
                let v = try SACVariance.conleyCovariance(d, point: point, weights: w, errorWeights: w, bread: bread,
                                                         conley: try CigaretteConleyFixture.conley(setting, geography: geography))
                let m = try XCTUnwrap(ref[name] as? [[Double]])
                for a in 0..<7 {
                    for b in 0..<7 {
                        let scale = (m[a][a] * m[b][b]).squareRoot()
                        assertClose(m[a][b], v[a, b], tolerance: 1e-8 * scale, "\(key) \(name) V[\(Self.parameterNames[a]), \(Self.parameterNames[b])]")
                    }
                }
            }
        }
    }

    /// The full fit with `variance: .conley` through `SpatialEstimator.fit`: the estimates are the
    /// reference's to the optimisers' tolerance (1e-6), so the SEs agree to ~1e-5 relative; t(n* − k).
    func testFitReportsTheConleyVariance() throws {
        let refs = try SpatialClusterCorrectionTests.json("sac_conley_cigarette.json")
        let setting = try XCTUnwrap((refs["settings"] as? [[String: Any]])?[1])   // Bartlett 700 km, lag 3
        let spec = try CigaretteConleyFixture.conley(setting, geography: try CigaretteConleyFixture.stateGeography())
        let (panel, w) = try SpatialTestData.cigarette()
        for (key, approach) in [("direct", SpatialApproach.direct), ("leeyu", .leeYu)] {
            let ref = try XCTUnwrap(refs[key] as? [String: Any])
            let model = SpatialModelSpec(model: .sac, effects: .twoWays, approach: approach, durbin: .all)
            let fit = try SpatialEstimator.fit(model, panel: panel, weights: w, variance: .conley, conley: spec)
            XCTAssertTrue(fit.converged, fit.reason)
            XCTAssertEqual(fit.varianceMethod, .conley)
            XCTAssertNil(fit.clusterCount)
            XCTAssertEqual(fit.tDegreesOfFreedom, Double(fit.nObservations - 7))
            let m = try XCTUnwrap(ref[try XCTUnwrap(setting["name"] as? String)] as? [[Double]])
            for a in 0..<7 {
                // SEs move with the estimates (≈1e-6 apart): 1e-4 relative.
                assertClose(m[a][a].squareRoot(), fit.standardErrors[a], tolerance: 1e-4 * m[a][a].squareRoot(), "\(key) SE[\(Self.parameterNames[a])]")
            }
        }
    }

    /// With no pair of states within the cutoff and every within-state pair at weight 1 (uniform serial
    /// kernel, lag T − 1), the Conley meat is the cluster-by-state meat, Δ included (its serial products
    /// sum to (Σ_t e_it e_jt)²), so the sandwich is the CR1 cluster sandwich without G/(G − 1).
    func testConleyOverThePanelIsTheClusterSandwich() throws {
        let refs = try SpatialClusterCorrectionTests.json("sac_conley_cigarette.json")
        let geography = try CigaretteConleyFixture.stateGeography()
        let tiny = 1.0   // km: the states' points are ≥ 52 km apart (DC–Maryland)
        for (key, approach) in [("direct", SpatialApproach.direct), ("leeyu", .leeYu)] {
            let (d, w, _) = try design(approach)
            let point = try referencePoint(try XCTUnwrap(refs[key] as? [String: Any]))
            let conley = try ConleySpec(cutoffKm: tiny, kernel: .uniform, lag: d.base.t - 1, serialKernel: .uniform,
                                        neighbours: try geography.neighbours(within: tiny))
            XCTAssertEqual(conley.neighbours.pairCount, 0)
            let bread = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w)
            let hac = try SACVariance.conleyCovariance(d, point: point, weights: w, errorWeights: w, bread: bread, conley: conley)
            let cluster = try SACVariance.clusterCovariance(d, point: point, weights: w, errorWeights: w, bread: bread)
            let factor = Double(d.base.n) / Double(d.base.n - 1)
            for a in 0..<7 {
                for b in 0..<7 {
                    // The same meat summed in two orders: agreement to rounding.
                    let scale = (hac[a, a] * hac[b, b]).squareRoot()
                    assertClose(cluster[a, b] / factor, hac[a, b], tolerance: 1e-10 * scale, "\(key) V[\(Self.parameterNames[a]), \(Self.parameterNames[b])]")
                }
            }
        }
    }

    /// Conley settings are required exactly with the Conley variance: refused, not ignored.
    func testSettingsRequiredAndCorrectionsRefused() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let spec = SpatialModelSpec(model: .sac, effects: .twoWays, approach: .direct, durbin: .all)
        let conley = try ConleySpec(cutoffKm: 500, neighbours: try CigaretteConleyFixture.stateGeography().neighbours(within: 500))
        XCTAssertNil(SpatialVarianceMethod.conley.unsupportedReason(for: .sac))
        XCTAssertNotNil(SpatialVarianceMethod.conley.unsupportedReason(for: .sem))
        XCTAssertThrowsError(try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .conley))
        XCTAssertThrowsError(try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster, conley: conley))
        XCTAssertThrowsError(try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .analytic, clusterCorrection: .cr3))
    }
}
