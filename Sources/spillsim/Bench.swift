import ArgumentParser

extension Spillsim {
    /// `spillsim bench …`: release-build timings (never in unit tests).
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the estimators on synthetic data (use a release build).",
            subcommands: [SDM.self, BenchPSMDiD.self])
    }
}
