import Foundation

/// The failed fits of one (cell, estimator) that share a status and a reason: one row of
/// `spillsim summarize --failures`, as SimDesign's `SimErrors` tallies errors per condition.
public struct FailureGroup: Equatable, Sendable {
    public let cell: CellInfo
    public let estimator: String
    public let status: FitStatus.Code
    /// The stored reason (the `message` dataset), verbatim.
    public let reason: String
    public let count: Int
    /// The replication indices of the first failures with this reason, ascending (at most `FailureSummary.shown`).
    public let firstReplications: [Int]
}

/// The estimates of one (cell, estimator, estimand) whose fit converged but whose truth is not
/// finite (its summary's `n_no_truth`): not failures — the estimand has no true value there.
public struct NoTruthRow: Equatable, Sendable {
    public let cell: CellInfo
    public let estimator: String
    public let estimand: String
    public let count: Int
}

/// Every failed fit of a result file, grouped by (cell, estimator, status, reason). The
/// per-replication statuses and reasons are what the file stores; nothing is re-estimated.
/// Beside them, the estimates without a truth, from the stored summary's `n_no_truth`.
public struct FailureSummary: Equatable, Sendable {
    /// Groups in file order of cells and estimators; within one (cell, estimator) the most
    /// frequent reason first, ties by status code then reason.
    public let groups: [FailureGroup]
    /// Fits stored (replications × estimators over all cells), failed or not.
    public let fits: Int
    public var failed: Int { groups.reduce(0) { $0 + $1.count } }
    /// The summary rows with `n_no_truth` > 0, in file order.
    public let noTruth: [NoTruthRow]
    /// True when the file predates `n_no_truth` (its `n_failed` still counts those estimates).
    public let noTruthUnknown: Bool
    public var noTruthEstimates: Int { noTruth.reduce(0) { $0 + $1.count } }

    public init(groups: [FailureGroup], fits: Int, noTruth: [NoTruthRow] = [], noTruthUnknown: Bool = false) {
        self.groups = groups
        self.fits = fits
        self.noTruth = noTruth
        self.noTruthUnknown = noTruthUnknown
    }

    /// How many replication indices a group lists.
    public static let shown = 5

    public static func read(_ source: any ResultsSource) throws -> FailureSummary {
        let m = source.metadata
        var groups: [FailureGroup] = []
        var fits = 0
        for info in m.cells {
            let records = try source.statuses(info.ordinal)
            for (e, layout) in m.layouts.enumerated() {
                var byReason: [Key: (count: Int, first: [Int])] = [:]
                for record in records {
                    fits += 1
                    let status = record.fits[e]
                    guard !status.isOK else { continue }
                    let key = Key(code: status.code, reason: status.message)
                    var entry = byReason[key] ?? (0, [])
                    entry.count += 1
                    if entry.first.count < shown { entry.first.append(record.replication) }
                    byReason[key] = entry
                }
                let sorted = byReason.sorted { a, b in
                    if a.value.count != b.value.count { return a.value.count > b.value.count }
                    if a.key.code != b.key.code { return a.key.code.rawValue < b.key.code.rawValue }
                    return a.key.reason < b.key.reason
                }
                groups += sorted.map {
                    FailureGroup(cell: info, estimator: layout.name, status: $0.key.code, reason: $0.key.reason,
                                 count: $0.value.count, firstReplications: $0.value.first.sorted())
                }
            }
        }
        let rows = try Summary.rows(of: source)
        let noTruth = rows.compactMap { r in
            r.measures.nNoTruth.flatMap { $0 > 0 ? NoTruthRow(cell: r.cell, estimator: r.estimator, estimand: r.estimand, count: $0) : nil }
        }
        return FailureSummary(groups: groups, fits: fits, noTruth: noTruth, noTruthUnknown: rows.contains { $0.measures.nNoTruth == nil })
    }

    private struct Key: Hashable {
        let code: FitStatus.Code
        let reason: String
    }
}
