import Foundation
@testable import Reports
import TestSupport
import XCTest

/// The gnuplot driver: a real PNG from a tiny figure, and clear errors.
final class GnuplotTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-gnuplot") }
    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    static let line = GnuplotFigure(name: "line", script: "plot datafile using 1:2 with linespoints title 'y = x²'\n",
                                    data: "0 0\n1 1\n2 4\n", width: 3.5, height: 2)

    func testRendersNonEmptyPNGWithScriptAndDataBesideIt() throws {
        let r = try Gnuplot().render(Self.line, in: directory, format: .png)
        let png = try Data(contentsOf: r.figure)
        XCTAssertGreaterThan(png.count, 1000, "a 3.5 × 2 in line plot is several kB")
        // 3.5 × 2 in at 300 dpi, and the resolution stated in the pHYs chunk.
        let be = { (o: Int) in png[o..<(o + 4)].reduce(0) { $0 << 8 | Int($1) } }
        XCTAssertEqual([be(16), be(20)], [1050, 600])
        let text = String(decoding: png.prefix(200), as: UTF8.self)
        XCTAssertTrue(text.contains("pHYs"), "pHYs chunk present")
        let phys = try XCTUnwrap(png.range(of: Data("pHYs".utf8)))
        let ppm = png[(phys.upperBound)..<(phys.upperBound + 4)].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(ppm, 11811, "300 dpi = 11811 pixels per metre")
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        XCTAssertEqual(r.figure.lastPathComponent, "line.png")
        let script = try String(contentsOf: r.script, encoding: .utf8)
        XCTAssertTrue(script.contains("fig_format = 'png'; fig_width = 3.5; fig_height = 2   # inches"), script)
        XCTAssertTrue(script.contains("load 'spillsim-style.gp'"), script)
        let style = try String(contentsOf: r.figure.deletingLastPathComponent().appendingPathComponent("spillsim-style.gp"), encoding: .utf8)
        XCTAssertTrue(style.contains("set terminal pngcairo size fig_width*dpi,fig_height*dpi enhanced"), style)
        XCTAssertTrue(script.contains("datafile = 'line.dat'"), script)
        XCTAssertEqual(try String(contentsOf: r.data, encoding: .utf8), "0 0\n1 1\n2 4\n")
    }

    func testSVGAndPDFTerminals() throws {
        let svg = try Gnuplot().render(Self.line, in: directory, format: .svg)
        let text = try String(contentsOf: svg.figure, encoding: .utf8)
        XCTAssertTrue(text.contains("<svg"))
        XCTAssertTrue(text.contains("width=\"3.500in\" height=\"2.000in\""), "the SVG's printed size: \(text.prefix(300))")
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

    /// A warning means a figure cut off or wrong: an error naming the figure and the warning.
    func testGnuplotWarningIsAnError() throws {
        let tiny = GnuplotFigure(name: "tiny", script: "set lmargin 200\nplot datafile using 1:2 with lines notitle\n", data: "0 0\n1 1\n", width: 1, height: 1)
        assertThrows(try Gnuplot().render(tiny, in: directory, format: .png), as: GnuplotError.self) { error in
            guard case .warning(let figure, let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(figure.hasSuffix("tiny.png"), figure)
            XCTAssertTrue(message.lowercased().contains("warning"), message)
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
