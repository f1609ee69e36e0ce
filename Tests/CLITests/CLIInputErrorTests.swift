import Foundation
import MonteCarlo
import TestSupport
import XCTest
@testable import spillsim
import Estimators
import MonteCarlo

/// Stranger-user defects: bad option values and unwritable outputs end with one clear
/// message and the right exit code (64 for usage, 1 for run-time I/O), never a trap.
final class CLIInputErrorTests: XCTestCase {
    static let scenario = TestPaths.repositoryRoot.appendingPathComponent("scenarios/fixture-small.yaml").path
    var cigarette: String { TestPaths.cigarette.appendingPathComponent("cigarette.csv").path }
    var contiguity: String { TestPaths.cigarette.appendingPathComponent("usa46_contiguity.csv").path }

    func exec(_ args: [String]) throws -> ProcessOutput { try ProcessRunner.spillsim(args) }

    func assertUsageError(_ args: [String], contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        // ArgumentParser's parse error type is internal: what it promises is the message and exit code 64.
        XCTAssertThrowsError(try Spillsim.parseAsRoot(args), file: file, line: line) { e in
            let message = Spillsim.message(for: e)
            XCTAssertTrue(message.contains(text), message, file: file, line: line)
            XCTAssertEqual(Spillsim.exitCode(for: e).rawValue, 64, message, file: file, line: line)
        }
    }

    func testNegativeReplicationIsAUsageErrorNotATrap() throws {
        assertUsageError(["generate", Self.scenario, "--out", "/tmp/x.csv", "--replication=-1"], contains: "--replication must be 0 or more")
        assertUsageError(["truth", Self.scenario, "--replication=-1"], contains: "--replication must be 0 or more")
        let r = try exec(["truth", Self.scenario, "--replication=-1"])
        XCTAssertEqual(r.status, 64, r.err)
        XCTAssertFalse(r.err.contains("Fatal error"), r.err)
    }

    /// A flag another flag makes meaningless is refused, not ignored; a negative count reaches the
    /// range check instead of ArgumentParser's "missing value".
    func testFlagsThatWouldBeIgnoredAreRefused() {
        assertUsageError(["run", Self.scenario, "--reps", "-1"], contains: "--reps must be at least 1")
        assertUsageError(["run", Self.scenario, "--threads", "0"], contains: "--threads must be at least 1")
        assertUsageError(["summarize", "r.h5", "--verdict", "--format", "csv"], contains: "--verdict prints a fixed text table")
        assertUsageError(["summarize", "r.h5", "--verdict", "--failures"], contains: "--verdict and --failures print different tables")
        assertUsageError(["generate", Self.scenario, "--out", "p.csv", "--weights", "true"], contains: "add --weights-out FILE")
        assertUsageError(["estimate", "twfe", "--data", "d.csv", "--id", "i", "--time", "t", "--y", "y", "--x", "a", "--cohort", "g"],
                         contains: "--cohort belongs to the event study")
        assertUsageError(["estimate", "sdm", "--data", "d.csv", "--weights", "w.csv", "--id", "i", "--time", "t", "--y", "y", "--x", "a",
                          "--model", "sar", "--durbin", "a"], contains: "--model sar has no W-lagged regressors")
        assertUsageError(["estimate", "w-select", "--data", "d.csv", "--weights", "W1.csv,W2.csv,W1.csv", "--id", "i", "--time", "t", "--y", "y",
                          "--x", "a"], contains: "--weights lists W1.csv twice; give each candidate weight matrix once")
        let did = ["estimate", "psm-did", "--data", "d.csv", "--id", "i", "--time", "t", "--y", "y"]
        assertUsageError(did + ["--cohort", "g", "--treat", "d", "--covariates", "a"], contains: "--treat goes with --post-year")
        assertUsageError(did + ["--cohort", "g", "--no-matching", "--covariates", "a"], contains: "with --no-matching the DID has no covariates")
        assertUsageError(did + ["--cohort", "g", "--no-matching", "--matching", "by-period"], contains: "remove one of them")
        assertUsageError(did + ["--cohort", "g", "--covariates", "a", "--contemporaneous-covariates"], contains: "applies to --matching by-period")
    }

