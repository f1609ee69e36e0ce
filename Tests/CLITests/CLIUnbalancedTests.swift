import Estimators
import Foundation
import TestSupport
import XCTest
@testable import spillsim

/// `spillsim estimate sdm` on a panel with missing city-years (issue 24).
final class CLIUnbalancedTests: XCTestCase {
    /// The cigarette panel with the committed pattern removed: half of the pairs as absent rows,
    /// the other half as rows whose outcome cell is empty — both must be left out alike.
    func writeGappyPanel(_ dir: URL) throws -> URL {
        let removed = try String(contentsOf: try TestPaths.committed("Tests/EstimatorsTests/Fixtures/cigarette_unbalanced_removed.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0) }
        let lines = try String(contentsOf: TestPaths.cigarette.appendingPathComponent("cigarette.csv"), encoding: .utf8)
            .split(separator: "\n").map { String($0) }
        var out = [lines[0]]
        var k = 0
        for line in lines.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0) }
            guard removed.contains("\(f[0]),\(f[1])") else { out.append(line); continue }
            k += 1
            if k % 2 == 0 {
                var g = f
                g[9] = ""   // logc
                out.append(g.joined(separator: ","))
            }
        }
        let url = dir.appendingPathComponent("gappy.csv")
        try out.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func args(_ data: String, _ weights: String = TestPaths.cigarette.path + "/usa46_contiguity.csv") -> [String] {
        ["estimate", "sdm", "--data", data, "--weights", weights, "--id", "state", "--time", "year", "--y", "logc", "--x", "logp,logy"]
    }

    func load(_ c: Spillsim.Estimate.SDM) throws -> LoadedPanel {
        try UnbalancedDataLoader.load(data: URL(fileURLWithPath: c.panel.data), weights: URL(fileURLWithPath: c.weights),
                                      id: c.panel.id, time: c.panel.time, y: c.panel.y, x: c.regressors,
                                      restandardise: c.yearWeights == .restandardise)
    }

