import Foundation

/// A run setting that can be out of range.
public enum RunSetting: String, Sendable {
    case threads, replications, shard
}

/// A run, merge or result file that cannot proceed, with what to do about it.
/// Cases that a caller acts on carry their data; the messages name the files
/// and the way out in the library's words (the command line maps each case to
/// its own flags, see `spillsim`'s `RunError.commandLineMessage`).
public enum RunError: Error, CustomStringConvertible, Equatable {
    /// A run setting out of range (threads ≥ 1, replications ≥ 1, shard i/n with 1 ≤ i ≤ n).
    case invalidSetting(RunSetting, got: String)
    /// The output exists and the run was asked neither to replace nor to continue it.
    case outputExists(path: String)
    /// A checkpoint journal holds completed work of this same run.
    case resumable(journal: String)
    /// A checkpoint journal of a different run is in the way; `resuming`: the run was asked to continue it.
    case foreignJournal(journal: String, resuming: Bool)
    /// A finished output cannot be continued: `reason` says why (unreadable, another run's result).
    case cannotResume(output: String, reason: String)
    /// Writing the checkpoint failed (`what` names the journal and the system's reason); completed chunks are kept.
    case checkpointFailed(journal: String, what: String)
    /// A merge's output exists.
    case mergeOutputExists(path: String)
    /// A merge's output is one of its inputs.
    case mergeOutputIsInput(path: String)
    /// Any other failure, in a sentence naming the file and the fix.
    case failed(String)

    /// The sentence the run settings part of a message starts with.
    static func settingText(_ setting: RunSetting, _ got: String) -> String {
        switch setting {
        case .threads: return "worker threads must be at least 1; got \(got)"
        case .replications: return "replications per cell must be at least 1; got \(got)"
        case .shard: return "a shard must be i/n with 1 ≤ i ≤ n (e.g. 2/8); got `\(got)`"
        }
    }

    public static let differentRun = "scenario text, seed, replications, shard or spillsim version differ"

    public var description: String {
        switch self {
        case let .invalidSetting(setting, got): return Self.settingText(setting, got)
        case .outputExists(let path): return "\(path) exists; choose another output, replace it, or continue its run"
        case .resumable(let journal):
            return "\(journal) holds completed work of this same run: continue it (the result is identical to a fresh run), or delete it to start over"
        case let .foreignJournal(journal, resuming):
            return resuming
                ? "\(journal) belongs to a different run (\(Self.differentRun)); write to another output, discard it, or delete it"
                : "\(journal) is the checkpoint of a different run (\(Self.differentRun)); discard it, or delete it"
        case let .cannotResume(output, reason): return "\(output) \(reason); choose another output, or replace it instead of continuing"
        case let .checkpointFailed(_, what): return "\(what). Completed chunks are kept; free space and continue the run"
        case .mergeOutputExists(let path): return "\(path) exists; choose another output or replace it"
        case .mergeOutputIsInput(let path): return "\(path) is both an input and the output; choose another output"
        case .failed(let message): return message
        }
    }
}
