import ArgumentParser
import CitySystem
import Foundation

extension Spillsim {
    /// Checks a scenario file without generating a panel.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a scenario (keys, types, ranges, ρ against the true W's spectrum) without running anything.")

        @Argument(help: "Scenario YAML file.")
        var scenario: String

        func run() throws {
            let r = try ScenarioValidation.validate(path: scenario)
            print("\(scenario): OK — scenario '\(r.scenario.name)', \(r.cities) cities, \(r.years.count) years (\(r.years.first!)–\(r.years.last!))")
            for w in r.weightReports {
                print("  W \(w.name): \(w.kind), \(w.normalise)-normalised, neighbours \(w.minNeighbours)–\(w.maxNeighbours) (mean \(String(format: "%.1f", w.meanNeighbours))), components \(w.components), ω in [\(String(format: "%.4f", w.omegaMin)), \(String(format: "%.4f", w.omegaMax))]")
            }
            for w in r.warnings { print("  warning: \(w)") }
        }
    }
}
