import Foundation
import Storage
import TestSupport
import XCTest

/// An independent reader (h5dump, from Debian's hdf5-tools) sees what Storage wrote.
final class H5DumpTests: StorageTestCase {
    /// Runs h5dump with `arguments`; fails the test (never skips) if h5dump is not installed.
    func h5dump(_ arguments: [String]) throws -> String {
        let candidates = ["/usr/bin/h5dump", "/usr/local/bin/h5dump"]
        guard let exe = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestSetupError("h5dump is not installed: run scripts/setup (it installs hdf5-tools)")
        }
        let r = try ProcessRunner.run(URL(fileURLWithPath: exe), arguments)
        XCTAssertEqual(r.status, 0, "h5dump \(arguments.joined(separator: " ")) failed: \(r.err)")
        return r.out
    }

    func testH5DumpReadsWhatWasWritten() throws {
        let p = path("dump.h5")
        let f = try HDF5File.create(p)
        try f.setAttribute("scenario", "baseline")
        try f.setAttribute("replications", 500)
        try f.setAttribute("rhos", [0.25, -0.5])
        let g = try f.createGroup("cell-3")
        try g.createDataset("bias", values: [0.125, -1.5, 2.75])
        try g.createDataset("counts", values: [Int64(7), -8, 9_007_199_254_740_993])   // 2^53 + 1: exact only as an integer
        try g.createDataset("labels", values: ["sdm-ml", "psm-did"])
        try g.createDataset("table", rows: RowMajorArray(rowArrays: [[1.5, 2.5], [3.5, 4.5]]))
        let ext = try g.createExtendibleDataset("draws", of: Double.self, columns: 2, chunkRows: 2, compressionLevel: 6)
        try ext.append(rows: RowMajorArray(rowArrays: [[0.5, 1.0], [1.5, 2.0], [2.5, 3.0]]))
        try f.close()

        let all = try h5dump([p])
        for needle in ["GROUP \"cell-3\"", "DATASET \"bias\"", "0.125, -1.5, 2.75",
                       "-8, 9007199254740993", "\"sdm-ml\", \"psm-did\"", "H5T_STR_NULLTERM", "H5T_CSET_UTF8",
                       "ATTRIBUTE \"scenario\"", "\"baseline\"", "ATTRIBUTE \"replications\"", "500",
                       "0.25, -0.5", "H5T_IEEE_F64LE", "H5T_STD_I64LE"] {
            XCTAssertTrue(all.contains(needle), "h5dump output lacks \(needle):\n\(all)")
        }
        // Shape and row order of the 2-D datasets, and the unlimited first dimension.
        let table = try h5dump(["-d", "/cell-3/table", p])
        XCTAssertTrue(table.contains("( 2, 2 ) / ( 2, 2 )"), table)
        XCTAssertTrue(table.contains("(0,0): 1.5, 2.5"), table)
        XCTAssertTrue(table.contains("(1,0): 3.5, 4.5"), table)
        let draws = try h5dump(["-p", "-d", "/cell-3/draws", p])
        XCTAssertTrue(draws.contains("( 3, 2 ) / ( H5S_UNLIMITED, 2 )"), draws)
        XCTAssertTrue(draws.contains("DEFLATE") && draws.contains("LEVEL 6"), draws)
        XCTAssertTrue(draws.contains("(2,0): 2.5, 3"), draws)
    }
}
