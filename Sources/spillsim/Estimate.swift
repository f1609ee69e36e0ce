import ArgumentParser

extension Spillsim {
    /// `spillsim estimate …`: estimators run on a user's own data.
    struct Estimate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Estimate a model on your own panel data.",
            subcommands: [SDM.self])
    }
}
