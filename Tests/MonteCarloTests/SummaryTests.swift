@testable import MonteCarlo
import Storage
import TestSupport
import XCTest

/// The rows `summarize` tabulates (the tables themselves: ReportsTests' SummarizeTableTests).
final class SummaryCellColumnTests: XCTestCase {
    /// Fix 8: `cell` is the ordinal everywhere (rows, `/summary/cell`, group names);
    /// the grid position is `cell_index`. A filter makes them differ.
    func testFilteredFileLabelsOrdinalAndGridIndex() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-summary")
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = RunnerTests.twoCells + "\nfilter: {exclude: [{known_dgp.sigma: 0.5}]}\n"
        let out = dir.appendingPathComponent("f.h5").path
        var options = RunOptions(output: out)
        options.replications = 3
        _ = try MonteCarloRunner(scenario: try MonteCarloScenario(text: text), options: options, format: HDF5ResultsFormat()).run()
        let rows = try Summary.rows(of: try HDF5ResultsFormat().open(path: out))
        XCTAssertEqual(rows.map(\.cell.ordinal), Array(repeating: 0, count: 4))
        XCTAssertEqual(rows.map(\.cell.index), Array(repeating: 1, count: 4))
        let file = try HDF5File.open(out)
        XCTAssertEqual(try file.dataset("summary/cell").read(as: Int64.self), [0, 0, 0, 0], "/summary/cell is the ordinal too")
        XCTAssertEqual(try file.group("cells/cell_00000").attribute("cell_index"), .int(1))
        try file.close()
    }
}
