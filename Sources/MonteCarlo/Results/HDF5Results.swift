import Foundation
import Storage

/// Result files in HDF5, laid out as docs/results-schema.md describes, so h5py,
/// R (rhdf5/hdf5r) and h5dump read them without spillsim. Files are written
/// under `<out>.partial` and renamed into place on commit (Storage's
/// write-then-rename), so a reader never sees a half-written file.
public struct HDF5ResultsFormat: ResultsFormat {
    public static let formatName = "spillsim-results"
    /// 2: per-replication confidence sets, shapes and noncentralities, and the robust,
    /// set and test measures in `summary` (docs/results-schema.md). Version 1 files read.
    public static let formatVersion = 2
    /// Column names of each estimator's `summary` dataset. `n_no_truth` was added without a
    /// version step (the reader matches columns by name): a file without it kept those
    /// replications in `n_failed`, and reads with `n_no_truth` unknown.
    public static let summaryColumns = PerformanceMeasures.countNames + PerformanceMeasures.columnNames
    static let fields = EstimandResult.storedFieldNames

    public init() {}

    public func create(path: String, metadata: RunMetadata) throws -> any ResultsSink {
        try HDF5ResultsSink(path: path, metadata: metadata)
    }

    public func open(path: String) throws -> any ResultsSource {
        try HDF5ResultsSource(path: path)
    }

    static func cellGroupName(_ ordinal: Int) -> String { String(format: "cells/cell_%05d", ordinal) }
}

final class HDF5ResultsSink: ResultsSink {
    let file: HDF5File
    let metadata: RunMetadata
    private var summaryRows: [(cell: Int, estimator: String, estimand: String, values: [Double])] = []

