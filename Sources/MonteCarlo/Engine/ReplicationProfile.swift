import Foundation
import Numerics

/// Where the time of a Monte Carlo replication goes (`spillsim bench replication`; release
/// builds only, never in unit tests): one design cell of any scenario is built as `spillsim run`
/// builds it, then each replication is timed — in a city-system scenario stage by stage
/// (generation, the panel and its truth, per estimator its design, fit, variance, effects, curves,
/// AMEs and scoring), in an observed design or a known_dgp as one stage (generation and every fit:
/// those experiments are not instrumented) — with the encoding of the record, and, once per cell,
/// what `run` does when the cell is complete: the journal frame, the performance measures (with
/// their bootstrap MCSEs) and the HDF5 write.
public final class ReplicationProfiler {
    /// Times of one replication, per stage (seconds), in first-seen order.
    public struct Replication: Sendable {
        public let replication: Int
        /// `nested`: part of an enclosing stage (e.g. generate.digital inside generate), not added to the totals.
        public let stages: [(name: String, wall: Double, cpu: Double, nested: Bool)]
        public var wall: Double { stages.reduce(0) { $0 + ($1.nested ? 0 : $1.wall) } }
        public var cpu: Double { stages.reduce(0) { $0 + ($1.nested ? 0 : $1.cpu) } }
        /// Fits that did not end `ok`, as "estimator: reason".
        public let problems: [String]
    }

    /// The once-per-cell work after the last replication (seconds of wall time).
    public struct CellWork: Sendable {
        public let journal: Double
        public let measures: Double
        public let resultFile: Double
        /// Thread CPU time of the same three steps (single-threaded: steadier than wall time under
        /// load, and without the file system's waits).
        public let journalCPU: Double
        public let measuresCPU: Double
        public let resultFileCPU: Double
    }

    public let cellLabel: String
    public let estimatorNames: [String]
    /// Building the cell (geography, weights and their spectra, truth caches): once per cell.
    public let setupSeconds: Double
    private let scenario: MonteCarloScenario
    private let cell: DesignCell
    private let experiment: any Experiment
    /// The scenario's kind of world (`synthetic`, `observed`, `known_dgp`).
    public let worldKind: String
    /// Whether the replication is split into stages (city-system scenarios) or timed whole.
    public var splitsStages: Bool { experiment is CitySystemExperiment }
    private var records: [ReplicationRecord] = []

    /// Builds cell `ordinal` (position among the cells that run, as in `summarize`).
    public init(scenario: MonteCarloScenario, cellOrdinal ordinal: Int) throws {
        let cells = try scenario.cells()
        guard cells.indices.contains(ordinal) else {
            throw RunError.failed("--cell \(ordinal): the scenario has \(cells.count) cells (0…\(cells.count - 1))")
        }
        self.scenario = scenario
        worldKind = scenario.document.world.rawValue
        cell = cells[ordinal]
        cellLabel = cell.label
        estimatorNames = scenario.estimators.map(\.name)
        let t0 = StageClock.now(CLOCK_MONOTONIC)
        experiment = try ExperimentRegistry.builder(for: scenario).makeExperiment(cell: cell, scenario: scenario)
        setupSeconds = StageClock.now(CLOCK_MONOTONIC) - t0
    }

    /// Runs and times one replication (on the calling thread); the record is kept for `finishCell`.
    public func replicate(_ replication: Int) -> Replication {
        let clock = StageClock()
        let context = ReplicationContext(seed: scenario.seed, cell: cell.index, replication: replication)
        let fits: [FitOutcome]
        if let city = experiment as? CitySystemExperiment {
            fits = city.replicate(context, clock: clock, names: estimatorNames)
        } else {
            fits = clock.measure("replicate (generation and every fit, not split)") { experiment.replicate(context) }
        }
        let record = ReplicationRecord(replication: replication,
                                       streamKey: context.streamID(ReplicationContext.Purpose.data.rawValue).key, fits: fits)
        clock.measure("store (encode record)") {
            var w = BinaryWriter()
            w.record(record)
            _ = w.bytes.count
        }
        records.append(record)
        let problems = zip(estimatorNames, fits).compactMap { name, f in f.status.isOK ? nil : "\(name): \(f.status.message)" }
        return Replication(replication: replication,
                           stages: clock.order.map { name in
                               let t = clock.totals[name]!
                               return (name, t.wallSeconds, t.cpuSeconds, t.nested)
                           },
                           problems: problems)
    }

    /// What `spillsim run` does once the cell's replications are in: one journal frame
    /// (written and fsync'd), the performance measures, the HDF5 result file. In a temporary directory.
    public func finishCell() throws -> CellWork {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spillsim-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let metadata = RunMetadata(scenario: scenario, cells: [cell], replications: records.count, shard: .whole, toolVersion: "bench")
        let results = CellResults(info: metadata.cells[0], records: records)
        let t0 = StageClock.now(CLOCK_MONOTONIC), c0 = StageClock.now(CLOCK_THREAD_CPUTIME_ID)
        let journal = try Journal.create(path: dir.appendingPathComponent("r.h5.journal").path,
                                         identity: metadata.identity(chunkSize: scenario.settings.chunkSize))
        try journal.append(Journal.Frame(cellOrdinal: 0, records: records))
        let t1 = StageClock.now(CLOCK_MONOTONIC), c1 = StageClock.now(CLOCK_THREAD_CPUTIME_ID)
        let measures = results.measures(metadata)
        let t2 = StageClock.now(CLOCK_MONOTONIC), c2 = StageClock.now(CLOCK_THREAD_CPUTIME_ID)
        let sink = try HDF5ResultsFormat().create(path: dir.appendingPathComponent("r.h5").path, metadata: metadata)
        try sink.write(cell: results, measures: measures)
        try sink.commit()
        let t3 = StageClock.now(CLOCK_MONOTONIC), c3 = StageClock.now(CLOCK_THREAD_CPUTIME_ID)
        return CellWork(journal: t1 - t0, measures: t2 - t1, resultFile: t3 - t2,
                        journalCPU: c1 - c0, measuresCPU: c2 - c1, resultFileCPU: c3 - c2)
    }
}
