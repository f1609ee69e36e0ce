import ArgumentParser
import Estimators
import Foundation
import Numerics

extension Spillsim.Estimate {
    /// Panel OLS with fixed effects, weights and CR1 clustering (fixest convention).
    struct TWFE: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "twfe",
            abstract: "Panel OLS with unit/time/two-way fixed effects; CR1 SEs (fixest small-sample convention), optional wild cluster bootstrap.")

        @OptionGroup var panel: PanelColumns
        @Option(parsing: .upToNextOption, help: "Regressor columns (comma- or space-separated).") var x: [String]
        @Option(help: "Fixed effects: twoways (alias twoway), individual (alias unit), time or none.") var effects: FixedEffects = .twoWays
        @Option(help: "Cluster column (CR1); without it, iid SEs.") var cluster: String?
        @Option(help: "Regression weight column.") var weights: String?
        @OptionGroup var bootstrap: WildBootstrapOptions
        @Option(help: "Bootstrap seed.") var seed: UInt64 = 1
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if bootstrap.wildBootstrap > 0 && cluster == nil { throw ValidationError("--wild-bootstrap needs --cluster") }
            if splitList(x).isEmpty { throw ValidationError("--x needs at least one column") }
            try checkColumnRoles(outcome: ("--y", panel.y), regressors: splitList(x), regressorOption: "--x", keys: panel.keys)
        }

        func run() throws {
            let table = try DataTable.read(csv: URL(fileURLWithPath: panel.data))
            let d = try PanelRegressionData.from(table: table, id: panel.id, time: panel.time, outcome: panel.y, regressors: splitList(x),
                                                 weights: weights, cluster: cluster)
            let fit = try PanelOLS.fit(y: d.y, x: d.x, names: d.names, unit: d.unit, time: d.time, effects: effects, weights: d.weights,
                                       variance: d.cluster.map { .cluster($0) } ?? .iid)
            var boot: WildBootstrapResult? = nil
            if bootstrap.wildBootstrap > 0, let cl = d.cluster {
                boot = try WildClusterBootstrap.test(y: d.y, x: d.x, names: d.names, coefficient: 0, unit: d.unit, time: d.time,
                                                     effects: effects, weights: d.weights, cluster: cl, replications: bootstrap.wildBootstrap,
                                                     multipliers: bootstrap.bootstrapWeights, stream: StreamID(seed: seed, purpose: .wildBootstrap))
            }
            if json {
                print(try JSONOutput.text(TWFEReportJSON(fit, effects: effects, clustered: cluster != nil, bootstrap: boot)))
            } else {
                print(TreatmentReport.coefficientsText(fit))
                print("n = \(fit.observations), \(cluster.map { "CR1 by \($0), G = \(fit.clusters!)" } ?? "iid"), t df = \(fit.tDegreesOfFreedom)")
                if let b = boot { print("wild cluster bootstrap (\(b.weights.rawValue), B = \(b.replications)) p for \(b.coefficient): \(b.pValue)") }
            }
        }
    }
}