    func testGappyPanelIsFittedAndReportsWhatItDid() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try writeGappyPanel(dir).path
        let fixture = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: try TestPaths.committed(
            "Tests/EstimatorsTests/Fixtures/cigarette_unbalanced_reference.json"))) as? [String: Any])
        for (option, key) in [("restandardise", "restandardised"), ("restrict", "not_restandardised")] {
            let c = try XCTUnwrap(try Spillsim.parseAsRoot(args(data) + ["--year-weights", option]) as? Spillsim.Estimate.SDM)
            guard case .unbalanced(let ds) = try load(c) else { return XCTFail("a panel with gaps loaded as balanced") }
            XCTAssertEqual(ds.absentRows, 50)
            XCTAssertEqual(ds.rowsWithEmptyCells, 49)
            let result = try UnbalancedAnalysis.run(SpatialModelSpec(), dataset: ds)
            let ref = try XCTUnwrap(fixture[key] as? [String: Any])
            // Same fit as the brute-force fixture (EstimatorsTests checks it to 1e-6 as well).
            assertClose(ref["rho"] as! Double, result.analysis.fit.rho!, tolerance: 1e-6, "\(option) rho")
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try JSONOutput.text(UnbalancedAnalysisJSON(result)).utf8)) as? [String: Any])
            XCTAssertNotNil(obj["rho"])
            XCTAssertNotNil(obj["impacts"])
            let u = try XCTUnwrap(obj["unbalanced"] as? [String: Any])
            XCTAssertEqual(u["rows_used"] as? Int, 1281)
            XCTAssertEqual(u["rows_full"] as? Int, 1380)
            XCTAssertEqual(u["distinct_w"] as? Int, 28)
            XCTAssertEqual(u["isolated_city_years"] as? Int, 9)
            XCTAssertEqual(u["restandardised"] as? Bool, option == "restandardise")
            XCTAssertEqual((u["cities_per_period"] as? [Int])?.count, 30)
            let text = SDMReport.text(result)
            XCTAssertTrue(text.contains("1281 of 1380 city-years used"), text)
            XCTAssertTrue(text.contains("28 distinct city sets"), text)
        }
        // Options the unbalanced estimator does not implement are refused, not ignored.
        // The CLI's default approach (lee-yu) becomes direct on gaps; only an explicit lee-yu is refused.
        let plain = try XCTUnwrap(try Spillsim.parseAsRoot(args(data) + ["--json"]) as? Spillsim.Estimate.SDM)
        XCTAssertNil(plain.approachOption)
        XCTAssertNoThrow(try plain.run())
        for extra in [["--approach", "lee-yu"], ["--variance", "cluster"], ["--model", "sem"]] {
            let c = try XCTUnwrap(try Spillsim.parseAsRoot(args(data) + extra) as? Spillsim.Estimate.SDM)
            XCTAssertThrowsError(try c.run(), "\(extra)") { e in
                XCTAssertTrue(Spillsim.message(for: e).contains(extra[0]), Spillsim.message(for: e))
            }
        }
    }

    func testBalancedPanelTakesTheBalancedPath() throws {
        let c = try XCTUnwrap(try Spillsim.parseAsRoot(args(TestPaths.cigarette.path + "/cigarette.csv")) as? Spillsim.Estimate.SDM)
        guard case .balanced = try load(c) else { return XCTFail("the complete cigarette panel loaded as unbalanced") }
    }

    /// The unbalanced estimator has the analytic variance only: `--vce cluster` and `conley` on gaps are
    /// refused naming the data file, the flag and the fix, never fitted with the analytic variance
    /// silently (the balanced estimator's sandwiches need every city-year).
    func testClusterVarianceOnGapsIsRefused() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try writeGappyPanel(dir)
        let weights = TestPaths.cigarette.appendingPathComponent("usa46_contiguity.csv").path
        for vce in ["cluster", "conley"] {
            let extra = vce == "conley" ? ["--cutoff", "500", "--coords", "lat,lon"] : []
            let r = try ProcessRunner.spillsim(["estimate", "sdm", "--data", data.path, "--weights", weights, "--id", "state", "--time", "year",
                                                "--y", "logc", "--x", "logp", "logy", "--vce", vce] + extra)
            XCTAssertNotEqual(r.status, 0, r.out)
            XCTAssertTrue(r.err.contains("\(data.path) has missing unit-periods"), r.err)
            XCTAssertTrue(r.err.contains("--variance \(vce) is not implemented for it"), r.err)
            XCTAssertTrue(r.out.isEmpty, r.out)
        }
    }

    /// A W lacking a city that is in the data is the same clear error as for a balanced panel.
    func testWeightsMissingACityIsStillRefused() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try writeGappyPanel(dir).path
        let lines = try String(contentsOf: TestPaths.cigarette.appendingPathComponent("usa46_contiguity.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        // Drop state 1 (row and column) from W.
        let col = lines[0].firstIndex(of: "\"1\"")!
        let kept = lines.enumerated().filter { $0.offset != 1 }.map { row in
            row.element.enumerated().filter { $0.offset != col }.map(\.element).joined(separator: ",")
        }
        let w = dir.appendingPathComponent("w45.csv")
        try kept.joined(separator: "\n").write(to: w, atomically: true, encoding: .utf8)
        let c = try XCTUnwrap(try Spillsim.parseAsRoot(args(data, w.path)) as? Spillsim.Estimate.SDM)
        XCTAssertThrowsError(try load(c)) { e in
            XCTAssertTrue(e is DataError)
            XCTAssertTrue("\(e)".contains("ids of the panel not in W: 1"), "\(e)")
        }
    }
    /// The DID commands' conventions: fixest drops rows with a missing model value and keeps the
    /// panel unbalanced (TWFE); R did balances by dropping units not seen in every period.
    func testDIDMissingValueConventions() throws {
        let csv = """
        id,t,y,x,g
        a,1,1.0,0.5,2
        a,2,2.0,NA,2
        b,1,1.5,0.1,0
        b,2,2.5,0.3,0
        c,1,0.5,0.2,0
        """
        let table = try DataTable.parse(csv: csv, source: "mini.csv")
        let (complete, removed) = try table.completeRows(["id", "t", "y", "x"])
        XCTAssertEqual(removed, 1)
        XCTAssertEqual(complete.rowCount, 4)
        let (balanced, report) = try table.balancedPanel(id: "id", time: "t", columns: ["y", "x"])
        // a loses its NA row, then a and c are not observed in both periods: only b remains.
        XCTAssertEqual(report, MissingRowsReport(rowsWithMissingValues: 1, unitsDropped: 2, rowsOfDroppedUnits: 2))
        XCTAssertEqual(Set(try balanced.strings("id")), ["b"])
        XCTAssertTrue(report.note.contains("2 unit(s) not observed in every period dropped"), report.note)
        // The cohort column's empty cells mean "never treated" and are not a reason to drop.
        let (_, cohortReport) = try table.balancedPanel(id: "id", time: "t", columns: ["y"])
        XCTAssertEqual(cohortReport.rowsWithMissingValues, 0)
        XCTAssertEqual(cohortReport.unitsDropped, 1)
    }

    /// `--merges`: the cigarette panel with two merges, run as a user runs it; the JSON lists the
    /// merges and counts the city-years that exist (the fit is checked against the brute force in
    /// UnbalancedMergesTests).
    func testMergesFileIsAppliedAndReported() throws {
        let data = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/cigarette_merges_panel.csv").path
        let merges = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/cigarette_merges.csv").path
        let ref = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(contentsOf: try TestPaths.committed(
            "Tests/EstimatorsTests/Fixtures/cigarette_merges_reference.json"))) as? [String: Any])?["restandardised"] as? [String: Any])
        let r = try ProcessRunner.spillsim(args(data) + ["--merges", merges, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        assertClose(ref["rho"] as! Double, try XCTUnwrap((obj["rho"] as? [String: Any])?["estimate"] as? Double), tolerance: 1e-6, "rho; brute force")
        let u = try XCTUnwrap(obj["unbalanced"] as? [String: Any])
        XCTAssertEqual(u["rows_full"] as? Int, 1358)
        XCTAssertEqual(u["rows_used"] as? Int, 1260)
        let m = try XCTUnwrap(u["merges"] as? [[String: Any]])
        XCTAssertEqual(m.map { $0["into"] as? String }, ["10+11", "7 (merged 84)"])
        // Without the merges file the merged unit is unknown to W: the usual W-id error.
        let bare = try ProcessRunner.spillsim(args(data))
        XCTAssertNotEqual(bare.status, 0)
        XCTAssertTrue(bare.err.contains("10+11"), bare.err)
    }
}
