import ArgumentParser
import Calibration
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

        /// The observation pattern of replication 0 (`city_system.panel`).
        static func pattern(_ spec: CitySystemSpec, seed: UInt64, cell: Int = 0, source: String) throws -> String {
            let p = try CitySystemCell(spec: spec, seed: seed, cell: cell, source: source).generate(replication: 0)
            let entry = spec.panel.entryShare > 0
                ? "; entry: \(Int((spec.panel.entryShare * Double(p.n)).rounded())) smallest cities from \(spec.panel.entryYear)" : ""
            let merges = p.merges.map { m in
                "; merges: \(m.into.count) smallest cities absorbed by a neighbour from \(m.year) (the merged city a new unit in `missing: exact`)"
            } ?? ""
            // Entrants before entry and absorbed cities after a merge do not exist (their outcome
            // is not generated: NaN); the pattern is over the city-years that exist.
            let exists = spec.panel.entryShare > 0 || p.merges != nil ? p.mis.map(\.isFinite) : nil
            return ObservationSummary(observed: p.observed, n: p.n, t: p.t, exists: exists).text + " (\(spec.panel.missing.rawValue), rate \(spec.panel.rate)\(entry)\(merges))"
        }

        /// The lines `validate` prints. Every check runs before any line exists,
        /// so a file is never reported OK and then failed.
        static func report(_ scenario: String) throws -> [String] {
            let document = try ScenarioDocument.load(path: scenario)
            var details: [String] = []
            var headline = ""
            let world = document.world
            switch world {
            case .observed:
                let spec = try ScenarioParser.parse(document)
                guard let observed = spec.observed else { throw ScenarioError(source: scenario, path: "city_system.observed", reason: "is not a mapping of observed-design keys") }
                let world = try ObservedWorld.load(spec: observed, source: scenario)
                let (lo, hi) = world.stableInterval
                let truth = world.truth
                headline = "scenario '\(spec.name)', observed design: \(truth.nUnits) units × \(truth.nPeriods) periods of \(observed.data) (hash checked)"
                details.append("  W \(observed.weights) (hash checked): ρ = \(observed.outcome.rho) inside (\(String(format: "%.4f", lo)), \(String(format: "%.4f", hi)))\(world.isGappy ? " of every W_t" : ""); regressors \(world.names.joined(separator: ", ")); \(observed.errors.rawValue) errors")
                if case .gaps(let d) = world { details.append("  panel: " + d.patternText) }
            case .synthetic:
                let parsed = try ScenarioParser.parse(document)
                // A design refuses a setting only when no cell uses it (MonteCarloScenario, below).
                if !document.declaresDesign { try parsed.requireEverySettingUsed() }
                let r = try ScenarioValidation.validate(parsed)
                headline = "scenario '\(r.scenario.name)', \(r.cities) cities, \(r.years.count) years (\(r.years.first!)–\(r.years.last!))"
                for w in r.weightReports {
                    details.append("  W \(w.name): \(w.kind), \(w.normalise)-normalised, neighbours \(w.minNeighbours)–\(w.maxNeighbours) (mean \(String(format: "%.1f", w.meanNeighbours))), components \(w.components), ω in [\(String(format: "%.4f", w.omegaMin)), \(String(format: "%.4f", w.omegaMax))]")
                }
                if let note = r.largeNSummary { details.append("  \(note)") }
                if r.scenario.citySystem.panel.rate > 0 || r.scenario.citySystem.panel.entryShare > 0 || r.scenario.citySystem.panel.mergeShare > 0 { details.append("  panel (replication 0): " + (try Self.pattern(r.scenario.citySystem, seed: r.scenario.seed, source: scenario))) }
                if let line = shockLine(r.scenario.citySystem.outcome.error) { details.append("  \(line)") }
                details.append("  \(r.sectors.text)")
                details += r.warnings.map { "  warning: \($0)" }
            case .knownDGP:
                break
            }
            // The Monte Carlo sections: every design cell is built as `run` would
            // build it (grid overrides applied, estimators and their W resolved),
            // so a bad cell fails here rather than minutes into a run.
            // A generator-only file (no Monte Carlo keys) is valid for generate/truth.
            if document.declaresDesign {
                let mc = try MonteCarloScenario(document: document)
                let cells = try mc.cells()
                _ = try ExperimentRegistry.builder(for: mc).makeExperiments(cells: cells, scenario: mc)
                if world == .knownDGP {
                    headline = "scenario '\(mc.name)', known DGP (engine check, no city system): known_dgp \(mc.knownDGPSummary ?? "")"
                }
                if world == .synthetic {
                    for cell in cells {
                        let spec = try ScenarioParser.parse(cell.document)
                        if spec.observed == nil, spec.citySystem.panel.rate > 0 || spec.citySystem.panel.entryShare > 0 || spec.citySystem.panel.mergeShare > 0 {
                            details.append("  \(cell.label): " + (try Self.pattern(spec.citySystem, seed: mc.seed, cell: cell.index, source: scenario)))
                        }
                        if cell.factors.contains(where: { $0.path.hasPrefix("city_system.outcome.error") }) {
                            details.append("  \(cell.label): \(shockLine(spec.citySystem.outcome.error) ?? "no spatial error shocks")")
                        }
                    }
                }
                details.append("  design: \(cells.count) cell(s) × \(mc.estimators.count) estimator(s), \(mc.settings.replications) replications per cell, seed \(mc.seed)")
                if world == .synthetic {
                    details += try OmittedTerms(cells: cells).lines(cellCount: cells.count)
                }
            } else {
                details.append("  no `estimators` section: usable with generate and truth; `spillsim run` needs one")
            }
            return ["\(scenario): OK — \(headline)"] + details
        }
    
        /// The error shocks and the error correlation they imply at 50, 150 and 500 km, or nil without shocks.
        static func shockLine(_ e: ErrorSpec) -> String? {
            let k = e.shocks
            guard k.share > 0 else { return nil }
            let corr = [50.0, 150, 500].map { String(format: "%.3f at %.0f km", k.impliedCorrelation(atKm: $0), $0) }.joined(separator: ", ")
            let extra = e.law == .spatial ? " (plus the SAR error's correlation through W)" : ""
            return String(format: "error shocks: share %.2f, range %.0f km, AR %.2f across years; implied error correlation ", k.share, k.rangeKm, k.ar)
                + corr + extra
        }
    }
}
