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
            try Self.report(scenario).forEach { print($0) }
        }

        /// The lines `validate` prints. Every check runs before any line exists,
        /// so a file is never reported OK and then failed.
        static func report(_ scenario: String) throws -> [String] {
            let document = try ScenarioDocument.load(path: scenario)
            let world = try Worlds.type(of: document.world).init(document: document, seed: nil, cell: 0, source: scenario)
            var (headline, details) = try world.validationLines(document: document)
            // The Monte Carlo sections: every design cell is built as `run` would
            // build it (grid overrides applied, estimators and their W resolved),
            // so a bad cell fails here rather than minutes into a run.
            // A generator-only file (no Monte Carlo keys) is valid for generate/truth.
            if document.declaresDesign {
                let mc = try MonteCarloScenario(document: document)
                let cells = try mc.cells()
                _ = try ExperimentRegistry.builder(for: mc).makeExperiments(cells: cells, scenario: mc)
                let design = try world.validationLines(cells: cells, scenario: mc)
                headline = headline ?? design.headline
                details += design.cells
                details.append("  design: \(cells.count) cell(s) × \(mc.estimators.count) estimator(s), \(mc.settings.replications) replications per cell, seed \(mc.seed)")
                details += design.design
            } else {
                details.append("  no `estimators` section: usable with generate and truth; `spillsim run` needs one")
            }
            return ["\(scenario): OK — \(headline ?? "")"] + details
        }
    }
}
