import Foundation
import MonteCarlo

/// A library error restated with the command line's flags.
struct CommandLineError: Error, CustomStringConvertible {
    let description: String
}

extension RunErrorWording {
    /// The flags of `spillsim run` and `spillsim merge` as the ways out.
    static let commandLine = RunErrorWording(
        threads: "--threads", replications: "--reps", shard: "--shard",
        anotherOutput: "choose another --out", replace: "pass --overwrite to replace it", keep: "--resume to keep it",
        continueIt: "continue it with --resume", writeElsewhereInstead: "run without --resume to a different --out",
        discardInstead: "pass --overwrite without --resume to discard it", discard: "pass --overwrite to discard it",
        replaceInstead: "pass --overwrite instead of --resume to replace it", continueRun: "rerun with --resume",
        replaceMerge: "pass --overwrite")
}

extension RunError {
    /// The message with the flags of `spillsim run` and `spillsim merge` as the way out.
    var commandLineMessage: String { message(.commandLine) }
}

/// Runs `body`, restating a `RunError` in the command line's terms.
func withCommandLineMessages<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as RunError { throw CommandLineError(description: e.commandLineMessage) }
}
