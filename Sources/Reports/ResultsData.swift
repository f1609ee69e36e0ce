import Foundation
import MonteCarlo

/// One estimator's per-replication results in one cell: `[R, E]` arrays,
/// row-major (replication r, estimand k at `r * estimands.count + k`).
public struct ReplicationDraws: Sendable {
    public let estimator: String
    public let estimands: [String]
    /// Fit status per replication (0 converged; see the results schema).
    public let status: [Int]
    /// The stored reason per replication (the `message` dataset): empty when the fit converged.
    public let message: [String]
    public let estimate: [Double]
    public let truth: [Double]
    /// Model SE and the bounds of the nominal 95% interval (NaN where the estimator gives none).
    public let se: [Double]
    public let lower: [Double]
    public let upper: [Double]

    public init(estimator: String, estimands: [String], status: [Int], estimate: [Double], truth: [Double],
                se: [Double]? = nil, lower: [Double]? = nil, upper: [Double]? = nil, message: [String]? = nil) {
        self.estimator = estimator
        self.estimands = estimands
        self.status = status
        self.message = message ?? status.map { _ in "" }
        self.estimate = estimate
        self.truth = truth
        let missing = [Double](repeating: .nan, count: estimate.count)
        self.se = se ?? missing
        self.lower = lower ?? missing
        self.upper = upper ?? missing
    }

    /// Estimator `e` of a cell's records.
    init(_ cell: CellResults, estimator e: Int, layout: EstimatorLayout) {
        let fits = cell.records.map { $0.fits[e] }
        self.init(estimator: layout.name, estimands: layout.estimands, status: fits.map { Int($0.status.code.rawValue) },
                  estimate: fits.flatMap { $0.results.map(\.estimate) }, truth: fits.flatMap { $0.results.map(\.truth) },
                  se: fits.flatMap { $0.results.map(\.standardError) }, lower: fits.flatMap { $0.results.map(\.lower) },
                  upper: fits.flatMap { $0.results.map(\.upper) }, message: fits.map(\.status.message))
    }

    public var replications: Int { status.count }

    /// The estimates of estimand `k` from converged fits with a finite value, and
    /// the truths of those replications.
    public func usable(_ k: Int) -> (estimates: [Double], truths: [Double]) {
        let e = estimands.count
        var est: [Double] = [], tru: [Double] = []
        for r in 0..<replications where status[r] == 0 && estimate[r * e + k].isFinite {
            est.append(estimate[r * e + k])
            tru.append(truth[r * e + k])
        }
        return (est, tru)
    }
}

/// Everything a report needs from a result file, read through the engine's one
/// reader of the results schema (`ResultsSource`, docs/results-schema.md; format
/// versions 1 and 2).
public struct ResultsData: Sendable {
    public let path: String
    public let scenarioName: String
    /// The scenario file the run used, verbatim (to regenerate a cell's panels).
    public var scenarioText: String = ""
    /// Replications per cell of the run.
    public let replications: Int
    /// The run's number of this file's first replication (0, or a shard's first).
    public var firstReplication = 0
    /// Level of the rejection rates.
    public let alpha: Double
    public let estimators: [String]
    public let cells: [CellInfo]
    /// Summary rows in file order: cell, then estimator, then estimand.
    public let rows: [SummaryRow]
    /// `draws[cell ordinal][estimator index]`.
    public let draws: [[ReplicationDraws]]
    /// Each estimand's figure kind as the result file stores it (the catalogue's reading of
    /// the name for files written before kinds were stored).
    public var kinds: [String: EstimandKind] = [:]

    /// The figure kind of estimand `name`: stored, else the catalogue's (`Estimand`).
    public func kind(_ name: String) -> EstimandKind { kinds[name] ?? Estimand(name).kind }

    /// Reads a result file written by `spillsim run` or `spillsim merge`.
    public static func read(_ path: String, format: any ResultsFormat = HDF5ResultsFormat()) throws -> ResultsData {
        let source = try format.open(path: path)
        let m = source.metadata
        let draws = try m.cells.map { cell in
            let results = try source.cell(cell.ordinal)
            return m.layouts.enumerated().map { ReplicationDraws(results, estimator: $0, layout: $1) }
        }
        var data = ResultsData(path: path, scenarioName: m.scenarioName, replications: m.replications, alpha: m.alpha,
                               estimators: m.estimators.map(\.name), cells: m.cells, rows: try Summary.rows(of: source), draws: draws)
        data.scenarioText = m.scenarioText
        data.firstReplication = m.replicationRange.lowerBound
        for e in m.estimators { for entry in e.catalogue { data.kinds[entry.name] = entry.kind } }
        return data
    }
}
