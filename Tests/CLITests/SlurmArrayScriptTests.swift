import Foundation
import TestSupport
import XCTest

/// scripts/slurm/array.sbatch run as SLURM would run it: each array task with the
/// SLURM_ARRAY_* variables of its index, `sbatch` replaced by a stub that records the
/// merge submission, then the merge job itself. The merged summary must equal an
/// unsharded run's byte for byte, whatever the array's first index.
final class SlurmArrayScriptTests: XCTestCase {
    let script = TestPaths.repositoryRoot.appendingPathComponent("scripts/slurm/array.sbatch")
    let scenario = TestPaths.repositoryRoot.appendingPathComponent("scenarios/ols-check.yaml").path

    /// A directory with a stub `sbatch` that appends its arguments to `sbatch.log`.
    func stubDirectory() throws -> URL {
        let dir = try TestPaths.temporaryDirectory("slurm-stub")
        let stub = dir.appendingPathComponent("sbatch")
        try "#!/bin/sh\necho \"$@\" >> \"$(dirname \"$0\")/sbatch.log\"\n".write(to: stub, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stub.path)
        return dir
    }

    func runTask(_ index: Int, first: Int, count: Int, step: Int = 1, restarts: Int? = nil,
                 stub: URL, results: URL) throws -> ProcessOutput {
        var env = [
            "PATH": stub.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "SPILLSIM": try ProcessRunner.spillsim().path, "RESULTS": results.path,
            "SLURM_ARRAY_JOB_ID": "4242", "SLURM_ARRAY_TASK_ID": "\(index)",
            "SLURM_ARRAY_TASK_COUNT": "\(count)", "SLURM_ARRAY_TASK_MIN": "\(first)",
            "SLURM_ARRAY_TASK_MAX": "\(first + (count - 1) * step)", "SLURM_ARRAY_TASK_STEP": "\(step)",
            "SLURM_CPUS_PER_TASK": "1",
        ]
        if let restarts { env["SLURM_RESTART_COUNT"] = "\(restarts)" }
        return try ProcessRunner.run(URL(fileURLWithPath: "/bin/bash"), [script.path, scenario, "40"], environment: env)
    }

    func testZeroAndOneBasedArraysMergeToTheUnshardedSummary() throws {
        let spillsim = try ProcessRunner.spillsim()
        let dir = try TestPaths.temporaryDirectory("slurm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let reference = dir.appendingPathComponent("reference.h5")
        let ref = try ProcessRunner.run(spillsim, ["run", scenario, "--reps", "40", "--out", reference.path])
        XCTAssertEqual(ref.status, 0, ref.err)
        let refCSV = try ProcessRunner.run(spillsim, ["summarize", reference.path, "--format", "csv"])

        for first in [0, 1] {
            let stub = try stubDirectory()
            let results = dir.appendingPathComponent("results-\(first)")
            for index in first..<(first + 2) {
                let r = try runTask(index, first: first, count: 2, stub: stub, results: results)
                XCTAssertEqual(r.status, 0, "task \(index): " + r.err)
            }
            for shard in 1...2 {
                XCTAssertTrue(FileManager.default.fileExists(atPath: results.appendingPathComponent("ols-check-shard-\(shard)-of-2.h5").path))
            }
            // Exactly one merge job, submitted by the array's first task, with a readable log name.
            let log = try String(contentsOf: stub.appendingPathComponent("sbatch.log"), encoding: .utf8)
            let submissions = log.split(separator: "\n")
            XCTAssertEqual(submissions.count, 1, log)
            XCTAssertTrue(log.contains("--output=slurm-%j-merge.out"), log)
            XCTAssertTrue(log.contains("--dependency=afterok:4242"), log)
            XCTAssertTrue(log.contains("--kill-on-invalid-dep=yes"), "a failed task cancels the merge: " + log)
            // A requeued first task (SLURM_RESTART_COUNT ≥ 1) resumes its shard and submits no second merge.
            let requeued = try runTask(first, first: first, count: 2, restarts: 1, stub: stub, results: results)
            XCTAssertEqual(requeued.status, 0, requeued.err)
            let after = try String(contentsOf: stub.appendingPathComponent("sbatch.log"), encoding: .utf8)
            XCTAssertEqual(after.split(separator: "\n").count, 1, after)

            let merge = try ProcessRunner.run(URL(fileURLWithPath: "/bin/bash"), [script.path, scenario], environment: [
                "SPILLSIM_MERGE_SHARDS": "2", "SPILLSIM": spillsim.path, "RESULTS": results.path,
            ])
            XCTAssertEqual(merge.status, 0, merge.err)
            let merged = try String(contentsOf: results.appendingPathComponent("ols-check-summary.csv"), encoding: .utf8)
            XCTAssertEqual(merged, refCSV.out, "array starting at \(first)")
            try? FileManager.default.removeItem(at: stub)
        }
    }

    func testArrayWithAStepIsRefused() throws {
        let dir = try TestPaths.temporaryDirectory("slurm-step")
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = try stubDirectory()
        defer { try? FileManager.default.removeItem(at: stub) }
        let r = try runTask(3, first: 1, count: 4, step: 2, stub: stub, results: dir)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.err.contains("one contiguous range"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stub.appendingPathComponent("sbatch.log").path), "no merge job for a refused array")
    }
}
