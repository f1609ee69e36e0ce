import Calibration
import CitySystem
import Foundation

// What `validate` says of each world: its headline and detail lines (cell 0 of the root
// document), and the lines about a design's cells. Every check runs before `validate` prints.

extension CitySystemWorld {
    public func validationLines(document: ScenarioDocument) throws -> (headline: String?, details: [String]) {
        // A design refuses a setting only when no cell uses it (`MonteCarloScenario`).
        if !document.declaresDesign { try spec.requireEverySettingUsed() }
        let inUse = Self.weightsInUse(document)
        let r = try ScenarioValidation.validate(spec, cell: system, weightsInUse: inUse)
        let c = spec.citySystem
        var details = r.weightReports.map { w in
            "  W \(w.name): \(w.kind), \(w.normalise)-normalised, neighbours \(w.minNeighbours)–\(w.maxNeighbours) (mean \(String(format: "%.1f", w.meanNeighbours))), components \(w.components), ω in [\(String(format: "%.4f", w.omegaMin)), \(String(format: "%.4f", w.omegaMax))]"
                + (inUse?.contains(w.name) ?? true ? "" : "; no estimator uses it")
        }
        if let note = r.largeNSummary { details.append("  \(note)") }
        if Self.hasGaps(c) { details.append("  panel (replication 0): " + (try Self.pattern(system))) }
        if let line = Self.shockLine(c.outcome.error) { details.append("  \(line)") }
        details.append("  \(r.sectors.text)")
        details += r.warnings.map { "  warning: \($0)" }
        return ("scenario '\(spec.name)', \(r.cities) cities, \(r.years.count) years (\(r.years.first!)–\(r.years.last!))", details)
    }

    /// The W a design reads in any cell: the true W (the outcome's) and every estimator's; nil
    /// (every W counts) for a generator-only file, whose W `generate --weights` may export, or a
    /// design that fails to build, which `validate` reports next with its own error.
    static func weightsInUse(_ document: ScenarioDocument) -> Set<String>? {
        guard document.declaresDesign, let mc = try? MonteCarloScenario(document: document), let cells = try? mc.cells() else { return nil }
        return Set(["true"] + cells.flatMap { $0.estimators.flatMap(\.settings.weightNames) })
    }

    public func validationLines(cells: [DesignCell], scenario: MonteCarloScenario) throws -> (headline: String?, cells: [String], design: [String]) {
        var lines: [String] = []
        for cell in cells {
            let spec = try ScenarioParser.parse(cell.document)
            if spec.observed == nil, Self.hasGaps(spec.citySystem) {
                let system = try CitySystemCell(spec: spec.citySystem, seed: scenario.seed, cell: cell.index, source: scenario.file)
                lines.append("  \(cell.label): " + (try Self.pattern(system)))
            }
            if cell.factors.contains(where: { $0.path.hasPrefix("city_system.outcome.error") }) {
                lines.append("  \(cell.label): \(Self.shockLine(spec.citySystem.outcome.error) ?? "no spatial error shocks")")
            }
            if spec.observed == nil, spec.citySystem.outcome.error.trueLambda == nil, let line = lambdaWithoutTruth(cell, why: "Gaussian-field shocks") {
                lines.append(line)
            }
        }
        return (nil, lines, try OmittedTerms(cells: cells).lines(cellCount: cells.count))
    }

    /// The observation pattern of replication 0 (`city_system.panel`).
    static func pattern(_ system: CitySystemCell) throws -> String {
        let spec = system.spec, p = try system.generate(replication: 0)
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

/// The line `validate` prints for a cell in which estimators score `lambda` but the world's errors
/// have no true λ: the estimand is kept (its estimates, SEs and intervals are stored) and scored
/// with a missing truth, so its measures are NA and its replications count in `n_no_truth` (not `n_failed`).
func lambdaWithoutTruth(_ cell: DesignCell, why: String) -> String? {
    let scoring = cell.estimators.filter { $0.estimands.contains("lambda") }.map(\.name)
    guard !scoring.isEmpty else { return nil }
    return "  \(cell.label): `lambda` (\(scoring.joined(separator: ", "))) has no truth here (\(why): the errors' spatial dependence is "
        + "not an SAR process on W); its estimates are stored with truth NA, so its bias and coverage are NA and every replication with a converged fit counts in n_no_truth, not n_failed"
}

extension ObservedDesignWorld {
    public func validationLines(document: ScenarioDocument) throws -> (headline: String?, details: [String]) {
        if !document.declaresDesign { try ScenarioParser.parse(document).requireEverySettingUsed() }
        let (lo, hi) = design.stableInterval
        let truth = design.truth
        var details = ["  W \(spec.weights) (hash checked): ρ = \(spec.outcome.rho) inside (\(String(format: "%.4f", lo)), \(String(format: "%.4f", hi)))\(design.isGappy ? " of every W_t" : ""); regressors \(design.names.joined(separator: ", ")); \(spec.errors.rawValue) errors"]
        if case .gaps(let d) = design { details.append("  panel: " + d.patternText) }
        return ("scenario '\(name)', observed design: \(truth.nUnits) units × \(truth.nPeriods) periods of \(spec.data) (hash checked)", details)
    }

    public func validationLines(cells: [DesignCell], scenario: MonteCarloScenario) throws -> (headline: String?, cells: [String], design: [String]) {
        let lines = try cells.compactMap { cell -> String? in
            guard let errors = try ScenarioParser.parse(cell.document).observed?.errors, errors.trueLambda == nil else { return nil }
            return lambdaWithoutTruth(cell, why: "\(errors.rawValue) errors keep the data's cross-section")
        }
        return (nil, lines, [])
    }
}

extension KnownDGPWorld {
    public func validationLines(document: ScenarioDocument) throws -> (headline: String?, details: [String]) { (nil, []) }

    public func validationLines(cells: [DesignCell], scenario: MonteCarloScenario) throws -> (headline: String?, cells: [String], design: [String]) {
        ("scenario '\(scenario.name)', known DGP (engine check, no city system): known_dgp \(scenario.knownDGPSummary ?? "")", [], [])
    }
}
