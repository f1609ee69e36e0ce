import Foundation
import MonteCarlo
import TestSupport
import XCTest

/// `summarize --failures`: the failed fits a result file records (status and `message` per
/// replication) shown per cell and estimator, grouped by reason; the default summary says how
/// many failed and where to look. The design fails by construction: the SDM refuses a panel with
/// unobserved city-years, present in the grid's second cell only (GapRefusalTests).
final class SummarizeFailuresTests: XCTestCase {
    static let design = """
    name: gaps
    seed: 2
    city_system:
      geography: {centres: 2, cities: 16, square_km: 600, min_separation_km: 100, first_year: 2006, last_year: 2012}
      treatment: {regions: [0, 1, 2, 3], t0: 2009}
      panel: {missing: mcar, rate: 0.2}
    monte_carlo: {replications: 7}
    estimators:
      - {name: ok, model: twfe, estimands: [att]}
      - {name: s, model: sdm, estimands: [rho]}
    grid:
      city_system.panel.rate: [0, 0.2]
    """

    func testFailedFitsAreGroupedByReasonAndAnnounced() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-failures")
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = dir.appendingPathComponent("gaps.yaml"), results = dir.appendingPathComponent("gaps.h5")
        try Self.design.write(to: scenario, atomically: true, encoding: .utf8)
        let spillsim = try ProcessRunner.spillsim()
        let run = try ProcessRunner.run(spillsim, ["run", scenario.path, "--threads", "1", "--quiet", "--out", results.path])
        XCTAssertEqual(run.status, 0, run.err)
        // The run's own line points to where the reasons are.
        XCTAssertTrue(run.out.contains("reasons: spillsim summarize \(results.path) --failures"), run.out)

        // The tally: every replication of the gap cell failed for the SDM, none elsewhere, and the
        // group's reason is the one the file stores for those replications.
        let source = try HDF5ResultsFormat().open(path: results.path)
        let failures = try FailureSummary.read(source)
        XCTAssertEqual(failures.fits, 2 * 7 * 2)
        XCTAssertEqual(failures.failed, 7)
        XCTAssertEqual(failures.groups.count, 1, "\(failures.groups)")
        let group = try XCTUnwrap(failures.groups.first)
        XCTAssertEqual(group.cell.ordinal, 1)
        XCTAssertEqual(group.estimator, "s")
        XCTAssertEqual(group.status, .failed)
        XCTAssertEqual(group.count, 7)
        XCTAssertEqual(group.firstReplications, [0, 1, 2, 3, 4])
        let stored = try source.cell(1).records.map { $0.fits[1].status }
        XCTAssertEqual(Set(stored.map(\.message)), [group.reason])
        XCTAssertFalse(group.reason.isEmpty)
        // The stored n_failed agrees with the tally.
        let summaryRows = try Summary.rows(of: source)
        XCTAssertEqual(summaryRows.first { $0.cell.ordinal == 1 && $0.estimator == "s" }?.measures.nFailed, 7)

        // The CSV: a header and one row with the status (export's status_name), the count and the stored reason.
        let csv = try ProcessRunner.run(spillsim, ["summarize", results.path, "--failures", "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.err)
        let lines = csv.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "cell,condition,estimator,status,count,first_replications,reason")
        XCTAssertEqual(lines.count, 2, csv.out)
        XCTAssertTrue(lines[1].hasPrefix("1,city_system.panel.rate=0.2,s,estimator_failed,7,0 1 2 3 4,"), lines[1])
        XCTAssertTrue(lines[1].contains(group.reason.split(separator: "\n").first.map(String.init) ?? ""), lines[1])

        // The text table lists it; the default summary ends with one line pointing at --failures.
        let text = try ProcessRunner.run(spillsim, ["summarize", results.path, "--failures"])
        XCTAssertEqual(text.status, 0, text.err)
        XCTAssertTrue(text.out.hasPrefix("Failed fits by reason: 7 of 28 fits"), text.out)
        let summary = try ProcessRunner.run(spillsim, ["summarize", results.path])
        XCTAssertEqual(summary.status, 0, summary.err)
        let note = "7 of 28 fits failed (excluded from the measures, counted in n_failed); reasons: spillsim summarize \(results.path) --failures"
        XCTAssertEqual(summary.out.split(separator: "\n").last.map(String.init), note, summary.out)
        // The tidy export carries the reason in its last column, on the failed rows only.
        let tidy = dir.appendingPathComponent("tidy.csv")
        let export = try ProcessRunner.run(spillsim, ["export", results.path, "--out", tidy.path])
        XCTAssertEqual(export.status, 0, export.err)
        let rows = try String(contentsOf: tidy, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertTrue(rows[0].hasSuffix(",status,status_name,comparable,message"), rows[0])
        let quoted = "\"" + group.reason.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let withReason = rows.dropFirst().filter { $0.hasSuffix("," + group.reason) || $0.hasSuffix("," + quoted) }
        XCTAssertEqual(withReason.count, 7, "one row per failed replication (one estimand)")
        XCTAssertTrue(withReason.allSatisfy { $0.contains(",s,rho,") && $0.contains(",2,estimator_failed,") }, "\(withReason)")
        XCTAssertEqual(rows.dropFirst().filter { $0.hasSuffix(",") }.count, rows.count - 1 - 7, "converged fits: empty message")
        // In CSV the note goes to standard error, so the CSV stays a table.
        let machine = try ProcessRunner.run(spillsim, ["summarize", results.path, "--format", "csv"])
        XCTAssertFalse(machine.out.contains("--failures"))
        XCTAssertTrue(machine.err.contains(note), machine.err)
    }

    func testARunWithoutFailuresSaysSoAndAddsNoNote() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-failures")
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = dir.appendingPathComponent("clean.yaml"), results = dir.appendingPathComponent("clean.h5")
        let clean = Self.design.replacingOccurrences(of: "[0, 0.2]", with: "[0]").replacingOccurrences(of: "replications: 7", with: "replications: 2")
        try clean.write(to: scenario, atomically: true, encoding: .utf8)
        let spillsim = try ProcessRunner.spillsim()
        let run = try ProcessRunner.run(spillsim, ["run", scenario.path, "--threads", "1", "--quiet", "--out", results.path])
        XCTAssertEqual(run.status, 0, run.err)
        let text = try ProcessRunner.run(spillsim, ["summarize", results.path, "--failures"])
        XCTAssertEqual(text.out, "No failed fits: all 4 fits converged.\n")
        let csv = try ProcessRunner.run(spillsim, ["summarize", results.path, "--failures", "--format", "csv"])
        XCTAssertEqual(csv.out, "cell,condition,estimator,status,count,first_replications,reason\n")
        let summary = try ProcessRunner.run(spillsim, ["summarize", results.path])
        XCTAssertFalse(summary.combined.contains("--failures"), summary.combined)
    }
}
