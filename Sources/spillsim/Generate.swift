import ArgumentParser
import MonteCarlo
import CitySystem
import Foundation
import Numerics

extension Spillsim {
    /// Writes one synthetic panel (and optionally W and the coordinates) as CSV.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate one synthetic city panel of a scenario's design cell (--cell) and write it as CSV.")

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
            // Checked before anything is generated or written: the second file would replace the first.
            let outputs = [("--out", out), ("--weights-out", weightsOut), ("--coords-out", coordsOut), ("--equilibrium-out", equilibriumOut),
                           ("--merges-out", mergesOut), ("--diffusion-out", diffusionOut)].compactMap { flag, path in path.map { (flag, $0) } }
            var seen: [String: String] = [:]
            for (flag, path) in outputs {
                let key = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
                if let earlier = seen[key] {
                    throw ValidationError("\(earlier) and \(flag) both name \(path); give each output its own file")
                }
                seen[key] = flag
            }
        }

        func run() throws {
            var request = PanelRequest()
            request.weights = (weightsOut != nil, weights)
            request.coordinates = coordsOut != nil
            request.equilibrium = equilibriumOut != nil
            request.merges = mergesOut != nil
            request.diffusion = diffusionOut != nil
            let choice = try options.load()
            let files = try withPanelMessages { try choice.world.panel(replication: options.replication, request: request) }
            // All outputs or none: a bad --weights-out must not leave a fresh panel beside a stale W.
            let outputs: [(text: String?, path: String?)] = [(files.panel, out), (files.weights, weightsOut), (files.coordinates, coordsOut),
                                                             (files.merges, mergesOut), (files.equilibrium, equilibriumOut),
                                                             (files.diffusion, diffusionOut)]
            try OutputFile.writeAll(outputs.compactMap { o in o.text.flatMap { t in o.path.map { (t, $0) } } })
            for w in files.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
            FileHandle.standardError.write(Data(((choice.description.map { $0 + "\n" } ?? "") + files.summary).utf8))
            options.noteFirstOfSeveral(choice)
        }
    }
}
