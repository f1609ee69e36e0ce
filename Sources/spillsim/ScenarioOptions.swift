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

    /// The world whose panel `generate` and `truth` draw, chosen once from the scenario's
    /// `ScenarioDocument.world`.
    enum PanelWorld {
        /// The synthetic city system.
        case synthetic(ScenarioSpec)
        /// An observed design (`city_system.observed`, from `spillsim calibrate`).
        case observed(ObservedDesignSpec, ScenarioSpec)
    }

    func load() throws -> PanelWorld {
        let document = try ScenarioDocument.load(path: scenario)
        switch document.world {
        case .knownDGP:
            throw RunError.failed("\(scenario): this scenario uses known_dgp: (a built-in engine check with no city panel); generate/truth apply to city_system scenarios. Run it with `spillsim run \(scenario)`")
        case .synthetic, .observed:
            var s = try ScenarioParser.parse(document)
            // A setting this world does not use is refused; in a design, only one no cell uses.
            if document.declaresDesign { _ = try MonteCarloScenario(document: document) } else { try s.requireEverySettingUsed() }
            if let seed { s.seed = seed }
            return s.observed.map { .observed($0, s) } ?? .synthetic(s)
        }
    }
}
