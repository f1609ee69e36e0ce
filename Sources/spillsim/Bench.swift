import ArgumentParser
import Numerics

extension Spillsim {
    /// `spillsim bench …`: release-build timings (never in unit tests).
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the estimators on synthetic data (use a release build).",
            subcommands: [SDM.self, BenchPSMDiD.self, Replication.self])

        /// The header every benchmark prints first: timings depend on the BLAS kernel.
        static func header() -> String {
            let kernel = BLASKernel.current
            var line = "BLAS kernel \(kernel.coreName) (OpenBLAS, 1 thread)"
            if let warning = kernel.warning { line += "\nwarning: \(warning)" }
            return line
        }
    }
}
