import Foundation
import Numerics

/// How to run a scenario.
public struct RunOptions: Sendable {
    public var output: String
    /// Overrides `monte_carlo.replications`.
    public var replications: Int?
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    public var shard: Shard = .whole
    public var resume = false
    /// Replace an existing result file, and discard a checkpoint journal of a
    /// different run (never one of this same run: that is completed work for `resume`).
    public var overwrite = false
    public var toolVersion = "dev"
    /// Stops with `RunError` after this many journal chunks, as a crash would
    /// (tests of resume use it; the CLI never sets it).
    var interruptAfterChunks: Int?

    public init(output: String) { self.output = output }
}

/// What a finished run did.
public struct RunReport: Sendable {
    public let output: String
    public let replicationsRun: Int
    public let replicationsResumed: Int
    public let failedFits: Int
    public let seconds: Double
    /// True when `--resume` found the result file already complete.
    public let alreadyComplete: Bool
    /// True when `--overwrite` deleted the checkpoint journal of a different run.
    public var discardedJournal = false
}

/// Runs a scenario: every (cell, replication) of the shard, in parallel on a
/// fixed pool of worker threads, with one writer that consumes results in
/// (cell, replication) order — so the output is identical for any thread count —
/// checkpoints each chunk to the journal, and finally assembles the result
/// file from the journal and renames it into place.
public final class MonteCarloRunner {
    public let scenario: MonteCarloScenario
    public let options: RunOptions
    let format: any ResultsFormat
    let builder: any ExperimentBuilder

    public init(scenario: MonteCarloScenario, options: RunOptions, format: any ResultsFormat,
                builder: (any ExperimentBuilder)? = nil) throws {
        self.scenario = scenario
        self.options = options
        self.format = format
        self.builder = builder ?? ExperimentRegistry.builder(for: scenario)
        guard options.threads >= 1 else { throw RunError.invalidSetting(.threads, got: "\(options.threads)") }
    }

    public var journalPath: String { options.output + ".journal" }

