import Foundation
import Storage
import TestSupport
import XCTest

/// A writer killed with SIGKILL (no deinit, no close) leaves a `.partial` file
/// that reopens — without h5clear and without a stale lock — holding
/// everything written before its last flush. The test runs this test binary
/// again as the writer (selected by an environment variable) and kills it.
final class CrashRecoveryTests: StorageTestCase {
    static let childVariable = "SPILLSIM_STORAGE_KILL9_WRITER"
    static let testName = "StorageTests.CrashRecoveryTests/testResumeAfterKill9"
    static let flushedRows = 30

    override func setUpWithError() throws {
        if ProcessInfo.processInfo.environment[Self.childVariable] == nil { try super.setUpWithError() }
    }

    func testResumeAfterKill9() throws {
        if let target = ProcessInfo.processInfo.environment[Self.childVariable] {
            try actAsKilledWriter(target)
            return
        }
        let target = path("killed.h5")
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        writer.arguments = [Self.testName]
        writer.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: target]) { $1 }
        writer.standardOutput = FileHandle.nullDevice
        writer.standardError = FileHandle.nullDevice
        try writer.run()
        let ready = target + ".ready"
        let deadline = Date().addingTimeInterval(60)
        while !exists(ready) && writer.isRunning && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(exists(ready), "the writer process did not reach its checkpoint (test binary \(CommandLine.arguments[0]))")
        kill(writer.processIdentifier, SIGKILL)
        writer.waitUntilExit()
        XCTAssertEqual(writer.terminationReason, .uncaughtSignal)
        XCTAssertEqual(writer.terminationStatus, SIGKILL)

        XCTAssertFalse(exists(target), "a killed writer must not leave the final file")
        XCTAssertTrue(HDF5File.hasUnfinishedWrite(at: target))
        let f = try HDF5File.resume(target)   // would fail if a lock or an open-for-write flag survived
        let rows = try f.dataset("estimates")
        let n = try rows.length()
        // Everything up to the flush must be there; the one unflushed row may or may not be.
        XCTAssertTrue(n == Self.flushedRows || n == Self.flushedRows + 1, "length after kill -9: \(n)")
        let back = try rows.readRows(as: Double.self, range: 0..<Self.flushedRows)
        XCTAssertEqual(back.values, Self.rows(0..<Self.flushedRows).values)
        XCTAssertEqual(try f.intAttribute("checkpoint"), Self.flushedRows)
        try rows.resize(length: Self.flushedRows)   // what a resuming engine does with a row past its checkpoint
        try rows.append(rows: Self.rows(Self.flushedRows..<(Self.flushedRows + 5)))
        try f.close()
        let r = try HDF5File.open(target)
        XCTAssertEqual(try r.dataset("estimates").readRows(as: Double.self).values,
                       Self.rows(0..<(Self.flushedRows + 5)).values)
        try r.close()
    }

    static func rows(_ range: Range<Int>) -> RowMajorArray<Double> {
        try! RowMajorArray(rowArrays: range.map { [Double($0), Double($0) * 0.5] })
    }

    /// The writer: appends in blocks with a flush after each, signals, writes one more row
    /// without flushing, then waits to be killed (exits after 60 s if nobody does).
    private func actAsKilledWriter(_ target: String) throws {
        let f = try HDF5File.create(target)
        let d = try f.createExtendibleDataset("estimates", of: Double.self, columns: 2, chunkRows: 8)
        for start in stride(from: 0, to: Self.flushedRows, by: 10) {
            try d.append(rows: Self.rows(start..<(start + 10)))
            try f.setAttribute("checkpoint", start + 10)
            try f.flush()
        }
        try d.append(rows: Self.rows(Self.flushedRows..<(Self.flushedRows + 1)))
        _ = FileManager.default.createFile(atPath: target + ".ready", contents: nil)
        sleep(60)
    }
}
