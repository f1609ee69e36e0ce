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

        @Flag(name: .long, help: "The failed fits instead of the measures: per cell and estimator, the count of failed replications by status and reason (most frequent first) with the first replications' indices; then the estimates whose truth is not finite (n_no_truth), which are not failures.")
        var failures = false

        func validate() throws {
            if verdict && failures {
                throw ValidationError("--verdict and --failures print different tables: remove one of them")
            }
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
            let failed = try FailureSummary.read(source)
            if failures {
                try emit(FailureTable.render(failed, format: format))
                // The CSV holds the failed fits only; the estimates without a truth are said on standard error.
                if format == .csv, let note = FailureTable.noTruthNote(failed) { FileHandle.standardError.write(Data((note + "\n").utf8)) }
                return
            }
            let rows = try Summary.rows(of: source)
            let text = verdict ? VerdictTable.render(rows, replications: m.replications) : SummaryTable.renderSummary(rows, format: format, estimators: m.estimators.map(\.name))
            try emit(text)
            // Failed fits are counted in n_failed, estimates without a truth in n_no_truth; say once how
            // many and where the reasons are, on standard error when the output is a file or a machine format.
            guard let note = FailureTable.note(failed, file: file) else { return }
            if format == .table && out == nil { print("\n" + note, terminator: "") } else { FileHandle.standardError.write(Data(note.utf8)) }
        }

        private func emit(_ text: String) throws {
            if let out {
                try OutputFile.write(text, to: out)
            } else {
                print(text, terminator: "")
            }
        }
    }
}
