import Foundation
import Storage
import TestSupport
import XCTest

/// Write-then-rename, handle ownership and the errors a user sees.
final class FileLifecycleTests: StorageTestCase {
    func testNewFileAppearsOnlyWhenClosed() throws {
        let p = path("atomic.h5")
        let f = try HDF5File.create(p)
        try f.createDataset("x", values: [1.0, 2.0])
        try f.flush(durable: true)
        XCTAssertFalse(exists(p), "the final name must not exist before close")
        XCTAssertTrue(exists(HDF5File.temporaryPath(for: p)))
        try f.close()
        XCTAssertTrue(exists(p))
        XCTAssertFalse(exists(HDF5File.temporaryPath(for: p)), "the temporary file is renamed, not copied")
        try f.close()   // a second close does nothing
        XCTAssertFalse(f.isOpen)
    }

    func testAbandonedOrFailedWriteLeavesNoFinalFile() throws {
        let p = path("abandoned.h5")
        struct Failure: Error {}
        func writeThenFail() throws {
            let f = try HDF5File.create(p)
            try f.createDataset("x", values: [1.0])
            throw Failure()
        }
        assertThrows(try writeThenFail(), as: Failure.self, "the caller's own error comes through unchanged")
        XCTAssertFalse(exists(p), "an abandoned write must not produce the final file")
        XCTAssertTrue(HDF5File.hasUnfinishedWrite(at: p))

        let f = try HDF5File.create(p)   // starting again replaces the stale partial file
        XCTAssertEqual(try f.children(), [])
        try f.discard()
        XCTAssertFalse(exists(p))
        XCTAssertFalse(HDF5File.hasUnfinishedWrite(at: p))
    }

    func testCreateRefusesToReplaceUnlessAsked() throws {
        let p = path("existing.h5")
        let f = try HDF5File.create(p)
        try f.setAttribute("version", 1)
        try f.close()
        let e = expectHDF5Error { _ = try HDF5File.create(p) }
        XCTAssertEqual(e?.function, "H5Fcreate")
        XCTAssertTrue(e?.detail.contains("already exists") ?? false)
        let g = try HDF5File.create(p, overwrite: true)
        try g.setAttribute("version", 2)
        try g.close()
        let r = try HDF5File.open(p)
        XCTAssertEqual(try r.intAttribute("version"), 2)
        try r.close()
    }

    func testObjectsAreClosedWithTheirFile() throws {
        let p = path("handles.h5")
        let f = try HDF5File.create(p)
        let g = try f.createGroup("g")
        let d = try g.createDataset("x", values: [1.0])
        let e0 = try g.createDataset("y", values: [2.0])
        try e0.close()
        try e0.close()   // closing twice is harmless
        XCTAssertFalse(e0.isOpen)
        XCTAssertNotNil(expectHDF5Error { _ = try e0.read(as: Double.self) })
        try f.close()   // commits although g and d are still referenced
        XCTAssertTrue(exists(p))
        XCTAssertFalse(d.isOpen)
        let e = expectHDF5Error { _ = try d.read(as: Double.self) }
        XCTAssertTrue(e?.detail.contains("file has already been closed") ?? false, "\(String(describing: e))")
        try d.close()   // no double close of the HDF5 identifier
        let r = try HDF5File.open(p)
        XCTAssertEqual(try r.dataset("g/x").read(as: Double.self), [1])
        XCTAssertEqual(try r.dataset("g/y").read(as: Double.self), [2])
        try r.close()
    }

    func testReadOnlyFileRefusesWrites() throws {
        let p = path("ro.h5")
        try HDF5File.create(p).close()
        let r = try HDF5File.open(p)
        XCTAssertNotNil(expectHDF5Error { try r.createDataset("x", values: [1.0]) })
        XCTAssertNotNil(expectHDF5Error { try r.setAttribute("a", 1) })
        XCTAssertNotNil(expectHDF5Error { try r.discard() })
        try r.close()
    }

    // MARK: Errors name the C call and the file/object

    func testOpeningAMissingFile() {
        let p = path("missing.h5")
        let e = expectHDF5Error { _ = try HDF5File.open(p) }
        XCTAssertEqual(e?.function, "H5Fopen")
        XCTAssertEqual(e?.object, p)
        XCTAssertTrue(e?.description.contains("no such file") ?? false)
        let r = expectHDF5Error { _ = try HDF5File.resume(p) }
        XCTAssertEqual(r?.object, HDF5File.temporaryPath(for: p))
    }

