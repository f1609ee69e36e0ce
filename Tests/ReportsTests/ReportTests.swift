import Foundation
import MonteCarlo
@testable import Reports
import Storage
import TestSupport
import XCTest

/// The result-file reader and the whole report on a fixture file written with
/// Storage in the layout of docs/results-schema.md (see ResultsFixture).
final class ReportTests: XCTestCase {
    var directory: URL!
    var fixture: String { directory.appendingPathComponent("fixture.h5").path }

    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-report") }
    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    func testReaderReturnsCellsRowsAndDraws() throws {
        let stored = try ResultsFixture.write(to: fixture)
        let data = try ResultsData.read(fixture)
        XCTAssertEqual(data.scenarioName, "report-fixture")
        XCTAssertEqual(data.replications, 40)
        XCTAssertEqual(data.estimators, ["sdm", "ols"])
        XCTAssertEqual(data.cells.map(\.shortLabel), ["rho=0.2, n=50", "rho=0.5, n=50"])
        XCTAssertEqual(data.rows.count, 2 * (10 + 2))
        let row = try XCTUnwrap(data.rows.first { $0.cell.ordinal == 0 && $0.estimator == "ols" && $0.estimand == "beta1" })
        let expected = try XCTUnwrap(stored["0/ols/beta1"])
        // Stored and read back as IEEE doubles: bit-exact.
        assertClose(expected[ResultsFixture.summaryColumns.firstIndex(of: "bias")!], row.measure("bias"), tolerance: 0, "round trip")
        XCTAssertEqual(row.measure("n_failed"), 1)
        let d = data.draws[1][0]
        XCTAssertEqual(d.estimator, "sdm")
        XCTAssertEqual(d.status[3], 2)
        let (est, tru) = d.usable(0)
        XCTAssertEqual(est.count, 39, "the failed replication is excluded")
        assertClose(0.5, tru[0], tolerance: 0, "rho truth of cell 1 is its factor value, stored exactly")
    }

    func testReaderErrorsNameTheFileAndTheFix() throws {
        assertThrows(try ResultsData.read(directory.appendingPathComponent("missing.h5").path), as: RunError.self) {
            XCTAssertTrue("\($0)".contains("missing.h5: no such file"), "\($0)")
        }
        let other = directory.appendingPathComponent("other.h5").path
        let f = try HDF5File.create(other)
        try f.setAttribute("hello", 1)
        try f.close()
        assertThrows(try ResultsData.read(other), as: RunError.self) {
            XCTAssertTrue("\($0)".contains("not a spillsim result file"), "\($0)")
        }
        try ResultsFixture.write(to: fixture)
        let g = try HDF5File.open(fixture, mode: .readWrite)
        try g.group("cells/cell_00001/estimators").remove("ols")
        try g.close()
        assertThrows(try ResultsData.read(fixture), as: RunError.self) {
            XCTAssertTrue("\($0)".contains("/cells/cell_00001/estimators/ols: group missing"), "\($0)")
        }
    }

    func testFigurePlansStateRAndFailures() throws {
        try ResultsFixture.write(to: fixture)
        let plans = AppendixFigures(data: try ResultsData.read(fixture), baseName: "fx").all()
        XCTAssertEqual(plans.map(\.id), ["bias", "coverage", "ratio-bias", "ratio-coverage", "curves", "curves-by-d", "turning-points", "utest",
                                          "nlp-bias", "nlp-coverage", "w-heatmap", "zip", "utest-power"])
        // ρ and n vary together (two cells): one naming factor, so no nested-loop plot.
        let drawn = ["bias", "coverage", "curves", "turning-points", "utest", "zip"]
        for p in plans where drawn.contains(p.id) {
            XCTAssertNotNil(p.figure, "\(p.id): \(p.skipped ?? "")")
            XCTAssertTrue(p.caption.contains("R = 40 replications per cell"), p.caption)
        }
        // The fixture is format version 1 (no robust columns or Fieller sets), its grid does not vary W.
        for id in ["ratio-bias", "ratio-coverage", "w-heatmap", "curves-by-d", "nlp-bias", "nlp-coverage"] { XCTAssertNil(plans.first { $0.id == id }?.figure, id) }
        let plan = { (id: String) in plans.first { $0.id == id }! }
        // Bias involves both estimators: 1 failed sdm fit + 1 non-converged ols fit of 2 × 2 × 40.
        XCTAssertTrue(plans[0].caption.contains("n_failed = 2 of 160 fits (at most 1 in a cell)"), plans[0].caption)
        // Curves and turning points come from sdm only.
        XCTAssertTrue(plan("curves").caption.contains("n_failed = 1 of 80 fits"), plan("curves").caption)
        // Curve data: per CA point the truth, the mean estimate and the 2.5–97.5% band, sorted by CA.
        let curve = try XCTUnwrap(plan("curves").figure).data
        XCTAssertTrue(curve.contains("# DE(CA) (sdm), rho=0.2"), "n is set by ρ here, so cells are named by ρ: \(curve)")
        let firstRow = curve.split(separator: "\n")[2].split(separator: " ").compactMap { Double($0) }
        XCTAssertEqual(firstRow.count, 5)
        assertClose(0.1, firstRow[0], tolerance: 1e-12, "CA of direct@0.1")
        assertClose(-0.3 + 2 * 0.6 * 0.1, firstRow[1], tolerance: 1e-9, "true slope b1 + 2 b2 x, printed to 10 digits")
        XCTAssertLessThan(firstRow[3], firstRow[2]); XCTAssertGreaterThan(firstRow[4], firstRow[2])
    }

