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

    /// λ under Gaussian-field shocks has no truth (docs/monte-carlo.md): the SAC fits converge, so its
    /// replications are counted in n_no_truth, not n_failed, in the CSV, and `--failures` says no fit
    /// failed and lists them apart; `validate` says where they are counted.
    func testEstimatesWithoutATruthAreCountedApartFromFailedFits() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-notruth")
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = dir.appendingPathComponent("shocks.yaml"), results = dir.appendingPathComponent("shocks.h5")
        try """
        name: shocks
        seed: 23
        city_system:
          geography: {centres: 3, cities: 30, square_km: 900, min_separation_km: 150, first_year: 2005, last_year: 2010, region_grid: [2, 2]}
          treatment: {enabled: false}
          outcome:
            controls: []
            error: {law: normal, sigma: 0.1, shocks: {share: 0.5, range_km: 200}}
        monte_carlo: {replications: 3}
        estimators:
          - {name: sac, model: sac, durbin: none, estimands: [rho, lambda]}
        """.write(to: scenario, atomically: true, encoding: .utf8)
        let spillsim = try ProcessRunner.spillsim()
        let validate = try ProcessRunner.run(spillsim, ["validate", scenario.path])
        XCTAssertEqual(validate.status, 0, validate.err)
        XCTAssertTrue(validate.out.contains("counts in n_no_truth, not n_failed"), validate.out)
        let run = try ProcessRunner.run(spillsim, ["run", scenario.path, "--threads", "1", "--quiet", "--out", results.path])
        XCTAssertEqual(run.status, 0, run.err)

        let csv = try ProcessRunner.run(spillsim, ["summarize", results.path, "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.err)
        let lines = csv.out.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        let column = { (row: [String], name: String) in row[header.firstIndex(of: name)!] }
        let lambda = try XCTUnwrap(lines.first { $0.count > 3 && $0[3] == "lambda" }), rho = try XCTUnwrap(lines.first { $0.count > 3 && $0[3] == "rho" })
        XCTAssertEqual(["n_ok", "n_failed", "n_no_truth", "bias"].map { column(lambda, $0) }, ["0", "0", "3", "NA"], csv.out)
        XCTAssertEqual(["n_ok", "n_failed", "n_no_truth"].map { column(rho, $0) }, ["3", "0", "0"], csv.out)
        XCTAssertEqual(header.firstIndex(of: "n_no_truth"), header.firstIndex(of: "n_failed").map { $0 + 1 })
        let note = "3 estimates of 1 summary rows have no true value (converged fits, excluded from the measures, counted in n_no_truth, not in n_failed)"
        XCTAssertTrue(csv.err.contains(note), csv.err)

        let failures = try ProcessRunner.run(spillsim, ["summarize", results.path, "--failures"])
        XCTAssertEqual(failures.status, 0, failures.err)
        XCTAssertTrue(failures.out.hasPrefix("No failed fits: all 3 fits converged.\n\nNot failures: " + note), failures.out)
        let row = try XCTUnwrap(failures.out.split(separator: "\n").last)
        XCTAssertEqual(row.split(separator: " ", omittingEmptySubsequences: true), ["0", "cell", "0", "sac", "lambda", "3"], failures.out)
        // The CSV of --failures stays the table of failed fits (none); the no-truth line goes to standard error.
        let failuresCSV = try ProcessRunner.run(spillsim, ["summarize", results.path, "--failures", "--format", "csv"])
        XCTAssertEqual(failuresCSV.out, "cell,condition,estimator,status,count,first_replications,reason\n")
        XCTAssertTrue(failuresCSV.err.contains(note), failuresCSV.err)
        let summary = try ProcessRunner.run(spillsim, ["summarize", results.path])
        XCTAssertEqual(summary.out.split(separator: "\n").last.map(String.init), note, summary.out)
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
