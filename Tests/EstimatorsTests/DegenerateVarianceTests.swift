import CitySystem
import Foundation
import Numerics
import TestSupport
import XCTest
@testable import Estimators

/// Variances that cannot be estimated are refused with a typed status, by the rule the DID
/// family's PanelOLS applies (DIDPanelOLSTests): too few clusters for the parameters, or a
/// standard error that is 0 up to rounding. Here the estimators with their own variance code:
/// the SDM's cluster and Conley sandwiches, Callaway–Sant'Anna's influence functions and the
/// wild cluster bootstrap.
final class DegenerateVarianceTests: XCTestCase {
    let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)

    /// Six cities cluster the sandwich of six parameters (x1, x2, W*x1, W*x2, ρ, σ²): the unit
    /// scores sum to zero, so the meat has rank ≤ 5. The fit keeps its estimates and reports the
    /// variance unavailable; the sandwich itself throws `.degenerateVariance`.
    func testSDMClusterSandwichWithTooFewCitiesIsRefused() throws {
        let w = try SpatialTestData.ringWeights(6)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 8, rho: 0.3, beta: [1, -0.5], theta: [0.3, 0.2], seed: 5)
        let analytic = try SpatialEstimator.fit(spec, panel: panel, weights: w)
        XCTAssertEqual(analytic.termination, .converged)
        let cluster = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster)
        XCTAssertEqual(cluster.termination, .varianceUnavailable)
        XCTAssertEqual(cluster.coefficients, analytic.coefficients)
        XCTAssertFalse(cluster.vcov.data.contains { $0.isFinite }, "no standard error is reported")
        let d = try SpatialDesign(spec: spec, panel: panel, weights: w)
        let point = PointEstimate(coefficients: analytic.coefficients, spatial: analytic.rho, sigma2: analytic.sigma2QML ?? analytic.sigma2,
                                  iterations: 0, termination: .converged, reason: "")
        assertThrows(try SpatialVariance.clusterCovariance(d, point: point, weights: w, bread: analytic.vcov), as: EstimationError.self) {
            XCTAssertEqual($0.kind, .degenerateVariance, "\($0)")
        }
    }

    /// On a cross-section, a Conley kernel that weights every pair of cities equally (cutoff
    /// beyond the map, uniform kernel) sums all scores into one cluster: they cancel at the
    /// estimates and every standard error is 0 up to rounding. 300 km on the same data is kept.
    func testSDMConleySandwichOverEveryPairIsRefused() throws {
        let n = 24, t = 1
        let spec = SpatialModelSpec(model: .sdm, effects: .none, durbin: .all)
        let w = try SpatialTestData.ringWeights(n)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: t, rho: 0.4, beta: [1, -0.5], theta: [0.3, 0.2], seed: 31)
        let angle = (0..<n).map { 2 * Double.pi * Double($0) / Double(n) }
        let geography = try Geography.locations(x: angle.map { 500 * cos($0) }, y: angle.map { 500 * sin($0) }, isLonLat: false)
        let all = try ConleySpec(cutoffKm: 5000, kernel: .uniform,
                                 neighbours: geography.neighbours(within: 5000))
        let whole = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .conley, conley: all)
        XCTAssertEqual(whole.termination, .varianceUnavailable)
        let local = try ConleySpec(cutoffKm: 300, kernel: .bartlett, neighbours: geography.neighbours(within: 300))
        let kept = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .conley, conley: local)
        XCTAssertEqual(kept.termination, .converged)
    }

    /// A cohort of one unit: its part of each cell's influence function is identically 0, so the
    /// SE would count the controls only. Refused, naming the cell; two units are estimated.
    func testCallawaySantAnnaCohortOfOneUnitIsRefused() throws {
        let p = try CSDIDTests.staggered(noise: 1)
        for size in [1, 2] {
            let adoption: [Double?] = (0..<p.unitCount).map { i in i < 15 ? 3 : (i < 15 + size ? 5 : nil) }
            let panel = try TreatmentPanel(unitCount: p.unitCount, periods: p.periods, outcome: p.outcome, covariates: p.covariates,
                                           covariateNames: p.covariateNames, adoption: adoption)
            if size == 1 {
                assertThrows(try CallawaySantAnna.estimate(panel: panel, spec: CSDiDSpec(method: .reg)), as: TreatmentError.self) {
                    XCTAssertEqual($0.kind, .degenerateVariance, "\($0)")
                    // The cohort, typed, for callers to restate with their own names (CLI flag, scenario keys).
                    XCTAssertEqual($0.smallCohort?.adoption, 5)
                    XCTAssertEqual($0.smallCohort?.units, [panel.unitLabels[15]])
                }
            } else {
                let r = try CallawaySantAnna.estimate(panel: panel, spec: CSDiDSpec(method: .reg))
                XCTAssertTrue(r.cells.allSatisfy { $0.standardError > 0 })
            }
        }
    }

    /// The wild cluster bootstrap refits by PanelOLS with CR1, so G ≤ p clusters are refused
    /// there; with G = 3 and the 8 Rademacher sign vectors enumerated every p-value is a
    /// multiple of 1/4, no β₀ is rejected at 5 % and the interval is the whole line (it was a
    /// finite bound where rounding broke a tie, near 1e15). Webb weights keep a finite interval.
    func testWildBootstrapWithTooFewClusters() throws {
        let t = try DataTable.read(csv: try TestPaths.committed("Tests/EstimatorsTests/Fixtures/wild_cluster_panel.csv"))
        let y = try t.numbers("y"), x = try Matrix(columns: [try t.numbers("D"), try t.numbers("x2")])
        let unit = try t.numbers("id").map { Int($0) }, time = try t.numbers("year").map { Int($0) }
        let region = try t.numbers("region").map { Int($0) }
        func boot(_ g: Int, _ weights: WildWeights) throws -> WildClusterBootstrap {
            try WildClusterBootstrap(y: y, x: x, names: ["D", "x2"], coefficient: 0, unit: unit, time: time, effects: .twoWays,
                                     cluster: region.map { $0 % g }, replications: 999, multipliers: weights, stream: StreamID(seed: 7))
        }
        assertThrows(try boot(2, .rademacher), as: TreatmentError.self) { XCTAssertEqual($0.kind, .degenerateVariance, "\($0)") }
        let few = try boot(3, .rademacher)
        XCTAssertTrue(few.enumerated)
        XCTAssertGreaterThanOrEqual(few.pValue(at: 0), 0.25)
        let ci = few.interval(level: 0.95)
        XCTAssertEqual(ci.lower, -.infinity)
        XCTAssertEqual(ci.upper, .infinity)
        let webb = try boot(3, .webb).interval(level: 0.95)
        XCTAssertTrue(webb.lower.isFinite && webb.upper.isFinite)
    }
}
