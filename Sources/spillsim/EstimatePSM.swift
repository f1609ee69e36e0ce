import ArgumentParser
import Estimators
import Foundation
import Numerics

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

        func validate() throws {
            try checkColumnRoles(outcome: ("--treat", treat), regressors: splitList(covariates), regressorOption: "--covariates")
        }

        func run() throws {
            let table = try DataTable.read(csv: URL(fileURLWithPath: data))
            let names = splitList(covariates)
            guard !names.isEmpty else { throw ValidationError("--covariates needs at least one column") }
            let d = try table.numbers(treat)
            if let bad = d.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw DataError("\(data): column '\(treat)' must be 0 or 1; line \(bad + 2) has \(d[bad])")
            }
            let treated = d.map { $0 == 1 }
            let x = try Matrix(columns: names.map { try table.numbers($0) })
            let result = try Matching.match(treated: treated, covariates: x, names: names, spec: try matching.spec())
            // As MatchIt's summary, the distance measure itself is the first balance row.
            var bx = x, bnames = names
            if !result.distance.isEmpty {
                bx = try Matrix(columns: [result.distance] + (0..<x.cols).map { x.column($0) })
                bnames = ["distance"] + names
            }
            let balance = Balance.table(treated: treated, covariates: bx, names: bnames, weights: result.weights)
            if let weightsOut {
                var csv = "line,treat,distance,discarded,weight\n"
                for i in 0..<treated.count {
                    let dist = result.distance.isEmpty ? "" : String(result.distance[i])
                    csv += "\(i + 2),\(treated[i] ? 1 : 0),\(dist),\(result.discarded[i] ? 1 : 0),\(result.weights[i])\n"
                }
                try OutputFile.write(csv, to: weightsOut)
            }
            if json {
                print(try JSONOutput.text(PSMReportJSON(units: treated.count, matching: result, balance: balance, weightsFile: weightsOut)))
            } else {
                print(TreatmentReport.countsText(result.counts))
                print(TreatmentReport.balanceText(balance))
            }
        }
    }
}