    public func run(progress: (any ProgressReporter)? = nil) throws -> RunReport {
        let started = Date()
        let cells = try scenario.cells()
        let replications = options.replications ?? scenario.settings.replications
        guard replications >= 1 else { throw RunError.invalidSetting(.replications, got: "\(replications)") }
        let range = options.shard.replications(of: replications)
        let units = cells.indices.flatMap { c in range.map { (cell: c, replication: $0) } }
        let fm = FileManager.default
        // Every cell's experiment is built, and every check below passed, before anything is written:
        // a bad scenario fails before any file changes. A fresh run (no checkpoint journal to resume or
        // refuse, no finished file to check or refuse) starts at its first unit whatever those checks
        // decide, so its workers start on the first cell's replications as soon as that cell is built,
        // while the later cells are still being built (their set-up would otherwise leave every other
        // core idle); if a check then fails, the workers are stopped and their records dropped. A
        // record is a function of its (cell, replication) alone, so the output is the same bits.
        let fresh = !fm.fileExists(atPath: journalPath) && (!fm.fileExists(atPath: options.output) || (options.overwrite && !options.resume))
        let slots = ExperimentSlots(count: cells.count)
        var pool: WorkerPool?
        defer { pool?.stop() }
        let experiments = try builder.makeExperiments(cells: cells, scenario: scenario) { ordinal, experiment in
            slots.publish(ordinal, experiment)
            if fresh, pool == nil, !units.isEmpty {
                pool = WorkerPool(units: units, from: 0, experiments: slots, seed: scenario.seed,
                                  cellIndices: cells.map(\.index), threads: options.threads)
            }
        }
        let metadata = RunMetadata(scenario: scenario, cells: cells, replications: replications,
                                   shard: options.shard, toolVersion: options.toolVersion, supports: experiments.map(\.dataSupport))
        let identity = metadata.identity(chunkSize: scenario.settings.chunkSize)

        var journalExists = fm.fileExists(atPath: journalPath)
        if fm.fileExists(atPath: options.output) && !journalExists {
            if options.resume {
                try checkFinishedFile(matches: metadata)
                return RunReport(output: options.output, replicationsRun: 0, replicationsResumed: units.count,
                                 failedFits: 0, seconds: 0, alreadyComplete: true)
            }
            if !options.overwrite {
                throw RunError.outputExists(path: options.output)
            }
        }
        // The output must be writable before hours of work go into it.
        try OutputPath.check(options.output)

        var discardedJournal = false
        if journalExists && !options.resume {
            if Journal.belongs(path: journalPath, identity: identity) {
                throw RunError.resumable(journal: journalPath)
            }
            guard options.overwrite else {
                throw RunError.foreignJournal(journal: journalPath, resuming: false)
            }
            do { try fm.removeItem(atPath: journalPath) } catch {
                throw RunError.failed("cannot remove the stale checkpoint journal \(journalPath): \(error.localizedDescription)")
            }
            discardedJournal = true
            journalExists = false
        }

        var completed = 0
        let journal: Journal
        if options.resume && journalExists {
            journal = try Journal.resume(path: journalPath, identity: identity) { frame in
                for record in frame.records {
                    guard completed < units.count, units[completed].cell == frame.cellOrdinal,
                          units[completed].replication == record.replication else {
                        throw RunError.failed("\(journalPath) does not follow the run's (cell, replication) order; delete it to start over")
                    }
                    completed += 1
                }
            }
        } else {
            journal = try Journal.create(path: journalPath, identity: identity)
        }

        let resumed = completed
        if completed < units.count && pool?.start != completed {
            // Not started early (a resumed run), or started from another unit (a journal appeared meanwhile).
            pool?.stop()
            pool = WorkerPool(units: units, from: completed, experiments: slots, seed: scenario.seed,
                              cellIndices: cells.map(\.index), threads: options.threads)
        }
        if let pool { try write(units: units, from: completed, pool: pool, journal: journal, progress: progress) }
        progress?.finish(done: units.count, total: units.count)
        let failed = try assemble(metadata: metadata, identity: identity)
        return RunReport(output: options.output, replicationsRun: units.count - resumed, replicationsResumed: resumed,
                         failedFits: failed, seconds: Date().timeIntervalSince(started), alreadyComplete: false,
                         discardedJournal: discardedJournal)
    }

    /// `--resume` of a finished file is a no-op only when the file is the result
    /// of exactly this request (the same fields the journal check compares).
    private func checkFinishedFile(matches metadata: RunMetadata) throws {
        let existing: RunMetadata
        do { existing = try format.open(path: options.output).metadata } catch {
            throw RunError.cannotResume(output: options.output, reason: "exists but cannot be read as a spillsim result file (\(error))")
        }
        let differences = metadata.differences(from: existing)
        guard differences.isEmpty else {
            throw RunError.cannotResume(output: options.output, reason: "is the finished result of a different run: its \(differences.joined(separator: ", ")) differ from this request (file vs request)")
        }
    }

    // MARK: parallel execution

    /// The writer: consumes the workers' records in (cell, replication) order and checkpoints each
    /// chunk to the journal.
    private func write(units: [(cell: Int, replication: Int)], from start: Int, pool: WorkerPool, journal: Journal,
                       progress: (any ProgressReporter)?) throws {
        guard start < units.count else { return }
        let layouts = scenario.layouts
        let queue = pool.queue
        defer { pool.stop() }

        let chunkSize = scenario.settings.chunkSize
        var chunk: [ReplicationRecord] = []
        var chunkCell = units[start].cell
        var chunksWritten = 0
        for u in start..<units.count {
            let record = queue.get(u)
            try Self.check(record, layouts: layouts)
            if units[u].cell != chunkCell || chunk.count == chunkSize {
                try journal.append(Journal.Frame(cellOrdinal: chunkCell, records: chunk))
                chunksWritten += 1
                if let limit = options.interruptAfterChunks, chunksWritten >= limit {
                    throw RunError.failed("interrupted after \(limit) chunks (test hook)")
                }
                chunk.removeAll(keepingCapacity: true)
                chunkCell = units[u].cell
            }
            chunk.append(record)
            progress?.update(done: u + 1, total: units.count, doneThisSession: u + 1 - start)
        }
        if !chunk.isEmpty { try journal.append(Journal.Frame(cellOrdinal: chunkCell, records: chunk)) }
    }

