import ArgumentParser
import Foundation
import MonteCarlo
import Reports

extension Spillsim {
    /// `spillsim summarize`: the performance measures stored in a result file.
    struct Summarize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the performance measures (bias, EmpSE, ModSE, RMSE, coverage, rejection, with MCSEs) of a result file.")

        @Argument(help: "Result file (HDF5) from `spillsim run` or `spillsim merge`.")
        var file: String

        @Option(name: .long, help: "table, csv, markdown or latex.")
        var format: TableFormat = .table

        @Option(name: .long, help: "Write to this file instead of standard output.")
        var out: String?

        @Flag(name: .long, help: "Only the verdict: bias (MCSE) and coverage of the key estimands per estimator, cells side by side.")
        var verdict = false

        func validate() throws {
            // The verdict is one fixed text layout: a --format would be accepted and ignored.
            if verdict && format != .table {
                throw ValidationError("--verdict prints a fixed text table; --format \(format.rawValue) applies to the full summary: remove one of them")
            }
        }

        func run() throws {
            let source = try HDF5ResultsFormat().open(path: file)
            let m = source.metadata
            if m.replicationRange.isEmpty {
                // More shards than replications: this shard is valid but holds nothing to summarise.
                let note = "\(file): 0 replications in this shard (shard \(m.shard) of a run with \(m.replications) replications per cell); merge it with the other shards (`spillsim merge`) and summarize the merged file\n"
                guard format != .table || out != nil else { print(note, terminator: ""); return }
                FileHandle.standardError.write(Data(note.utf8))
            }
            let rows = try Summary.rows(of: source)
            let text = verdict ? VerdictTable.render(rows, replications: m.replications) : SummaryTable.renderSummary(rows, format: format)
            if let out {
                try OutputFile.write(text, to: out)
            } else {
                print(text, terminator: "")
            }
        }
    }
}
