import Foundation
import TestSupport
import XCTest

/// scripts/make-spatial-shocks-figure (the README's spatial-shocks figure), drawn to SVG from a
/// summary with every estimator and cell of scenarios/spatial-shocks.yaml: readable at print size
/// (`assertReadableFigure`: 6.5 in wide, text on the canvas and apart, no font below 8 pt, every
/// data block plotted), each of the four panels with its own row labels, no estimator of the
/// scenario left out, a later file's row replacing an earlier one, R read from the data, an x range
/// that holds every interval, and 300 dpi in the PNG.
final class SpatialShocksFigureTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-spatial-shocks-figure") }
    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    /// Estimator names with their model and first estimand, and cell labels, as the scenario file lists them.
    func scenario() throws -> (estimators: [(name: String, model: String, estimand: String)], cells: [String]) {
        let text = try String(contentsOf: try TestPaths.committed("scenarios/spatial-shocks.yaml"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let estimators: [(String, String, String)] = lines.compactMap { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("- {name: "), let modelRange = t.range(of: "model: "),
                  let estimandsRange = t.range(of: "estimands: [") else { return nil }
            let name = t.dropFirst("- {name: ".count).prefix { $0 != "," }
            let model = t[modelRange.upperBound...].prefix { $0 != "," && $0 != "}" }
            let estimand = t[estimandsRange.upperBound...].prefix { $0 != "," && $0 != "]" }
            return (String(name), String(model), String(estimand))
        }
        let cells = lines.compactMap { line -> String? in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("- label: \"") else { return nil }
            return String(t.dropFirst("- label: \"".count).dropLast())
        }
        return (estimators, cells)
    }

    /// A summary CSV (the columns the script reads) with coverage `value(estimator, cell)` and
    /// `reps` replications (n_ok + n_failed) per row. Each estimator's rows carry its first
    /// estimand (att, beta.CA2, or rho for `sac_profile`).
    func csv(_ estimators: [(name: String, model: String, estimand: String)], cells: [String], reps: Int = 50,
             value: (String, Int) -> Double) -> String {
        var s = "cell,cell_index,estimator,estimand,n_ok,n_failed,coverage,coverage_lower,coverage_upper,label\n"
        for (c, label) in cells.enumerated() {
            for e in estimators {
                let v = value(e.name, c)
                s += "\(c),\(c),\(e.name),\(e.estimand),\(reps - 1),1,\(v),\(v - 0.02),\(min(1, v + 0.02)),\"\(label)\"\n"
            }
        }
        return s
    }

    func draw(_ files: [URL], format: String = "svg") throws -> URL {
        let script = try TestPaths.committed("scripts/make-spatial-shocks-figure")
        let out = directory.appendingPathComponent("fig-\(format)")
        let run = try ProcessRunner.run(URL(fileURLWithPath: "/bin/bash"), [script.path] + files.map(\.path),
                                        environment: ["FIG_FORMAT": format, "FIG_DIR": out.path])
        XCTAssertEqual(run.status, 0, run.combined)
        XCTAssertFalse(run.err.contains("no rows for"), run.err)
        XCTAssertTrue(run.out.contains("wrote \(out.path)/spatial-shocks-coverage.\(format)"), run.out)
        return out
    }

    func testEveryPanelHasRowLabelsAndEverySeriesIsDrawnReadably() throws {
        let (estimators, cells) = try scenario()
        XCTAssertEqual(estimators.count, 23, "the scenario's estimators as parsed: \(estimators.map(\.name))")
        // The figure draws the ATT and β(CA²); `sac_profile` scores only ρ and λ (their table is in
        // docs/design-results.md), so every other estimator must be a series.
        let drawable = estimators.filter { $0.estimand == "att" || $0.estimand == "beta.CA2" }
        XCTAssertEqual(estimators.count - drawable.count, 1, "only sac_profile scores neither att nor β(CA²): \(estimators.map(\.name))")
        XCTAssertEqual(cells.count, 7, "\(cells)")
        let first = directory.appendingPathComponent("first.csv"), second = directory.appendingPathComponent("second.csv")
        try csv(estimators, cells: cells) { _, c in 0.90 + 0.01 * Double(c) }.write(to: first, atomically: true, encoding: .utf8)
        // A later file re-runs one estimator: its rows replace the first file's.
        try csv(estimators.filter { $0.name == "sdm_cluster_cr2" }, cells: cells) { _, _ in 0.777 }
            .write(to: second, atomically: true, encoding: .utf8)
        let out = try draw([first, second])
        let svg = out.appendingPathComponent("spatial-shocks-coverage.svg")
        assertReadableFigure(svg)

        let dat = try String(contentsOf: out.appendingPathComponent("spatial-shocks-coverage.dat"), encoding: .utf8)
        let drawn = Set(dat.split(separator: "\n").filter { $0.hasPrefix("# ") }.map { $0.dropFirst(2).split(separator: ":")[0] }.map(String.init))
        XCTAssertEqual(drawn, Set(drawable.map(\.name)), "every estimator of the scenario scoring the ATT or β(CA²) is a series of the figure")
        let cr2 = dat.components(separatedBy: "# sdm_cluster_cr2:beta.CA2\n")[1].components(separatedBy: "\n\n")[0]
        XCTAssertEqual(cr2.split(separator: "\n").count, cells.count, cr2)
        XCTAssertTrue(cr2.split(separator: "\n").allSatisfy { $0.split(separator: "\t")[1] == "0.777" }, "the later file's rows: \(cr2)")

        // Row labels in every panel: each cell label's last line (the script breaks after ", " and a
        // part longer than 14 characters at its last space) is a tic label four times.
        let text = try String(contentsOf: svg, encoding: .utf8)
        for label in cells {
            let part = label.components(separatedBy: ", ").last!
            let lastLine = part.count > 14 ? String(part.split(separator: " ").last!) : part
            XCTAssertEqual(text.components(separatedBy: ">\(lastLine)</tspan>").count - 1, 4, "row label '\(label)' (line '\(lastLine)')")
        }
    }

    /// The title's R is the data's, and each panel's x range starts at the lowest Wilson bound of
    /// its series — also a series of cell 0, which is drawn at negative y (left of the cell's row)
    /// and was skipped when the range was read from lines starting with a digit.
    func testRangeAndReplicationsComeFromTheData() throws {
        let (estimators, cells) = try scenario()
        let file = directory.appendingPathComponent("low.csv")
        // did_city is the first of five ATT series in panel 1: at cell 0 it sits at y = −0.26.
        try csv(estimators, cells: cells, reps: 120) { name, c in name == "did_city" && c == 0 ? 0.30 : 0.93 }
            .write(to: file, atomically: true, encoding: .utf8)
        let out = try draw([file])
        let dat = try String(contentsOf: out.appendingPathComponent("spatial-shocks-coverage.dat"), encoding: .utf8)
        let block = dat.components(separatedBy: "# did_city:att\n")[1]
        XCTAssertTrue(block.hasPrefix("-0.260\t0.3\t"), block)
        let gp = try String(contentsOf: out.appendingPathComponent("spatial-shocks-coverage.gp"), encoding: .utf8)
        let ranges = gp.split(separator: "\n").filter { $0.hasPrefix("set xrange") }
        XCTAssertEqual(ranges, ["set xrange [0.2:1.0]", "set xrange [0.9:1.0]", "set xrange [0.9:1.0]", "set xrange [0.9:1.0]"])
        XCTAssertTrue(gp.contains("R = 120 per cell;"), gp)
        XCTAssertFalse(gp.contains("R = 500"), gp)
    }

    /// The PNG carries its print resolution (300 dpi in the pHYs chunk), as `spillsim report`'s do.
    func testPNGStates300DPI() throws {
        let (estimators, cells) = try scenario()
        let file = directory.appendingPathComponent("s.csv")
        try csv(estimators, cells: cells) { _, _ in 0.93 }.write(to: file, atomically: true, encoding: .utf8)
        let png = try Data(contentsOf: try draw([file], format: "png").appendingPathComponent("spatial-shocks-coverage.png"))
        assertPrintPNG(png, width: 6.5, height: 9)
    }
}

/// A PNG of `width` × `height` inches at 300 px per inch whose pHYs chunk (right after IHDR, as
/// scripts/png-300dpi writes it) states 11811 px per metre, i.e. 300 dpi.
func assertPrintPNG(_ png: Data, width: Double, height: Double, file: StaticString = #filePath, line: UInt = #line) {
    let b = [UInt8](png)
    guard b.count > 60 else { return XCTFail("not a PNG (\(b.count) bytes)", file: file, line: line) }
    let u32 = { (o: Int) in Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]) }
    XCTAssertEqual(String(decoding: b[12..<16], as: UTF8.self), "IHDR", file: file, line: line)
    XCTAssertEqual(u32(16), Int(width * 300), "width in px", file: file, line: line)
    XCTAssertEqual(u32(20), Int(height * 300), "height in px", file: file, line: line)
    XCTAssertEqual(String(decoding: b[37..<41], as: UTF8.self), "pHYs", file: file, line: line)
    XCTAssertEqual(u32(41), 11811, "x pixels per metre (300 dpi)", file: file, line: line)
    XCTAssertEqual(u32(45), 11811, "y pixels per metre", file: file, line: line)
    XCTAssertEqual(b[49], 1, "unit: metre", file: file, line: line)
}
