import Foundation

/// Where assembled results go. The engine hands over one complete cell at a
/// time (so memory is bounded by one cell), then commits; an implementation
/// must make the file appear atomically on `commit` and leave nothing at the
/// destination on `discard`.
public protocol ResultsSink: AnyObject {
    func write(cell: CellResults, measures: [[PerformanceMeasures]]) throws
    func commit() throws
    func discard()
}

/// A result file opened for reading.
public protocol ResultsSource: AnyObject {
    var metadata: RunMetadata { get }
    func cell(_ ordinal: Int) throws -> CellResults
    /// The stored measures (as written; `summarize` reads these).
    func measures(_ ordinal: Int) throws -> [[PerformanceMeasures]]
    /// Each replication's index and its fits' statuses (estimators in metadata order), without
    /// the estimates: what `summarize --failures` reads.
    func statuses(_ ordinal: Int) throws -> [(replication: Int, fits: [FitStatus])]
}

extension ResultsSource {
    public func statuses(_ ordinal: Int) throws -> [(replication: Int, fits: [FitStatus])] {
        try cell(ordinal).records.map { ($0.replication, $0.fits.map(\.status)) }
    }
}

/// A result file format (HDF5 in the tool; in memory in tests).
public protocol ResultsFormat: Sendable {
    func create(path: String, metadata: RunMetadata) throws -> any ResultsSink
    func open(path: String) throws -> any ResultsSource
}

/// Result "files" held in memory, keyed by path — for tests of the engine.
public final class InMemoryResultsFormat: ResultsFormat, @unchecked Sendable {
    private let lock = NSLock()
    private var files: [String: Stored] = [:]

    struct Stored {
        var metadata: RunMetadata
        var cells: [Int: (CellResults, [[PerformanceMeasures]])]
    }

    public init() {}

    public func create(path: String, metadata: RunMetadata) throws -> any ResultsSink {
        Sink(format: self, path: path, stored: Stored(metadata: metadata, cells: [:]))
    }

    public func open(path: String) throws -> any ResultsSource {
        lock.lock(); defer { lock.unlock() }
        guard let s = files[path] else { throw RunError.failed("no results at \(path)") }
        return Source(stored: s)
    }

    public func exists(_ path: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return files[path] != nil
    }

    final class Sink: ResultsSink {
        let format: InMemoryResultsFormat
        let path: String
        var stored: Stored
        init(format: InMemoryResultsFormat, path: String, stored: Stored) {
            self.format = format
            self.path = path
            self.stored = stored
        }
        func write(cell: CellResults, measures: [[PerformanceMeasures]]) throws { stored.cells[cell.info.ordinal] = (cell, measures) }
        func commit() throws {
            format.lock.lock(); defer { format.lock.unlock() }
            format.files[path] = stored
        }
        func discard() {}
    }

    final class Source: ResultsSource {
        let stored: Stored
        init(stored: Stored) { self.stored = stored }
        var metadata: RunMetadata { stored.metadata }
        func cell(_ ordinal: Int) throws -> CellResults {
            guard let c = stored.cells[ordinal] else { throw RunError.failed("cell \(ordinal) missing") }
            return c.0
        }
        func measures(_ ordinal: Int) throws -> [[PerformanceMeasures]] {
            guard let c = stored.cells[ordinal] else { throw RunError.failed("cell \(ordinal) missing") }
            return c.1
        }
    }
}
