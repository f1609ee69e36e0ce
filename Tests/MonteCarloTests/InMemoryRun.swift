import Foundation
@testable import MonteCarlo
import TestSupport

/// The set-up the run tests share: a scenario text run in memory (no HDF5 file), every cell's
/// results returned in cell order.
enum InMemoryRun {
    static func cells(_ text: String, threads: Int = 1) throws -> [CellResults] {
        let dir = try TestPaths.temporaryDirectory("spillsim-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let format = InMemoryResultsFormat()
        var o = RunOptions(output: dir.appendingPathComponent("run.h5").path)
        o.threads = threads
        _ = try MonteCarloRunner(scenario: try MonteCarloScenario(text: text), options: o, format: format).run()
        let s = try format.open(path: o.output)
        return try s.metadata.cells.map { try s.cell($0.ordinal) }
    }
}
