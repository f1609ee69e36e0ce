import CitySystem
import Foundation
@testable import MonteCarlo
import TestSupport
import XCTest

/// An estimator that cannot take unobserved city-years records a failed fit in a cell with them;
/// when every cell of the design has them it would fail in every replication (validate said OK
/// and the summary read n_ok 0), so the design is refused at load naming the entry.
final class GapRefusalTests: XCTestCase {
    static func design(_ estimator: String, grid: String = "") -> String {
        """
        name: gaps
        seed: 2
        city_system:
          geography: {centres: 2, cities: 16, square_km: 600, min_separation_km: 100, first_year: 2006, last_year: 2012}
          treatment: {regions: [0, 1, 2, 3], t0: 2009}
          panel: {missing: mcar, rate: 0.2}
        monte_carlo: {replications: 1}
        estimators:
          - {name: ok, model: twfe, estimands: [att]}
          - \(estimator)
        """ + grid
    }

    func testAnEstimatorThatFailsInEveryCellIsRefused() throws {
        for entry in ["{name: m, model: spatial_mediation, estimands: [nie]}", "{name: s, model: sdm, estimands: [rho]}",
                      "{name: d, model: mediation, estimands: [acme]}"] {
            assertThrows(try InMemoryRun.run(MonteCarloScenario(text: Self.design(entry), file: "gaps.yaml")), as: ScenarioError.self) {
                XCTAssertEqual($0.path, "estimators[1]", "\($0)")
            }
        }
        // A grid with a cell without gaps runs it there and records the failure in the other.
        let crossed = Self.design("{name: s, model: sdm, estimands: [rho]}", grid: "\ngrid:\n  city_system.panel.rate: [0, 0.2]\n")
        let run = try InMemoryRun.run(MonteCarloScenario(text: crossed, file: "gaps.yaml"))
        XCTAssertTrue(run.cells[0].records[0].fits[1].status.isOK)
        XCTAssertEqual(run.cells[1].records[0].fits[1].status.code, .failed)
    }
}
