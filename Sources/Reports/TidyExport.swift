import Foundation
import MonteCarlo

/// The per-replication results in long ("tidy") form, one row per cell × replication ×
/// estimator × estimand — the layout R's rsimsum (`simsum`, `multisimsum`) and ggplot2, or
/// pandas, read directly:
///
///     cell, cell_index, cell_label, <one column per grid factor>, replication, estimator,
///     estimand, estimate, se, lower, upper, truth, covered, status, status_name, comparable, message
///
/// `status` is the fit status of docs/results-schema.md (0 converged, 1 not converged,
/// 2 estimator failed, 3 data generation failed); failed fits are kept (their estimate is
/// NA or not to be used) so a reader can count them; `message` is the stored reason of a
/// failed fit (empty when converged), last so the earlier columns keep their positions. `comparable` is 0 where the estimator
/// targets another parameter (ρ under a wrong W); `covered` is 1 when lower ≤ truth ≤ upper.
/// Numbers have 17 significant digits, missing values are `NA` (R's `read.csv` default).
public enum TidyExport {
    public static let statusNames = [0: "converged", 1: "not_converged", 2: "estimator_failed", 3: "data_generation_failed"]

    public static func csv(_ data: ResultsData) -> String {
        let factorPaths = SummaryTable.factorPaths(data.cells)
        let header = ["cell", "cell_index", "cell_label"] + factorPaths
            + ["replication", "estimator", "estimand", "estimate", "se", "lower", "upper", "truth", "covered", "status", "status_name", "comparable", "message"]
        var out = header.map(field).joined(separator: ",") + "\n"
        var comparable: [String: Bool] = [:]
        for r in data.rows { comparable["\(r.cell.ordinal)|\(r.estimator)|\(r.estimand)"] = r.measure("comparable") != 0 }
        for cell in data.cells {
            let label = cell.title ?? cell.shortLabel
            let levels = factorPaths.map { p in cell.factors.first { $0.path == p }?.value ?? "" }
            let prefix = ([String(cell.ordinal), String(cell.index), label] + levels).map(field).joined(separator: ",")
            for d in data.draws[cell.ordinal] {
                let e = d.estimands.count
                for r in 0..<d.replications {
                    for (k, name) in d.estimands.enumerated() {
                        let i = r * e + k
                        let (lo, hi, t) = (d.lower[i], d.upper[i], d.truth[i])
                        let covered = lo.isNaN || hi.isNaN || t.isNaN ? "NA" : (lo <= t && t <= hi ? "1" : "0")
                        let status = d.status[r]
                        let row = [String(data.firstReplication + r), field(d.estimator), field(name),
                                   num(d.estimate[i]), num(d.se[i]), num(lo), num(hi), num(t), covered,
                                   String(status), statusNames[status] ?? "status_\(status)",
                                   (comparable["\(cell.ordinal)|\(d.estimator)|\(name)"] ?? true) ? "1" : "0", field(d.message[r])]
                        out += prefix + "," + row.joined(separator: ",") + "\n"
                    }
                }
            }
        }
        return out
    }

    /// A CSV field: quoted when it holds a comma, quote or line break.
    static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// A number with 17 significant digits (round-trips a Double); ±Inf as `Inf`/`-Inf`, NaN as `NA`.
    static func num(_ x: Double) -> String {
        if x.isNaN { return "NA" }
        if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
        return String(format: "%.17g", x)
    }
}
