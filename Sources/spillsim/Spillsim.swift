import ArgumentParser
import Foundation

/// The `spillsim` command: a thin layer over the library targets. Each
/// subcommand parses and validates its arguments, then calls the library.
@main
struct Spillsim: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "spillsim",
        abstract: "Monte Carlo testbed for spatial Durbin and PSM-DID estimators on synthetic city systems.",
        version: version,
        subcommands: [
            Run.self,
            Summarize.self,
            Export.self,
            Merge.self,
            Generate.self,
            Truth.self,
            Validate.self,
            Calibrate.self,
            Estimate.self,
            Bench.self,
            Doctor.self,
            Report.self,
        ])

    /// As ArgumentParser's main, but `spillsim estimate NAME` with an unknown NAME lists the
    /// estimators (ArgumentParser would only say "Unexpected argument").
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.count >= 2, args[0] == "estimate", let message = Estimate.unknownEstimatorMessage(args[1]) {
            FileHandle.standardError.write(Data("Error: \(message)\nUsage: spillsim estimate <subcommand>\n  See 'spillsim estimate --help' for more information.\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        // ArgumentParser's main, except for a usage error found in `run()` (after parsing and
        // `validate()`, e.g. `generate --equilibrium-out` on a scenario without an equilibrium):
        // ArgumentParser would follow it with the root command's usage, this prints the subcommand's.
        var command: ParsableCommand
        do { command = try parseAsRoot(nil) } catch { exit(withError: error) }
        do { try command.run() } catch let e as ValidationError {
            let type = Swift.type(of: command)
            let name = (["spillsim"] + (commandPath(to: type) ?? [])).joined(separator: " ")
            FileHandle.standardError.write(Data("Error: \(e.message)\nUsage: \(usageString(for: type))\n  See '\(name) --help' for more information.\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// The subcommand names from the root to `type` (e.g. ["estimate", "psm"]), nil if not in the tree.
    static func commandPath(to type: ParsableCommand.Type, from root: ParsableCommand.Type = Spillsim.self) -> [String]? {
        if root == type { return [] }
        for sub in root.configuration.subcommands {
            if let rest = commandPath(to: type, from: sub) { return [sub._commandName] + rest }
        }
        return nil
    }
}

extension Spillsim.Estimate {
    static var estimatorNames: [String] { configuration.subcommands.compactMap { $0.configuration.commandName } }

    /// The message for `spillsim estimate NAME` when NAME is neither an estimator nor an option; nil otherwise.
    static func unknownEstimatorMessage(_ name: String) -> String? {
        guard !name.hasPrefix("-"), name != "help", !estimatorNames.contains(name) else { return nil }
        return "unknown estimator '\(name)'; choose one of: \(estimatorNames.joined(separator: ", ")) (see spillsim estimate NAME --help)"
    }
}
