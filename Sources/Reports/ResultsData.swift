import Foundation
import Storage

/// A failure to read a result file for a report: names the file, the HDF5 path
/// and what to do.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One grid factor of a design cell: its key path and value as text.
public struct CellFactor: Equatable, Sendable {
    public let path: String
    public let value: String
    public init(path: String, value: String) {
        self.path = path
        self.value = value
    }
    /// The last component of the key path (`known_dgp.n` → `n`), for table headers.
    public var shortName: String { String(path.split(separator: ".").last ?? Substring(path)) }
}

/// A design cell as stored in a result file.
public struct ReportCell: Equatable, Sendable {
    /// Position among the cells of the file (0-based).
    public let ordinal: Int
    public let factors: [CellFactor]
    public init(ordinal: Int, factors: [CellFactor]) {
        self.ordinal = ordinal
        self.factors = factors
    }
    /// A short label for axes: `n=15, errors=t`.
    public var label: String {
        factors.isEmpty ? "cell \(ordinal)" : factors.map { "\($0.shortName)=\($0.value)" }.joined(separator: ", ")
    }
}

/// One estimator's per-replication results in one cell: `[R, E]` arrays,
/// row-major (replication r, estimand k at `r * estimands.count + k`).
public struct ReplicationDraws: Sendable {
    public let estimator: String
    public let estimands: [String]
    /// Fit status per replication (0 converged; see the results schema).
    public let status: [Int]
    public let estimate: [Double]
    public let truth: [Double]