    static func check(_ record: ReplicationRecord, layouts: [EstimatorLayout]) throws {
        guard record.fits.count == layouts.count,
              zip(record.fits, layouts).allSatisfy({ $0.results.count == $1.estimands.count }) else {
            throw RunError.failed("internal error: an experiment returned results that do not match the estimator layout (replication \(record.replication))")
        }
    }

    // MARK: assembly

    /// Builds the result file from the journal, one cell at a time, then renames
    /// it into place and deletes the journal. Returns the number of failed fits.
    /// A cell's measures are computed on the run's threads while this thread writes the previous
    /// cell and reads the next one from the journal (at most two cells in memory); the cells are
    /// written in order, each with the measures of its own records, so the file is the same bits.
    private func assemble(metadata: RunMetadata, identity: String) throws -> Int {
        let sink = try format.create(path: options.output, metadata: metadata)
        var failed = 0
        var current: CellResults?
        var pending: (cell: CellResults, measures: MeasuresJob)?
        var nextOrdinal = 0
        func writePending() throws {
            guard let (cell, job) = pending else { return }
            pending = nil
            try sink.write(cell: cell, measures: job.wait())
        }
        func flush() throws {
            guard let cell = current else { return }
            failed += cell.records.reduce(0) { $0 + $1.fits.filter { !$0.status.isOK }.count }
            let job = MeasuresJob(cell, metadata, threads: options.threads)
            do { try writePending() } catch { _ = job.wait(); throw error }   // not left computing for no file
            pending = (cell, job)
            nextOrdinal = cell.info.ordinal + 1
            current = nil
        }
        // Cells without records (a shard with no replications, e.g. 3 reps over
        // 8 shards) are still written, with empty datasets, so the file is valid.
        func writeEmptyCells(upTo end: Int) throws {
            while nextOrdinal < end {
                current = CellResults(info: metadata.cells[nextOrdinal], records: [])
                try flush()
            }
        }
        do {
            try Journal.scan(path: journalPath, identity: identity) { frame in
                if current?.info.ordinal != frame.cellOrdinal {
                    try flush()
                    try writeEmptyCells(upTo: frame.cellOrdinal)
                    current = CellResults(info: metadata.cells[frame.cellOrdinal], records: [])
                }
                current?.records.append(contentsOf: frame.records)
            }
            try flush()
            try writeEmptyCells(upTo: metadata.cells.count)
            try writePending()
            try sink.commit()
        } catch {
            // No thread is left computing for a result file that will not exist.
            _ = pending?.measures.wait()
            sink.discard()
            throw error
        }
        try? FileManager.default.removeItem(atPath: journalPath)
        return failed
    }
}

/// One cell's performance measures, computed on other threads (`CellResults.measures` with the
/// run's thread count) while the caller goes on; `wait` returns them once they are done.
private final class MeasuresJob: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: [[PerformanceMeasures]] = []

    init(_ cell: CellResults, _ metadata: RunMetadata, threads: Int) {
        DispatchQueue.global().async { [self] in
            result = cell.measures(metadata, threads: threads)
            done.signal()
        }
    }

    /// The measures, once computed (callable more than once).
    func wait() -> [[PerformanceMeasures]] {
        done.wait()
        done.signal()
        return result
    }
}

