import ArgumentParser
import Estimators
import Foundation
import Numerics
import Reports

extension Spillsim.Estimate {
    /// Cross-section propensity-score matching with a balance table.
    struct PSM: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "psm",
            abstract: "Propensity-score matching on a cross-section: counts and balance (MatchIt defaults unless changed).")

        @Option(help: "CSV file, one row per unit.") var data: String
        @Option(help: "0/1 treatment column.") var treat: String
        @Option(parsing: .upToNextOption, help: "Covariate columns (space- or comma-separated).") var covariates: [String]
        @OptionGroup var matching: MatchingOptions
        @Option(help: "Write the matching weights to this CSV (line, treat, distance, discarded, weight).") var weightsOut: String?
        @Flag(help: "Print JSON instead of tables.") var json = false
        @OptionGroup var plot: PlotOptions

        func validate() throws {
            try checkColumnRoles(outcome: ("--treat", treat), regressors: splitList(covariates), regressorOption: "--covariates")
        }

        func run() throws {
            let table = try DataTable.read(csv: URL(fileURLWithPath: data))
            let names = splitList(covariates)
            guard !names.isEmpty else { throw ValidationError("--covariates needs at least one column") }
            let d = try MatchingData.from(table: table, treat: treat, covariates: names)
            let result = try Matching.match(treated: d.treated, covariates: d.covariates, names: names, spec: try matching.spec())
            let balance = try result.balance(d)
            if let weightsOut { try OutputFile.write(result.weightsCSV(treated: d.treated), to: weightsOut) }
            try plot.draw { EstimateFigures.love(balance, name: $0, text: $1) }
            if json {
                print(try JSONOutput.text(PSMReportJSON(units: d.treated.count, matching: result, balance: balance, weightsFile: weightsOut)))
            } else {
                print(TreatmentReport.countsText(result.counts))
                print(TreatmentReport.balanceText(balance))
            }
        }
    }
}
