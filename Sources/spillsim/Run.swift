import ArgumentParser
import Foundation
import MonteCarlo

extension Spillsim {
    /// `spillsim run`: runs a scenario's design grid and writes an HDF5 result file.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a scenario's Monte Carlo design and store every replication in HDF5.",
            discussion: """
            Replications run in parallel; each one's random stream depends only on (seed, cell, replication), \
            so results are bit-identical for any --threads and any --shard layout. Completed chunks are \
            checkpointed to OUT.journal; after an interruption (even kill -9) rerun with --resume.
            """)

        @Argument(help: "Scenario file (YAML).")
        var scenario: String

        // `.unconditional` so `--reps -1` reaches the range check instead of "missing value".
        @Option(name: .long, parsing: .unconditional, help: "Replications per design cell (default: monte_carlo.replications).")
        var reps: Int?

        @Option(name: .long, parsing: .unconditional, help: "Worker threads (default: all cores).")
        var threads: Int?

        @Option(name: .long, help: "Result file (default: results/NAME.h5, NAME from the scenario).")
        var out: String?

        @Option(name: .long, help: "Run shard i of n (1-based), e.g. 3/8; merge the shards with `spillsim merge`.")
        var shard: String?

        @Flag(name: .long, help: "Continue an interrupted run from its checkpoint journal.")
        var resume = false

        @Flag(name: .long, help: "Replace an existing result file, and discard a checkpoint journal left by a different run.")
        var overwrite = false

        @Flag(name: .long, help: "No progress output.")
        var quiet = false

        func validate() throws {
            if let reps, reps < 1 { throw ValidationError("--reps must be at least 1") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if let shard { _ = try withCommandLineMessages { try Shard(parsing: shard) } }
            // --overwrite has no effect once --resume is given (the run continues, or a finished file is checked).
            if resume && overwrite {
                throw ValidationError("--resume and --overwrite conflict: --resume continues the run of --out from its checkpoint journal (or checks a finished file), --overwrite replaces --out and discards a journal of a different run; give one of them")
            }
        }

        func run() throws {
            try withCommandLineMessages { try runScenario() }
        }

        func runScenario() throws {
            // A file-size limit (ulimit -f) would otherwise kill the process with
            // SIGXFSZ; ignored, the write fails with EFBIG and is reported like a full disk.
            signal(SIGXFSZ, SIG_IGN)
            let s = try MonteCarloScenario.load(path: scenario)
            var options = RunOptions(output: out ?? "results/\(s.name)\(shard.map { "-shard\($0.replacingOccurrences(of: "/", with: "of"))" } ?? "").h5")
            options.replications = reps
            if let threads { options.threads = threads }
            if let shard { options.shard = try Shard(parsing: shard) }
            options.resume = resume
            options.overwrite = overwrite
            options.toolVersion = Spillsim.version
            let runner = try MonteCarloRunner(scenario: s, options: options, format: HDF5ResultsFormat())
            let progress: ConsoleProgress? = quiet ? nil : ConsoleProgress(label: s.name)
            let report = try runner.run(progress: progress)
            if report.discardedJournal {
                print("discarded \(runner.journalPath): the checkpoint of a different run (--overwrite)")
            }
            if report.alreadyComplete {
                print("\(report.output) is already complete; nothing to resume")
                return
            }
            let rate = report.seconds > 0 ? Double(report.replicationsRun) / report.seconds : 0
            var line = String(format: "wrote %@: %d replications in %.2f s (%.1f reps/s)", report.output,
                              report.replicationsRun, report.seconds, rate)
            if report.replicationsRun + report.replicationsResumed == 0 {
                line += " (this shard is empty: fewer replications than shards; the file is still valid for `spillsim merge`)"
            }
            if report.replicationsResumed > 0 { line += ", \(report.replicationsResumed) resumed from the journal" }
            if report.failedFits > 0 { line += ", \(report.failedFits) failed or non-converged fits (kept, flagged, excluded from measures; reasons: spillsim summarize \(report.output) --failures)" }
            print(line)
        }
    }
}
