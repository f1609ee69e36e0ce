import Foundation
import Storage
import TestSupport
import XCTest

/// Chunked datasets with an unlimited first dimension, as the Monte Carlo
/// engine uses them: one row per replication, appended in blocks, across restarts.
final class ExtendibleDatasetTests: StorageTestCase {
    func testAppendOneAndTwoDimensional() throws {
        let p = path("append.h5")
        let f = try HDF5File.create(p)
        let ids = try f.createExtendibleDataset("replication", of: Int64.self, chunkRows: 4)
        let est = try f.createExtendibleDataset("estimates", of: Double.self, columns: 3, chunkRows: 4, compressionLevel: 4)
        XCTAssertEqual(try est.shape(), [0, 3])
        XCTAssertTrue(try est.isExtendible())
        for block in 0..<5 {   // 5 blocks of 3 rows cross the 4-row chunk boundaries
            let reps = (0..<3).map { Int64(block * 3 + $0) }
            try ids.append(reps)
            try est.append(rows: RowMajorArray(rowArrays: reps.map { [Double($0), Double($0) / 2, -Double($0)] }))
            try f.flush()
        }
        try est.append(row: [99.0, 99, 99])
        try ids.append([Int64]())   // appending nothing is allowed and changes nothing
        XCTAssertEqual(try ids.length(), 15)
        XCTAssertEqual(try est.length(), 16)
        try f.close()

        let r = try HDF5File.open(p)
        XCTAssertEqual(try r.dataset("replication").read(as: Int64.self), (0..<15).map { Int64($0) })
        let back = try r.dataset("estimates").readRows(as: Double.self)
        XCTAssertEqual(back.rows, 16)
        XCTAssertEqual(back.row(7), [7, 3.5, -7])
        XCTAssertEqual(back.row(15), [99, 99, 99])
        XCTAssertEqual(try r.dataset("estimates").readRows(as: Double.self, range: 14..<16).rowArrays, [[14, 7, -14], [99, 99, 99]])
        try r.close()
    }

    /// Append, commit, reopen in place read-write, append more, reopen read-only.
    func testAppendingAcrossCloseAndReopen() throws {
        let p = path("reopen.h5")
        let f = try HDF5File.create(p)
        try f.createExtendibleDataset("cell-1/bias", of: Double.self, columns: 2).append(row: [0.1, 0.2])
        try f.close()

        let rw = try HDF5File.open(p, mode: .readWrite)
        let d = try rw.dataset("cell-1/bias")
        XCTAssertEqual(try d.length(), 1, "the length is read from the file after a reopen")
        try d.append(rows: RowMajorArray(rowArrays: [[0.3, 0.4], [0.5, 0.6]]))
        try rw.setAttribute("completed", 3)
        try rw.close()

        let r = try HDF5File.open(p)
        XCTAssertEqual(try r.dataset("cell-1/bias").readRows(as: Double.self).values, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        XCTAssertEqual(try r.intAttribute("completed"), 3)
        try r.close()
    }

    /// A `.partial` left by an unfinished writer is continued by `resume` and committed on close.
    func testResumeUnfinishedWrite() throws {
        let p = path("resume.h5")
        do {
            let f = try HDF5File.create(p)
            try f.createExtendibleDataset("x", of: Int.self).append([1, 2, 3])
            try f.flush()
            // Dropped without close(): the writer "stopped" here.
        }
        XCTAssertFalse(exists(p))
        XCTAssertTrue(HDF5File.hasUnfinishedWrite(at: p))
        let f = try HDF5File.resume(p)
        XCTAssertEqual(f.diskPath, HDF5File.temporaryPath(for: p))
        let x = try f.dataset("x")
        XCTAssertEqual(try x.length(), 3)
        try x.append([4])
        try f.commit()
        XCTAssertFalse(HDF5File.hasUnfinishedWrite(at: p))
        let r = try HDF5File.open(p)
        XCTAssertEqual(try r.dataset("x").read(as: Int.self), [1, 2, 3, 4])
        try r.close()
    }

    func testResizeDropsAPartlyWrittenBlock() throws {
        let f = try HDF5File.create(path("resize.h5"))
        let d = try f.createExtendibleDataset("t", of: Double.self, columns: 2)
        try d.append(rows: RowMajorArray(rowArrays: [[1.0, 2], [3, 4], [5, 6]]))
        try d.resize(length: 2)
        XCTAssertEqual(try d.readRows(as: Double.self).values, [1, 2, 3, 4])
        try d.append(row: [7.0, 8])
        XCTAssertEqual(try d.readRows(as: Double.self).values, [1, 2, 3, 4, 7, 8])
        try f.discard()
    }

    func testAppendErrorsNameTheDatasetAndLeaveItUnchanged() throws {
        let f = try HDF5File.create(path("bad-append.h5"))
        let table = try f.createExtendibleDataset("table", of: Double.self, columns: 3)
        try table.append(row: [1.0, 2, 3])
        let e1 = expectHDF5Error { try table.append(row: [1.0, 2.0]) }
        XCTAssertTrue(e1?.detail.contains("width 2") ?? false, "\(String(describing: e1))")
        XCTAssertTrue(e1?.object.hasSuffix(":/table") ?? false)
        let e2 = expectHDF5Error { try table.append(row: [Int64(1), 2, 3]) }
        XCTAssertTrue(e2?.detail.contains("cannot take int64") ?? false, "\(String(describing: e2))")
        let e3 = expectHDF5Error { try table.append([1.0]) }
        XCTAssertTrue(e3?.detail.contains("2-D") ?? false, "\(String(describing: e3))")
        let fixed = try f.createDataset("fixed", values: [1.0])
        let e4 = expectHDF5Error { try fixed.append([2.0]) }
        XCTAssertTrue(e4?.detail.contains("not extendible") ?? false, "\(String(describing: e4))")
        XCTAssertEqual(try table.length(), 1, "failed appends leave the length unchanged")
        let e5 = expectHDF5Error { _ = try f.createExtendibleDataset("table", of: Double.self) }
        XCTAssertTrue(e5?.detail.contains("already exists") ?? false, "\(String(describing: e5))")
        try f.discard()
    }
}
