import ArgumentParser
import CitySystem
import Foundation
import MonteCarlo

/// Options shared by the commands that read a scenario and draw one panel.
struct ScenarioOptions: ParsableArguments {
    @Argument(help: "Scenario YAML file (see scenarios/README.md).")
    var scenario: String

    @Option(parsing: .unconditional, help: "Override the scenario's seed.")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Replication number of the panel (its random streams are (seed, cell 0, replication)).")
    var replication: Int = 0

    func validate() throws {
        guard replication >= 0 else {
            throw ValidationError("--replication must be 0 or more (it numbers the panel's random stream), got \(replication)")
        }
    }

    /// The world whose panel `generate` and `truth` draw (`Worlds.load`: its kind chosen once
    /// from the scenario's `ScenarioDocument.world`).
    func load() throws -> any World {
        try Worlds.load(try ScenarioDocument.load(path: scenario), seed: seed)
    }
}
