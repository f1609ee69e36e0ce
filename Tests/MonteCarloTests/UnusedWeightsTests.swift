@testable import CitySystem
@testable import MonteCarlo
import TestSupport
import XCTest

/// An estimator W that no estimator of a cell reads has its spectrum left to its first use, but every
/// check that refuses a bad W still runs when the cell is built (`run`, `validate`).
final class UnusedWeightsTests: XCTestCase {
    private static func scenario(unused: String, cells: Bool = true) -> String {
        let labelled = """
        cells:
          - {label: a, city_system.treatment.effect: -0.05}
          - {label: b, city_system.treatment.effect: 0.0}
        """
        return """
        name: unused-w
        seed: 5
        city_system:
          geography: {centres: 4, cities: 40, square_km: 800, min_separation_km: 200, first_year: 2005, last_year: 2012}
          estimator_weights:
            - {name: true}
            - {name: knn4, kind: knn, k: 4, symmetrise: true, normalise: row}
            - \(unused)
        monte_carlo: {replications: 2, chunk_size: 2}
        estimators:
          - {name: sdm, model: sdm, estimands: [rho]}
          - {name: sdm_knn, model: sdm, weights: knn4, approach: direct, estimands: [rho]}
        \(cells ? labelled : "")
        """
    }

    func testOnlyTheWeightsInUseHaveTheirSpectrumAtSetUp() throws {
        let mc = try MonteCarloScenario(text: Self.scenario(unused: "{name: inv, kind: inverse_distance, alpha: 1, normalise: row}"))
        let cells = try mc.cells()
        let experiments = try CitySystemBuilder().makeExperiments(cells: cells, scenario: mc).map { try XCTUnwrap($0 as? CitySystemExperiment) }
        for e in experiments {
            let w = e.system.fixedEstimatorWeights
            XCTAssertFalse(try XCTUnwrap(w["knn4"]).spectrumIsPending, "an estimator's W is complete before the first replication")
            XCTAssertTrue(try XCTUnwrap(w["inv"]).spectrumIsPending, "no estimator reads `inv`")
        }
        XCTAssertTrue(experiments[0].system.setUp === experiments[1].system.setUp, "the two cells differ only in treatment: one set-up")
        // A replication of the cell reads no spectrum but its estimators' W: `inv`'s is still not computed, and
        // the fits are those of a cell with every spectrum computed at set-up.
        let complete = try CitySystemWorld(document: cells[0].document, seed: mc.seed, cell: cells[0].index, source: mc.file)
        XCTAssertFalse(try XCTUnwrap(complete.system.fixedEstimatorWeights["inv"]).spectrumIsPending)
        let context = ReplicationContext(seed: mc.seed, cell: cells[0].index, replication: 1)
        let deferredFits = experiments[0].replicate(context)
        let completeFits = try complete.makeExperiment(cell: cells[0], scenario: mc).replicate(context)
        XCTAssertEqual(deferredFits.map { $0.results.map(\.estimate.bitPattern) }, completeFits.map { $0.results.map(\.estimate.bitPattern) })
        XCTAssertTrue(try XCTUnwrap(experiments[0].system.fixedEstimatorWeights["inv"]).spectrumIsPending)
        // The reports (validate, generate) compute it, and give what the complete cell gives.
        let reports = try experiments[0].system.weightReports(), expected = try complete.system.weightReports()
        XCTAssertFalse(try XCTUnwrap(experiments[0].system.fixedEstimatorWeights["inv"]).spectrumIsPending)
        XCTAssertEqual(reports.map(\.name), expected.map(\.name))
        XCTAssertEqual(reports.map(\.omegaMin.bitPattern), expected.map(\.omegaMin.bitPattern))
        XCTAssertEqual(reports.map(\.omegaMax.bitPattern), expected.map(\.omegaMax.bitPattern))
        XCTAssertEqual(reports.map(\.warnings), expected.map(\.warnings))
    }

    /// A bad W no estimator reads is still refused at load, naming its key — as `run` and `validate` build cells.
    func testAnUnusedBadWeightIsStillRefusedAtLoad() throws {
        for (bad, mentions) in [("{name: islands, kind: band, band_km: 1, normalise: row}", "island"),
                                ("{name: many, kind: knn, k: 40, normalise: row}", "k = 40")] {
            let mc = try MonteCarloScenario(text: Self.scenario(unused: bad, cells: false))
            assertThrows(try CitySystemBuilder().makeExperiments(cells: try mc.cells(), scenario: mc), as: ScenarioError.self) { e in
                XCTAssertTrue(e.path.hasPrefix("city_system.estimator_weights"), "\(e)")
                XCTAssertTrue("\(e)".contains(mentions), "\(e)")
            }
        }
    }
}
