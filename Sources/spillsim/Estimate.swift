import ArgumentParser

extension Spillsim {
    /// `spillsim estimate …`: estimators on real data. (Minimal group created on branch `did`;
    /// the SDM subcommands are added to `subcommands` when the branches merge.)
    struct Estimate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit an estimator to a CSV data set.",
            subcommands: [PSM.self, TWFE.self, PSMDiD.self, CSDiD.self])
    }
}
