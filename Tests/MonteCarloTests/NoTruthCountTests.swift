@testable import MonteCarlo
import Storage
import TestSupport
import XCTest

/// `n_no_truth` in result files: written beside `n_ok` and `n_failed` in both summary tables and
/// read back, and a file written before the count (its `summary` columns start `n_ok, n_failed`,
/// and its `n_failed` also holds the replications without a truth) still reads, the count unknown.
final class NoTruthCountTests: XCTestCase {
    /// One cell, one estimator on three estimands, four replications: replication 0's fit failed,
    /// replication 1 gave a NaN estimate of beta0, and beta2 has no truth in replications 2 and 3.
    static let scenario = """
    name: no-truth
    seed: 5
    known_dgp: {model: ols, n: 12, beta: [1.0, -0.5, 0.25], sigma: 1.0}
    monte_carlo: {replications: 4}
    estimators:
      - {name: ols, model: ols, estimands: [beta0, beta1, beta2]}
    """

    func cell(_ metadata: RunMetadata) -> CellResults {
        let records = (0..<4).map { r -> ReplicationRecord in
            let results = (0..<3).map { k -> EstimandResult in
                let estimate = r == 1 && k == 0 ? Double.nan : 0.1 * Double(r + k)
                let truth = k == 2 && r >= 2 ? Double.nan : 0.1 * Double(k)
                return EstimandResult(truth: truth, estimate: estimate, standardError: 0.5, lower: estimate - 1, upper: estimate + 1, pValue: 0.5)
            }
            let status = r == 0 ? FitStatus(.failed, "singular design") : FitStatus(.ok, "")
            return ReplicationRecord(replication: r, streamKey: UInt64(r), fits: [FitOutcome(status: status, results: results)])
        }
        return CellResults(info: metadata.cells[0], records: records)
    }

    func testCountsAreWrittenAndReadBack() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-notruth")
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = try MonteCarloScenario(text: Self.scenario)
        let metadata = RunMetadata(scenario: scenario, cells: try scenario.cells(), replications: 4, shard: .whole, toolVersion: "test")
        let cell = cell(metadata)
        let measures = cell.measures(metadata)
        let counts = measures[0].map { [$0.nOK, $0.nFailed, $0.nNoTruth] }
        XCTAssertEqual(counts, [[2, 2, 0], [3, 1, 0], [1, 1, 2]], "beta0: failed fit + NaN estimate; beta2: failed fit, 2 without truth")

        let path = dir.appendingPathComponent("r.h5").path
        let sink = try HDF5ResultsFormat().create(path: path, metadata: metadata)
        try sink.write(cell: cell, measures: measures)
        try sink.commit()
        let source = try HDF5ResultsFormat().open(path: path)
        XCTAssertEqual(try source.measures(0), measures)
        let rows = try Summary.rows(of: source)
        XCTAssertEqual(rows.map { $0.measure("n_no_truth") }, [0, 0, 2])
        XCTAssertEqual(rows.map { $0.measure("n_failed") }, [2, 1, 1])
        let failures = try FailureSummary.read(source)
        XCTAssertEqual(failures.failed, 1, "one failed fit; the NaN truths are no failure")
        XCTAssertEqual(failures.noTruth.map(\.estimand), ["beta2"])
        XCTAssertEqual(failures.noTruthEstimates, 2)
        XCTAssertFalse(failures.noTruthUnknown)

        // The layout a reader without spillsim relies on: both summaries name the count beside the others.
        let f = try HDF5File.open(path)
        defer { try? f.close() }
        let expected = Array(["n_ok", "n_failed", "n_no_truth", "true"])
        for d in ["cells/cell_00000/estimators/ols/summary", "summary/values"] {
            guard case .strings(let columns) = try f.dataset(d).attribute("columns") else { return XCTFail(d) }
            XCTAssertEqual(Array(columns.prefix(4)), expected, d)
        }
        let values = try f.dataset("summary/values").readRows(as: Double.self)
        XCTAssertEqual(values.row(2).prefix(3).map { $0 }, [1, 1, 2])
    }

    /// A file whose summaries lack `n_no_truth` (every spillsim before it) reads: `n_failed` as stored —
    /// there it includes the replications without a truth — and `n_no_truth` unknown (nil, NaN by name),
    /// never 0; `--failures` says it cannot tell them apart.
    func testAFileWithoutTheColumnReadsWithTheCountUnknown() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-notruth-old")
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = try MonteCarloScenario(text: Self.scenario)
        let metadata = RunMetadata(scenario: scenario, cells: try scenario.cells(), replications: 4, shard: .whole, toolVersion: "old")
        let cell = cell(metadata)
        let measures = cell.measures(metadata)[0]
        // Written with Storage alone, as the writer before n_no_truth did (format_version 2, 2 + 59 columns).
        let path = dir.appendingPathComponent("old.h5").path
        let file = try HDF5File.create(path, overwrite: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try file.setAttribute("format", "spillsim-results")
        try file.setAttribute("format_version", 2)
        try file.setAttribute("metadata_json", String(decoding: try encoder.encode(metadata), as: UTF8.self))
        let g = try file.createGroup("cells/cell_00000")
        try g.createDataset("replication", values: cell.records.map { Int64($0.replication) })
        try g.createDataset("stream_key", values: cell.records.map { Int64($0.streamKey) })
        let eg = try g.createGroup("estimators/ols")
        try eg.createDataset("status", values: cell.records.map { Int64($0.fits[0].status.code.rawValue) })
        try eg.createDataset("message", values: cell.records.map { $0.fits[0].status.message })
        for (f, name) in HDF5ResultsFormat.fields.enumerated() {
            let values = cell.records.flatMap { $0.fits[0].results.map { $0.storedValues[f] } }
            try eg.createDataset(name, rows: try RowMajorArray(rows: 4, columns: 3, values: values))
        }
        let oldColumns = ["n_ok", "n_failed"] + PerformanceMeasures.columnNames
        // The old n_failed: every replication not used.
        let rows = measures.map { [Double($0.nOK), Double(4 - $0.nOK)] + $0.allValues }
        let s = try eg.createDataset("summary", rows: try RowMajorArray(rows: 3, columns: oldColumns.count, values: rows.flatMap { $0 }))
        try s.setAttribute("columns", oldColumns)
        try file.commit()

        let source = try HDF5ResultsFormat().open(path: path)
        let read = try source.measures(0)[0]
        XCTAssertEqual(read.map(\.nFailed), [2, 1, 3], "as stored: beta2's two replications without a truth are in n_failed")
        XCTAssertEqual(read.map(\.nNoTruth), [nil, nil, nil])
        XCTAssertEqual(read.map(\.bias).map(\.bitPattern), measures.map(\.bias).map(\.bitPattern), "every other measure as stored")
        let summaryRows = try Summary.rows(of: source)
        XCTAssertTrue(summaryRows.allSatisfy { $0.measure("n_no_truth").isNaN })
        let failures = try FailureSummary.read(source)
        XCTAssertTrue(failures.noTruthUnknown)
        XCTAssertTrue(failures.noTruth.isEmpty)
        XCTAssertEqual(failures.failed, 1)
    }
}
