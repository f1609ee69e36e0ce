import ArgumentParser
import Foundation
import MonteCarlo

extension Spillsim {
    /// Prints the true parameters and estimands of a scenario's panel.
    struct Truth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the true parameters and estimands (effects, turning points, ATT) of a scenario's design cell (--cell).")

        @OptionGroup var options: ScenarioOptions

        @Flag(help: "Print JSON (keys documented in scenarios/README.md).")
        var json = false

        func run() throws {
            let choice = try options.load()
            let truth = try withPanelMessages { try choice.world.truth(replication: options.replication) }
            if json {
                print(String(decoding: try truth.json(), as: UTF8.self))
            } else if let cell = choice.description {
                // The cell under the title line, so the values read as that cell's.
                var lines = truth.text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
                lines.insert(Substring(cell), at: min(1, lines.count))
                print(lines.joined(separator: "\n"), terminator: "")
            } else {
                print(truth.text, terminator: "")
            }
            options.noteFirstOfSeveral(choice)
        }
    }
}
