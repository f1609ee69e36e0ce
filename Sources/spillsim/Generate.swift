import ArgumentParser
import Calibration
import CitySystem
import Foundation
import Numerics

extension Spillsim {
    /// Writes one synthetic panel (and optionally W and the coordinates) as CSV.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate one synthetic city panel from a scenario and write it as CSV.")

        @OptionGroup var options: ScenarioOptions

        @Option(help: "Panel CSV to write (city,year,Mis,CA,D,treat,post,LQm,LQs,controls,cohort,Z,region,centre,Mis0).")
        var out: String

        @Option(name: .customLong("weights-out"), help: "Write the estimator W as a dense CSV (first column id, header of city ids).")
        var weightsOut: String?

        @Option(name: .customLong("coords-out"), help: "Write the city coordinates as CSV.")
        var coordsOut: String?

        @Option(name: .customLong("equilibrium-out"),
                help: "Write the new-economic-geography equilibrium per city-year as CSV (firm masses, market access, price indices, profits, incomes, fixed-point residual); needs city_system.sectors.mode: neg.")
        var equilibriumOut: String?

        @Option(name: .customLong("merges-out"),
                help: "Write the merges (city_system.panel.merges) as CSV city,into,year — the file `estimate sdm --merges` reads.")
        var mergesOut: String?

        @Option(name: .customLong("diffusion-out"),
                help: "Write the digital-diffusion kernel V (exp(−d/decay_km), row-standardised, as the generator diffuses D) as a dense CSV in the layout of --weights-out: the exposure matrix of estimate mediation --exposure-weights.")
        var diffusionOut: String?

        @Option(help: "Which estimator W to write (a name from city_system.estimator_weights; default the first).")
        var weights: String?

        func validate() throws {
            if weights != nil && weightsOut == nil {
                throw ValidationError("--weights picks the W that --weights-out writes; add --weights-out FILE or remove --weights")
            }
        }

        func run() throws {
            let spec: ScenarioSpec
            switch try options.load() {
            case let .observed(observed, spec): return try generateObserved(observed, spec: spec)
            case let .synthetic(s): spec = s
            }
            if let w = weights, !spec.citySystem.estimatorWeights.contains(where: { $0.name == w }) {
                throw ValidationError("--weights \(w): no estimator W of that name in \(spec.source); known: "
                                      + spec.citySystem.estimatorWeights.map(\.name).joined(separator: ", "))
            }
            if equilibriumOut != nil && spec.citySystem.sectors.mode != .neg {
                throw ValidationError("--equilibrium-out: \(spec.source) uses sectors mode '\(spec.citySystem.sectors.mode.rawValue)'; "
                                      + "only mode: neg solves an equilibrium (set city_system.sectors.mode: neg)")
            }
            if mergesOut != nil && spec.citySystem.panel.mergeShare == 0 {
                throw ValidationError("--merges-out: \(spec.source) has no merges (set city_system.panel.merges: {share, year})")
            }
            let start = Date()
            let cell = try CitySystemCell(scenario: spec)
            let built = Date()
            let panel = try cell.generate(replication: options.replication)
            let cellSeconds = built.timeIntervalSince(start), replicationSeconds = Date().timeIntervalSince(built)
            // All outputs or none: a bad --weights-out must not leave a fresh panel beside a stale W.
            var files = [(text: PanelCSV.panel(panel), path: out)]
            if let path = weightsOut {
                let name = weights ?? panel.estimatorWeightNames[0]
                files.append((PanelCSV.weights(panel.estimatorWeights[name]!, ids: panel.cityIds), path))
            }
            if let path = coordsOut { files.append((PanelCSV.coordinates(panel), path)) }
            if let path = diffusionOut, let text = PanelCSV.diffusion(panel) { files.append((text, path)) }
            if let path = mergesOut, let text = PanelCSV.merges(panel) { files.append((text, path)) }
            if let path = equilibriumOut, let text = PanelCSV.equilibrium(panel) { files.append((text, path)) }
            try OutputFile.writeAll(files)
            for w in cell.weightReports.flatMap(\.warnings) { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
            let sectors = SectorSummary(panel, mode: spec.citySystem.sectors.mode)
            for w in sectors.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
            FileHandle.standardError.write(Data(GenerateSummary.text(panel, sectors: sectors, cellSeconds: cellSeconds,
                                                                     replicationSeconds: replicationSeconds).utf8))
        }
    }
}

extension Spillsim.Generate {
    /// An observed design's panel: the data's columns with the outcome of this replication.
    func generateObserved(_ observed: ObservedDesignSpec, spec: ScenarioSpec) throws {
        if coordsOut != nil { throw ValidationError("--coords-out: an observed design has no coordinates (its W is read from \(observed.weights))") }
        if diffusionOut != nil { throw ValidationError("--diffusion-out: an observed design generates only the outcome on the data's regressors; it has no digital-diffusion kernel") }
        if let w = weights, w != "true" { throw ValidationError("--weights \(w): an observed design has one W, the data's (`true`)") }
        let design: ObservedDesign
        switch try ObservedWorld.load(spec: observed, source: spec.source) {
        case .balanced(let d): design = d
        case .gaps(let d):
            // The data's gaps are kept: one row per city-year the data observe.
            let panel = try d.generate(seed: spec.seed, cell: 0, replication: options.replication)
            var files = [(text: d.csv(panel), path: out)]
            if let path = weightsOut {
                // The data's W as calibrated (hash-checked when the design was loaded); each year's W_t restricts it.
                files.append((try String(contentsOfFile: observed.weightsPath, encoding: .utf8), path))
            }
            try OutputFile.writeAll(files)
            FileHandle.standardError.write(Data("generated \(panel.observations) observed city-years of \(panel.n) units × \(panel.t) periods of \(observed.y) (observed design with the data's gaps, \(observed.errors.rawValue) errors), seed=\(spec.seed)/rep=\(options.replication)\n".utf8))
            return
        }
        let panel = try design.generate(seed: spec.seed, cell: 0, replication: options.replication)
        var files = [(text: design.csv(panel), path: out)]
        if let path = weightsOut { files.append((PanelCSV.weights(design.dataset.weights, ids: design.dataset.units), path)) }
        try OutputFile.writeAll(files)
        FileHandle.standardError.write(Data("generated \(design.n) units × \(design.t) periods of \(observed.y) (observed design, \(observed.errors.rawValue) errors), seed=\(spec.seed)/rep=\(options.replication)\n".utf8))
    }
}

/// A short description of a generated panel, printed to stderr.
enum GenerateSummary {
    static func text(_ p: SyntheticPanel, sectors: SectorSummary, cellSeconds: Double, replicationSeconds: Double) -> String {
        let treated = p.treat.reduce(0, +)
        return """
        generated \(p.n) cities × \(p.t) years (\(p.years.first!)–\(p.years.last!)), \(p.stream)
        time: cell cache (geography, W spectra, filters) \(String(format: "%.3f", cellSeconds)) s, replication \(String(format: "%.4f", replicationSeconds)) s
        \(sectors.text)
        treated cities: \(treated) of \(p.n); mean ATT \(p.truth.integration.meanAtt.map { String(format: "%.5f", $0) } ?? "n/a")

        """
    }
}
