import CitySystem
import Estimators
@testable import MonteCarlo
import Numerics
import TestSupport
import XCTest

/// `variance: wild_cluster` for `psm_did` in a scenario: the ATT's interval is the exact WCR
/// bootstrap's (by test inversion) on the replication's own stream, the estimate and SE CR1's.
final class WildClusterRunTests: XCTestCase {
    static let small = """
    name: small-wild
    seed: 17
    city_system:
      geography: {centres: 4, cities: 60, square_km: 900, min_separation_km: 80, first_year: 2005, last_year: 2012, region_grid: [3, 3]}
      treatment: {regions: [0, 4, 8], t0: 2008}
      outcome:
        error: {law: normal, sigma: 0.1}
    monte_carlo: {replications: 3, chunk_size: 3}
    estimators:
      - {name: did_region, model: psm_did, matching: none, cluster: region, estimands: [att]}
      - {name: did_wild, model: psm_did, matching: none, cluster: region, variance: wild_cluster, bootstrap: 199, estimands: [att]}
    """

    func testIntervalIsTheLibrarysBootstrapOnTheReplicationStream() throws {
        let cells = try InMemoryRun.cells(Self.small)
        XCTAssertEqual(cells, try InMemoryRun.cells(Self.small, threads: 2), "bitwise identical for 1 and 2 threads")
        let spec = try ScenarioParser.parse(ScenarioDocument(text: Self.small, source: "small.yaml"))
        let system = try CitySystemCell(scenario: spec)
        for (rep, record) in cells[0].records.enumerated() {
            let p = try system.generate(replication: rep)
            let panel = try TreatmentPanel(unitCount: p.n, periods: p.years.map(Double.init), outcome: p.mis, covariates: [],
                                           adoption: p.cohort.map { $0 > 0 ? Double($0) : nil }, unitLabels: p.cityIds)
            var did = PSMDiDSpec(matching: nil)
            did.unitClusters = p.region
            did.wildBootstrap = WildBootstrapSpec(replications: 199, weights: .webb, stream: StreamID(
                seed: p.stream.seed, cell: Int(p.stream.cell), replication: rep, purpose: EstimatorStreamPurpose.wildBootstrap.rawValue))
            let r = try PSMDiD.estimate(panel: panel, spec: did)
            let cr1 = record.fits[0].results[0], wild = record.fits[1].results[0]
            XCTAssertEqual(record.fits[1].status.code, .ok, record.fits[1].status.message)
            let ci = try XCTUnwrap(r.bootstrapInterval)
            // The same computation on the same numbers and draws: equal to rounding.
            assertClose(ci.lower, wild.lower, tolerance: 1e-9 * r.standardError, "rep \(rep) lower")
            assertClose(ci.upper, wild.upper, tolerance: 1e-9 * r.standardError, "rep \(rep) upper")
            XCTAssertEqual(wild.pValue, r.bootstrapPValue)
            XCTAssertEqual(cr1.estimate, wild.estimate, "the variance does not move the ATT")
            XCTAssertEqual(cr1.standardError, wild.standardError, "the SE stays CR1")
            XCTAssertNotEqual(cr1.lower, wild.lower, "the interval is the bootstrap's, not CR1's")
            XCTAssertTrue(wild.lower < wild.estimate && wild.estimate < wild.upper)
        }
    }

    func testWildOptionsAreCheckedBeforeRunning() throws {
        let cases: [(String, String, String)] = [
            ("bootstrap: 199,", "bootstrap: 50,", "estimators[1].bootstrap"),
            ("bootstrap: 199,", "bootstrap: 199, bootstrap_weights: mammen,", "estimators[1].bootstrap_weights"),
            ("variance: wild_cluster, bootstrap: 199,", "bootstrap: 199,", "estimators[1].bootstrap"),
            ("variance: wild_cluster, bootstrap: 199,", "variance: wild, bootstrap: 199,", "estimators[1].variance"),
        ]
        for (from, to, key) in cases {
            let text = Self.small.replacingOccurrences(of: from, with: to)
            XCTAssertNotEqual(text, Self.small, "the test edit applies: \(from)")
            assertThrows(try { () throws -> Void in
                let scenario = try MonteCarloScenario(text: text, file: "small.yaml")
                _ = try CitySystemBuilder().makeExperiment(cell: try scenario.cells()[0], scenario: scenario)
            }(), as: ScenarioError.self, key) {
                XCTAssertEqual($0.path, key, "\($0)")
            }
        }
    }
}
