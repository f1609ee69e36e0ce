import Foundation

/// A run setting that can be out of range.
public enum RunSetting: String, Sendable {
    case threads, replications, shard
}

/// A run, merge or result file that cannot proceed, with what to do about it.
/// Cases that a caller acts on carry their data; the messages name the files
/// and the way out in the library's words (the command line maps each case to
/// its own flags: `message(_:)` with a `RunErrorWording`).
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

    static let differentRun = "scenario text, seed, replications, shard or spillsim version differ"

    /// The message in the library's words.
    public var description: String { message(.library) }

    /// The message with the ways out named in `wording`'s terms: each case's situation is stated
    /// here once, so a front end (the CLI's flags) restates only the remedies.
    public func message(_ wording: RunErrorWording) -> String {
        let w = wording
        switch self {
        case let .invalidSetting(setting, got):
            switch setting {
            case .threads: return "\(w.threads) must be at least 1; got \(got)"
            case .replications: return "\(w.replications) must be at least 1; got \(got)"
            case .shard: return "\(w.shard) must be i/n with 1 ≤ i ≤ n (e.g. 2/8); got `\(got)`"
            }
        case .outputExists(let path): return "\(path) exists; \(w.anotherOutput), \(w.replace), or \(w.keep)"
        case .resumable(let journal):
            return "\(journal) holds completed work of this same run: \(w.continueIt) (the result is identical to a fresh run), or delete it to start over"
        case let .foreignJournal(journal, resuming):
            return resuming
                ? "\(journal) belongs to a different run (\(Self.differentRun)); \(w.writeElsewhereInstead), \(w.discardInstead), or delete it"
                : "\(journal) is the checkpoint of a different run (\(Self.differentRun)); \(w.discard), or delete it"
        case let .cannotResume(output, reason): return "\(output) \(reason); \(w.anotherOutput), or \(w.replaceInstead)"
        case let .checkpointFailed(_, what): return "\(what). Completed chunks are kept; free space and \(w.continueRun)"
        case .mergeOutputExists(let path): return "\(path) exists; \(w.anotherOutput) or \(w.replaceMerge)"
        case .mergeOutputIsInput(let path): return "\(path) is both an input and the output; \(w.anotherOutput)"
        case .failed(let message): return message
        }
    }
}

/// The names of the run settings and the ways out that `RunError` messages use: the library's
/// words, or a front end's own (the CLI names its flags: `--out`, `--overwrite`, `--resume`).
public struct RunErrorWording: Sendable {
    /// What each `RunSetting` is called.
    public var threads, replications, shard: String
    /// Writing elsewhere, replacing the output, and continuing its run.
    public var anotherOutput, replace, keep: String
    /// Continuing a journal of this same run.
    public var continueIt: String
    /// The ways past another run's journal, when a run asked to continue it and when not.
    public var writeElsewhereInstead, discardInstead, discard: String
    /// Replacing an output that cannot be continued.
    public var replaceInstead: String
    /// Continuing after a failed checkpoint.
    public var continueRun: String
    /// Replacing a merge's output.
    public var replaceMerge: String

    public init(threads: String, replications: String, shard: String, anotherOutput: String, replace: String, keep: String,
                continueIt: String, writeElsewhereInstead: String, discardInstead: String, discard: String,
                replaceInstead: String, continueRun: String, replaceMerge: String) {
        self.threads = threads; self.replications = replications; self.shard = shard
        self.anotherOutput = anotherOutput; self.replace = replace; self.keep = keep; self.continueIt = continueIt
        self.writeElsewhereInstead = writeElsewhereInstead; self.discardInstead = discardInstead; self.discard = discard
        self.replaceInstead = replaceInstead; self.continueRun = continueRun; self.replaceMerge = replaceMerge
    }

    /// The library's words (`RunError.description`).
    public static let library = RunErrorWording(
        threads: "worker threads", replications: "replications per cell", shard: "a shard",
        anotherOutput: "choose another output", replace: "replace it", keep: "continue its run",
        continueIt: "continue it", writeElsewhereInstead: "write to another output", discardInstead: "discard it",
        discard: "discard it", replaceInstead: "replace it instead of continuing", continueRun: "continue the run",
        replaceMerge: "replace it")
}

