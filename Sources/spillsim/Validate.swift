import ArgumentParser
import CitySystem
import Foundation
import MonteCarlo

extension Spillsim {
    /// Checks a scenario file without generating a panel.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a scenario (keys, types, ranges, ρ against the true W's spectrum, every design cell and estimator) without running anything.")

        @Argument(help: "Scenario YAML file.")
        var scenario: String

        func run() throws {
            let r = try ScenarioValidation.validate(path: scenario)
            print("\(scenario): OK — scenario '\(r.scenario.name)', \(r.cities) cities, \(r.years.count) years (\(r.years.first!)–\(r.years.last!))")
            for w in r.weightReports {
                print("  W \(w.name): \(w.kind), \(w.normalise)-normalised, neighbours \(w.minNeighbours)–\(w.maxNeighbours) (mean \(String(format: "%.1f", w.meanNeighbours))), components \(w.components), ω in [\(String(format: "%.4f", w.omegaMin)), \(String(format: "%.4f", w.omegaMax))]")
            }
            for w in r.warnings { print("  warning: \(w)") }
            // The Monte Carlo sections: every design cell is built as `run` would
            // build it (grid overrides applied, estimators and their W resolved),
            // so a bad cell fails here rather than minutes into a run.
            // A generator-only file (no Monte Carlo keys) is valid for generate/truth.
            guard try MonteCarloScenario.declaresDesign(path: scenario) else {
                print("  no `estimators` section: usable with generate and truth; `spillsim run` needs one")
                return
            }
            let mc = try MonteCarloScenario.load(path: scenario)
            let cells = try mc.cells()
            let builder = ExperimentRegistry.builder(for: mc)
            for cell in cells { _ = try builder.makeExperiment(cell: cell, scenario: mc) }
            print("  design: \(cells.count) cell(s) × \(mc.estimators.count) estimator(s), \(mc.settings.replications) replications per cell")
        }
    }
}
