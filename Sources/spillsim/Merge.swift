import ArgumentParser
import Foundation
import MonteCarlo

extension Spillsim {
    /// `spillsim merge`: combines shard result files into one.
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge shard result files (same scenario, seed and version) into the file an unsharded run makes.")

        @Argument(help: "Shard result files, in any order.")
        var inputs: [String]

        @Option(name: .long, help: "Merged result file.")
        var out: String

        @Flag(name: .long, help: "Replace an existing output file.")
        var overwrite = false

        func validate() throws {
            if inputs.isEmpty { throw ValidationError("give at least one shard file to merge") }
        }

        func run() throws {
            try withCommandLineMessages {
                try ShardMerge.merge(inputs: inputs, output: out, format: HDF5ResultsFormat(), overwrite: overwrite)
            }
            print("merged \(inputs.count) file(s) into \(out)")
        }
    }
}