    /// Negative counts reach each flag's range check (not ArgumentParser's "Missing value"); a seed or
    /// bandwidth with no draw or kernel to use it, and an approach with no fixed effects, are refused.
    func testNegativeCountsAndMeaninglessFlagsAreRefused() {
        let sdm = ["estimate", "sdm", "--data", "d.csv", "--weights", "w.csv", "--id", "i", "--time", "t", "--y", "y", "--x", "a"]
        let twfe = ["estimate", "twfe", "--data", "d.csv", "--id", "i", "--time", "t", "--y", "y"]
        let psm = ["estimate", "psm", "--data", "d.csv", "--treat", "d", "--covariates", "a"]
        let did = ["estimate", "psm-did", "--data", "d.csv", "--id", "i", "--time", "t", "--y", "y", "--cohort", "g", "--covariates", "a"]
        assertUsageError(sdm + ["--draws", "-5"], contains: "--draws must be ≥ 0")
        assertUsageError(twfe + ["--x", "a", "--cluster", "c", "--wild-bootstrap", "-5"], contains: "--wild-bootstrap must be at least 0")
        assertUsageError(twfe + ["--event-study", "--cohort", "g", "--leads", "-1", "--lags", "2"], contains: "--leads must be at least 0")
        assertUsageError(did + ["--lags", "-2", "--leads", "1"], contains: "--lags must be at least 0")
        assertUsageError(psm + ["--ratio", "-1"], contains: "--ratio must be at least 1")
        assertUsageError(psm + ["--method", "kernel", "--bandwidth", "-0.1"], contains: "--bandwidth must be a positive number")
        assertUsageError(psm + ["--caliper", "-1"], contains: "--caliper must be a positive number")
        assertUsageError(["report", "r.h5", "--decimals", "-1"], contains: "--decimals must be between 0 and 8")
        assertUsageError(["estimate", "mediation", "--data", "d.csv", "--id", "i", "--time", "t", "--y", "y", "--treat", "d",
                          "--post", "p", "--mediator", "m", "--bootstrap", "-3"], contains: "--bootstrap must be ≥ 0")
        assertUsageError(sdm + ["--seed", "3"], contains: "add --draws N or drop --seed")
        assertUsageError(twfe + ["--x", "a", "--seed", "3"], contains: "add --wild-bootstrap B or drop --seed")
        assertUsageError(did + ["--bootstrap-seed", "3"], contains: "add --wild-bootstrap B or drop --bootstrap-seed")
        assertUsageError(psm + ["--seed", "3"], contains: "add --order random or drop --seed")
        assertUsageError(psm + ["--bandwidth", "0.1"], contains: "add --method kernel or drop --bandwidth")
        assertUsageError(sdm + ["--effects", "none", "--approach", "lee-yu"], contains: "drop --approach")
        XCTAssertNoThrow(try Spillsim.parseAsRoot(sdm + ["--draws", "10", "--seed", "3"]))
        // (The order is nearest-neighbour matching's: kernel matching with --order is refused, CLIStrangerAuditTests.)
        XCTAssertNoThrow(try Spillsim.parseAsRoot(psm + ["--order", "random", "--seed", "3"]))
        XCTAssertNoThrow(try Spillsim.parseAsRoot(psm + ["--method", "kernel", "--bandwidth", "0.1"]))
    }

    func testUnknownEstimatorListsTheEstimators() throws {
        let r = try exec(["estimate", "foo"])
        XCTAssertEqual(r.status, 64, r.err)
        XCTAssertTrue(r.err.contains("unknown estimator 'foo'; choose one of: sdm, w-select, psm, twfe, psm-did, cs-did"), r.err)
        XCTAssertNil(Spillsim.Estimate.unknownEstimatorMessage("psm-did"))
        XCTAssertNil(Spillsim.Estimate.unknownEstimatorMessage("--help"))
    }

    func testBenchPSMDiDNeedsARepetition() {
        assertUsageError(["bench", "psm-did", "--units", "30", "--periods", "5", "--repetitions", "0"], contains: "--repetitions must be at least 1")
    }

