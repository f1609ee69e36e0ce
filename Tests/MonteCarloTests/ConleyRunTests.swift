import CitySystem
import Estimators
@testable import MonteCarlo
import TestSupport
import XCTest

/// `variance: conley` for `psm_did` in a scenario, on panels with spatially correlated shocks.
final class ConleyRunTests: XCTestCase {
    static let small = """
    name: small-conley
    seed: 13
    city_system:
      geography: {centres: 4, cities: 40, square_km: 800, min_separation_km: 200, first_year: 2005, last_year: 2012, region_grid: [2, 2]}
      treatment: {regions: [0, 3], t0: 2008}
      outcome:
        error: {law: normal, sigma: 0.1, shocks: {share: 0.5, range_km: 200, ar: 0.3}}
    monte_carlo: {replications: 3, chunk_size: 3}
    estimators:
      - {name: did, model: psm_did, matching: none, estimands: [att]}
      - {name: did_conley, model: psm_did, matching: none, variance: conley, cutoff_km: 250, kernel: uniform, lag: 1, estimands: [att]}
      - {name: sdm_conley, model: sdm, variance: conley, cutoff_km: 250, estimands: [beta.CA]}
    """

    /// The engine's Conley SE is the library's on the same generated panel (same geography, same
    /// settings), and differs from CR1 by city.
    func testConleyEstimatorEqualsTheLibraryOnTheGeneratedPanel() throws {
        let cell = try InMemoryRun.cells(Self.small)[0]
        let system = try InMemoryRun.world(Self.small, source: "small.yaml")
        for (rep, record) in cell.records.enumerated() {
            let p = try system.generate(replication: rep)
            let panel = try TreatmentPanel(unitCount: p.n, periods: p.years.map(Double.init), outcome: p.mis, covariates: [],
                                           adoption: p.cohort.map { $0 > 0 ? Double($0) : nil }, unitLabels: p.cityIds)
            let g = try Geography.locations(x: p.coordinateX, y: p.coordinateY, isLonLat: p.isLonLat)
            var did = PSMDiDSpec(matching: nil)
            did.conley = try ConleySpec(cutoffKm: 250, kernel: .uniform, lag: 1, neighbours: g.neighbours(within: 250))
            let r = try PSMDiD.estimate(panel: panel, spec: did)
            XCTAssertEqual(record.fits[1].status.code, .ok, record.fits[1].status.message)
            // The same computation on the same numbers: equal to rounding.
            assertClose(r.standardError, record.fits[1].results[0].standardError, tolerance: 1e-12 * r.standardError, "rep \(rep)")
            XCTAssertEqual(record.fits[0].results[0].estimate, record.fits[1].results[0].estimate, "the variance does not move the ATT")
            XCTAssertNotEqual(record.fits[0].results[0].standardError, record.fits[1].results[0].standardError)
            XCTAssertEqual(record.fits[2].status.code, .ok, record.fits[2].status.message)
            XCTAssertTrue(record.fits[2].results[0].standardError > 0, "the SDM's Conley SE exists")
        }
    }

    func testConleyOptionsAreCheckedBeforeRunning() throws {
        let cases: [(from: String, to: String, key: String)] = [
            ("variance: conley, cutoff_km: 250,", "variance: conley,", "estimators[1].cutoff_km"),
            ("cutoff_km: 250,", "cutoff_km: -5,", "estimators[1].cutoff_km"),
            ("kernel: uniform", "kernel: parzen", "estimators[1].kernel"),
            ("lag: 1", "lag: -1", "estimators[1].lag"),
            ("variance: conley, ", "", "estimators[1].cutoff_km"),
            ("variance: conley, ", "variance: hac, ", "estimators[1].variance"),
            ("variance: conley, ", "variance: conley, cluster: region, ", "estimators[1].cluster"),
            ("model: sdm, variance: conley, cutoff_km: 250,", "model: sdm, variance: conley,", "estimators[2].cutoff_km"),
            ("model: sdm, variance: conley, cutoff_km: 250,", "model: sdm, cutoff_km: 250,", "estimators[2].cutoff_km"),
            ("model: sdm, variance: conley, cutoff_km: 250,", "model: sem, variance: conley, cutoff_km: 250,", "estimators[2].variance"),
            ("model: sdm, variance: conley, cutoff_km: 250,", "model: sdm, variance: conley, cutoff_km: 250, small_sample: fixest,", "estimators[2].small_sample"),
            ("lag: 1", "lag: 1, small_sample: stata", "estimators[1].small_sample"),
            ("{name: did, model: psm_did,", "{name: did, model: psm_did, small_sample: fixest,", "estimators[0].small_sample"),
        ]
        InMemoryRun.assertEditsRefused(Self.small, cases)
    }
}
