import ArgumentParser
import Foundation
import MonteCarlo

extension Spillsim {
    /// Prints the true parameters and estimands of a scenario's panel.
    struct Truth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the true parameters and estimands (effects, turning points, ATT) of a scenario.")

        @OptionGroup var options: ScenarioOptions

        @Flag(help: "Print JSON (keys documented in scenarios/README.md).")
        var json = false

        func run() throws {
            let truth = try withPanelMessages { try options.load().truth(replication: options.replication) }
            if json {
                print(String(decoding: try truth.json(), as: UTF8.self))
            } else {
                print(truth.text, terminator: "")
            }
        }
    }
}
