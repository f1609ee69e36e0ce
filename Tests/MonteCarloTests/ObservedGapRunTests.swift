import Calibration
import CitySystem
import Estimators
@testable import MonteCarlo
import TestSupport
import XCTest

/// The engine on an observed design with the data's gaps (issue 24, item 7): the cigarette panel
/// less the committed 99 removed state-years, calibrated and run as `spillsim calibrate` writes it.
final class ObservedGapRunTests: XCTestCase {
    static var gappyData: String {
        TestPaths.repositoryRoot.appendingPathComponent("Tests/EstimatorsTests/Fixtures/cigarette_gaps_panel.csv").path
    }

    static func calibrated(in dir: URL, replications: Int) throws -> (scenario: MonteCarloScenario, calibration: Calibration) {
        var r = CalibrationRequest(data: gappyData, weights: TestPaths.cigarette.appendingPathComponent("usa46_contiguity.csv").path,
                                   id: "state", time: "year", y: "logc", x: ["logp", "logy"])
        r.errors = .unitWild
        let c = try Calibration.run(r, scenarioDirectory: dir.path)
        var o = CalibratedScenario.Options(name: "gaps", version: "test")
        o.replications = replications
        let path = dir.appendingPathComponent("gaps.yaml").path
        try CalibratedScenario.yaml(c, options: o).write(toFile: path, atomically: true, encoding: .utf8)
        return (try MonteCarloScenario(text: try String(contentsOfFile: path, encoding: .utf8), file: path), c)
    }

    /// A run of the calibrated design scores: bit-identical for 1 and 2 threads; every `missing: exact`
    /// fit is the unbalanced estimator on the generated panel (the data's 1,281 observed state-years and
    /// the data's W_t), scored against the calibrated truth; `drop_cities` fails in every replication
    /// with its reason (the 6 complete states leave W*logp constant), counted, not dropped.
    func testTheCalibratedDesignRunsAndScoresOnTheDataPattern() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-observed-gaps")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (scenario, c) = try Self.calibrated(in: dir, replications: 2)
        XCTAssertEqual(scenario.estimators.map(\.name), ["sdm", "sdm_bc", "sdm_drop_cities", "sdm_interpolate"])
        let runs = try InMemoryRun.runs(scenario)
        XCTAssertEqual(runs[0].cells, runs[1].cells, "bitwise identical for 1 and 2 threads")
        guard case .gaps(let design) = try c.world(source: "test") else { return XCTFail("expected gaps") }
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .direct)
        for (rep, record) in runs[0].cells[0].records.enumerated() {
            for k in [0, 1, 3] { XCTAssertEqual(record.fits[k].status.code, .ok, record.fits[k].status.message) }
            XCTAssertEqual(record.fits[2].status.code, .failed)
            XCTAssertFalse(record.fits[2].status.message.isEmpty)
            XCTAssertEqual(record.fits[0].results[0].truth, c.spec.fit.rho)
            let panel = try design.generate(seed: scenario.seed, cell: 0, replication: rep)
            XCTAssertEqual(panel.observations, 1281)
            let direct = try UnbalancedEstimator.fit(spec, panel: panel, weights: design.dataset.weights)
            // The same estimator on the same rows and W_t: equal to rounding of the optimiser's path (none).
            assertClose(direct.fit.rho!, record.fits[0].results[0].estimate, tolerance: 1e-10, "rep \(rep) ρ")
            assertClose(try XCTUnwrap(direct.biasCorrected?.rho), record.fits[1].results[0].estimate, tolerance: 1e-10, "rep \(rep) ρ bc")
        }
    }

    /// The data decide whether the world has gaps: a spatial estimator without `missing` is refused on
    /// a design with gaps, and `missing` on one without, each at the estimator's key.
    func testEstimatorsAreCheckedAgainstTheDataPattern() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-observed-gaps")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (scenario, _) = try Self.calibrated(in: dir, replications: 2)
        let text = try String(contentsOfFile: scenario.file, encoding: .utf8)
        let cut = try XCTUnwrap(text.range(of: "\nestimators:"))
        let plain = MonteCarloScenario.self
        let noMissing = try plain.init(text: String(text[..<cut.lowerBound]) + "\nestimators:\n  - {name: s, model: sdm, approach: direct, estimands: [rho]}\n",
                                       file: scenario.file)
        assertThrows(try ObservedDesignBuilder().makeExperiment(cell: try noMissing.cells()[0], scenario: noMissing),
                     as: ScenarioError.self) { XCTAssertEqual($0.path, "estimators[0].missing", "\($0)") }
        let balanced = try plain.init(text: try ObservedDesignRunTests.scenario(estimators: "  - {name: s, model: sdm, missing: exact, estimands: [rho]}"),
                                      file: "calibrated.yaml")
        assertThrows(try ObservedDesignBuilder().makeExperiment(cell: try balanced.cells()[0], scenario: balanced),
                     as: ScenarioError.self) { XCTAssertEqual($0.path, "estimators[0].missing", "\($0)") }
    }
}
