import ArgumentParser
import Estimators
import Foundation
import Numerics

extension Spillsim.Bench {
    /// Times PSM-DID (logit, 1:1 caliper 0.2 SD on the logit, TWFE, CR1) on a synthetic panel.
    struct BenchPSMDiD: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "psm-did",
            abstract: "Time PSM-DID on a synthetic 280 × 18 panel (build with -c release).")

        @Option(help: "Units.") var units: Int = 280
        @Option(help: "Periods.") var periods: Int = 18
        @Option(help: "Timed repetitions.") var repetitions: Int = 200
        @Option(help: "Seed of the synthetic panel.") var seed: UInt64 = 1

        func validate() throws {
            guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
            guard units >= 10, periods >= 3 else {
                throw ValidationError("--units must be at least 10 and --periods at least 3 (a DID needs pre and post periods)")
            }
        }

        func run() throws {
            print(Spillsim.Bench.header())
            let panel = try TreatmentBenchmark.syntheticPanel(units: units, periods: periods, seed: seed)
            let (times, r) = try TreatmentBenchmark.timePSMDiD(panel: panel, repetitions: repetitions)
            let sorted = times.sorted()
            let median = Statistics.quantile(sorted: sorted, 0.5)
            print(String(format: "psm-did %d × %d: median %.3f ms, min %.3f ms, p90 %.3f ms over %d runs (ATT %.4f, SE %.4f, matched %d/%d)",
                         units, periods, median * 1e3, sorted[0] * 1e3, Statistics.quantile(sorted: sorted, 0.9) * 1e3,
                         repetitions, r.att, r.standardError, r.matchedTreated, r.matchedControl))
        }
    }
}