    func testOpeningANonHDF5File() throws {
        let p = path("not-hdf5.h5")
        try "replication,estimate\n1,0.5\n".write(toFile: p, atomically: true, encoding: .utf8)
        let e = expectHDF5Error { _ = try HDF5File.open(p) }
        XCTAssertEqual(e?.function, "H5Fis_hdf5")
        XCTAssertEqual(e?.object, p)
        XCTAssertTrue(e?.detail.contains("not an HDF5 file") ?? false, "\(String(describing: e))")
        XCTAssertEqual(e?.kind, .notHDF5)
    }

    /// A file cut short keeps its signature; HDF5's text then speaks of the "sblock" (superblock),
    /// which a match on "lock" took for a lock held by another process and answered with locking
    /// advice. Nobody holds a lock: the error says the file is unreadable, with no such advice.
    func testOpeningATruncatedFileIsNotALockingProblem() throws {
        let saved = ProcessInfo.processInfo.environment["HDF5_USE_FILE_LOCKING"]
        unsetenv("HDF5_USE_FILE_LOCKING")
        defer { if let saved { setenv("HDF5_USE_FILE_LOCKING", saved, 1) } }
        let whole = path("whole.h5"), cut = path("cut.h5")
        let f = try HDF5File.create(whole)
        try f.createDataset("x", values: (0..<2000).map(Double.init))
        try f.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        let e = expectHDF5Error { _ = try HDF5File.open(cut) }
        XCTAssertEqual(e?.function, "H5Fopen")
        XCTAssertEqual(e?.kind, .unreadable, "\(String(describing: e))")
        XCTAssertFalse(e?.detail.contains("HDF5_USE_FILE_LOCKING") ?? true, "\(String(describing: e))")
    }

    func testCreatingInAMissingDirectory() {
        let p = path("no/such/dir/x.h5")
        let e = expectHDF5Error { _ = try HDF5File.create(p) }
        XCTAssertTrue(e?.detail.contains("does not exist") ?? false)
    }

    func testMissingObjectsAndWrongTypes() throws {
        let p = path("errors.h5")
        let f = try HDF5File.create(p)
        try f.createDataset("g/estimates", values: [1.0, 2.0])
        try f.createDataset("g/names", values: ["a"])
        try f.createDataset("g/table", rows: RowMajorArray(rowArrays: [[1.0, 2.0]]))
        try f.close()
        let r = try HDF5File.open(p)

        let e1 = expectHDF5Error { _ = try r.dataset("g/estimatez") }
        XCTAssertEqual(e1?.function, "H5Dopen2")
        XCTAssertEqual(e1?.object, "\(p):/g/estimatez")
        XCTAssertTrue(e1?.detail.contains("no such dataset") ?? false, "\(String(describing: e1))")
        let e2 = expectHDF5Error { _ = try r.group("g").dataset("nothing") }
        XCTAssertTrue(e2?.detail.contains("estimates, names, table") ?? false, "lists what is there: \(String(describing: e2))")
        let e3 = expectHDF5Error { _ = try r.group("g/estimates") }
        XCTAssertTrue(e3?.detail.contains("dataset, not a group") ?? false)
        let e4 = expectHDF5Error { _ = try r.dataset("g/names").read(as: Double.self) }
        XCTAssertEqual(e4?.function, "H5Dread")
        XCTAssertTrue(e4?.detail.contains("read it as String") ?? false, "\(String(describing: e4))")
        let e5 = expectHDF5Error { _ = try r.dataset("g/estimates").read(as: Int.self) }
        XCTAssertTrue(e5?.detail.contains("cannot be read as int64") ?? false, "doubles are never truncated to integers")
        let e6 = expectHDF5Error { _ = try r.dataset("g/table").read(as: Double.self) }
        XCTAssertTrue(e6?.detail.contains("readRows") ?? false)
        let e7 = expectHDF5Error { _ = try r.dataset("g/estimates").read(as: Double.self, range: 1..<3) }
        XCTAssertTrue(e7?.detail.contains("the dataset has 2") ?? false)
        let e8 = expectHDF5Error { _ = try r.intAttribute("seed") }
        XCTAssertEqual(e8?.object, "\(p):/@seed")
        XCTAssertTrue(e8?.detail.contains("no such attribute") ?? false)
        try r.close()
    }

