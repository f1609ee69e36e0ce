@testable import MonteCarlo
import Storage
import TestSupport
import XCTest

/// A result file of format_version 1 — the six per-replication fields and the 24-column
/// summary, written here with Storage alone as spillsim 1 wrote it — still reads: records
/// with the later fields absent, measures matched by column name with the new ones NaN.
final class FormatVersion1Tests: XCTestCase {
    func testVersion1FileReads() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-v1")
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = RunnerTests.twoCells.replacingOccurrences(of: "grid:\n  known_dgp.sigma: [0.5, 2.0]", with: "")
        let scenario = try MonteCarloScenario(text: text)
        let metadata = RunMetadata(scenario: scenario, cells: try scenario.cells(), replications: 2, shard: .whole, toolVersion: "v1")
        let path = dir.appendingPathComponent("v1.h5").path
        let file = try HDF5File.create(path, overwrite: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try file.setAttribute("format", "spillsim-results")
        try file.setAttribute("format_version", 1)
        try file.setAttribute("metadata_json", String(decoding: try encoder.encode(metadata), as: UTF8.self))
        let g = try file.createGroup("cells/cell_00000")
        try g.createDataset("replication", values: [Int64(0), 1])
        try g.createDataset("stream_key", values: [Int64(11), 12])
        let v1Columns = Array(PerformanceMeasures.columnNames.prefix(22))
        for layout in metadata.layouts {
            let eg = try g.createGroup("estimators/\(layout.name)")
            let k = layout.estimands.count
            try eg.createDataset("status", values: [Int64(0), 0])
            try eg.createDataset("message", values: ["", ""])
            for (f, name) in ["truth", "estimate", "se", "lower", "upper", "p_value"].enumerated() {
                let values = (0..<(2 * k)).map { Double(f) + 0.5 * Double($0) }
                try eg.createDataset(name, rows: try RowMajorArray(rows: 2, columns: k, values: values))
            }
            var rows: [Double] = []
            for j in 0..<k { rows += [2.0, 0] + v1Columns.indices.map { Double($0) + 0.01 * Double(j) } }
            let s = try eg.createDataset("summary", rows: try RowMajorArray(rows: k, columns: 24, values: rows))
            try s.setAttribute("columns", ["n_ok", "n_failed"] + v1Columns)
        }
        try file.commit()

        let source = try HDF5ResultsFormat().open(path: path)
        let cell = try source.cell(0)
        let first = cell.records[0].fits[0].results[0]
        XCTAssertEqual(first.estimate, 1)
        XCTAssertEqual(first.pValue, 5)
        XCTAssertNil(first.confidenceSet)
        XCTAssertTrue(first.noncentrality.isNaN)
        let m = try source.measures(0)[0][1]
        XCTAssertEqual(m.nOK, 2)
        XCTAssertEqual(m.bias, 2.01, "by name: `bias` is v1 column 2")
        XCTAssertEqual(m.mcseRejection, 21.01)
        XCTAssertTrue(m.medianBias.isNaN && m.fiellerCoverage.isNaN)
        XCTAssertEqual(m.comparable, 1)
        let rows = try Summary.rows(of: source)
        XCTAssertEqual(rows.count, metadata.layouts.map(\.estimands.count).reduce(0, +))
        XCTAssertEqual(rows[1].measure("bias"), 2.01)
        XCTAssertTrue(rows[1].measure("median_bias").isNaN, "a v2 column a v1 file lacks reads as NaN")
    }

    /// A version newer than this spillsim writes is refused with a typed error naming the file.
    func testNewerVersionIsRefused() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-v3")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("v3.h5").path
        let file = try HDF5File.create(path, overwrite: true)
        try file.setAttribute("format", "spillsim-results")
        try file.setAttribute("format_version", HDF5ResultsFormat.formatVersion + 1)
        try file.setAttribute("metadata_json", "{}")
        try file.commit()
        assertThrows(try HDF5ResultsFormat().open(path: path), as: RunError.self) { e in
            guard case .failed(let message) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(message.contains(path) && message.contains("format version"), message)
        }
    }
}
