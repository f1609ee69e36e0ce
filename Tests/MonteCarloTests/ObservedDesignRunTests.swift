import Calibration
import CitySystem
@testable import MonteCarlo
import TestSupport
import XCTest

/// The engine on an observed design: the cigarette panel calibrated (values as `spillsim
/// calibrate` writes them, with their hashes), replicated with each error law and scored.
final class ObservedDesignRunTests: XCTestCase {
    /// A calibrated scenario of the committed example, placed beside a copy of nothing:
    /// the data paths are absolute so the test runs from any directory.
    static func scenario(errors: String = "normal", estimators: String? = nil, grid: String = "") throws -> String {
        let committed = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("scenarios/cigarette-calibrated.yaml"),
                                   encoding: .utf8)
        var text = committed.replacingOccurrences(of: "\"../data/cigarette/", with: "\"\(TestPaths.cigarette.path)/")
            .replacingOccurrences(of: "errors: unit_wild", with: "errors: \(errors)")
        if let cut = text.range(of: "\nmonte_carlo:") { text = String(text[..<cut.lowerBound]) }
        return text + """

        monte_carlo: {replications: 12, chunk_size: 5}
        estimators:
        \(estimators ?? "  - {name: sdm, model: sdm, estimands: [rho, beta.logp, theta.logy, direct.logp, indirect.logp]}\n  - {name: sar, model: sar, approach: direct, estimands: [rho, direct.logp]}")
        \(grid)
        """
    }

    func testRunsAreBitIdenticalAcrossThreadsAndTruthIsTheCalibration() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-observed")
        defer { try? FileManager.default.removeItem(at: dir) }
        for errors in ["normal", "bootstrap", "wild"] {
            let text = try Self.scenario(errors: errors, grid: "grid:\n  city_system.observed.outcome: [{}, {theta: {logp: 0, logy: 0}}]\n")
            let scenario = try MonteCarloScenario(text: text, file: dir.appendingPathComponent("calibrated.yaml").path)
            XCTAssertTrue(ExperimentRegistry.builder(for: scenario) is ObservedDesignBuilder)
            let cells = try InMemoryRun.runs(scenario).map(\.cells)
            XCTAssertEqual(cells[0], cells[1], "bitwise identical for 1 and 2 threads (\(errors))")
            let spec = try XCTUnwrap(try ScenarioParser.parse(try scenario.cells()[0].document).observed)
            for (k, c) in cells[0].enumerated() {
                XCTAssertEqual(c.records.count, 12)
                for r in c.records {
                    XCTAssertEqual(r.fits[0].status.code, .ok, r.fits[0].status.message)
                    XCTAssertEqual(r.fits[0].results[0].truth, spec.fit.rho, "ρ's truth is the calibrated ρ")
                    XCTAssertEqual(r.fits[0].results[1].truth, spec.fit.beta[0].value)
                    XCTAssertEqual(r.fits[0].results[2].truth, k == 0 ? spec.fit.theta[1].value : 0, "θ follows the what-if grid")
                    XCTAssertTrue(r.fits[1].results[0].estimate.isFinite, "a misspecified SAR is scored too")
                }
            }
        }
    }

    func testEstimatorsAreCheckedAgainstTheDesign() throws {
        let cases: [(String, String)] = [
            ("  - {name: p, model: psm_did, estimands: [att]}", "estimators[0].model"),
            ("  - {name: s, model: sdm, estimands: [rho, beta.CA]}", "estimators[0].estimands[1]"),
            ("  - {name: s, model: sdm, estimands: [rho, tp.direct.p50]}", "estimators[0].estimands[1]"),
            ("  - {name: s, model: sdm, weights: knn4, estimands: [rho]}", "estimators[0].weights"),
        ]
        for (estimators, key) in cases {
            let scenario = try MonteCarloScenario(text: try Self.scenario(estimators: estimators), file: "calibrated.yaml")
            assertThrows(try ObservedDesignBuilder().makeExperiment(cell: try scenario.cells()[0], scenario: scenario),
                         as: ScenarioError.self, key) {
                XCTAssertEqual($0.path, key, "\($0)")
            }
        }
    }

    /// With a quadratic term and a moderator every curve estimand is scored against the calibrated
    /// curve: turning points, dc*/dD, the U-test of the calibrated shape and curve points.
    func testQuadraticEstimandsAreScoredAgainstTheCalibratedCurves() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-observed")
        defer { try? FileManager.default.removeItem(at: dir) }
        var request = CalibrationRequest(data: TestPaths.cigarette.appendingPathComponent("cigarette.csv").path,
                                         weights: TestPaths.cigarette.appendingPathComponent("usa46_contiguity.csv").path,
                                         id: "state", time: "year", y: "logc", x: ["logp", "logy"])
        request.quadratic = "logp"
        request.moderator = "logy"
        let calibration = try Calibration.run(request, scenarioDirectory: dir.path)
        var options = CalibratedScenario.Options(name: "quadratic", version: "test")
        options.replications = 6
        options.grid = true
        let path = dir.appendingPathComponent("quadratic.yaml").path
        let extra = ["curve.total.p25.3", "tp.direct.p75"]
        let text = CalibratedScenario.yaml(calibration, options: options)
            .replacingOccurrences(of: "utest.total.p50\"", with: "utest.total.p50\", " + extra.map { "\"\($0)\"" }.joined(separator: ", "))
            .replacingOccurrences(of: "utest.total.p50,", with: "utest.total.p50, " + extra.joined(separator: ", ") + ",")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let scenario = try MonteCarloScenario.load(path: path)
        let estimands = scenario.estimators[0].estimands
        for e in ["tp.direct.p50", "utest.total.p50", "shift.indirect"] + extra { XCTAssertTrue(estimands.contains(e), "\(e) in \(estimands)") }
        XCTAssertEqual(try scenario.cells().count, 7, "calibrated, θ = 0, two ρ bounds, monotone truth, two boundary worlds")
        let format = InMemoryResultsFormat()
        _ = try MonteCarloRunner(scenario: scenario, options: RunOptions(output: dir.appendingPathComponent("q.h5").path), format: format).run()
        let store = try format.open(path: dir.appendingPathComponent("q.h5").path)
        let truth = try ObservedDesign(spec: try XCTUnwrap(try ScenarioParser.parse(scenario.cells()[0].document).observed),
                                       source: path).truth.model
        func column(_ name: String) throws -> Int { try XCTUnwrap(estimands.firstIndex(of: name), name) }
        let cells = try store.metadata.cells.map { try store.cell($0.ordinal) }
        for r in cells[0].records {
            XCTAssertEqual(r.fits[0].status.code, .ok, r.fits[0].status.message)
            let tp = try XCTUnwrap(truth.turningPoint(.direct, "p50"))
            XCTAssertEqual(r.fits[0].results[try column("tp.direct.p50")].truth, tp.cStar)
            XCTAssertTrue(r.fits[0].results[try column("tp.direct.p50")].estimate.isFinite)
            let curve = try XCTUnwrap(truth.curve(.total, "p25"))
            XCTAssertEqual(r.fits[0].results[try column("curve.total.p25.3")].truth, curve.values[3])
            let u = r.fits[0].results[try column("utest.total.p50")]
            XCTAssertTrue([0.0, 1.0].contains(u.estimate) && [0.0, 1.0].contains(u.truth), "rejection indicators")
        }
        // The quadratic regressor has no single effect: refused with the alternatives, by path.
        let refused = try MonteCarloScenario(text: text.replacingOccurrences(of: "estimands: [rho,", with: "estimands: [rho, direct.logp,"),
                                             file: path)
        assertThrows(try ObservedDesignBuilder().makeExperiment(cell: try refused.cells()[0], scenario: refused), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[0].estimands[1]", "\($0)")
        }
        // The monotone world (last cell): the curve is linear, so there is no turning point and the U-test's truth is 0.
        for r in cells[4].records {
            XCTAssertEqual(r.fits[0].results[try column("utest.total.p50")].truth, 0)
            XCTAssertTrue(r.fits[0].results[try column("tp.direct.p50")].truth.isNaN)
        }
        // The boundary worlds (issue 20): the turning point sits at an end of the interval, on the null.
        for cell in cells[5...6] {
            for r in cell.records { XCTAssertEqual(r.fits[0].results[try column("utest.total.p50")].truth, 0, "the least-favourable null") }
        }
    }
}