    /// HDF5's own error text reaches the Swift error (here from the library, not from a Storage pre-check).
    func testHDF5ErrorStackIsCaptured() throws {
        let f = try HDF5File.create(path("stack.h5"))
        let e = expectHDF5Error { try f.remove("not-there") }
        XCTAssertEqual(e?.function, "H5Ldelete")
        XCTAssertFalse(e?.detail.isEmpty ?? true)
        XCTAssertFalse(e?.detail.contains("no further detail") ?? true, "\(String(describing: e))")
        try f.discard()
    }

    /// Debian's HDF5 is thread-safe, with per-thread error printing; Storage switches it off on every thread it runs on.
    func testErrorPrintingIsOffOnOtherThreads() throws {
        let p = path("thread.h5")
        try HDF5File.create(p).close()
        final class Outcome: @unchecked Sendable {   // written by the thread, read after the semaphore
            var printingOn = true
            var caught: HDF5Error?
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do { _ = try HDF5File.open(p).dataset("missing") } catch { outcome.caught = error as? HDF5Error }
            outcome.printingOn = HDF5Library.errorPrintingIsOnForThisThread
            done.signal()
        }
        thread.start()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertFalse(outcome.printingOn)
        XCTAssertNotNil(outcome.caught)
    }

    /// Another process holding the write lock (simulated by an flock on a second descriptor) blocks
    /// opening for writing with a message that says so; `Locking.disabled` opens anyway.
    func testFileLockedByAnotherWriter() throws {
        let saved = ProcessInfo.processInfo.environment["HDF5_USE_FILE_LOCKING"]
        unsetenv("HDF5_USE_FILE_LOCKING")   // the variable would override the per-file setting
        defer { if let saved { setenv("HDF5_USE_FILE_LOCKING", saved, 1) } }
        let p = path("locked.h5")
        try HDF5File.create(p).close()
        let fd = open(p, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)
        let e = expectHDF5Error { _ = try HDF5File.open(p, mode: .readWrite) }
        XCTAssertEqual(e?.function, "H5Fopen")
        XCTAssertEqual(e?.kind, .locked)
        XCTAssertTrue(e?.detail.contains("HDF5_USE_FILE_LOCKING") ?? false, "\(String(describing: e))")
        let r = try HDF5File.open(p, locking: .disabled)
        XCTAssertEqual(try r.children(), [])
        try r.close()
    }

    /// A second writer starting over while another process still writes the `.partial` is
    /// refused, and the first writer's data are not truncated. (Within one process HDF5
    /// refuses by itself, "already open"; the flock stands in for the other process.)
    func testCreateDoesNotTruncateAPartialFileLockedByAnotherWriter() throws {
        let saved = ProcessInfo.processInfo.environment["HDF5_USE_FILE_LOCKING"]
        unsetenv("HDF5_USE_FILE_LOCKING")
        defer { if let saved { setenv("HDF5_USE_FILE_LOCKING", saved, 1) } }
        let p = path("shard.h5")
        do {
            let first = try HDF5File.create(p)
            try first.createDataset("x", values: (0..<1000).map(Double.init))
            XCTAssertNotNil(expectHDF5Error { _ = try HDF5File.create(p) }, "same process, file already open")
        }
        let temp = HDF5File.temporaryPath(for: p)
        let size = try FileManager.default.attributesOfItem(atPath: temp)[.size] as? Int
        let fd = open(temp, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)
        let e = expectHDF5Error { _ = try HDF5File.create(p) }
        XCTAssertEqual(e?.function, "H5Fcreate")
        XCTAssertTrue(e?.detail.contains("lock") ?? false, "\(String(describing: e))")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: temp)[.size] as? Int, size, "not truncated")
        XCTAssertNotNil(expectHDF5Error { _ = try HDF5File.resume(p) })
        flock(fd, LOCK_UN)
        let resumed = try HDF5File.resume(p)
        XCTAssertEqual(try resumed.dataset("x").length(), 1000)
        try resumed.close()
    }
}
