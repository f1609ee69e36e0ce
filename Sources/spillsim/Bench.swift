import ArgumentParser

extension Spillsim {
    /// `spillsim bench …`: timings in release builds (never in unit tests).
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time estimators (build with -c release first).",
            subcommands: [SDM.self])
    }
}
