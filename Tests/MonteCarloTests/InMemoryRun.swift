import CitySystem
import Foundation
@testable import MonteCarlo
import TestSupport
import XCTest

/// The set-up the run tests share: a scenario run in memory (no HDF5 file), its metadata and
/// every cell's results in cell order.
enum InMemoryRun {
    struct Run {
        let metadata: RunMetadata
        let cells: [CellResults]
    }

    static func run(_ scenario: MonteCarloScenario, threads: Int = 1) throws -> Run {
        let dir = try TestPaths.temporaryDirectory("spillsim-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let format = InMemoryResultsFormat()
        var o = RunOptions(output: dir.appendingPathComponent("run.h5").path)
        o.threads = threads
        _ = try MonteCarloRunner(scenario: scenario, options: o, format: format).run()
        let s = try format.open(path: o.output)
        return Run(metadata: s.metadata, cells: try s.metadata.cells.map { try s.cell($0.ordinal) })
    }

    static func run(_ text: String, threads: Int = 1) throws -> Run { try run(try MonteCarloScenario(text: text), threads: threads) }

    static func cells(_ text: String, threads: Int = 1) throws -> [CellResults] { try run(text, threads: threads).cells }

    /// One run per thread count, for the checks that results do not depend on the threads.
    static func runs(_ scenario: MonteCarloScenario, threads: [Int] = [1, 2]) throws -> [Run] {
        try threads.map { try run(scenario, threads: $0) }
    }

    /// Cell 0 of the scenario's generator, to regenerate the panels a run fitted (same seed, same streams).
    static func world(_ text: String, source: String = "test") throws -> CitySystemCell {
        try CitySystemCell(scenario: try ScenarioParser.parse(try ScenarioDocument(text: text, source: source)))
    }

    /// Each (from, to, key) edit of `text` is refused with a `ScenarioError` at `key` before any
    /// replication: options and model names are typed when the file is loaded, what depends on the
    /// world (Ws, regressors, estimands) when a cell is built.
    static func assertEditsRefused(_ text: String, _ cases: [(from: String, to: String, key: String)],
                                   file: StaticString = #filePath, line: UInt = #line) {
        for (from, to, key) in cases {
            let edited = text.replacingOccurrences(of: from, with: to)
            XCTAssertNotEqual(edited, text, "the test edit applies: \(from)", file: file, line: line)
            assertThrows(try { () throws -> Void in
                let scenario = try MonteCarloScenario(text: edited, file: "small.yaml")
                _ = try CitySystemBuilder().makeExperiment(cell: try scenario.cells()[0], scenario: scenario)
            }(), as: ScenarioError.self, key, file: file, line: line) {
                XCTAssertEqual($0.path, key, "\($0)", file: file, line: line)
            }
        }
    }
}
