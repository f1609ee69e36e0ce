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

        @Option(help: "CSV file in long format.") var data: String
        @Option(help: "Unit id column.") var id: String
        @Option(help: "Time column.") var time: String
        @Option(help: "Outcome column.") var y: String
        @Option(parsing: .upToNextOption, help: "Regressor columns.") var x: [String]
        @Option(help: "Fixed effects: twoways (alias twoway), individual (alias unit), time or none.") var effects: FixedEffects = .twoWays
        @Option(help: "Cluster column (CR1); without it, iid SEs.") var cluster: String?
        @Option(help: "Regression weight column.") var weights: String?
        @Option(help: "Wild cluster bootstrap replications for the first regressor (0 = off; needs --cluster).") var wildBootstrap: Int = 0
        @Option(help: "Bootstrap multipliers: webb or rademacher.") var bootstrapWeights: WildWeights = .webb
        @Option(help: "Bootstrap seed.") var seed: UInt64 = 1
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if wildBootstrap > 0 && cluster == nil { throw ValidationError("--wild-bootstrap needs --cluster") }
            try checkColumnRoles(outcome: ("--y", y), regressors: splitList(x), regressorOption: "--x",
                                 keys: [("--id", id), ("--time", time)])
        }

        func run() throws {
            let table = try DataTable.read(csv: URL(fileURLWithPath: data))
            let names = splitList(x)
            guard !names.isEmpty else { throw ValidationError("--x needs at least one column") }
            let yv = try table.numbers(y)
            let xm = try Matrix(columns: names.map { try table.numbers($0) })
            let ids = try table.strings(id), times = try table.numbers(time)
            // Unbalanced panels are fine; a (unit, period) pair twice is not a panel.
            var firstLine: [String: Int] = [:]
            for (row, (u, t)) in zip(ids, times).enumerated() {
                let key = "\(u)\u{1F}\(t)"
                if let earlier = firstLine[key] {
                    throw DataError("\(data): unit '\(u)' appears twice in period \(PanelIndex.format(t)) (lines \(earlier + 2) and \(row + 2)); remove the duplicate row")
                }
                firstLine[key] = row
            }
            let unit = codes(ids)
            let tm = codes(times.map { String($0) })
            let w = try weights.map { try table.numbers($0) }
            if let w, let col = weights, let bad = w.firstIndex(where: { !($0 >= 0) || !$0.isFinite }) {
                throw DataError("\(table.source): weight column '\(col)' must be finite and ≥ 0; line \(bad + 2) has \(w[bad])")
            }
            let cl = try cluster.map { codes(try table.strings($0)) }
            let fit = try PanelOLS.fit(y: yv, x: xm, names: names, unit: unit, time: tm, effects: effects, weights: w,
                                       variance: cl.map { .cluster($0) } ?? .iid)
            var boot: WildBootstrapResult? = nil
            if wildBootstrap > 0, let cl {
                boot = try WildClusterBootstrap.test(y: yv, x: xm, names: names, coefficient: 0, unit: unit, time: tm,
                                                     effects: effects, weights: w, cluster: cl, replications: wildBootstrap,
                                                     multipliers: bootstrapWeights, stream: StreamID(seed: seed, purpose: 0x7763_6262))
            }
            if json {
                var out: [String: Any] = ["command": "twfe", "effects": effects.rawValue, "n_obs": fit.observations,
                                          "vcov": cluster == nil ? "iid" : "CR1", "df": fit.tDegreesOfFreedom,
                                          "k_small_sample": fit.parameterCount,
                                          "n_clusters": fit.clusters.map { $0 as Any } ?? NSNull(),
                                          "coefficients": TreatmentReport.coefficientsJSON(fit)]
                if let b = boot {
                    out["wild_bootstrap"] = ["coefficient": b.coefficient, "t": b.tStatistic, "p": b.pValue,
                                             "replications": b.replications, "weights": b.weights.rawValue]
                }
                print(try TreatmentReport.json(out))
            } else {
                print(TreatmentReport.coefficientsText(fit))
                print("n = \(fit.observations), \(cluster == nil ? "iid" : "CR1 by \(cluster!), G = \(fit.clusters!)"), t df = \(fit.tDegreesOfFreedom)")
                if let b = boot { print("wild cluster bootstrap (\(b.weights.rawValue), B = \(b.replications)) p for \(b.coefficient): \(b.pValue)") }
            }
        }

        private func codes(_ s: [String]) -> [Int] {
            var map: [String: Int] = [:]
            return s.map { v in if let c = map[v] { return c }; map[v] = map.count; return map[v]! }
        }
    }
}
