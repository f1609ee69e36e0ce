import CitySystem
import Foundation
@testable import MonteCarlo
import TestSupport
import XCTest

/// A DID-family estimator clustered by region with no more regions than coefficients fails every
/// replication (the cluster variance has rank at most G − 1); validate said OK and the summary read
/// n_ok 0. The design is refused at load naming the entry; a grid with a cell that has enough
/// regions for its coefficients runs it there.
final class RegionClusterRefusalTests: XCTestCase {
    /// 16 cities around 2 centres on a 2 × 2 region grid: 2 regions hold cities; years 2006–2012, adoption 2009.
    /// `extra` goes under city_system (lines indented by two spaces).
    static func design(_ estimator: String, grid: String = "", regionGrid: String = "[2, 2]", extra: String = "") -> String {
        """
        name: regions
        seed: 2
        city_system:
          geography: {centres: 2, cities: 16, square_km: 600, min_separation_km: 100, first_year: 2006, last_year: 2012, region_grid: \(regionGrid)}
          treatment: {regions: [0, 1, 2, 3], t0: 2009}
        \(extra)
        monte_carlo: {replications: 1}
        estimators:
          - {name: ok, model: twfe, estimands: [att]}
          - \(estimator)
        """ + grid
    }

    func testTooFewRegionsInEveryCellAreRefused() throws {
        // Event study: 6 relative periods (−3…3 without −1) on 2 regions.
        let es = Self.design("{name: es, model: event_study, cluster: region, estimands: [att]}")
        assertThrows(try InMemoryRun.run(MonteCarloScenario(text: es, file: "regions.yaml")), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1]", "\($0)")
            XCTAssertEqual($0.source, "regions.yaml")
        }
        // PSM-DID and TWFE (one coefficient) on a map of one region.
        for entry in ["{name: p, model: psm_did, cluster: region, estimands: [att]}", "{name: t, model: twfe, cluster: region, estimands: [att]}"] {
            let one = Self.design(entry, regionGrid: "[1, 1]").replacingOccurrences(of: "regions: [0, 1, 2, 3]", with: "regions: [0]")
            assertThrows(try InMemoryRun.run(MonteCarloScenario(text: one, file: "regions.yaml")), as: ScenarioError.self) {
                XCTAssertEqual($0.path, "estimators[1]", "\($0)")
            }
        }
        // Clustered by city the same event study runs.
        let byCity = Self.design("{name: es, model: event_study, estimands: [att]}")
        XCTAssertTrue(try InMemoryRun.run(MonteCarloScenario(text: byCity, file: "regions.yaml")).cells[0].records[0].fits[1].status.isOK)
    }

    func testAGridWithACellThatHasEnoughRegionsRunsItThere() throws {
        // leads 1, lags 0: one coefficient (event time 0) < 2 regions; lags 3: four coefficients.
        let crossed = Self.design("{name: es, model: event_study, cluster: region, leads: 1, lags: 0, estimands: [att]}",
                                  grid: "\ngrid:\n  estimators.1.lags: [0, 3]\n")
        let run = try InMemoryRun.run(MonteCarloScenario(text: crossed, file: "regions.yaml"))
        XCTAssertTrue(run.cells[0].records[0].fits[1].status.isOK)
        XCTAssertEqual(run.cells[1].records[0].fits[1].status.code, .failed)
    }

    /// Cells whose `city_system.geography` differs draw their own maps: each is counted on its own.
    func testCellsWithAnotherGeographyAreCountedOnTheirOwnMap() throws {
        let twfe = "{name: t, model: twfe, cluster: region, estimands: [att]}"
        let oneRegion = Self.design(twfe, regionGrid: "[1, 1]").replacingOccurrences(of: "regions: [0, 1, 2, 3]", with: "regions: [0]")
        // Another city count is another map, with one region again: refused (it used to run and fail every fit).
        let moreCities = oneRegion + "\ngrid:\n  city_system.geography.cities: [16, 18]\n"
        assertThrows(try InMemoryRun.run(MonteCarloScenario(text: moreCities, file: "regions.yaml")), as: GridCellError.self) {
            XCTAssertEqual(($0.underlying as? ScenarioError)?.path, "estimators[1]", "\($0)")
        }
        // A finer region grid in the second cell gives it two regions with cities: it runs there.
        let finer = oneRegion + "\ngrid:\n  city_system.geography.region_grid: [[1, 1], [2, 1]]\n"
        let run = try InMemoryRun.run(MonteCarloScenario(text: finer, file: "regions.yaml"))
        XCTAssertEqual(run.cells[0].records[0].fits[1].status.code, .failed)
        XCTAssertTrue(run.cells[1].records[0].fits[1].status.isOK)
    }
}

/// `event_study`'s `leads`/`lags` beyond the years before or after any cohort's adoption bin nothing:
/// refused at load naming the key, the largest value the years support and the fix (the scenario
/// twin of `estimate twfe --event-study --leads 40`).
final class EventWindowRefusalTests: XCTestCase {
    func testAWindowBeyondTheYearsIsRefused() throws {
        // Years 2006–2012, adoption 2009: 3 years before, 3 after.
        for (option, key) in [("leads: 40, lags: 2", "estimators[1].leads"), ("leads: 2, lags: 4", "estimators[1].lags")] {
            let text = RegionClusterRefusalTests.design("{name: es, model: event_study, \(option), estimands: [att]}")
            assertThrows(try InMemoryRun.run(MonteCarloScenario(text: text, file: "regions.yaml")), as: ScenarioError.self) {
                XCTAssertEqual($0.path, key, "\($0)")
                XCTAssertTrue($0.fix?.contains("or less") == true, "\($0)")
            }
        }
        let atRange = RegionClusterRefusalTests.design("{name: es, model: event_study, leads: 3, lags: 3, estimands: [att]}")
        XCTAssertTrue(try InMemoryRun.run(MonteCarloScenario(text: atRange, file: "regions.yaml")).cells[0].records[0].fits[1].status.isOK)
    }
}
