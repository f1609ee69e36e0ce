import Foundation
import TestSupport
import XCTest

/// `estimate … --plot FILE` end to end: the built executable on committed data draws a
/// valid figure whose data file holds the numbers the command's JSON reports.
final class CLIPlotTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-cli-plot") }
    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    func run(_ args: [String]) throws -> [String: Any] {
        let r = try ProcessRunner.spillsim(args, currentDirectory: directory)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("figure "), r.err)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    }

    /// Rows of numbers of a data file (comments and blank lines dropped).
    func numbers(_ name: String) throws -> [[Double]] {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ").map { Double($0) ?? .nan } }
    }

    func testLovePlotOfPSMBalance() throws {
        let data = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/lalonde.csv").path
        let json = try run(["estimate", "psm", "--data", data, "--treat", "treat", "--covariates", "age,educ,married,re74,re75",
                            "--json", "--plot", "love.svg"])
        assertValidFigure(directory.appendingPathComponent("love.svg"))
        let balance = try XCTUnwrap(json["balance"] as? [[String: Any]])
        let rows = try numbers("love.dat")
        XCTAssertEqual(rows.count, balance.count)
        for (row, b) in zip(rows, balance) {
            assertClose(abs(try XCTUnwrap(b["smd_before"] as? Double)), row[1], tolerance: 1e-9)
            assertClose(abs(try XCTUnwrap(b["smd_after"] as? Double)), row[2], tolerance: 1e-9)
        }
    }

    func testEventStudyOfTWFEWithItsBand() throws {
        let data = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/staggered_panel.csv").path
        let json = try run(["estimate", "twfe", "--data", data, "--id", "id", "--time", "year", "--y", "y", "--event-study",
                            "--cohort", "first_treat", "--leads", "3", "--lags", "3", "--json", "--plot", "es.pdf"])
        assertValidFigure(directory.appendingPathComponent("es.pdf"))
        let coefficients = try XCTUnwrap(json["coefficients"] as? [[String: Any]])
        let all = try numbers("es.dat").filter { $0.count == 5 }
        // The reference period −1 is a row of the line at 0 with no band (as fixest's iplot), in
        // event-time order, so the line and band pass through (−1, 0) instead of interpolating a
        // value between −2 and 0.
        let times = coefficients.map { $0["event_time"] as! Int }
        XCTAssertFalse(times.contains(-1), "the reference period is omitted from the regression")
        XCTAssertEqual(all.map { Int($0[0]) }, (times + [-1]).sorted())
        XCTAssertEqual(all.first { $0[0] == -1 }, [-1, 0, 0, 0, 0])
        let rows = all.filter { $0[0] != -1 }
        for (row, c) in zip(rows, coefficients) {
            assertClose(try XCTUnwrap(c["estimate"] as? Double), row[1], tolerance: 1e-9 * max(1, abs(row[1])))
            assertClose(try XCTUnwrap(c["ci_lower"] as? Double), row[2], tolerance: 1e-9 * max(1, abs(row[2])))
            assertClose(try XCTUnwrap(c["ci_upper"] as? Double), row[3], tolerance: 1e-9 * max(1, abs(row[3])))
        }
        // The zero and adoption lines are drawn in front of the band, and the adoption line has a key entry.
        let script = try String(contentsOf: directory.appendingPathComponent("es.gp"), encoding: .utf8)
        XCTAssertTrue(script.contains("first 0 nohead ls 100 front"), script)
        XCTAssertTrue(script.contains("graph 1 nohead ls 101 front"), script)
        XCTAssertTrue(script.contains("NaN with lines ls 101 title 'adoption'"), script)
        let bad = try ProcessRunner.spillsim(["estimate", "twfe", "--data", data, "--id", "id", "--time", "year", "--y", "y",
                                              "--x", "lpop", "--plot", "x.png"], currentDirectory: directory)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.combined.contains("--plot draws the event study: add --event-study"), bad.combined)
    }

    func testEffectCurvesOfAQuadraticSDMWithFiellerSets() throws {
        let cig = TestPaths.cigarette
        let json = try run(["estimate", "sdm", "--data", cig.appendingPathComponent("cigarette.csv").path,
                            "--weights", cig.appendingPathComponent("usa46_contiguity.csv").path, "--id", "state", "--time", "year",
                            "--y", "logc", "--x", "logp,logy", "--quadratic", "logy", "--json", "--plot", "curves.tex"])
        assertValidFigure(directory.appendingPathComponent("curves.tex"))
        let text = try String(contentsOf: directory.appendingPathComponent("curves.dat"), encoding: .utf8)
        for kind in ["DE(logy)", "IE(logy)", "TE(logy)"] { XCTAssertTrue(text.contains("# \(kind):"), text) }
        XCTAssertTrue(text.contains("Fieller ["), text)
        let curves = try XCTUnwrap(json["curves"] as? [[String: Any]], "\(json.keys)")
        let points = try XCTUnwrap(curves.first?["points"] as? [[String: Any]])
        let rows = try numbers("curves.dat").filter { $0.count == 4 }
        XCTAssertEqual(rows.count, curves.count * points.count)
        let x0 = try XCTUnwrap(points.first?["x"] as? Double)
        assertClose(x0, rows[0][0], tolerance: 1e-9 * max(1, abs(x0)))
        let bad = try ProcessRunner.spillsim(["estimate", "sdm", "--data", "p.csv", "--weights", "w.csv", "--id", "i", "--time", "t",
                                              "--y", "y", "--x", "a", "--plot", "c.gif"], currentDirectory: directory)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.combined.contains("--plot c.gif: the extension must be .png, .pdf, .svg or .tex"), bad.combined)
    }
}
