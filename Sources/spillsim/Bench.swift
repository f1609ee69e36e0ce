import ArgumentParser

extension Spillsim {
    /// `spillsim bench …`: release-build timings. (Minimal group created on branch `did`;
    /// the SDM benchmarks are added to `subcommands` when the branches merge.)
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the estimators on synthetic data (use a release build).",
            subcommands: [BenchPSMDiD.self])
    }
}
