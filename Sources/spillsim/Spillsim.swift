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
            Merge.self,
            Generate.self,
            Truth.self,
            Validate.self,
            Estimate.self,
            Bench.self,
            Doctor.self,
            Report.self,
        ])
}
