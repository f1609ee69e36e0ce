import Calibration
import CitySystem
import Foundation
import Numerics

// What `generate` and `truth` ask of each world: one replication's panel as CSV texts and its
// truth. Kept apart from the experiments (World.swift) because it is output, not scoring.

extension CitySystemWorld {
    public func panel(replication: Int, request: PanelRequest) throws -> PanelFiles {
        let c = spec.citySystem
        if let w = request.weights.name, !c.estimatorWeights.contains(where: { $0.name == w }) {
            throw PanelRequestError.unknownWeights(name: w, known: c.estimatorWeights.map(\.name), source: spec.source)
        }
        if request.equilibrium && c.sectors.mode != .neg {
            throw PanelRequestError.noEquilibrium(mode: c.sectors.mode.rawValue, source: spec.source)
        }
        if request.merges && c.panel.mergeShare == 0 { throw PanelRequestError.noMerges(source: spec.source) }
        // The reports first: they compute any spectrum left to its first use, with its error.
        let weightReports = try system.weightReports()
        let start = Date()
        let panel = try system.generate(replication: replication)
        let replicationSeconds = Date().timeIntervalSince(start)
        let weights = request.weights.write ? request.weights.name ?? panel.estimatorWeightNames[0] : nil
        let sectors = SectorSummary(panel, mode: c.sectors.mode)
        return PanelFiles(panel: PanelCSV.panel(panel),
                          weights: weights.map { PanelCSV.weights(panel.estimatorWeights[$0]!, ids: panel.cityIds) },
                          coordinates: request.coordinates ? PanelCSV.coordinates(panel) : nil,
                          merges: request.merges ? PanelCSV.merges(panel) : nil,
                          equilibrium: request.equilibrium ? PanelCSV.equilibrium(panel) : nil,
                          diffusion: request.diffusion ? PanelCSV.diffusion(panel) : nil,
                          warnings: weightReports.flatMap(\.warnings) + sectors.warnings,
                          summary: Self.summary(panel, sectors: sectors, cellSeconds: setupSeconds, replicationSeconds: replicationSeconds))
    }

    public func truth(replication: Int) throws -> WorldTruth {
        let panel = try system.generate(replication: replication)
        let t = panel.truth
        return WorldTruth(model: t.model, json: { try t.jsonData() }, text: TruthText.render(t, title: "\(spec.name) (\(panel.stream))"))
    }

    /// A short description of a generated panel, printed to stderr.
    static func summary(_ p: SyntheticPanel, sectors: SectorSummary, cellSeconds: Double, replicationSeconds: Double) -> String {
        let treated = p.treat.reduce(0, +)
        return """
        generated \(p.n) cities × \(p.t) years (\(p.years.first!)–\(p.years.last!)), \(p.stream)
        time: cell cache (geography, W spectra, filters) \(String(format: "%.3f", cellSeconds)) s, replication \(String(format: "%.4f", replicationSeconds)) s
        \(sectors.text)
        treated cities: \(treated) of \(p.n); mean ATT \(p.truth.integration.meanAtt.map { String(format: "%.5f", $0) } ?? "n/a")

        """
    }
}

extension ObservedDesignWorld {
    /// The data's columns with the outcome of this replication; the data's gaps are kept (one row per
    /// city-year the data observe).
    public func panel(replication: Int, request: PanelRequest) throws -> PanelFiles {
        let observed = spec
        if request.coordinates {
            throw PanelRequestError.notInObservedDesign(.coordinates, what: "coordinates", reason: "its W is read from \(observed.weights)")
        }
        if let w = request.weights.name, w != "true" { throw PanelRequestError.onlyTheDataWeights(name: w) }
        if request.equilibrium {
            throw PanelRequestError.notInObservedDesign(.equilibrium, what: "equilibrium", reason: "its regressors are the data's, not solved by a sector model")
        }
        if request.diffusion {
            throw PanelRequestError.notInObservedDesign(.diffusion, what: "digital-diffusion kernel",
                                                        reason: "it generates only the outcome on the data's regressors")
        }
        if request.merges {
            throw PanelRequestError.notInObservedDesign(.merges, what: "generated merges", reason: "the data's merges, city_system.observed.merges, are part of its panel")
        }
        switch design {
        case .balanced(let d):
            let panel = try d.generate(seed: seed, cell: cell, replication: replication)
            return PanelFiles(panel: d.csv(panel),
                              weights: request.weights.write ? PanelCSV.weights(d.dataset.weights, ids: d.dataset.units) : nil,
                              summary: "generated \(d.n) units × \(d.t) periods of \(observed.y) (observed design, \(observed.errors.rawValue) errors), seed=\(seed)/rep=\(replication)\n")
        case .gaps(let d):
            let panel = try d.generate(seed: seed, cell: cell, replication: replication)
            // The data's W as calibrated (hash-checked when the design was loaded); each year's W_t restricts it.
            let weights = request.weights.write ? try String(contentsOfFile: observed.weightsPath, encoding: .utf8) : nil
            return PanelFiles(panel: d.csv(panel), weights: weights,
                              summary: "generated \(panel.observations) observed city-years of \(panel.n) units × \(panel.t) periods of \(observed.y) (observed design with the data's gaps, \(observed.errors.rawValue) errors), seed=\(seed)/rep=\(replication)\n")
        }
    }

    /// The design is fixed, so the truth does not depend on the replication.
    public func truth(replication: Int) throws -> WorldTruth {
        let t = design.truth
        var text = TruthText.render(t, title: "\(name) (observed design \(spec.data))")
        if case .gaps(let d) = design {
            text += "on the data's \(d.panel.observations) observed city-years: the multipliers and effects average each year's W_t over them\n"
        }
        return WorldTruth(model: t.model, json: { try t.jsonData() }, text: text)
    }
}

extension KnownDGPWorld {
    public func panel(replication: Int, request: PanelRequest) throws -> PanelFiles { throw PanelRequestError.noPanel(source: source) }
    public func truth(replication: Int) throws -> WorldTruth { throw PanelRequestError.noPanel(source: source) }
}

extension PanelRequestError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .unknownWeights(name, known, source): return "\(source): no estimator W named \(name); known: \(known.joined(separator: ", "))"
        case let .onlyTheDataWeights(name): return "no W named \(name): an observed design has one W, the data's (`true`)"
        case let .notInObservedDesign(_, what, reason): return "an observed design has no \(what) (\(reason))"
        case let .noEquilibrium(mode, source): return "\(source) uses sectors mode '\(mode)'; only mode: neg solves an equilibrium (set city_system.sectors.mode: neg)"
        case let .noMerges(source): return "\(source) has no merges (set city_system.panel.merges: {share, year})"
        case let .noPanel(source): return "\(source): this scenario uses known_dgp: (a built-in engine check with no city panel); generate/truth apply to city_system scenarios. Run it with `spillsim run \(source)`"
        }
    }
}
