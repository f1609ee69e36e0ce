@testable import MonteCarlo
import TestSupport
import XCTest

final class RunnerTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-mc") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    static let twoCells = """
    name: runner-test
    seed: 20240601
    known_dgp: {model: ols, n: 12, beta: [1.0, -0.5, 0.25], sigma: 1.0}
    monte_carlo: {replications: 23, chunk_size: 4}
    estimators:
      - {name: ols_all, model: ols, estimands: [beta0, beta1, beta2]}
      - {name: ols_slope, model: ols, estimands: [beta1]}
    grid:
      known_dgp.sigma: [0.5, 2.0]
    """

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @discardableResult
    func run(_ text: String, _ out: String, format: InMemoryResultsFormat, configure: (inout RunOptions) -> Void = { _ in }) throws -> RunReport {
        var options = RunOptions(output: out)
        configure(&options)
        return try MonteCarloRunner(scenario: try MonteCarloScenario(text: text), options: options, format: format).run()
    }

    func cells(_ format: InMemoryResultsFormat, _ path: String) throws -> [CellResults] {
        let source = try format.open(path: path)
        return try source.metadata.cells.map { try source.cell($0.ordinal) }
    }

    func testIdenticalAcrossThreadCounts() throws {
        let format = InMemoryResultsFormat()
        try run(Self.twoCells, path("t1.h5"), format: format) { $0.threads = 1 }
        try run(Self.twoCells, path("t2.h5"), format: format) { $0.threads = 2 }
        try run(Self.twoCells, path("t5.h5"), format: format) { $0.threads = 5 }
        let one = try cells(format, path("t1.h5"))
        XCTAssertEqual(one.count, 2)
        XCTAssertEqual(one[0].records.map(\.replication), Array(0..<23))
        XCTAssertEqual(one, try cells(format, path("t2.h5")), "records are compared bitwise")
        XCTAssertEqual(one, try cells(format, path("t5.h5")))
        // The cells' measures are computed on --threads threads too (`CellResults.measures(_:threads:)`).
        let t1 = try format.open(path: path("t1.h5"))
        for other in ["t2.h5", "t5.h5"] {
            let source = try format.open(path: path(other))
            for c in t1.metadata.cells { XCTAssertEqual(try t1.measures(c.ordinal), try source.measures(c.ordinal), "\(other), cell \(c.ordinal)") }
        }
        XCTAssertNotEqual(one[0].records[0].fits, one[0].records[1].fits, "replications draw different data")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("t1.h5.journal")), "the journal is removed once the file is complete")
    }

    func testShardsMergeToTheUnshardedRun() throws {
        let format = InMemoryResultsFormat()
        try run(Self.twoCells, path("whole.h5"), format: format) { $0.threads = 2 }
        for i in 1...3 { try run(Self.twoCells, path("s\(i).h5"), format: format) { $0.shard = Shard(index: i, count: 3) } }
        // Inputs in any order.
        try ShardMerge.merge(inputs: [path("s3.h5"), path("s1.h5"), path("s2.h5")], output: path("merged.h5"), format: format)
        let whole = try format.open(path: path("whole.h5")), merged = try format.open(path: path("merged.h5"))
        XCTAssertEqual(whole.metadata, merged.metadata)
        XCTAssertEqual(try cells(format, path("whole.h5")), try cells(format, path("merged.h5")))
        for c in whole.metadata.cells { XCTAssertEqual(try whole.measures(c.ordinal), try merged.measures(c.ordinal)) }
        XCTAssertEqual(try format.open(path: path("s2.h5")).metadata.replicationRange, 7..<15, "⌊23/3⌋..⌊46/3⌋")
    }

    func testMergeRejectsMismatchedOrIncompleteShards() throws {
        let format = InMemoryResultsFormat()
        let otherSeed = Self.twoCells.replacingOccurrences(of: "seed: 20240601", with: "seed: 5")
        try run(Self.twoCells, path("a1.h5"), format: format) { $0.shard = Shard(index: 1, count: 2) }
        try run(otherSeed, path("b2.h5"), format: format) { $0.shard = Shard(index: 2, count: 2) }
        assertThrows(try ShardMerge.merge(inputs: [path("a1.h5"), path("b2.h5")], output: path("m.h5"), format: format), as: RunError.self) {
            XCTAssertTrue("\($0)".contains("scenario text differ"), "\($0)")
        }
        assertThrows(try ShardMerge.merge(inputs: [path("a1.h5")], output: path("m.h5"), format: format), as: RunError.self) {
            XCTAssertTrue("\($0)".contains("a shard is missing"), "\($0)")
        }
        assertThrows(try ShardMerge.merge(inputs: [path("a1.h5"), path("a1.h5")], output: path("m.h5"), format: format), as: RunError.self) {
            XCTAssertTrue("\($0)".contains("overlaps"), "\($0)")
        }
        XCTAssertFalse(format.exists(path("m.h5")))
    }

    func testResumeAfterInterruptionAndTornFrameIsIdentical() throws {
        let format = InMemoryResultsFormat()
        try run(Self.twoCells, path("clean.h5"), format: format) { $0.threads = 1 }
        let out = path("resumed.h5")
        assertThrows(try run(Self.twoCells, out, format: format) { $0.interruptAfterChunks = 5; $0.threads = 2 }, as: RunError.self) {
            XCTAssertTrue("\($0)".contains("interrupted after 5 chunks"), "the test hook, not another failure: \($0)")
        }
        XCTAssertFalse(format.exists(out), "no result file before the run completes")
        // A crash in the middle of a write leaves a torn frame at the end of the journal.
        let journal = try FileHandle(forWritingTo: URL(fileURLWithPath: out + ".journal"))
        try journal.seekToEnd()
        try journal.write(contentsOf: Data([0x31, 0x4D, 0x52, 0x46, 0xFF, 0x00, 0x00, 0x00, 1, 2, 3]))
        try journal.close()
        assertThrows(try run(Self.twoCells, out, format: format), as: RunError.self, "without --resume the journal is protected") {
            XCTAssertEqual($0, .resumable(journal: out + ".journal"), "the CLI maps it to --resume")
        }
        let report = try run(Self.twoCells, out, format: format) { $0.resume = true; $0.threads = 2 }
        XCTAssertEqual(report.replicationsResumed, 5 * 4 + 0, "five chunks of four were durable")
        XCTAssertEqual(report.replicationsResumed + report.replicationsRun, 46)
        XCTAssertEqual(try cells(format, path("clean.h5")), try cells(format, out))
        // Resuming a different scenario against the journal is refused.
        assertThrows(try run(Self.twoCells, path("x.h5"), format: format) { $0.interruptAfterChunks = 1 }, as: RunError.self) {
            XCTAssertTrue("\($0)".contains("interrupted after 1 chunks"), "the test hook, not another failure: \($0)")
        }
        let changed = Self.twoCells.replacingOccurrences(of: "n: 12", with: "n: 13")
        assertThrows(try run(changed, path("x.h5"), format: format) { $0.resume = true }, as: RunError.self) {
            XCTAssertTrue("\($0)".contains("different run"), "\($0)")
        }
    }

    func testUnwritableOutputIsReportedBeforeAnyWork() throws {
        let blocker = path("plain-file")
        XCTAssertTrue(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        assertThrows(try run(Self.twoCells, blocker + "/sub/out.h5", format: InMemoryResultsFormat()), as: RunError.self) {
            XCTAssertTrue("\($0)".contains("cannot create the output directory"), "\($0)")
        }
    }

    /// The engine's statistical check on a textbook case: with normal errors the
    /// OLS t-interval covers exactly 95% and β̂ is unbiased, so the measures must
    /// agree within 3 Monte Carlo SEs (fixed seed).
    func testOLSKnownCaseCoverageAndBias() throws {
        let text = """
        seed: 424242
        known_dgp: {model: ols, n: 25, beta: [2.0, 0.7, 0.0], sigma: 1.5}
        monte_carlo: {replications: 600, chunk_size: 100}
        estimators: [{name: ols, model: ols, estimands: [beta0, beta1, beta2]}]
        """
        let format = InMemoryResultsFormat()
        try run(text, path("ols.h5"), format: format) { $0.threads = 2 }
        let source = try format.open(path: path("ols.h5"))
        for m in try source.measures(0)[0] {
            XCTAssertEqual(m.nOK, 600)
            XCTAssertEqual(m.nFailed, 0)
            assertWithinMCSE(0, m.bias, mcse: m.mcseBias, "OLS is unbiased")
            assertWithinMCSE(0.95, m.coverage, mcse: (0.95 * 0.05 / 600).squareRoot(), "exact t-interval coverage")
            assertWithinMCSE(0, m.relativeErrorModelSE, mcse: m.mcseRelativeErrorModelSE, "the OLS SE is correct on average")
        }
        let null = try source.measures(0)[0][2]
        assertWithinMCSE(0.05, null.rejection, mcse: (0.05 * 0.95 / 600).squareRoot(), "the t-test of β2 = 0 has exact size 5%")
    }

    func testFailedFitsAreCountedNotRedrawn() throws {
        let text = "seed: 3\nknown_dgp: {n: 10}\nmonte_carlo: {replications: 10}\nestimators: [{name: flaky, model: ols, estimands: [beta1]}]"
        let format = InMemoryResultsFormat()
        var options = RunOptions(output: path("flaky.h5"))
        options.threads = 2
        let report = try MonteCarloRunner(scenario: try MonteCarloScenario(text: text), options: options, format: format,
                                          builder: FlakyBuilder()).run()
        XCTAssertEqual(report.failedFits, 4, "replications 0, 3, 6, 9 fail")
        let cell = try format.open(path: path("flaky.h5")).cell(0)
        XCTAssertEqual(cell.records.map(\.fits[0].status.code), [.notConverged, .ok, .ok, .notConverged, .ok, .ok, .notConverged, .ok, .ok, .notConverged])
        XCTAssertEqual(cell.records[3].fits[0].status.message, "iteration limit")
        let m = try format.open(path: path("flaky.h5")).measures(0)[0][0]
        XCTAssertEqual(m.nOK, 6)
        XCTAssertEqual(m.nFailed, 4)
        assertClose(1, m.mean, tolerance: 1e-15, "failed fits report 100; only the six converged estimates of 1 count")
    }
}

/// A test experiment whose fit fails on every third replication.
struct FlakyBuilder: ExperimentBuilder {
    func makeExperiment(cell: DesignCell, scenario: MonteCarloScenario) throws -> any Experiment { Flaky() }
    struct Flaky: Experiment {
        func replicate(_ c: ReplicationContext) -> [FitOutcome] {
            c.replication % 3 == 0
                ? [FitOutcome(status: FitStatus(.notConverged, "iteration limit"), results: [EstimandResult(truth: 1, estimate: 100)])]
                : [FitOutcome(status: .ok, results: [EstimandResult(truth: 1, estimate: 1)])]
        }
    }
}
