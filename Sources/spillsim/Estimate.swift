import ArgumentParser

extension Spillsim {
    /// `spillsim estimate …`: estimators on a user's own data.
    struct Estimate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit an estimator to a CSV data set.",
            subcommands: [SDM.self, WSelect.self, PSM.self, TWFE.self, PSMDiD.self, CSDiD.self, MediationCommand.self])
    }
}