    func testOutcomeAmongRegressorsAndDuplicatesAreRejected() {
        let sdm = ["estimate", "sdm", "--data", cigarette, "--weights", contiguity, "--id", "state", "--time", "year", "--y", "logc"]
        assertUsageError(sdm + ["--x", "logc"], contains: "--y logc is also listed in --x")
        assertUsageError(sdm + ["--x", "logp,logp"], contains: "--x lists logp twice")
        let twfe = ["estimate", "twfe", "--data", cigarette, "--id", "state", "--time", "year", "--y", "logc"]
        assertUsageError(twfe + ["--x", "logp", "logc"], contains: "--y logc is also listed in --x")
        assertUsageError(["estimate", "psm", "--data", "d.csv", "--treat", "d", "--covariates", "a", "a"], contains: "--covariates lists a twice")
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
        // All outputs or none: the failing --weights-out leaves no panel (or partial file) behind.
        let contents = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertEqual(contents, [], "left behind: \(contents)")
    }

    /// A missing parent directory of an output is created, as `run --out` does.
    func testOutputParentDirectoryIsCreated() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("new/sub/panel.csv").path
        try OutputFile.write("a,b\n1,2\n", to: out)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "a,b\n1,2\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial"))
        assertThrows(try OutputFile.write("x", to: "/proc/nope/w.csv"), as: RunError.self) {
            XCTAssertTrue("\($0)".hasPrefix("cannot write /proc/nope/w.csv: "), "\($0)")
            XCTAssertTrue("\($0)".contains("writable"), "\($0)")
        }
    }

    /// A missing peer script is a run-time error naming the path; by default it is found above the executable.
    func testBenchPeerScriptIsLocatedOrNamed() throws {
        let r = try exec(["bench", "sdm", "--n", "10", "--t", "2", "--reps", "1", "--peer", "--peer-script", "/nonexistent/spreg_peer.py"])
        XCTAssertEqual(r.status, 1, r.err)
        XCTAssertTrue(r.err.contains("/nonexistent/spreg_peer.py"), r.err)
        XCTAssertFalse(r.err.contains("Usage:"), r.err)
        let found = try Spillsim.Bench.SDM.locatePeerScript(nil)
        XCTAssertTrue(found.hasSuffix("bench/spreg_peer.py"), found)
        assertUsageError(["bench", "sdm", "--reps", "0"], contains: "--reps ≥ 1")
        // The real run timed beside the stage profile: its settings are checked before any work.
        assertUsageError(["bench", "replication", "scenarios/baseline.yaml", "--run-threads", "0"], contains: "--run-threads ≥ 1")
        assertUsageError(["bench", "replication", "scenarios/baseline.yaml", "--run-reps=-1"], contains: "--run-reps ≥ 0")
    }
}

/// Panel-level messages: twfe refuses duplicated (unit, period) rows like the other estimators, periods print as integers.
final class CLIPanelMessageTests: XCTestCase {
    func testTWFERejectsADuplicatedUnitPeriodAndKeepsUnbalancedPanels() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "id,year,y,x\n"
        for i in 0..<6 { for t in 0..<4 where !(i == 5 && t == 3) {
            csv += "\(i),\(2000 + t),\(Double(i) + 0.5 * Double(t) + 0.1 * Double((i * 7 + t * 3) % 5)),\(Double((i * 3 + t) % 4))\n"
        } }
        let file = dir.appendingPathComponent("p.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let args = ["estimate", "twfe", "--data", file.path, "--id", "id", "--time", "year", "--y", "y", "--x", "x", "--json"]
        var ok = try Spillsim.parseAsRoot(args)
        try ok.run()   // unbalanced (unit 5 lacks 2003) is allowed
        try (csv + "2,2001,1.0,2.0\n").write(to: file, atomically: true, encoding: .utf8)
        var dup = try Spillsim.parseAsRoot(args)
        assertThrows(try dup.run(), as: DataError.self) {
            XCTAssertTrue("\($0)".contains("unit '2' appears twice in period 2001 (lines 11 and 25)"), "\($0)")
        }
    }

