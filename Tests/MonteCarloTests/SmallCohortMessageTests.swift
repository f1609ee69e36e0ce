import CitySystem
import Foundation
@testable import MonteCarlo
import TestSupport
import XCTest

/// A Callaway–Sant'Anna cohort of one city fails that replication's fit (its variance cannot be
/// estimated); the recorded reason names the scenario file, the entry and the treatment keys that
/// set the cohorts' sizes — not only the cell (g, t), which a scenario's author cannot act on.
final class SmallCohortMessageTests: XCTestCase {
    func testACohortOfOneCityNamesTheFileTheEntryAndTheKeys() throws {
        // 16 cities, five cohorts over the treated cities: some cohort holds one city.
        let text = """
        name: cohorts
        seed: 2
        city_system:
          geography: {centres: 2, cities: 16, square_km: 600, min_separation_km: 100, first_year: 2006, last_year: 2013}
          treatment: {regions: [0, 1, 2, 3], t0: 2009, staggered: [2009, 2010, 2011, 2012, 2013]}
        monte_carlo: {replications: 1}
        estimators:
          - {name: ok, model: twfe, estimands: [att]}
          - {name: cs, model: cs_did, method: reg, covariates: [z], estimands: [att]}
        """
        let run = try InMemoryRun.run(MonteCarloScenario(text: text, file: "cohorts.yaml"))
        let status = run.cells[0].records[0].fits[1].status
        XCTAssertEqual(status.code, .failed)
        XCTAssertTrue(status.message.hasPrefix("cohorts.yaml: estimators[1] (cs_did): in this replication only 1 city"), status.message)
        XCTAssertTrue(status.message.contains("city_system.treatment.staggered"), status.message)
    }
}
