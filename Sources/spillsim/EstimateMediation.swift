import ArgumentParser
import Estimators
import Foundation
import Numerics

extension Spillsim.Estimate {
    /// The three-step mechanism regressions (Baron–Kenny) with Sobel and cluster-bootstrap tests.
    struct MediationCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mediation",
            abstract: "Mechanism regressions of a DID: total effect, first stage (the DID on the mediator), direct effect; Sobel and cluster-bootstrap tests of the indirect effect.",
            discussion: "Two-way fixed effects, CR1 by --cluster (default --id). TP = --treat × --post. Steps: y on TP; mediator on TP; "
                + "y on TP and mediator (all with --x). Indirect effect a·b, share a·b/c. --moderator CA adds y on TP, TP×CA, CA, CA². "
                + "--weights (e.g. PSM-DID matching weights) runs every step on the weighted sample.")

        @OptionGroup var panel: PanelColumns
        @Option(help: "Mediator column (e.g. D).") var mediator: String
        @Option(help: "0/1 treated-unit column.") var treat: String
        @Option(help: "0/1 post-period column.") var post: String
        @Option(help: "Moderator column for the TP × moderator regression (e.g. CA).") var moderator: String?
        @Option(parsing: .upToNextOption, help: "Control columns (comma- or space-separated).") var x: [String] = []
        @Option(help: "Cluster column (CR1 and the bootstrap); default the --id column.") var cluster: String?
        @Option(help: "Regression weight column.") var weights: String?
        @Option(parsing: .unconditional, help: "Cluster bootstrap replications for the indirect effect (0 = none).") var bootstrap: Int = 999
        @Option(parsing: .unconditional, help: "Quasi-Bayesian draws for the causal-mediation ACME and ADE (Imai–Keele–Tingley, as R mediation::mediate; 0 = none).") var simulations: Int = 1000
        @Option(parsing: .unconditional, help: "Seed of the bootstrap and the quasi-Bayesian draws (default 1).") var seed: UInt64?
        @Option(help: ArgumentHelp("Weight matrix CSV (as for estimate sdm): also estimate the natural direct and indirect effects under interference (docs/MODEL.md §10).",
                                   discussion: "Mediator model: mediator on own TP and the treated-neighbour share W·TP per treated period, --x, two-way effects, CR1. Outcome: SDM (two-way effects, Lee–Yu, all W-lags) on mediator, TP, --x and, with --moderator C, C, C² and C·mediator. Needs a balanced panel."))
        var spatialWeights: String?
        @Option(help: ArgumentHelp("Weight matrix CSV of the mediator model's exposure E·TP with --spatial-weights (default: the --spatial-weights W).",
                                   discussion: "Row-standardised as read. For a city-system panel, the generator's digital-diffusion kernel (generate --diffusion-out): the matrix through which the policy's gain in the mediator reaches the neighbours (docs/MODEL.md §10, A2)."))
        var exposureWeights: String?
        @Option(name: .customLong("mediator-model"), help: ArgumentHelp("Mediator model of the mediation under interference: static (default) or dynamic.",
                                   discussion: "static: the exposure model above. dynamic: the mediator on its own lag, E·lag (E: --exposure-weights, else W), year effects, the own TP effect per treated period and the diffusion among treated pairs TP∘(E(TP∘lag) − lag∘E·TP), from the second period, CR1; the policy's effect is propagated through the estimated recursion (docs/MODEL.md §10, A2′)."))
        var mediatorModelOption: String?
        var mediatorModel: String { mediatorModelOption ?? "static" }
        @Option(help: ArgumentHelp("Time-invariant column of each unit's target factor c_i (--mediator-model dynamic).",
                                   discussion: "Year effects × c_i enter the mediator model and the own TP effect is c_i·TP per period: the generator's convergence to the target D*_t·c_i."))
        var targetFactor: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if spatialWeights != nil, let cluster, cluster != panel.id {
                throw ValidationError("--spatial-weights clusters the mediator model by --id; drop --cluster \(cluster) or --spatial-weights")
            }
            if spatialWeights != nil, weights != nil {
                throw ValidationError("--spatial-weights fits the SDM on the whole balanced panel; it does not take --weights")
            }
            if exposureWeights != nil, spatialWeights == nil {
                throw ValidationError("--exposure-weights is the exposure matrix of the mediation under interference; add --spatial-weights W.csv or drop it")
            }
            guard ["static", "dynamic"].contains(mediatorModel) else {
                throw ValidationError("--mediator-model must be static or dynamic, not `\(mediatorModel)`")
            }
            if let given = mediatorModelOption, spatialWeights == nil {
                throw ValidationError("--mediator-model \(given) is the mediator model of the mediation under interference; add --spatial-weights W.csv or drop it")
            }
            if targetFactor != nil, mediatorModel != "dynamic" {
                throw ValidationError("--target-factor belongs to the dynamic mediator model; add --mediator-model dynamic or drop it")
            }
            guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be ≥ 0") }
            guard simulations == 0 || simulations >= 2 else { throw ValidationError("--simulations must be 0 (none) or ≥ 2") }
            if seed != nil && bootstrap == 0 && simulations == 0 {
                throw ValidationError("--seed seeds the cluster bootstrap and the quasi-Bayesian draws, and --bootstrap 0 --simulations 0 draws nothing: drop --seed or give draws")
            }
            let model = [("--mediator", mediator), ("--treat", treat), ("--post", post)] + (moderator.map { [("--moderator", $0)] } ?? [])
                + (targetFactor.map { [("--target-factor", $0)] } ?? [])
            for (option, column) in model where column == panel.y {
                throw ValidationError("\(option) names the outcome column `\(column)`; give another column")
            }
            // Each role named by its own option (not all as --x): a role on the id/time column, or
            // two roles on one column, is refused naming both.
            let roles = model + splitList(x).map { ("--x", $0) }
            for (k, (option, column)) in roles.enumerated() {
                if let key = panel.keys.first(where: { $0.column == column }) {
                    throw ValidationError("\(option) \(column) is the \(key.option) column, which identifies observations; give another column")
                }
                if let earlier = roles[..<k].first(where: { $0.1 == column }) {
                    throw ValidationError(earlier.0 == option ? "\(option) lists \(column) twice; give each column once"
                                                              : "\(earlier.0) and \(option) both name \(column); give each role its own column")
                }
            }
            try checkColumnRoles(outcome: ("--y", panel.y), regressors: splitList(x), regressorOption: "--x", keys: panel.keys)
        }

        func run() throws {
            let raw = try DataTable.read(csv: URL(fileURLWithPath: panel.data))
            let columns = [panel.id, panel.time, panel.y, mediator, treat, post] + splitList(x)
                + [moderator, weights, cluster].compactMap { $0 }
            let (table, removed) = try raw.completeRows(columns)
            if removed > 0 { printNote(MissingRowsReport(rowsWithMissingValues: removed, unitsDropped: 0, rowsOfDroppedUnits: 0)) }
            let d = try PanelRegressionData.from(table: table, id: panel.id, time: panel.time, outcome: panel.y, regressors: splitList(x),
                                                 weights: weights, cluster: cluster ?? panel.id)
            let tr = try table.numbers(treat), po = try table.numbers(post)
            for (name, v) in [(treat, tr), (post, po)] {
                if let k = v.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                    throw ValidationError("\(panel.data): column `\(name)` must be 0/1; line \(k + 2) has \(v[k])")
                }
            }
            var spec = MediationSpec()
            spec.bootstrap = bootstrap
            spec.stream = StreamID(seed: seed ?? 1, purpose: .mediationBootstrap)
            spec.simulations = simulations
            spec.simulationStream = StreamID(seed: seed ?? 1, purpose: .mediationSimulation)
            var data = MediationData(
                outcome: d.y, mediator: try table.numbers(mediator), treatment: zip(tr, po).map(*),
                moderator: try moderator.map { try table.numbers($0) }, controls: d.x, controlNames: d.names,
                unit: d.unit, time: d.time, weights: d.weights, cluster: d.cluster)
            data.mediatorName = mediator
            if let moderator { data.moderatorName = moderator }
            let r = try Mediation.estimate(data, spec: spec)
            let spatial = try spatialWeights.map { path -> (result: SpatialMediationResult, specification: SpatialMediationJSON.Specification) in
                let controls = splitList(x)
                let dataset = try SpatialDataLoader.load(data: URL(fileURLWithPath: panel.data), weights: URL(fileURLWithPath: path),
                                                         id: panel.id, time: panel.time, y: panel.y,
                                                         x: [mediator, treat, post] + (moderator.map { [$0] } ?? []) + controls
                                                            + (targetFactor.map { [$0] } ?? []),
                                                         balanceNeededBy: "estimate mediation --spatial-weights needs every unit in every period (its outcome model is the balanced SDM); the mechanism regressions without --spatial-weights fit a panel with gaps")
                let columns = try SpatialMediationData.columns(of: dataset, mediator: mediator, treat: treat, post: post,
                                                               moderator: moderator, controls: controls)
                let exposure = try exposureWeights.map { try ExposureWeights.read(csv: URL(fileURLWithPath: $0), units: dataset.units) }
                let model: MediatorModel = mediatorModel == "dynamic"
                    ? .dynamic(targetFactor: try targetFactor.map { try SpatialMediationData.unitConstant(of: dataset, column: $0) }) : .exposure
                let specification = SpatialMediationJSON.Specification(mediatorModel: model, spatialWeights: path,
                                                                       exposureWeights: exposureWeights, targetFactor: targetFactor)
                return (try SpatialMediation.estimate(columns, weights: dataset.weights, exposure: exposure, mediatorModel: model), specification)
            }
            if json {
                var report = MediationReportJSON(r)
                report.spatial = spatial.map { SpatialMediationJSON($0.result, specification: $0.specification) }
                return print(try JSONOutput.text(report))
            }
            print(MediationText.render(r, mediator: mediator, clusterName: cluster ?? panel.id))
            if let spatial {
                print("\n" + MediationText.render(spatial.result, mediator: mediator, exposure: exposureWeights == nil ? "W" : "E",
                                                  dynamic: mediatorModel == "dynamic", targetFactor: targetFactor))
            }
        }
    }
}