    func testPeriodsPrintAsIntegersWhenIntegral() {
        XCTAssertEqual(PanelIndex.format(2003), "2003")
        XCTAssertEqual(PanelIndex.format(-1), "-1")
        XCTAssertEqual(PanelIndex.format(2003.5), "2003.5")
    }
}

/// Report wording of the spatial command and the twfe weight check.
final class CLIWordingTests: XCTestCase {
    var d: String { TestPaths.cigarette.path }

    func testClosedFormModelsAndPooledHeader() throws {
        let cmd = try Spillsim.parseAsRoot(["estimate", "sdm", "--data", d + "/cigarette.csv", "--weights", d + "/usa46_contiguity.csv",
                                            "--id", "state", "--time", "year", "--y", "logc", "--x", "logp", "--model", "slx", "--effects", "none"])
        let sdm = try XCTUnwrap(cmd as? Spillsim.Estimate.SDM)
        let dataset = try SpatialDataLoader.load(data: URL(fileURLWithPath: sdm.panel.data), weights: URL(fileURLWithPath: sdm.weights),
                                                 id: "state", time: "year", y: "logc", x: ["logp"])
        let a = try SpatialAnalysis.run(SpatialModelSpec(model: .slx, effects: .none), dataset: dataset, draws: 0, seed: 1)
        let text = SDMReport.text(a)
        XCTAssertTrue(text.contains("SLX, pooled (no fixed effects)"), text)
        XCTAssertTrue(text.contains("closed form (no spatial parameter)"), text)
        XCTAssertFalse(text.contains("iterations"), text)
    }

    func testTWFENegativeWeightNamesTheColumnAndFile() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "id,year,y,x,Z\n"
        for i in 0..<5 { for t in 0..<3 { csv += "\(i),\(t),\(Double(i + t) + 0.1 * Double(i * t % 3)),\(Double((i * 2 + t) % 3)),\(t == 2 && i == 1 ? -1 : 1)\n" } }
        let file = dir.appendingPathComponent("p.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        var cmd = try Spillsim.parseAsRoot(["estimate", "twfe", "--data", file.path, "--id", "id", "--time", "year", "--y", "y",
                                            "--x", "x", "--weights", "Z"])
        assertThrows(try cmd.run(), as: DataError.self) {
            XCTAssertTrue("\($0)".contains("weight column 'Z' must be finite and ≥ 0; line 7 has -1.0"), "\($0)")
            XCTAssertTrue("\($0)".contains(file.path), "\($0)")
        }
    }
}

/// Library errors the command line restates with its own flags.
final class CLIRunErrorMessageTests: XCTestCase {
    func testRunErrorsNameTheFlags() {
        XCTAssertEqual(RunError.outputExists(path: "r.h5").commandLineMessage,
                       "r.h5 exists; choose another --out, pass --overwrite to replace it, or --resume to keep it")
        XCTAssertTrue(RunError.resumable(journal: "r.h5.journal").commandLineMessage.contains("continue it with --resume"))
        XCTAssertTrue(RunError.foreignJournal(journal: "j", resuming: false).commandLineMessage.contains("pass --overwrite to discard it"))
        XCTAssertTrue(RunError.checkpointFailed(journal: "j", what: "writing j failed").commandLineMessage.hasSuffix("rerun with --resume"))
        XCTAssertEqual(RunError.invalidSetting(.shard, got: "3/2").commandLineMessage, "--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/8); got `3/2`")
        for e in [RunError.outputExists(path: "r.h5"), .resumable(journal: "j"), .foreignJournal(journal: "j", resuming: true),
                  .cannotResume(output: "o", reason: "x"), .checkpointFailed(journal: "j", what: "w"), .mergeOutputExists(path: "m"),
                  .mergeOutputIsInput(path: "m"), .invalidSetting(.threads, got: "0")] {
            XCTAssertFalse("\(e)".contains("--"), "library messages name no flag: \(e)")
        }
        // One situation, two wordings: the library's message differs only in its ways out.
        XCTAssertEqual("\(RunError.outputExists(path: "r.h5"))", "r.h5 exists; choose another output, replace it, or continue its run")
        XCTAssertEqual("\(RunError.invalidSetting(.threads, got: "0"))", "worker threads must be at least 1; got 0")
    }
}
