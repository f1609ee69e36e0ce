import CitySystem
@testable import MonteCarlo
import Storage
import TestSupport
import XCTest

/// Regressions from a stranger-user test of `run`, `merge` and `summarize`:
/// what happens around the computation (existing files, journals, shards,
/// output paths, scenario errors) must be safe and say what to do.
final class RunSafetyTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-safety") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @discardableResult
    func run(_ out: String, _ text: String = RunnerTests.twoCells, format: any ResultsFormat = HDF5ResultsFormat(),
             configure: (inout RunOptions) -> Void = { _ in }) throws -> RunReport {
        var options = RunOptions(output: out)
        options.threads = 2
        configure(&options)
        return try MonteCarloRunner(scenario: try MonteCarloScenario(text: text), options: options, format: format).run()
    }

    /// A refused run is a `RunError` whose message (what the CLI prints) contains every one of `parts`.
    func assertRunError(_ expression: @autoclosure () throws -> Any, containing parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        assertThrows(try expression(), as: RunError.self, file: file, line: line) { error in
            for p in parts { XCTAssertTrue("\(error)".contains(p), "expected `\(p)` in: \(error)", file: file, line: line) }
        }
    }

    /// Fix 1: `--resume` on a finished file is a no-op only for the same run.
    func testResumeOfAFinishedFileOfAnotherRunIsRefused() throws {
        let out = path("full.h5")
        try run(out) { $0.replications = 4 }
        assertRunError(try run(out) { $0.replications = 6; $0.resume = true },
                     containing: ["finished result of a different run", "replications per cell (4 vs 6)"])
        assertThrows(try run(out) { $0.replications = 6; $0.resume = true }, as: RunError.self) {
            guard case .cannotResume(let output, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(output, out, "the CLI maps the case to --out/--overwrite")
        }
        let otherSeed = RunnerTests.twoCells.replacingOccurrences(of: "seed: 20240601", with: "seed: 9")
        assertRunError(try run(out, otherSeed) { $0.replications = 4; $0.resume = true }, containing: ["seed", "scenario text"])
        assertRunError(try run(out) { $0.replications = 4; $0.shard = Shard(index: 1, count: 2); $0.resume = true },
                     containing: ["shard (1/1 vs 1/2)"])
        assertRunError(try run(out) { $0.replications = 4; $0.toolVersion = "9.9"; $0.resume = true }, containing: ["spillsim version"])
        XCTAssertTrue(try run(out) { $0.replications = 4; $0.resume = true }.alreadyComplete, "the same request finds the file complete")
        // A file that is not a result file is not "complete" either.
        let junk = path("junk.h5")
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: junk))
        assertRunError(try run(junk) { $0.resume = true }, containing: ["cannot be read as a spillsim result file"])
    }

    /// Fix 2: with fewer replications than shards some shards hold nothing; they
    /// are still valid files that read back, summarise (n_ok 0) and merge.
    func testEmptyShardsAreValidAndMergeToTheUnshardedFile() throws {
        try run(path("whole.h5")) { $0.replications = 3 }
        var shards: [String] = []
        for i in 1...8 {
            let p = path("s\(i).h5")
            let report = try run(p) { $0.replications = 3; $0.shard = Shard(index: i, count: 8) }
            XCTAssertEqual(report.replicationsRun, Shard(index: i, count: 8).replications(of: 3).count * 2)
            shards.append(p)
        }
        let empty = try HDF5ResultsFormat().open(path: path("s1.h5"))
        XCTAssertTrue(empty.metadata.replicationRange.isEmpty)
        XCTAssertEqual(try empty.cell(1).records, [])
        let rows = try Summary.rows(of: empty)
        XCTAssertEqual(rows.count, 8, "2 cells × 4 estimands")
        XCTAssertTrue(rows.allSatisfy { $0.measures.nOK == 0 && $0.measures.nFailed == 0 })
        let f = try HDF5File.open(path("s1.h5"))
        XCTAssertEqual(try f.dataset("cells/cell_00001/estimators/ols_all/estimate").shape(), [0, 3])
        try f.close()

        try ShardMerge.merge(inputs: shards.reversed(), output: path("merged.h5"), format: HDF5ResultsFormat())
        let whole = try HDF5ResultsFormat().open(path: path("whole.h5")), merged = try HDF5ResultsFormat().open(path: path("merged.h5"))
        XCTAssertEqual(whole.metadata, merged.metadata)
        for c in whole.metadata.cells {
            XCTAssertEqual(try whole.cell(c.ordinal), try merged.cell(c.ordinal), "bitwise")
            XCTAssertEqual(try whole.measures(c.ordinal), try merged.measures(c.ordinal))
        }
        // An empty shard passed twice is caught by its shard number.
        assertRunError(try ShardMerge.merge(inputs: shards + [shards[0]], output: path("m2.h5"), format: HDF5ResultsFormat()),
                     containing: ["both shard 1/8", "pass each shard once"])
    }

    /// Fix 4: the engine's default seed is the generator's.
    func testSeedDefaultsToTheGeneratorDefault() throws {
        let text = "known_dgp: {n: 10}\nestimators: [{name: ols, model: ols, estimands: [beta1]}]"
        XCTAssertEqual(try MonteCarloScenario(text: text).seed, 20230101, "scenarios/README.md")
        XCTAssertEqual(try MonteCarloScenario(text: text).seed, UInt64(ScenarioParser.defaultSeed))
        try "name: x\n".write(toFile: path("x.yaml"), atomically: true, encoding: .utf8)
        let spec = try ScenarioParser.load(path: path("x.yaml"))
        XCTAssertEqual(spec.seed, UInt64(ScenarioParser.defaultSeed))
    }

    /// Fix 5: an error caused by a grid value names the grid factor, its value and the cell.
    func testGridErrorsNameTheGridFactor() throws {
        func scenario(_ grid: String) throws -> MonteCarloScenario {
            try MonteCarloScenario(text: """
            seed: 5
            city_system:
              geography: {cities: 20, centres: 2, square_km: 500, min_separation_km: 100, first_year: 2003, last_year: 2012}
              treatment: {enabled: false}
            estimators: [{name: sdm, model: sdm, estimands: [rho]}]
            grid: {\(grid)}
            """, file: "g.yaml")
        }
        /// The cell, the blamed factors and the underlying scenario key are data; the message is what the CLI prints.
        func assertGridCellError(_ expression: @autoclosure () throws -> Any, cell: Int, blamed: [String], key: String,
                                 message: String, file: StaticString = #filePath, line: UInt = #line) {
            assertThrows(try expression(), as: GridCellError.self, file: file, line: line) { e in
                XCTAssertEqual(e.cell.index, cell, file: file, line: line)
                XCTAssertEqual(e.blamed.map(\.path), blamed, file: file, line: line)
                XCTAssertEqual((e.underlying as? ScenarioError)?.path, key, "\(e.underlying)", file: file, line: line)
                XCTAssertTrue("\(e)".contains(message), "expected `\(message)` in: \(e)", file: file, line: line)
            }
        }
        let bad = try scenario("city_system.outcome.rho: [0.3, 1.5]")
        assertGridCellError(try ExperimentRegistry.builder(for: bad).makeExperiments(cells: try bad.cells(), scenario: bad),
                            cell: 1, blamed: ["city_system.outcome.rho"], key: "city_system.outcome.rho",
                            message: "g.yaml: grid.city_system.outcome.rho = 1.5 (cell_index 1): city_system.outcome.rho:")
        let misspelt = try scenario("city_system.outcome.rhoo: [0.3]")
        assertGridCellError(try ExperimentRegistry.builder(for: misspelt).makeExperiments(cells: try misspelt.cells(), scenario: misspelt),
                            cell: 0, blamed: ["city_system.outcome.rhoo"], key: "city_system.outcome.rhoo",
                            message: "grid.city_system.outcome.rhoo = 0.3 (cell_index 0): city_system.outcome.rhoo: unknown key")
        // An error from outside the grid names the cell but blames no factor.
        let elsewhere = try MonteCarloScenario(text: try scenario("city_system.outcome.rho: [0.3]").text
            .replacingOccurrences(of: "treatment: {enabled: false}", with: "treatment: {t0: 2030}"), file: "g.yaml")
        assertGridCellError(try ExperimentRegistry.builder(for: elsewhere).makeExperiments(cells: try elsewhere.cells(), scenario: elsewhere),
                            cell: 0, blamed: [], key: "city_system.treatment.t0",
                            message: "g.yaml: design cell cell_index 0 (grid.city_system.outcome.rho = 0.3): city_system.treatment.t0")
        // And `run` reports it the same way, before any work.
        assertGridCellError(try MonteCarloRunner(scenario: bad, options: RunOptions(output: path("g.h5")), format: HDF5ResultsFormat()).run(),
                            cell: 1, blamed: ["city_system.outcome.rho"], key: "city_system.outcome.rho",
                            message: "grid.city_system.outcome.rho = 1.5")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("g.h5.journal")))
    }

    /// Fix 6: an output that is a directory is refused before any replication runs.
    func testDirectoryAsOutputIsRefusedBeforeAnyWork() throws {
        let dd = path("dd")
        try FileManager.default.createDirectory(atPath: dd, withIntermediateDirectories: true)
        assertRunError(try run(dd) { $0.overwrite = true }, containing: ["cannot write \(dd): it is a directory"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dd + ".journal"), "nothing started")
        try FileManager.default.createDirectory(atPath: path("x.h5.partial"), withIntermediateDirectories: true)
        assertRunError(try run(path("x.h5")), containing: ["x.h5.partial is a directory"])
    }

    /// A fresh run's workers start on cell 0 while the later cells build (session 11): when a later
    /// cell cannot be built (here ρ outside the true W's stable interval, found only once W's spectrum
    /// exists), the run still fails as before — the error surfaces, no worker is left waiting, and no
    /// journal, partial or result file is left behind.
    func testALaterCellThatCannotBeBuiltStopsTheWorkersAndWritesNothing() throws {
        let text = """
        name: late-fail
        seed: 7
        city_system:
          geography: {cities: 40, centres: 3, square_km: 800, min_separation_km: 200, first_year: 2010, last_year: 2014}
          treatment: {enabled: false}
        monte_carlo: {replications: 6, chunk_size: 2}
        estimators:
          - {name: sdm, model: sdm, estimands: [rho]}
        cells:
          - {label: ok, city_system.outcome.rho: 0.3}
          - {label: bad, city_system.outcome.rho: 1.2}
        """
        let out = path("late.h5")
        XCTAssertThrowsError(try run(out, text)) { error in
            XCTAssertTrue("\(error)".contains("cells[1]"), "the error names the cell that failed: \(error)")
        }
        for leftover in [out, out + ".journal", out + ".partial"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: leftover), "\(leftover) left behind")
        }
        // The same scenario without the bad cell runs: the failure above was the cell's, not the run's.
        let good = text.replacingOccurrences(of: "\n  - {label: bad, city_system.outcome.rho: 1.2}", with: "")
        XCTAssertEqual(try run(path("good.h5"), good).replicationsRun, 6)
    }

    /// Fix 7: `--overwrite` discards the journal of a different run (and says so);
    /// a journal of this same run is kept for `--resume`.
    func testOverwriteDiscardsAStaleJournalOfAnotherRun() throws {
        let memory = InMemoryResultsFormat()
        let out = path("o.h5")
        let other = RunnerTests.twoCells.replacingOccurrences(of: "n: 12", with: "n: 14")
        assertRunError(try run(out, other, format: memory) { $0.interruptAfterChunks = 1 }, containing: ["interrupted after 1 chunks"])
        assertThrows(try run(out, format: memory), as: RunError.self) {
            XCTAssertEqual($0, .foreignJournal(journal: out + ".journal", resuming: false), "the CLI maps it to --overwrite")
        }
        let report = try run(out, format: memory) { $0.overwrite = true }
        XCTAssertTrue(report.discardedJournal)
        XCTAssertEqual(report.replicationsRun, 46)
        XCTAssertTrue(memory.exists(out))
        // The same run's journal is completed work: --overwrite does not throw it away.
        assertRunError(try run(path("p.h5"), format: memory) { $0.interruptAfterChunks = 1 }, containing: ["interrupted after 1 chunks"])
        assertThrows(try run(path("p.h5"), format: memory) { $0.overwrite = true }, as: RunError.self) {
            XCTAssertEqual($0, .resumable(journal: self.path("p.h5") + ".journal"), "the CLI maps it to --resume")
        }
    }

    /// Fix 10: unreadable inputs and uncreatable outputs get one plain sentence.
    func testUnusablePathsGivePlainMessages() throws {
        assertRunError(try HDF5ResultsFormat().open(path: directory.path), containing: ["cannot open", "it is a directory"])
        assertRunError(try HDF5ResultsFormat().open(path: path("nope.h5")), containing: ["cannot open", "no such file"])
        let text = path("text.h5")
        try Data("plain text".utf8).write(to: URL(fileURLWithPath: text))
        assertThrows(try HDF5ResultsFormat().open(path: text), as: RunError.self) { error in
            XCTAssertEqual("\(error)", "cannot open \(text): not a spillsim result file (not HDF5: no HDF5 signature found); "
                           + "write it again (run its scenario, or copy the file again), or, if its run was interrupted, resume that run to finish it")
            XCTAssertFalse("\(error)".contains("HDF5_USE_FILE_LOCKING"), "no unrelated locking hint: \(error)")
        }
        try run(path("a.h5")) { $0.replications = 2 }
        #if os(Linux)
        assertThrows(try ShardMerge.merge(inputs: [path("a.h5")], output: "/proc/m.h5", format: HDF5ResultsFormat()), as: RunError.self) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot create /proc/m.h5: "), "\(error)")
            XCTAssertFalse("\(error)".contains("H5F"), "no HDF5 stack: \(error)")
        }
        #endif
        assertRunError(try ShardMerge.merge(inputs: [path("a.h5")], output: directory.path, format: HDF5ResultsFormat(), overwrite: true),
                     containing: ["it is a directory"])
        assertThrows(try ShardMerge.merge(inputs: [path("a.h5"), directory.path], output: path("m.h5"), format: HDF5ResultsFormat()),
                     as: RunError.self) {
            XCTAssertEqual("\($0)", "cannot open \(self.directory.path): it is a directory, not a result file", "said once")
        }
    }
}