/// The worker threads of a run: each takes the next unit, replicates it with its cell's experiment
/// and hands the record to the `WorkQueue`, until the units run out or the pool is stopped.
final class WorkerPool {
    let queue: WorkQueue
    /// The first unit the workers took.
    let start: Int
    private let experiments: ExperimentSlots
    private let threads: [Thread]
    private var stopped = false

    init(units: [(cell: Int, replication: Int)], from start: Int, experiments: ExperimentSlots, seed: UInt64,
         cellIndices: [Int], threads: Int) {
        let queue = WorkQueue(next: start, window: max(64, 8 * threads))
        self.queue = queue
        self.start = start
        self.experiments = experiments
        self.threads = (0..<max(0, min(threads, units.count - start))).map { _ in
            Thread {
                NumericsRuntime.ensureInitialised()
                while let u = queue.take(limit: units.count) {
                    let unit = units[u]
                    // Waits while the unit's cell is still being built; nil once the run is abandoned.
                    guard let experiment = experiments.experiment(unit.cell) else { break }
                    let context = ReplicationContext(seed: seed, cell: cellIndices[unit.cell], replication: unit.replication)
                    let fits = experiment.replicate(context)
                    queue.put(u, ReplicationRecord(replication: unit.replication,
                                                    streamKey: context.streamID(ReplicationContext.Purpose.data.rawValue).key,
                                                    fits: fits))
                }
                queue.workerExited()
            }
        }
        self.threads.forEach { $0.stackSize = 8 << 20; $0.start() }
    }

    /// Stops handing out units and waits for the workers to finish the ones they hold (idempotent).
    func stop() {
        guard !stopped else { return }
        stopped = true
        queue.cancel()
        experiments.abandon()
        queue.waitForWorkers(threads.count)
    }
}

/// Each cell's experiment as it is built, for workers that start before the last cell is.
final class ExperimentSlots: @unchecked Sendable {
    private let condition = NSCondition()
    private var slots: [(any Experiment)?]
    private var abandoned = false

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func publish(_ ordinal: Int, _ experiment: any Experiment) {
        condition.lock()
        slots[ordinal] = experiment
        condition.broadcast()
        condition.unlock()
    }

    /// Cell `ordinal`'s experiment, waiting until it is built; nil once the run is abandoned.
    func experiment(_ ordinal: Int) -> (any Experiment)? {
        condition.lock(); defer { condition.unlock() }
        while slots[ordinal] == nil && !abandoned { condition.wait() }
        return abandoned ? nil : slots[ordinal]
    }

    func abandon() {
        condition.lock()
        abandoned = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Hands out unit indices to workers and collects their records for the
/// writer. Workers never run more than `window` units ahead of the writer, so
/// memory stays bounded however many replications there are.
final class WorkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var next: Int
    private var writeCursor: Int
    private let window: Int
    private var done: [Int: ReplicationRecord] = [:]
    private var cancelled = false
    private var exited = 0

    init(next: Int, window: Int) {
        self.next = next
        writeCursor = next
        self.window = window
    }

    func take(limit: Int) -> Int? {
        condition.lock(); defer { condition.unlock() }
        while !cancelled && next < limit && next >= writeCursor + window { condition.wait() }
        guard !cancelled, next < limit else { return nil }
        defer { next += 1 }
        return next
    }

    func put(_ u: Int, _ record: ReplicationRecord) {
        condition.lock()
        done[u] = record
        condition.broadcast()
        condition.unlock()
    }

    func get(_ u: Int) -> ReplicationRecord {
        condition.lock(); defer { condition.unlock() }
        while done[u] == nil { condition.wait() }
        writeCursor = u + 1
        condition.broadcast()
        return done.removeValue(forKey: u)!
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    func workerExited() {
        condition.lock()
        exited += 1
        condition.broadcast()
        condition.unlock()
    }

    func waitForWorkers(_ n: Int) {
        condition.lock(); defer { condition.unlock() }
        while exited < n { condition.wait() }
    }
}
