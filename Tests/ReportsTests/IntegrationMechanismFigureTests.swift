import Foundation
import TestSupport
import XCTest

/// scripts/make-integration-mechanism-figure (docs/design-results.md's integration-mechanism
/// figure), drawn from a summary holding every series it plots: readable at print size
/// (`assertReadableFigure`: 6.5 in wide, at most 9 in tall, text on the canvas and apart, no font
/// below 8 pt, every data block plotted), R read from the data, and the PNG at 300 dpi.
final class IntegrationMechanismFigureTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-integration-figure") }
    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    /// The (estimator, estimand) pairs the script draws, read from its `series=` list.
    func series() throws -> [(estimator: String, estimand: String)] {
        let text = try String(contentsOf: try TestPaths.committed("scripts/make-integration-mechanism-figure"), encoding: .utf8)
        let list = text.components(separatedBy: "series=\"")[1].components(separatedBy: "\"")[0]
        return list.replacingOccurrences(of: "\\\n", with: " ").split(whereSeparator: \.isWhitespace).map { item in
            let parts = item.split(separator: ":", maxSplits: 2).map(String.init)
            return (parts[1], parts[2])
        }
    }

    /// The scenario's six cells, as their labels read.
    let cells = ["channel off, reach 150 km", "channel off, reach 400 km", "boost only, reach 150 km",
                 "boost only, reach 400 km", "boost + level, reach 150 km", "boost + level, reach 400 km"]

    /// A summary CSV with the columns the script reads; `reps(cell)` replications per row
    /// (n_ok + n_failed + n_no_truth: R counts the estimates without a truth too).
    func csv(reps: (Int) -> Int) throws -> URL {
        var s = "cell,cell_index,estimator,estimand,n_ok,n_failed,n_no_truth,rejection,rejection_lower,rejection_upper,label\n"
        for (c, label) in cells.enumerated() {
            for (e, m) in try series() {
                s += "\(c),\(c),\(e),\(m),\(reps(c) - 3),2,1,0.5,0.4,0.6,\"\(label)\"\n"
            }
        }
        let url = directory.appendingPathComponent("summary-in.csv")
        try s.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func draw(_ csv: URL, format: String) throws -> (dir: URL, script: String) {
        let out = directory.appendingPathComponent("fig-\(format)")
        let run = try ProcessRunner.run(URL(fileURLWithPath: "/bin/bash"),
                                        [try TestPaths.committed("scripts/make-integration-mechanism-figure").path, csv.path],
                                        environment: ["FIG_FORMAT": format, "FIG_DIR": out.path])
        XCTAssertEqual(run.status, 0, run.combined)
        XCTAssertTrue(run.out.contains("wrote \(out.path)/integration-mechanism-rejection.\(format)"), run.out)
        let gp = try String(contentsOf: out.appendingPathComponent("integration-mechanism-rejection.gp"), encoding: .utf8)
        return (out, gp)
    }

    func testReadableAtPrintSizeWithTheDataR() throws {
        XCTAssertEqual(try series().count, 19)
        let (out, gp) = try draw(try csv { _ in 40 }, format: "svg")
        assertReadableFigure(out.appendingPathComponent("integration-mechanism-rejection.svg"))
        XCTAssertTrue(gp.contains("R = 40 per cell;"), gp)
        XCTAssertFalse(gp.contains("R = 500"), gp)
        // Cells run at different R: the title gives the range.
        let (_, mixed) = try draw(try csv { $0 < 2 ? 300 : 500 }, format: "svg")
        XCTAssertTrue(mixed.contains("R = 300–500 per cell;"), mixed)
    }

    func testPNGStates300DPI() throws {
        let (out, _) = try draw(try csv { _ in 40 }, format: "png")
        assertPrintPNG(try Data(contentsOf: out.appendingPathComponent("integration-mechanism-rejection.png")), width: 6.5, height: 9)
    }
}