    init(path: String, metadata: RunMetadata) throws {
        self.metadata = metadata
        do { file = try HDF5File.create(path, overwrite: true) } catch {
            throw RunError.failed("cannot create the result file \(path): \(error)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(metadata), as: UTF8.self)
        let iso = ISO8601DateFormatter()
        try file.setAttribute("format", HDF5ResultsFormat.formatName)
        try file.setAttribute("format_version", HDF5ResultsFormat.formatVersion)
        try file.setAttribute("tool_version", metadata.toolVersion)
        try file.setAttribute("created_utc", iso.string(from: Date()))
        try file.setAttribute("scenario_name", metadata.scenarioName)
        try file.setAttribute("scenario_text", metadata.scenarioText)
        // HDF5 attributes are signed 64-bit: the seed is stored as text to keep all 64 bits.
        try file.setAttribute("seed", String(metadata.seed))
        try file.setAttribute("replications", metadata.replications)
        try file.setAttribute("alpha", metadata.alpha)
        try file.setAttribute("shard_index", metadata.shard.index)
        try file.setAttribute("shard_count", metadata.shard.count)
        try file.setAttribute("replication_first", metadata.replicationRange.lowerBound)
        try file.setAttribute("replication_end", metadata.replicationRange.upperBound)
        try file.setAttribute("estimators", metadata.estimators.map(\.name))
        try file.setAttribute("cell_count", metadata.cells.count)
        try file.setAttribute("metadata_json", json)
    }

    func write(cell: CellResults, measures: [[PerformanceMeasures]]) throws {
        let g = try file.createGroup(HDF5ResultsFormat.cellGroupName(cell.info.ordinal))
        try g.setAttribute("ordinal", cell.info.ordinal)
        try g.setAttribute("cell_index", cell.info.index)
        try g.setAttribute("label", cell.info.label)
        try g.setAttribute("factor_paths", cell.info.factors.map(\.path))
        try g.setAttribute("factor_values", cell.info.factors.map(\.value))
        if let title = cell.info.title { try g.setAttribute("title", title) }
        if let s = cell.info.dataSupport { try g.setAttribute("data_support", [s.lowerBound, s.upperBound]) }
        if cell.info.factors.contains(where: { $0.label != nil }) {
            try g.setAttribute("factor_labels", cell.info.factors.map { $0.label ?? "" })
        }
        for f in cell.info.factors {
            // Each factor also as its own attribute, numeric where the value is a number.
            if let v = Double(f.value), v.isFinite { try g.setAttribute(f.path, v) } else { try g.setAttribute(f.path, f.value) }
        }
        let records = cell.records
        try g.createDataset("replication", values: records.map { Int64($0.replication) })
        try g.createDataset("stream_key", values: records.map { Int64(bitPattern: $0.streamKey) })
        for (e, layout) in metadata.layouts.enumerated() {
            let eg = try g.createGroup("estimators/\(layout.name)")
            try eg.setAttribute("model", metadata.estimators[e].model)
            try eg.setAttribute("estimands", layout.estimands)
            try eg.createDataset("status", values: records.map { Int64($0.fits[e].status.code.rawValue) })
            try eg.createDataset("message", values: records.map { $0.fits[e].status.message })
            let k = layout.estimands.count
            if let names = metadata.estimators[e].notComparable { try eg.setAttribute("not_comparable", names) }
            let catalogue = metadata.estimators[e].catalogue
            try eg.setAttribute("estimand_roles", catalogue.map(\.role.rawValue))
            try eg.setAttribute("estimand_kinds", catalogue.map(\.kind.storedName))
            let stored = records.map { $0.fits[e].results.map(\.storedValues) }
            for (f, name) in HDF5ResultsFormat.fields.enumerated() {
                var values: [Double] = []
                values.reserveCapacity(records.count * k)
                for r in stored {
                    for x in r { values.append(x[f]) }
                }
                let d = try eg.createDataset(name, rows: try RowMajorArray(rows: records.count, columns: k, values: values))
                try d.setAttribute("columns", layout.estimands)
            }
            let rows = measures[e].map { $0.countValues + $0.allValues }
            let s = try eg.createDataset("summary", rows: try RowMajorArray(rows: k, columns: HDF5ResultsFormat.summaryColumns.count,
                                                                            values: rows.flatMap { $0 }))
            try s.setAttribute("columns", HDF5ResultsFormat.summaryColumns)
            try s.setAttribute("rows", layout.estimands)
            for (j, name) in layout.estimands.enumerated() {
                summaryRows.append((cell.info.ordinal, layout.name, name, rows[j]))
            }
        }
    }

    func commit() throws {
        // The flat summary over all cells, one row per (cell, estimator, estimand).
        let s = try file.createGroup("summary")
        try s.createDataset("cell", values: summaryRows.map { Int64($0.cell) })
        try s.createDataset("estimator", values: summaryRows.map(\.estimator))
        try s.createDataset("estimand", values: summaryRows.map(\.estimand))
        let d = try s.createDataset("values", rows: try RowMajorArray(rows: summaryRows.count, columns: HDF5ResultsFormat.summaryColumns.count,
                                                                      values: summaryRows.flatMap(\.values)))
        try d.setAttribute("columns", HDF5ResultsFormat.summaryColumns)
        do { try file.commit() } catch {
            throw RunError.failed("cannot finish the result file \(file.path): \(error)")
        }
    }

    func discard() { try? file.discard() }
}

final class HDF5ResultsSource: ResultsSource {
    let file: HDF5File
    let metadata: RunMetadata

    /// A file that is not HDF5, or that HDF5 cannot open while nobody holds its lock: cut short
    /// (a copy or download that stopped) or damaged. A run never leaves one (it writes
    /// `.partial` and renames when done, and keeps its progress in a journal), so the way out is
    /// writing the file again, or resuming its run if that run was interrupted.
    static func incompleteMessage(_ path: String, _ error: HDF5Error) -> String {
        let what = error.kind == .notHDF5 ? "not a spillsim result file (not HDF5: no HDF5 signature found)"
            : "not a complete spillsim result file (truncated or damaged: \(error.causes.first ?? error.detail))"
        return "cannot open \(path): \(what); write it again (run its scenario, or copy the file again), "
            + "or, if its run was interrupted, resume that run to finish it"
    }

    init(path: String) throws {
        try OutputPath.checkReadable(path)
        do { file = try HDF5File.open(path) } catch let error as HDF5Error where error.kind == .notHDF5 || error.kind == .unreadable {
            throw RunError.failed(Self.incompleteMessage(path, error))
        } catch {
            // HDF5's first message is the informative one; the rest of its stack is noise here.
            let reason = (error as? HDF5Error).map { $0.causes.first ?? $0.detail } ?? "\(error)"
            throw RunError.failed("cannot open \(path): \(reason)")
        }
        guard case .string(HDF5ResultsFormat.formatName)? = try? file.attribute("format"),
              case .string(let json)? = try? file.attribute("metadata_json") else {
            throw RunError.failed("\(path) is an HDF5 file but not a spillsim result file (no `format`/`metadata_json` attributes)")
        }
        // Every version up to this one reads (fields and columns added later are NaN).
        guard case .int(let version)? = try? file.attribute("format_version"), (1...HDF5ResultsFormat.formatVersion).contains(version) else {
            throw RunError.failed("\(path): not results format version 1–\(HDF5ResultsFormat.formatVersion); read it with the spillsim that wrote it")
        }
        do { metadata = try JSONDecoder().decode(RunMetadata.self, from: Data(json.utf8)) } catch {
            throw RunError.failed("\(path): cannot decode its run metadata (\(error)); was it written by another spillsim version?")
        }
    }

    /// A group the schema requires; a missing one names its path and the file.
    func group(_ path: String) throws -> HDF5Group {
        guard (try? file.exists(path)) == true else {
            throw RunError.failed("\(file.path): /\(path): group missing — is this a complete spillsim result file (docs/results-schema.md)?")
        }
        return try file.group(path)
    }

    func cell(_ ordinal: Int) throws -> CellResults {
        let name = HDF5ResultsFormat.cellGroupName(ordinal)
        let g = try group(name)
        let reps = try g.dataset("replication").read(as: Int64.self)
        let keys = try g.dataset("stream_key").read(as: Int64.self)
        var records = zip(reps, keys).map { ReplicationRecord(replication: Int($0), streamKey: UInt64(bitPattern: $1), fits: []) }
        for layout in metadata.layouts {
            let eg = try group("\(name)/estimators/\(layout.name)")
            let status = try eg.dataset("status").read(as: Int64.self)
            let messages = try eg.dataset("message").read(as: String.self)
            let k = layout.estimands.count
            // Fields added after format_version 1 are absent from older files: read as NaN.
            let columns = try HDF5ResultsFormat.fields.map { name -> [Double] in
                guard !records.isEmpty, try eg.exists(name) else { return [] }
                return try eg.dataset(name).readRows(as: Double.self).values
            }
            for r in records.indices {
                guard let code = FitStatus.Code(rawValue: Int32(truncatingIfNeeded: status[r])) else {
                    throw RunError.failed("\(file.path): unknown status code \(status[r]) in \(eg.path)")
                }
                let results = try (0..<k).map { j in
                    let v = columns.map { $0.isEmpty ? Double.nan : $0[r * k + j] }
                    guard let result = EstimandResult(storedValues: v) else {
                        throw RunError.failed("\(file.path): unknown set_type \(v[6]) in \(eg.path)")
                    }
                    return result
                }
                records[r].fits.append(FitOutcome(status: FitStatus(code, messages[r]), results: results))
            }
        }
        return CellResults(info: metadata.cells[ordinal], records: records)
    }

    /// Only the `replication`, `status` and `message` datasets: a failure tally without reading the estimates.
    func statuses(_ ordinal: Int) throws -> [(replication: Int, fits: [FitStatus])] {
        let name = HDF5ResultsFormat.cellGroupName(ordinal)
        let reps = try group(name).dataset("replication").read(as: Int64.self)
        var fits = reps.map { _ in [FitStatus]() }
        for layout in metadata.layouts {
            let eg = try group("\(name)/estimators/\(layout.name)")
            let status = try eg.dataset("status").read(as: Int64.self)
            let messages = try eg.dataset("message").read(as: String.self)
            for r in reps.indices {
                guard let code = FitStatus.Code(rawValue: Int32(truncatingIfNeeded: status[r])) else {
                    throw RunError.failed("\(file.path): unknown status code \(status[r]) in \(eg.path)")
                }
                fits[r].append(FitStatus(code, messages[r]))
            }
        }
        return zip(reps, fits).map { (Int($0), $1) }
    }

    /// The stored measures, matched to the measures by the `columns` attribute of
    /// each `summary` dataset (a column this version does not know is left out; one
    /// it knows that the file lacks is NaN, and a missing `n_no_truth` unknown).
    func measures(_ ordinal: Int) throws -> [[PerformanceMeasures]] {
        let name = HDF5ResultsFormat.cellGroupName(ordinal)
        return try metadata.layouts.map { layout in
            let d = try group("\(name)/estimators/\(layout.name)").dataset("summary")
            guard case .strings(let columns)? = try? d.attribute("columns") else {
                throw RunError.failed("\(file.path): \(d.path): the `columns` attribute is missing")
            }
            let rows = try d.readRows(as: Double.self)
            guard rows.rows == layout.estimands.count, rows.columns == columns.count else {
                throw RunError.failed("\(file.path): \(d.path): shape [\(rows.rows), \(rows.columns)], expected [\(layout.estimands.count), \(columns.count)]")
            }
            return (0..<rows.rows).map { PerformanceMeasures(Dictionary(zip(columns, rows.row($0)), uniquingKeysWith: { a, _ in a })) }
        }
    }
}
