import Foundation
import Reports
import TestSupport
import XCTest

/// The gnuplot driver: a real PNG from a tiny figure, and clear errors.
final class GnuplotTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-gnuplot") }
    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    static let line = GnuplotFigure(name: "line", script: "plot datafile using 1:2 with linespoints title 'y = x²'\n",
                                    data: "0 0\n1 1\n2 4\n", width: 300, height: 200)

    func testRendersNonEmptyPNGWithScriptAndDataBesideIt() throws {
        let r = try Gnuplot().render(Self.line, in: directory, format: .png)
        let png = try Data(contentsOf: r.figure)
        XCTAssertGreaterThan(png.count, 1000, "a 300×200 line plot is several kB")
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        XCTAssertEqual(r.figure.lastPathComponent, "line.png")
        let script = try String(contentsOf: r.script, encoding: .utf8)
        XCTAssertTrue(script.contains("fig_format = 'png'; fig_width = 300; fig_height = 200"), script)
        XCTAssertTrue(script.contains("load 'spillsim-style.gp'"), script)
        let style = try String(contentsOf: r.figure.deletingLastPathComponent().appendingPathComponent("spillsim-style.gp"), encoding: .utf8)
        XCTAssertTrue(style.contains("set terminal pngcairo size fig_width,fig_height enhanced"), style)
        XCTAssertTrue(script.contains("datafile = 'line.dat'"), script)
        XCTAssertEqual(try String(contentsOf: r.data, encoding: .utf8), "0 0\n1 1\n2 4\n")
    }

    func testSVGAndPDFTerminals() throws {
        let svg = try Gnuplot().render(Self.line, in: directory, format: .svg)
        XCTAssertTrue(try String(contentsOf: svg.figure, encoding: .utf8).contains("<svg"))
        let pdf = try Gnuplot().render(Self.line, in: directory, format: .pdf)
        XCTAssertEqual(String(decoding: try Data(contentsOf: pdf.figure).prefix(5), as: UTF8.self), "%PDF-")
    }

    func testInvalidGnuplotPathIsAClearError() {
        assertThrows(try Gnuplot(path: directory.appendingPathComponent("no-gnuplot").path), as: GnuplotError.self) { error in
            guard case .notFound(let what) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(what.contains("no-gnuplot"), what)
            XCTAssertTrue("\(error)".contains("give the path of the gnuplot executable"), "the message names the fix: \(error)")
        }
    }

    func testGnuplotFailureCarriesItsStderr() throws {
        let bad = GnuplotFigure(name: "bad", script: "plot datafile using 1:2 with nonsensestyle\n", data: "0 0\n")
        assertThrows(try Gnuplot().render(bad, in: directory, format: .png), as: GnuplotError.self) { error in
            guard case .failed(let script, let status, let stderr) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(script.hasSuffix("bad.gp"), script)
            XCTAssertNotEqual(status, 0)
            XCTAssertTrue(stderr.contains("bad.gp"), "gnuplot names the script line: \(stderr)")
        }
    }
}
