import Foundation
import TestSupport
import XCTest

/// The figures a user gets, checked as drawn: the built executable runs the scenarios the
/// README and the main job use (small R: layout depends on the design, not on R) and the
/// `--plot` commands, draws every figure type to SVG, and each one must draw without a
/// gnuplot warning (else `report` fails), keep its text on the canvas and apart, use no
/// font below 8 pt and plot every series of its data file (`assertReadableFigure`).
final class FigureCheckTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-figure-check") }
    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    func checkScenario(_ name: String, reps: Int) throws {
        let scenario = TestPaths.repositoryRoot.appendingPathComponent("scenarios/\(name).yaml").path
        let run = try ProcessRunner.spillsim(["run", scenario, "--reps", "\(reps)", "--threads", "2", "--out", "\(name).h5", "--quiet"],
                                             currentDirectory: directory)
        XCTAssertEqual(run.status, 0, run.combined)
        let report = try ProcessRunner.spillsim(["report", "\(name).h5", "--out", "plots/\(name)", "--format", "svg"], currentDirectory: directory)
        XCTAssertEqual(report.status, 0, "report fails on a gnuplot warning: \(report.combined)")
        let figures = report.out.split(separator: "\n").filter { $0.hasPrefix("figure ") }.map { String($0.dropFirst(6)).trimmingCharacters(in: .whitespaces) }
        XCTAssertFalse(figures.isEmpty, report.out)
        for f in figures { assertReadableFigure(URL(fileURLWithPath: f, relativeTo: directory)) }
    }

    func testBaselineFigures() throws { try checkScenario("baseline", reps: 3) }
    func testInvertedURecoveryFigures() throws { try checkScenario("inverted-u-recovery", reps: 2) }
    func testWeightsStressFigures() throws { try checkScenario("weights-stress", reps: 2) }
    func testCigaretteCalibratedFigures() throws { try checkScenario("cigarette-calibrated", reps: 3) }

    func testEstimatePlotFigures() throws {
        let cig = TestPaths.cigarette
        let commands: [[String]] = [
            ["estimate", "sdm", "--data", cig.appendingPathComponent("cigarette.csv").path,
             "--weights", cig.appendingPathComponent("usa46_contiguity.csv").path, "--id", "state", "--time", "year",
             "--y", "logc", "--x", "logp,logy", "--quadratic", "logy", "--effects", "twoways", "--plot", "curves.svg"],
            ["estimate", "psm", "--data", try TestPaths.committed("Tests/EstimatorsTests/Fixtures/lalonde.csv").path,
             "--treat", "treat", "--covariates", "age,educ,married,re74,re75", "--plot", "love.svg"],
            ["estimate", "twfe", "--data", try TestPaths.committed("Tests/EstimatorsTests/Fixtures/staggered_panel.csv").path,
             "--id", "id", "--time", "year", "--y", "y", "--event-study", "--cohort", "first_treat", "--leads", "3", "--lags", "3",
             "--plot", "es.svg"],
        ]
        for args in commands {
            let r = try ProcessRunner.spillsim(args, currentDirectory: directory)
            XCTAssertEqual(r.status, 0, r.combined)
            assertReadableFigure(directory.appendingPathComponent(args.last!))
        }
        // The cigarette panel's direct and indirect turning points (4.87, about 5.4) lie beyond
        // the largest log income (4.86): each panel's title says so — nothing is drawn over the
        // curve or its band; the total effect's (4.73) is inside and drawn as a line. The zero and
        // turning-point lines are in front of the band, which otherwise hides them where the
        // curve crosses zero.
        let script = try String(contentsOf: directory.appendingPathComponent("curves.gp"), encoding: .utf8)
        XCTAssertEqual(script.components(separatedBy: "c* above data max 4.86").count - 1, 2, script)
        XCTAssertFalse(script.contains("boxed"), script)
        XCTAssertFalse(script.contains("head filled"), script)
        XCTAssertEqual(script.components(separatedBy: "first 0 nohead ls 100 front").count - 1, 3, script)
        XCTAssertEqual(script.components(separatedBy: "graph 1 nohead ls 103 front").count - 1, 1, script)
    }
}
