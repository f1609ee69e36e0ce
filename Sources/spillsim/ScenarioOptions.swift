import ArgumentParser
import CitySystem
import Foundation
import MonteCarlo

/// Options shared by the commands that read a scenario and draw one panel.
struct ScenarioOptions: ParsableArguments {
    @Argument(help: "Scenario YAML file (see scenarios/README.md).")
    var scenario: String

    @Option(help: "Override the scenario's seed.")
    var seed: UInt64?

    @Option(help: "Replication number of the panel (its random streams are (seed, cell 0, replication)).")
    var replication: Int = 0

    func validate() throws {
        guard replication >= 0 else {
            throw ValidationError("--replication must be 0 or more (it numbers the panel's random stream), got \(replication)")
        }
    }

    func load() throws -> ScenarioSpec {
        let document = try ScenarioDocument.load(path: scenario)
        if document.world == .knownDGP {
            throw RunError.failed("\(scenario): this scenario uses known_dgp: (a built-in engine check with no city panel); generate/truth apply to city_system scenarios. Run it with `spillsim run \(scenario)`")
        }
        var s = try ScenarioParser.parse(document)
        // A setting this world does not use is refused; in a design, only one no cell uses.
        if document.declaresDesign { _ = try MonteCarloScenario(document: document) } else { try s.requireEverySettingUsed() }
        if let seed { s.seed = seed }
        return s
    }
}
