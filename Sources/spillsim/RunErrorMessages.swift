import ArgumentParser
import Foundation
import MonteCarlo

/// A library error restated with the command line's flags.
struct CommandLineError: Error, CustomStringConvertible {
    let description: String
}

extension RunError {
    /// The message with the flags of `spillsim run` and `spillsim merge` as the way out.
    var commandLineMessage: String {
        switch self {
        case let .invalidSetting(setting, got):
            switch setting {
            case .threads: return "--threads must be at least 1; got \(got)"
            case .replications: return "--reps must be at least 1; got \(got)"
            case .shard: return "--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/8); got `\(got)`"
            }
        case .outputExists(let path): return "\(path) exists; choose another --out, pass --overwrite to replace it, or --resume to keep it"
        case .resumable(let journal):
            return "\(journal) holds completed work of this same run: continue it with --resume (the result is identical to a fresh run), or delete it to start over"
        case let .foreignJournal(journal, resuming):
            return resuming
                ? "\(journal) belongs to a different run (\(RunError.differentRun)); run without --resume to a different --out, pass --overwrite without --resume to discard it, or delete it"
                : "\(journal) is the checkpoint of a different run (\(RunError.differentRun)); pass --overwrite to discard it, or delete it"
        case let .cannotResume(output, reason):
            return "\(output) \(reason); choose another --out, or pass --overwrite instead of --resume to replace it"
        case let .checkpointFailed(_, what): return "\(what). Completed chunks are kept; free space and rerun with --resume"
        case .mergeOutputExists(let path): return "\(path) exists; choose another --out or pass --overwrite"
        case .mergeOutputIsInput(let path): return "\(path) is both an input and the output; choose another --out"
        case .failed(let message): return message
        }
    }
}

/// Runs `body`, restating a `RunError` in the command line's terms.
func withCommandLineMessages<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as RunError { throw CommandLineError(description: e.commandLineMessage) }
}

extension PanelRequestError {
    /// The message with the `generate` flag that asked for the file.
    var commandLineMessage: String {
        switch self {
        case let .unknownWeights(name, known, source):
            return "--weights \(name): no estimator W of that name in \(source); known: " + known.joined(separator: ", ")
        case let .onlyTheDataWeights(name): return "--weights \(name): an observed design has one W, the data's (`true`)"
        case let .notInObservedDesign(file, _, _):
            let flag = switch file { case .coordinates: "--coords-out"; case .equilibrium: "--equilibrium-out"; case .merges: "--merges-out" }
            return "\(flag): \(description)"
        case let .noEquilibrium(mode, source):
            return "--equilibrium-out: \(source) uses sectors mode '\(mode)'; only mode: neg solves an equilibrium (set city_system.sectors.mode: neg)"
        case let .noMerges(source): return "--merges-out: \(source) has no merges (set city_system.panel.merges: {share, year})"
        case .noPanel: return description
        }
    }
}

/// Runs `body` (`generate`, `truth`), restating a `PanelRequestError` with the flag that asked for
/// the file (a usage error, as the flag's own checks are).
func withPanelMessages<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as PanelRequestError {
        // No flag to blame: the scenario's world has no panel, as `run` reports a scenario it cannot run.
        if case .noPanel = e { throw RunError.failed(e.commandLineMessage) }
        throw ValidationError(e.commandLineMessage)
    }
}