    func testFiguresWithoutTheirEstimandsAreSkippedWithAReason() throws {
        try ResultsFixture.write(to: fixture)
        let data = try ResultsData.read(fixture)
        // Keep only the ols estimator's rows and draws: no curves, no turning points.
        let olsOnly = ResultsData(path: data.path, scenarioName: data.scenarioName, replications: data.replications,
                                  alpha: data.alpha, estimators: ["ols"], cells: data.cells,
                                  rows: data.rows.filter { $0.estimator == "ols" }, draws: data.draws.map { [$0[1]] })
        let all = AppendixFigures(data: olsOnly, baseName: "fx").all()
        let plan = { (id: String) in all.first { $0.id == id }! }
        XCTAssertNil(plan("curves").figure)
        XCTAssertTrue(plan("curves").skipped?.contains("direct@0.25") == true, plan("curves").skipped ?? "")
        XCTAssertNil(plan("turning-points").figure)
        XCTAssertNotNil(plan("utest").figure)
        // The reason names what is missing (no ratio estimand), not a results-format version.
        XCTAssertEqual(plan("ratio-bias").skipped, "the run scores no turning point or shift (estimands tp.* or shift.*)")
        XCTAssertFalse(plan("ratio-coverage").skipped?.contains("version") ?? true, plan("ratio-coverage").skipped ?? "")
    }

    func testReportWritesTableFiguresAndCaptions() throws {
        try ResultsFixture.write(to: fixture)
        let out = directory.appendingPathComponent("plots/fixture").path
        let r = try AppendixReport.write(resultsPath: fixture, out: out, figureFormat: .png, tableFormat: .latex, gnuplot: try Gnuplot())
        XCTAssertEqual(r.figures.map(\.figure.lastPathComponent),
                       ["fixture-bias.png", "fixture-coverage.png", "fixture-curves.png", "fixture-turning-points.png", "fixture-utest.png",
                        "fixture-zip.png", "fixture-utest-power.png"])
        for f in r.figures {
            let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: f.figure.path)[.size] as? Int)
            XCTAssertGreaterThan(size, 10_000, "\(f.figure.lastPathComponent): a multi-panel PNG is tens of kB")
            XCTAssertTrue(FileManager.default.fileExists(atPath: f.script.path))
        }
        let table = try String(contentsOf: r.table, encoding: .utf8)
        XCTAssertEqual(r.table.lastPathComponent, "fixture-summary.tex")
        XCTAssertTrue(table.contains("\\toprule"), table)
        XCTAssertTrue(table.contains("0.5 & 50 & sdm & turning\\_point\\_direct & "), table)
        XCTAssertTrue(table.contains("0.2 & 50 & sdm & $\\rho$ & "), "ρ typeset in LaTeX: \(table)")
        let captions = try String(contentsOf: r.captions, encoding: .utf8)
        XCTAssertTrue(captions.contains("fixture-utest.png**: U-test rejection rate"), captions)
    }

    /// The built `spillsim report` end to end (SwiftPM builds the executable next to the test bundle).
    func testCommandLine() throws {
        try ResultsFixture.write(to: fixture)
        func run(_ args: [String]) throws -> (Int32, String) {
            let r = try ProcessRunner.spillsim(args, currentDirectory: directory)
            return (r.status, r.combined)
        }
        let (status, text) = try run(["report", "fixture.h5", "--format", "svg", "--tables", "csv", "--decimals", "2"])
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.contains("plots/fixture-summary.csv"), text)
        let csv = try String(contentsOf: directory.appendingPathComponent("plots/fixture-summary.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("rho,n,estimator,estimand,true,bias (MCSE),"), csv)
        XCTAssertTrue(csv.contains("\n0.2,50,sdm,rho,0.20,"), csv)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("plots/fixture-curves.svg").path), text)
        let (bad, message) = try run(["report", "fixture.h5", "--gnuplot", "/nonexistent/gnuplot"])
        XCTAssertNotEqual(bad, 0)
        XCTAssertTrue(message.contains("gnuplot not found (no executable file at /nonexistent/gnuplot)"), message)
        let (badDecimals, why) = try run(["report", "fixture.h5", "--decimals", "12"])
        XCTAssertNotEqual(badDecimals, 0)
        XCTAssertTrue(why.contains("--decimals must be between 0 and 8"), why)
    }

    /// A curve with no turning point has a NaN truth (MODEL.md §3: m1β2 + m2θ2 = 0):
    /// the histogram is drawn without a truth line and the caption's table says so.
    func testTurningPointWithoutATruthIsDrawnAndSaidSo() throws {
        let cell = CellInfo(ordinal: 0, index: 0, factors: [])
        let estimates = (0..<50).map { 0.3 + 0.01 * Double($0 % 7) }
        let draws = ReplicationDraws(estimator: "sdm", estimands: ["tp_total"], status: Array(repeating: 0, count: 50),
                                     estimate: estimates, truth: Array(repeating: .nan, count: 50))
        let data = ResultsData(path: "mem", scenarioName: "t", replications: 50, alpha: 0.05, estimators: ["sdm"], cells: [cell],
                               rows: [], draws: [[draws]])
        let plan = AppendixFigures(data: data, baseName: "t").turningPoints()
        let figure = try XCTUnwrap(plan.figure)
        XCTAssertFalse(figure.script.contains("set arrow 1"), figure.script)
        XCTAssertTrue(plan.table?.contains("no finite true turning point") == true, plan.table ?? "no table")
        let r = try Gnuplot().render(figure, in: directory, format: .png)
        XCTAssertGreaterThan(try Data(contentsOf: r.figure).count, 1000)
    }
}
