import ArgumentParser
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

extension PanelRequestError {
    /// The message with the `generate` flag that asked for the file.
    var commandLineMessage: String {
        switch self {
        case let .unknownWeights(name, known, source):
            return "--weights \(name): no estimator W of that name in \(source); known: " + known.joined(separator: ", ")
        case let .onlyTheDataWeights(name): return "--weights \(name): an observed design has one W, the data's (`true`)"
        case let .notInObservedDesign(file, _, _):
            let flag = switch file { case .coordinates: "--coords-out"; case .equilibrium: "--equilibrium-out"; case .merges: "--merges-out"; case .diffusion: "--diffusion-out" }
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
        if case .noPanel = e { throw CommandLineError(description: e.commandLineMessage) }
        throw ValidationError(e.commandLineMessage)
    }
}
