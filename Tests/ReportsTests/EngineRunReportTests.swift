import Foundation
import MonteCarlo
import Reports
import TestSupport
import XCTest

/// The report on files the real engine wrote (through the one results reader).
final class EngineRunReportTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-report-engine") }
    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    /// OLS on the engine's known linear DGP (as scenarios/ols-check.yaml), 2 × 2 cells, R = 30.
    static let scenario = """
        name: report-engine
        seed: 20241129
        known_dgp: {model: ols, n: 20, beta: [1.0, 0.5, 0.0], sigma: 1.0, errors: normal}
        monte_carlo: {replications: 30, chunk_size: 10, alpha: 0.05}
        estimators:
          - {name: ols, model: ols, estimands: [beta0, beta1, beta2]}
          - {name: ols_slope, model: ols, estimands: [beta1]}
        grid:
          known_dgp.n: [15, 40]
          known_dgp.errors: [normal, t]
        """

    func testKnownDGPRunDrawsBiasAndCoverage() throws {
        let out = directory.appendingPathComponent("engine.h5").path
        var options = RunOptions(output: out)
        options.threads = 1
        _ = try MonteCarloRunner(scenario: try MonteCarloScenario(text: Self.scenario), options: options,
                                 format: HDF5ResultsFormat()).run()
        let data = try ResultsData.read(out)
        XCTAssertEqual(data.rows.count, 4 * 4, "4 cells × (3 + 1) estimands")
        XCTAssertEqual(data.replications, 30)
        XCTAssertEqual(data.cells.map(\.shortLabel), ["n=15, errors=normal", "n=15, errors=t", "n=40, errors=normal", "n=40, errors=t"])
        XCTAssertEqual(data.draws.map { $0.map(\.replications) }, Array(repeating: [30, 30], count: 4))

        let r = try AppendixReport.write(resultsPath: out, out: directory.appendingPathComponent("plots/engine").path,
                                         gnuplot: try Gnuplot())
        XCTAssertEqual(r.figures.map(\.figure.lastPathComponent), ["engine-bias.png", "engine-coverage.png", "engine-zip.png"])
        XCTAssertEqual(r.skipped.map(\.id), ["ratio-bias", "ratio-coverage", "curves", "curves-by-d", "turning-points", "utest",
                                             "nlp-bias", "nlp-coverage", "w-heatmap", "utest-power"],
                       "OLS has no ratios, curves, turning points or U-tests, and no W; two factors need no nested-loop plot")
        let captions = try String(contentsOf: r.captions, encoding: .utf8)
        XCTAssertTrue(captions.contains("R = 30 replications per cell; n_failed = 0 of 240 fits"), captions)
    }

    /// A small city-system run (as MonteCarloTests' CitySystemRunTests): the SDM's
    /// curve points, turning points and U-tests feed all five figures.
    static let city = """
        name: report-city
        seed: 11
        city_system:
          geography: {centres: 4, cities: 40, square_km: 800, min_separation_km: 200, first_year: 2005, last_year: 2012}
        monte_carlo: {replications: 8, chunk_size: 4}
        estimators:
          - {name: sdm, model: sdm, estimands: [rho, beta.CA, tp.direct.p50, utest.direct.p50,
                                                curve.direct.p50.0, curve.direct.p50.20, curve.direct.p50.40]}
        grid:
          city_system.outcome.rho: [0.2, 0.5]
        """

    func testCitySystemRunDrawsAllFiveFigures() throws {
        let out = directory.appendingPathComponent("city.h5").path
        var options = RunOptions(output: out)
        options.threads = 2
        _ = try MonteCarloRunner(scenario: try MonteCarloScenario(text: Self.city), options: options, format: HDF5ResultsFormat()).run()
        let r = try AppendixReport.write(resultsPath: out, out: directory.appendingPathComponent("plots/city").path,
                                         figureFormat: .svg, gnuplot: try Gnuplot())
        XCTAssertEqual(r.figures.map(\.figure.lastPathComponent),
                       ["city-bias.svg", "city-coverage.svg", "city-ratio-bias.svg", "city-ratio-coverage.svg", "city-curves.svg",
                        "city-turning-points.svg", "city-utest.svg", "city-zip.svg",
                        "city-utest-power.svg"])
        let curves = try String(contentsOf: try XCTUnwrap(r.figures.first { $0.figure.lastPathComponent == "city-curves.svg" }).data, encoding: .utf8)
        XCTAssertTrue(curves.contains("# DE(CA), D = p50 (sdm), rho=0.2"), curves)
    }
}