/// The text report of `estimate mediation`.
enum MediationText {
    static func render(_ r: MediationResult, mediator: String, clusterName: String) -> String {
        var s = ""
        for (label, fit) in r.fits {
            s += "\(label):\n" + TreatmentReport.coefficientsText(fit) + "\n"
        }
        /// `spread`: `se`, or `sd` for the quasi-Bayesian draws' standard deviation.
        func line(_ name: String, _ c: MediationResult.Coefficient, spread: String = "se") -> String {
            String(format: "%@ %10.6f  \(spread) %.6f  p %.4f  95%% CI [%.6f, %.6f]\n", name.padding(toLength: 28, withPad: " ", startingAt: 0),
                   c.estimate, c.standardError, c.pValue, c.lower, c.upper)
        }
        s += line("total effect c", r.total) + line("first stage a (\(mediator) on TP)", r.firstStage)
            + line("direct effect c'", r.direct) + line("\(mediator) coefficient b", r.mediator) + line("indirect a·b (Sobel)", r.indirect)
        s += "share through \(mediator) a·b/c".padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %10.4f\n", r.share)
        if let b = r.bootstrap {
            s += String(format: "cluster bootstrap (B = %d, %d failed): se %.6f, percentile 95%% CI [%.6f, %.6f], p %.4f; share CI [%.4f, %.4f]\n",
                        b.replications, b.failed, b.standardError, b.lower, b.upper, b.pValue, b.shareLower, b.shareUpper)
        }
        if let c = r.causal {
            s += "causal mediation (Imai–Keele–Tingley; quasi-Bayesian, \(c.simulations) draws; sequential ignorability, no interference):\n"
            s += line("  ACME", c.acme, spread: "sd") + line("  ADE", c.ade, spread: "sd") + line("  total", c.total, spread: "sd")
        }
        if let g = r.interaction { s += line("TP × moderator g", g) }
        s += "n = \(r.observations), CR1 by \(clusterName) (\(r.clusters) clusters), two-way fixed effects"
        return s
    }
}

