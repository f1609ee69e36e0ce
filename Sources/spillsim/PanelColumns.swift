import Foundation
import Estimators
import ArgumentParser

/// The columns every panel estimator reads: `--data`, `--id`, `--time`, `--y`.
struct PanelColumns: ParsableArguments {
    @Option(help: "Panel CSV in long format (one row per unit and period).") var data: String
    @Option(help: "Unit id column.") var id: String
    @Option(help: "Time column.") var time: String
    @Option(help: "Outcome (dependent variable) column.") var y: String

    /// The id and time columns, which identify observations and cannot be regressors.
    var keys: [(option: String, column: String)] { [("--id", id), ("--time", time)] }
}

/// Column lists have one grammar everywhere (`--x`, `--covariates`): one or more
/// arguments, each a comma-separated list — `--x a,b`, `--x a b` and `--x a, b` agree.
func splitList(_ items: [String]) -> [String] {
    items.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
}

/// What a DID command did with gaps, on standard error so `--json` output stays one document.
func printNote(_ report: MissingRowsReport) {
    FileHandle.standardError.write(Data((report.note + "\n").utf8))
}
