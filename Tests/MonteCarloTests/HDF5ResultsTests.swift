@testable import MonteCarlo
import Storage
import TestSupport
import XCTest

/// Result files in HDF5: round trip, the documented layout, merge of shard
/// files, and the real crash case — `spillsim run` killed with SIGKILL at a
/// random moment, then `--resume` — against an uninterrupted run.
final class HDF5ResultsTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-h5") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func allCells(_ path: String) throws -> [CellResults] {
        let s = try HDF5ResultsFormat().open(path: path)
        return try s.metadata.cells.map { try s.cell($0.ordinal) }
    }

    func testRoundTripMatchesInMemoryRunAndLayoutIsAsDocumented() throws {
        let scenario = try MonteCarloScenario(text: RunnerTests.twoCells)
        let memory = InMemoryResultsFormat()
        for (format, out) in [(memory as any ResultsFormat, path("m.h5")), (HDF5ResultsFormat(), path("f.h5"))] {
            var o = RunOptions(output: out)
            o.threads = 2
            _ = try MonteCarloRunner(scenario: scenario, options: o, format: format).run()
        }
        let fromMemory = try memory.open(path: path("m.h5"))
        let fromFile = try HDF5ResultsFormat().open(path: path("f.h5"))
        XCTAssertEqual(fromMemory.metadata, fromFile.metadata)
        for c in fromFile.metadata.cells {
            XCTAssertEqual(try fromMemory.cell(c.ordinal), try fromFile.cell(c.ordinal), "bitwise")
            XCTAssertEqual(try fromMemory.measures(c.ordinal), try fromFile.measures(c.ordinal))
        }
        // The layout a reader without spillsim relies on (docs/results-schema.md).
        let f = try HDF5File.open(path("f.h5"))
        XCTAssertEqual(try f.attribute("format"), .string("spillsim-results"))
        XCTAssertEqual(try f.attribute("seed"), .string("20240601"))
        XCTAssertEqual(try f.attribute("replications"), .int(23))
        let cell = try f.group("cells/cell_00001")
        XCTAssertEqual(try cell.attribute("known_dgp.sigma"), .double(2.0))
        XCTAssertEqual(try cell.attribute("cell_index"), .int(1))
        let est = try cell.dataset("estimators/ols_all/estimate")
        XCTAssertEqual(try est.shape(), [23, 3])
        XCTAssertEqual(try est.attribute("columns"), .strings(["beta0", "beta1", "beta2"]))
        XCTAssertEqual(try cell.dataset("estimators/ols_slope/status").read(as: Int64.self), Array(repeating: 0, count: 23))
        XCTAssertEqual(try f.dataset("summary/values").shape(), [8, HDF5ResultsFormat.summaryColumns.count], "2 cells × 4 estimands")
        try f.close()
    }

    /// A result file cut short (a copy that stopped) got HDF5's trace and advice about file
    /// locks (stranger audit item 13). The message names the file, says it is not a complete
    /// result file, and gives the ways out; it says nothing of locks, since none is held.
    func testTruncatedResultFileIsNamedAsIncomplete() throws {
        let out = path("r.h5"), cut = path("cut.h5"), text = path("text.h5")
        _ = try MonteCarloRunner(scenario: try MonteCarloScenario(text: RunnerTests.twoCells), options: RunOptions(output: out),
                                 format: HDF5ResultsFormat()).run()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
        try bytes.prefix(5000).write(to: URL(fileURLWithPath: cut))
        try "not a result\n".write(toFile: text, atomically: true, encoding: .utf8)
        for (file, what) in [(cut, "not a complete spillsim result file (truncated or damaged: truncated file"),
                             (text, "not a spillsim result file (not HDF5: no HDF5 signature found)")] {
            XCTAssertThrowsError(try HDF5ResultsFormat().open(path: file)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("cannot open \(file): \(what)"), message)
                XCTAssertTrue(message.contains("write it again") && message.contains("resume that run"), message)
                XCTAssertFalse(message.lowercased().contains("locking"), message)
            }
        }
    }

    func testShardFilesMergeToTheUnshardedFile() throws {
        let scenario = try MonteCarloScenario(text: RunnerTests.twoCells)
        func run(_ out: String, _ shard: Shard) throws {
            var o = RunOptions(output: out)
            o.shard = shard
            _ = try MonteCarloRunner(scenario: scenario, options: o, format: HDF5ResultsFormat()).run()
        }
        try run(path("whole.h5"), .whole)
        try run(path("a.h5"), Shard(index: 1, count: 2))
        try run(path("b.h5"), Shard(index: 2, count: 2))
        try ShardMerge.merge(inputs: [path("b.h5"), path("a.h5")], output: path("m.h5"), format: HDF5ResultsFormat())
        XCTAssertEqual(try allCells(path("whole.h5")), try allCells(path("m.h5")))
        let whole = try HDF5ResultsFormat().open(path: path("whole.h5")), merged = try HDF5ResultsFormat().open(path: path("m.h5"))
        XCTAssertEqual(whole.metadata, merged.metadata)
        XCTAssertEqual(try Summary.rows(of: whole), try Summary.rows(of: merged))
        assertThrows(try HDF5ResultsFormat().open(path: path("nonexistent.h5")), as: RunError.self) {
            XCTAssertEqual("\($0)", "cannot open \(self.path("nonexistent.h5")): no such file", "what the CLI prints")
        }
    }

    /// Starts the built `spillsim` without waiting (the kill tests signal it mid-run).
    func spillsim(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = try ProcessRunner.spillsim()
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func testKillNineAtARandomMomentThenResumeIsIdenticalToACleanRun() throws {
        // Big enough that a debug build needs a few seconds, small chunks so kills land between and inside frames.
        let scenarioPath = path("kill.yaml")
        try """
        name: kill-test
        seed: 99
        known_dgp: {model: ols, n: 400, beta: [1.0, 2.0, 3.0, 0.0]}
        monte_carlo: {replications: 3000, chunk_size: 7}
        estimators: [{name: ols, model: ols, estimands: [beta1, beta3]}]
        grid: {known_dgp.sigma: [1.0, 3.0]}
        """.write(toFile: scenarioPath, atomically: true, encoding: .utf8)

        let clean = try spillsim(["run", scenarioPath, "--out", path("clean.h5"), "--threads", "2", "--quiet"])
        clean.waitUntilExit()
        XCTAssertEqual(clean.terminationStatus, 0)

        var generator = SystemRandomNumberGenerator()
        let out = path("killed.h5")
        var kills = 0
        // Kill up to three times at random moments, then let it finish.
        for attempt in 0..<4 {
            let args = ["run", scenarioPath, "--out", out, "--threads", "2", "--quiet"] + (attempt > 0 ? ["--resume"] : [])
            let p = try spillsim(args)
            if attempt < 3 {
                usleep(UInt32.random(in: 20_000...500_000, using: &generator))
                if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            }
            p.waitUntilExit()
            if attempt == 3 { XCTAssertEqual(p.terminationStatus, 0, "the resumed run finishes") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out) && FileManager.default.fileExists(atPath: out + ".journal"),
                           "the result file appears only once the run is complete")
        }
        XCTAssertGreaterThan(kills, 0, "at least one kill landed mid-run (the runs are too fast otherwise)")
        XCTAssertEqual(try allCells(path("clean.h5")), try allCells(out), "bitwise identical per-replication results")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".journal"))
    }

    /// A write error mid-run (here a file-size limit, as a full disk would) is
    /// reported, keeps every completed chunk, and `--resume` then finishes with
    /// the results of a clean run.
    func testDiskErrorIsReportedAndLosesNoCompletedWork() throws {
        let scenarioPath = path("disk.yaml")
        try RunnerTests.twoCells.replacingOccurrences(of: "replications: 23, chunk_size: 4", with: "replications: 400, chunk_size: 10")
            .write(toFile: scenarioPath, atomically: true, encoding: .utf8)
        let out = path("disk.h5")
        let limited = Process()
        limited.executableURL = URL(fileURLWithPath: "/bin/bash")
        // 16 KiB: a few journal frames fit, then write() fails with EFBIG.
        limited.arguments = ["-c", "ulimit -f 16; exec \"$0\" run \"$1\" --out \"$2\" --threads 2 --quiet", try ProcessRunner.spillsim().path, scenarioPath, out]
        let err = Pipe()
        limited.standardError = err
        try limited.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        limited.waitUntilExit()
        XCTAssertNotEqual(limited.terminationStatus, 0)
        XCTAssertTrue(text.contains("writing the checkpoint journal") && text.contains("--resume"), text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let size = (try FileManager.default.attributesOfItem(atPath: out + ".journal")[.size] as? Int) ?? 0
        XCTAssertGreaterThan(size, 4096, "completed chunks stay in the journal")

        let resumed = try spillsim(["run", scenarioPath, "--out", out, "--resume", "--quiet"])
        resumed.waitUntilExit()
        XCTAssertEqual(resumed.terminationStatus, 0)
        let clean = try spillsim(["run", scenarioPath, "--out", path("clean.h5"), "--quiet"])
        clean.waitUntilExit()
        XCTAssertEqual(try allCells(path("clean.h5")), try allCells(out))
    }

    func testCLIReportsUnwritableOutputAndBadScenario() throws {
        let scenarioPath = path("ok.yaml")
        try RunnerTests.twoCells.write(toFile: scenarioPath, atomically: true, encoding: .utf8)
        XCTAssertTrue(FileManager.default.createFile(atPath: path("file"), contents: Data()))
        let bad = path("bad.yaml")
        try (RunnerTests.twoCells + "\nmonte_carlo_typo: 3\n").write(toFile: bad, atomically: true, encoding: .utf8)
        for (args, expected) in [(["run", scenarioPath, "--out", path("file") + "/x/y.h5"], "cannot create the output directory"),
                                 (["run", bad, "--out", path("z.h5")], "monte_carlo_typo"),
                                 (["summarize", path("missing.h5")], "cannot open \(path("missing.h5")): no such file")] {
            let r = try ProcessRunner.spillsim(args)
            let text = r.err
            XCTAssertNotEqual(r.status, 0, text)
            XCTAssertTrue(text.contains(expected), "\(args): \(text)")
        }
    }

    /// The process's real output: `validate` prints nothing on stdout when a
    /// design check fails (fix 3), and `run --resume` against a finished file of
    /// another run exits non-zero (fix 1).
    func testCLIValidateAndResumeOutput() throws {
        func capture(_ args: [String]) throws -> ProcessOutput { try ProcessRunner.spillsim(args) }
        let bad = path("alpha.yaml")
        try RunnerTests.twoCells.replacingOccurrences(of: "chunk_size: 4}", with: "chunk_size: 4, alpha: 2}")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let v = try capture(["validate", bad])
        XCTAssertNotEqual(v.status, 0)
        XCTAssertEqual(v.out, "", "no OK line before the error")
        XCTAssertTrue(v.err.contains("monte_carlo.alpha"), v.err)
        let good = path("good.yaml")
        try RunnerTests.twoCells.write(toFile: good, atomically: true, encoding: .utf8)
        XCTAssertTrue(try capture(["validate", good]).out.hasPrefix("\(good): OK — scenario 'runner-test', known DGP"))

        let out = path("full.h5")
        XCTAssertEqual(try capture(["run", good, "--reps", "4", "--out", out, "--quiet"]).status, 0)
        let r = try capture(["run", good, "--reps", "6", "--out", out, "--resume", "--quiet"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(r.out.contains("already complete"), r.out)
        XCTAssertTrue(r.err.contains("replications per cell (4 vs 6)"), r.err)
        XCTAssertTrue(try capture(["run", good, "--reps", "4", "--out", out, "--resume", "--quiet"]).out.contains("already complete"))
    }
}
