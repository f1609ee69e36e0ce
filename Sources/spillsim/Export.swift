import ArgumentParser
import Foundation
import Reports

extension Spillsim {
    /// `spillsim export FILE.h5 --out tidy.csv`: every replication's estimates in long form.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a result file's per-replication estimates as a tidy CSV (one row per cell × replication × estimator × estimand).",
            discussion: "Columns: cell, cell_index, cell_label, the grid factors, replication, estimator, estimand, estimate, se, "
                + "lower, upper, truth, covered, status, status_name, comparable, message (a failed fit's stored reason, empty when it converged); "
                + "missing values are NA. The long format "
                + "R's rsimsum (simsum/multisimsum) and ggplot2 read directly, e.g. "
                + "rsimsum::simsum(subset(d, status == 0 & comparable == 1 & estimand == \"ame.total.CA\"), "
                + "estvarname = \"estimate\", se = \"se\", true = \"truth\", methodvar = \"estimator\", by = \"cell_label\").")

        @Argument(help: "Result file (HDF5) from `spillsim run` or `spillsim merge`.")
        var file: String

        @Option(help: "Output CSV file.")
        var out: String

        func run() throws {
            let data = try ResultsData.read(file)
            try OutputFile.write(TidyExport.csv(data), to: out)
            let rows = data.draws.flatMap { $0 }.map { $0.replications * $0.estimands.count }.reduce(0, +)
            print("wrote \(out): \(rows) rows (cells × replications × estimators × estimands)")
        }
    }
}
