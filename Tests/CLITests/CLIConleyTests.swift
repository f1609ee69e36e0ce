import XCTest
import Foundation
import TestSupport

/// `--vce conley` on `estimate twfe` and `estimate psm-did`, run as a user would.
final class CLIConleyTests: XCTestCase {
    func run(_ args: [String]) throws -> [String: Any] {
        let r = try ProcessRunner.spillsim(args)
        XCTAssertEqual(r.status, 0, r.err)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    }

    /// The twfe SEs equal the diff-diff reference of Tests/EstimatorsTests/Fixtures/conley_panel.json
    /// (case lonlat_bartlett_300_lag2; 1e-8 relative, as the library test).
    func testTWFEConleyMatchesFixture() throws {
        let csv = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/conley_panel.csv")
        let json = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/conley_panel.json")
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let ref = try XCTUnwrap((root["cases"] as? [[String: Any]])?.first { ($0["name"] as? String) == "lonlat_bartlett_300_lag2" })
        let v = try XCTUnwrap(ref["vcov"] as? [[Double]])
        let out = try run(["estimate", "twfe", "--data", csv.path, "--id", "id", "--time", "year", "--y", "y", "--x", "x1,x2",
                           "--vce", "conley", "--cutoff", "300", "--coords", "lat,lon", "--lag", "2", "--json"])
        XCTAssertEqual(out["vcov"] as? String, "conley")
        let conley = try XCTUnwrap(out["conley"] as? [String: Any])
        XCTAssertEqual(conley["lag"] as? Int, 2)
        XCTAssertEqual(conley["kernel"] as? String, "bartlett")
        let coefs = try XCTUnwrap(out["coefficients"] as? [[String: Any]])
        for j in 0..<2 {
            let se = v[j][j].squareRoot()
            assertClose(se, coefs[j]["se"] as! Double, tolerance: 1e-8 * se, "x\(j + 1) Conley SE vs diff-diff")
        }
    }

    /// `--small-sample fixest` scales the fixture's SEs by √((n − 1)/(n − K)) with fixest's K = 2
    /// regressors + 6 years (the unit effect is nested in the coordinates; ConleySmallSampleTests),
    /// t(n − K); `fixest_full` counts every effect (K = 77). Refused without --vce conley and by sdm.
    func testSmallSampleFactorAndRefusals() throws {
        let csv = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/conley_panel.csv")
        let base = ["estimate", "twfe", "--data", csv.path, "--id", "id", "--time", "year", "--y", "y", "--x", "x1,x2"]
        let conley = ["--vce", "conley", "--cutoff", "300", "--coords", "lat,lon", "--lag", "2", "--json"]
        let plain = try run(base + conley)
        for (option, k) in [("fixest", 8.0), ("fixest_full", 77.0)] {
            let out = try run(base + conley + ["--small-sample", option])
            XCTAssertEqual((out["conley"] as? [String: Any])?["small_sample"] as? String, option)
            XCTAssertEqual(out["df"] as? Double, 420 - k)
            let (a, b) = (try XCTUnwrap(plain["coefficients"] as? [[String: Any]]), try XCTUnwrap(out["coefficients"] as? [[String: Any]]))
            for j in 0..<2 {
                let se = (a[j]["se"] as! Double) * (419 / (420 - k)).squareRoot()
                assertClose(se, b[j]["se"] as! Double, tolerance: 1e-12 * se, "\(option) x\(j + 1)")
            }
        }
        let stray = try ProcessRunner.spillsim(base + ["--small-sample", "fixest"])
        XCTAssertNotEqual(stray.status, 0)
        XCTAssertTrue(stray.err.contains("--small-sample"), stray.err)
    }

    /// psm-did without matching is the TWFE of y on D: its Conley SE equals twfe's on the same
    /// data; refusals name the missing option.
    func testPSMDiDConleyEqualsTWFEOnD() throws {
        let src = try DataTable(try String(contentsOf: TestPaths.committed("Tests/EstimatorsTests/Fixtures/conley_panel.csv"), encoding: .utf8))
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "id,year,lat,lon,y,g,D\n"
        for r in src.rows {
            let unit = Int(r["id"]!.dropFirst())!
            let year = Int(r["year"]!)!
            let g = unit <= 25 ? 2004 : 0
            let d = g > 0 && year >= g ? 1 : 0
            csv += "\(r["id"]!),\(year),\(r["lat"]!),\(r["lon"]!),\(Double(r["y"]!)! + 0.4 * Double(d)),\(g),\(d)\n"
        }
        let file = dir.appendingPathComponent("panel.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let base = ["--data", file.path, "--id", "id", "--time", "year", "--y", "y"]
        let conley = ["--vce", "conley", "--cutoff", "250", "--coords", "lat,lon", "--kernel", "uniform", "--lag", "1", "--json"]
        let did = try run(["estimate", "psm-did"] + base + ["--cohort", "g", "--no-matching"] + conley)
        let twfe = try run(["estimate", "twfe"] + base + ["--x", "D"] + conley)
        let se = try XCTUnwrap((twfe["coefficients"] as? [[String: Any]])?.first?["se"] as? Double)
        // The same regression and variance: agreement to rounding.
        assertClose(se, did["se"] as! Double, tolerance: 1e-10 * se, "psm-did --no-matching vs twfe on D, Conley uniform 250 km lag 1")
        XCTAssertEqual(did["vcov"] as? String, "conley")
        let r = try ProcessRunner.spillsim(["estimate", "psm-did"] + base + ["--cohort", "g", "--no-matching", "--vce", "conley", "--coords", "lat,lon"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--vce conley needs --cutoff"), r.err)
    }
}

/// A tiny CSV reader for the test (header + rows as dictionaries; no quoting in the fixture).
private struct DataTable {
    let rows: [[String: String]]
    init(_ text: String) throws {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let head = lines[0].split(separator: ",").map(String.init)
        rows = lines.dropFirst().map { line in
            Dictionary(uniqueKeysWithValues: zip(head, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }
}