    public init(estimator: String, estimands: [String], status: [Int], estimate: [Double], truth: [Double]) {
        self.estimator = estimator
        self.estimands = estimands
        self.status = status
        self.estimate = estimate
        self.truth = truth
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

/// Everything a report needs from a spillsim result file (docs/results-schema.md,
/// format versions 1 and 2), read with Storage only — exactly what h5py or R would see.
public struct ResultsData: Sendable {
    public let path: String
    public let scenarioName: String
    /// Replications per cell of the run.
    public let replications: Int
    /// Level of the rejection rates.
    public let alpha: Double
    public let estimators: [String]
    public let cells: [ReportCell]
    /// Summary rows in file order: cell, then estimator, then estimand.
    public let rows: [ReportRow]
    /// `draws[cell ordinal][estimator index]`.
    public let draws: [[ReplicationDraws]]

    public init(path: String, scenarioName: String, replications: Int, alpha: Double, estimators: [String],
                cells: [ReportCell], rows: [ReportRow], draws: [[ReplicationDraws]]) {
        self.path = path
        self.scenarioName = scenarioName
        self.replications = replications
        self.alpha = alpha
        self.estimators = estimators
        self.cells = cells
        self.rows = rows
        self.draws = draws
    }

    /// Reads a result file written by `spillsim run` or `spillsim merge`.
    public static func read(_ path: String) throws -> ResultsData {
        guard FileManager.default.fileExists(atPath: path) else {
            let partial = HDF5File.hasUnfinishedWrite(at: path) ? " (there is an unfinished \(path).partial: finish the run with --resume)" : ""
            throw ReportError("\(path) does not exist\(partial)")
        }
        let file: HDF5File
        do { file = try HDF5File.open(path) } catch { throw ReportError("cannot open \(path) as HDF5: \(error)") }
        defer { try? file.close() }
        let reader = Reader(file: file, path: path)
        return try reader.read()
    }
}

private struct Reader {
    let file: HDF5File
    let path: String

    func fail(_ where_: String, _ what: String) -> ReportError {
        ReportError("\(path):\(where_): \(what) — is this a spillsim result file (docs/results-schema.md)?")
    }

    func read() throws -> ResultsData {
        guard case .string("spillsim-results")? = try? file.attribute("format") else {
            throw ReportError("\(path) is an HDF5 file but not a spillsim result file (root attribute `format` is not \"spillsim-results\")")
        }
        let version = try int(file, "/", "format_version")
        // Version 2 only added datasets and summary columns (read by name).
        guard (1...2).contains(version) else {
            throw ReportError("\(path): results format version \(version); this spillsim reads versions 1 and 2 — use the spillsim that wrote it")
        }
        let scenario = (try? file.stringAttribute("scenario_name")) ?? ""
        let replications = try int(file, "/", "replications")
        let alpha = try double(file, "/", "alpha")
        let estimators = try strings(file, "/", "estimators")
        let cellCount = try int(file, "/", "cell_count")
        var cells: [ReportCell] = [], rows: [ReportRow] = [], draws: [[ReplicationDraws]] = []
        for ordinal in 0..<cellCount {
            let name = String(format: "cells/cell_%05d", ordinal)
            guard (try? file.exists(name)) == true else { throw fail("/" + name, "group missing (cell_count is \(cellCount))") }
            let g = try file.group(name)
            let paths = try strings(g, "/" + name, "factor_paths")
            let values = try strings(g, "/" + name, "factor_values")
            guard paths.count == values.count else { throw fail("/" + name, "factor_paths and factor_values differ in length") }
            let cell = ReportCell(ordinal: ordinal, factors: zip(paths, values).map { CellFactor(path: $0, value: $1) })
            cells.append(cell)
            var cellDraws: [ReplicationDraws] = []
            for est in estimators {
                let gpath = "/\(name)/estimators/\(est)"
                guard (try? g.exists("estimators/\(est)")) == true else { throw fail(gpath, "group missing") }
                let eg = try g.group("estimators/\(est)")
                let estimands = try strings(eg, gpath, "estimands")
                let d = try draw(eg, gpath, estimator: est, estimands: estimands)
                cellDraws.append(d)
                rows += try summary(eg, gpath, cell: cell, estimator: est, estimands: estimands)
            }
            draws.append(cellDraws)
        }
        return ResultsData(path: path, scenarioName: scenario, replications: replications, alpha: alpha,
                           estimators: estimators, cells: cells, rows: rows, draws: draws)
    }

    func draw(_ g: HDF5Group, _ gpath: String, estimator: String, estimands: [String]) throws -> ReplicationDraws {
        let status = try g.dataset("status").read(as: Int64.self).map(Int.init)
        func matrix(_ name: String) throws -> [Double] {
            if status.isEmpty { return [] }
            let m = try g.dataset(name).readRows(as: Double.self)
            guard m.rows == status.count, m.columns == estimands.count else {
                throw fail("\(gpath)/\(name)", "shape [\(m.rows), \(m.columns)], expected [\(status.count), \(estimands.count)]")
            }
            return m.values
        }
        return ReplicationDraws(estimator: estimator, estimands: estimands, status: status,
                                estimate: try matrix("estimate"), truth: try matrix("truth"))
    }

    func summary(_ g: HDF5Group, _ gpath: String, cell: ReportCell, estimator: String, estimands: [String]) throws -> [ReportRow] {
        let d = try g.dataset("summary")
        let columns = try strings(d, gpath + "/summary", "columns")
        let m = try d.readRows(as: Double.self)
        guard m.rows == estimands.count, m.columns == columns.count else {
            throw fail(gpath + "/summary", "shape [\(m.rows), \(m.columns)], expected [\(estimands.count), \(columns.count)]")
        }
        return estimands.enumerated().map { k, name in
            ReportRow(cell: cell, estimator: estimator, estimand: name,
                      measures: Dictionary(uniqueKeysWithValues: zip(columns, m.row(k))))
        }
    }

    func int(_ h: HDF5AttributeHolder, _ where_: String, _ name: String) throws -> Int {
        guard case .int(let v)? = try? h.attribute(name) else { throw fail("\(where_)@\(name)", "integer attribute missing") }
        return v
    }

    func double(_ h: HDF5AttributeHolder, _ where_: String, _ name: String) throws -> Double {
        switch try? h.attribute(name) {
        case .double(let v)?: return v
        case .int(let v)?: return Double(v)
        default: throw fail("\(where_)@\(name)", "number attribute missing")
        }
    }

    func strings(_ h: HDF5AttributeHolder, _ where_: String, _ name: String) throws -> [String] {
        switch try? h.attribute(name) {
        case .strings(let v)?: return v
        case .string(let v)?: return [v]   // h5py writes a length-1 list as a scalar
        default: throw fail("\(where_)@\(name)", "string-array attribute missing")
        }
    }
}