extension MediationText {
    /// The natural effects under interference (`--spatial-weights`).
    static func render(_ r: SpatialMediationResult, mediator: String, exposure: String = "W", dynamic: Bool = false,
                       targetFactor: String? = nil) -> String {
        let own = targetFactor.map { "\($0)·TP, target factor \($0)" } ?? "TP"
        let model = dynamic ? "dynamic mediator on its lag, \(exposure)·lag and \(own), propagated" : "mediator on TP and \(exposure)·TP by period"
        var s = "natural effects under interference (\(model); outcome SDM, ρ = "
            + String(format: "%.4f", r.outcomeFit.rho ?? .nan) + (r.outcomeFit.converged ? "" : ", NOT converged: \(r.outcomeFit.reason)") + "):\n"
        func line(_ name: String, _ q: SpatialMediationResult.Quantity) -> String {
            String(format: "%@ %10.6f  se %.6f  p %.4f  95%% CI [%.6f, %.6f]\n", name.padding(toLength: 28, withPad: " ", startingAt: 0),
                   q.estimate, q.se, q.pValue, q.lower, q.upper)
        }
        s += line("  Δ\(mediator) on the treated", r.firstStage)
        s += line("  Δ\(mediator) on never-treated", r.spilloverMediator)
        s += line("  NIE (through \(mediator))", r.indirect) + line("  NDE", r.direct) + line("  total NIE + NDE", r.total)
            + line("  share through \(mediator)", r.share)
            + "  share's Fieller 95% set: \(SDMReport.fieller(r.shareFieller))\n"
        s += "  \(r.treatedObservations) treated observations; delta method, the two models independent (MODEL.md §10)"
        return s
    }
}
