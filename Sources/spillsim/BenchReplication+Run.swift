import ArgumentParser
import Foundation
import MonteCarlo

extension Spillsim.Bench.Replication {
    /// The issue's own measure of a replication (issue 22's table: "2,000 in 39.4 s, 2 cores"): a real
    /// `spillsim run` of the whole scenario — every cell, its set-up, the worker threads, the journal,
    /// the measures and the HDF5 write — timed by the wall clock from process start to exit, divided by
    /// the replications it ran. Unlike the stage profile (one thread, thread-CPU time per replication),
    /// this is what a user waits for on `threads` cores.
    struct RealRun {
        let replications: Int
        let threads: Int
        let wallSeconds: Double
        /// CPU time of the child process, all its threads (getrusage, RUSAGE_CHILDREN difference).
        let cpuSeconds: Double

        var wallPerReplication: Double { wallSeconds / Double(replications) }
        var cpuPerReplication: Double { cpuSeconds / Double(replications) }
    }

    /// Runs `spillsim run SCENARIO --reps reps --threads threads --quiet` as a child process of this
    /// executable, writing to a temporary folder that is removed afterwards.
    static func timeRealRun(scenario: String, cells: Int, reps: Int, threads: Int) throws -> RealRun {
        guard let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() else {
            throw RunError.failed("cannot locate the spillsim executable to time a real run; use --run-reps 0 to skip it")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spillsim-bench-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = exe
        process.arguments = ["run", scenario, "--reps", "\(reps)", "--threads", "\(threads)", "--quiet",
                             "--out", dir.appendingPathComponent("run.h5").path]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        let before = childrenCPU()
        let start = Date()
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let wall = Date().timeIntervalSince(start)
        guard process.terminationStatus == 0 else {
            throw RunError.failed("the timed `spillsim run` failed (status \(process.terminationStatus)): \(String(decoding: message, as: UTF8.self))")
        }
        return RealRun(replications: cells * reps, threads: threads, wallSeconds: wall, cpuSeconds: childrenCPU() - before)
    }

    /// User + system CPU seconds of the waited-for children so far.
    static func childrenCPU() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + 1e-6 * Double(t.tv_usec) }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
