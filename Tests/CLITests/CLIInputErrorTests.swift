import Foundation
import TestSupport
import XCTest
@testable import spillsim

/// Stranger-user defects: bad option values and unwritable outputs end with one clear
/// message and the right exit code (64 for usage, 1 for run-time I/O), never a trap.
final class CLIInputErrorTests: XCTestCase {
    static let scenario = TestPaths.repositoryRoot.appendingPathComponent("scenarios/fixture-small.yaml").path
    var cigarette: String { TestPaths.sharedData.appendingPathComponent("cigarette/cigarette.csv").path }
    var contiguity: String { TestPaths.sharedData.appendingPathComponent("cigarette/usa46_contiguity.csv").path }

    func exec(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = DoctorTests.executable
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, o, e)
    }

    func assertUsageError(_ args: [String], contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Spillsim.parseAsRoot(args), file: file, line: line) { e in
            let message = Spillsim.message(for: e)
            XCTAssertTrue(message.contains(text), message, file: file, line: line)
            XCTAssertEqual(Spillsim.exitCode(for: e).rawValue, 64, message, file: file, line: line)
        }
    }

    func testNegativeReplicationIsAUsageErrorNotATrap() throws {
        assertUsageError(["generate", Self.scenario, "--out", "/tmp/x.csv", "--replication=-1"], contains: "--replication must be ≥ 0")
        assertUsageError(["truth", Self.scenario, "--replication=-1"], contains: "--replication must be ≥ 0")
        let r = try exec(["truth", Self.scenario, "--replication=-1"])
        XCTAssertEqual(r.status, 64, r.err)
        XCTAssertFalse(r.err.contains("Fatal error"), r.err)
    }

    func testBenchPSMDiDNeedsARepetition() {
        assertUsageError(["bench", "psm-did", "--units", "30", "--periods", "5", "--repetitions", "0"], contains: "--repetitions must be ≥ 1")
    }

    func testOutcomeAmongRegressorsAndDuplicatesAreRejected() {
        let sdm = ["estimate", "sdm", "--data", cigarette, "--weights", contiguity, "--id", "state", "--time", "year", "--y", "logc"]
        assertUsageError(sdm + ["--x", "logc"], contains: "--y logc is also listed in --x")
        assertUsageError(sdm + ["--x", "logp,logp"], contains: "--x lists 'logp' twice")
        let twfe = ["estimate", "twfe", "--data", cigarette, "--id", "state", "--time", "year", "--y", "logc"]
        assertUsageError(twfe + ["--x", "logp", "logc"], contains: "--y logc is also listed in --x")
        assertUsageError(["estimate", "psm", "--data", "d.csv", "--treat", "d", "--covariates", "a", "a"], contains: "--covariates lists 'a' twice")
        assertUsageError(["estimate", "psm", "--data", "d.csv", "--treat", "d", "--covariates", "a", "d"], contains: "--treat d is also listed")
        assertUsageError(["estimate", "cs-did", "--data", "d.csv", "--id", "i", "--time", "t", "--y", "y", "--cohort", "g",
                          "--covariates", "a,a"], contains: "twice")
    }

    /// Unwritable outputs are run-time errors (exit 1) naming the path, without `Usage:` or a Foundation error dump.
    func testUnwritableOutputsExitOneWithAPlainMessage() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for args in [["--out", dir.path], ["--out", "/proc/x.csv"],
                     ["--out", dir.appendingPathComponent("g.csv").path, "--weights-out", "/proc/w.csv"]] {
            let r = try exec(["generate", Self.scenario] + args)
            XCTAssertEqual(r.status, 1, r.err)
            XCTAssertTrue(r.err.contains("cannot write"), r.err)
            XCTAssertFalse(r.err.contains("Usage:"), r.err)
            XCTAssertFalse(r.err.contains("NSCocoaErrorDomain"), r.err)
        }
    }

    /// A missing parent directory of an output is created, as `run --out` does.
    func testOutputParentDirectoryIsCreated() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("new/sub/panel.csv").path
        try OutputFile.write("a,b\n1,2\n", to: out)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "a,b\n1,2\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial"))
        XCTAssertThrowsError(try OutputFile.write("x", to: "/proc/nope/w.csv")) {
            XCTAssertTrue("\($0)".hasPrefix("cannot write /proc/nope/w.csv: "), "\($0)")
            XCTAssertTrue("\($0)".contains("writable"), "\($0)")
        }
    }
}
