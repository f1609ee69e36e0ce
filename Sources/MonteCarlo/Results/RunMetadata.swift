import Foundation
import Numerics

/// A deterministic subset of the replications: shard i of n runs replications
/// [⌊(i−1)R/n⌋, ⌊iR/n⌋) of every cell. Shards are contiguous blocks so a merge
/// is a concatenation and each shard's file is itself a valid result file.
public struct Shard: Codable, Hashable, Sendable, CustomStringConvertible {
    /// 1-based.
    public let index: Int
    public let count: Int

    public static let whole = Shard(index: 1, count: 1)

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `i/n` with 1 ≤ i ≤ n.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else {
            throw RunError.invalidSetting(.shard, got: text)
        }
        self.init(index: i, count: n)
    }

    public func replications(of total: Int) -> Range<Int> {
        (total * (index - 1) / count)..<(total * index / count)
    }

    public var description: String { "\(index)/\(count)" }
}

/// One design cell as stored in a result file.
public struct CellInfo: Codable, Equatable, Sendable {
    /// Position among the cells that run (after the filter).
    public let ordinal: Int
    /// Index in the full grid cross; it enters the cell's random streams.
    public let index: Int
    public let factors: [Factor]
    /// The cell's label (`DesignCell.title`: its `cells:` label and its grid levels' labels);
    /// nil when the scenario gives none (and in files written before labels existed).
    public let title: String?
    /// The data support of the curve regressor, [p5, p95] (`Experiment.dataSupport`), stored
    /// when the run's world has one and an estimator scores curves; nil otherwise and in files
    /// written before it was stored.
    public let dataSupport: ClosedRange<Double>?

    public struct Factor: Codable, Equatable, Sendable {
        public let path: String
        public let value: String
        /// The level's label from `grid: {path: {values, labels}}`, nil when it has none.
        public let label: String?

        public init(path: String, value: String, label: String? = nil) {
            self.path = path
            self.value = value
            self.label = label
        }

        /// The last component of the key path (`known_dgp.n` → `n`), for table headers and axes.
        public var shortName: String { String(path.split(separator: ".").last ?? Substring(path)) }
    }

    public init(ordinal: Int, index: Int, factors: [Factor], title: String? = nil, dataSupport: ClosedRange<Double>? = nil) {
        self.ordinal = ordinal
        self.index = index
        self.factors = factors
        self.title = title
        self.dataSupport = dataSupport
    }

    /// The label stored in result files: the cell's `title` when it has one, else its
    /// factors, `known_dgp.n=15, known_dgp.errors=t`.
    public var label: String {
        if let title { return title }
        return factors.isEmpty ? "cell \(index)" : factors.map { "\($0.path)=\($0.value)" }.joined(separator: ", ")
    }

    /// A short label for figure axes and panel titles: `n=15, errors=t`.
    public var shortLabel: String {
        if let title { return title }
        return factors.isEmpty ? "cell \(ordinal)" : factors.map { "\($0.shortName)=\($0.value)" }.joined(separator: ", ")
    }
}

/// What identifies a run and its result file: every field here must agree for
/// shards to merge and for a journal to be resumed.
public struct RunMetadata: Codable, Equatable, Sendable {
    public var toolVersion: String
    public var scenarioName: String
    public var scenarioText: String
    public var seed: UInt64
    /// Replications per cell of the whole run (not of one shard).
    public var replications: Int
    public var alpha: Double
    public var estimators: [StoredEstimator]
    public var cells: [CellInfo]
    public var shard: Shard

    public struct StoredEstimator: Codable, Equatable, Sendable {
        public let name: String
        public let model: String
        public let estimands: [String]
        /// Estimands whose truth is not the parameter this estimator targets (ρ and θ
        /// under a W other than the true one); absent in files of format_version 1.
        public var notComparable: [String]? = nil
        /// Each estimand's role and figure kind from the catalogue (`Estimand`), in layout
        /// order; absent in files written before they were stored (then read from the names).
        public var roles: [EstimandRole]? = nil
        public var kinds: [EstimandKind]? = nil

        public init(name: String, model: String, estimands: [String], notComparable: [String]? = nil) {
            self.name = name
            self.model = model
            self.estimands = estimands
            self.notComparable = notComparable
            let catalogue = estimands.map(Estimand.init)
            roles = catalogue.map(\.role)
            kinds = catalogue.map(\.kind)
        }

        /// The catalogue entries of the estimands, in layout order: the stored role and kind
        /// when the file has them, else the catalogue's reading of each name.
        public var catalogue: [(name: String, role: EstimandRole, kind: EstimandKind)] {
            estimands.enumerated().map { k, name in
                let stored = roles.flatMap { $0.indices.contains(k) ? $0[k] : nil }
                let kind = kinds.flatMap { $0.indices.contains(k) ? $0[k] : nil }
                guard let stored, let kind else { let parsed = Estimand(name); return (name, parsed.role, parsed.kind) }
                return (name, stored, kind)
            }
        }

        /// How each estimand is scored, in layout order.
        public var rules: [ScoringRule] {
            catalogue.map { ScoringRule(role: $0.role, comparable: !(notComparable ?? []).contains($0.name)) }
        }
    }

    /// - Parameter supports: each cell's `Experiment.dataSupport` (empty: none stored).
    public init(scenario: MonteCarloScenario, cells: [DesignCell], replications: Int, shard: Shard, toolVersion: String,
                supports: [ClosedRange<Double>?] = []) {
        self.toolVersion = toolVersion
        scenarioName = scenario.name
        scenarioText = scenario.text
        seed = scenario.seed
        self.replications = replications
        alpha = scenario.settings.alpha
        estimators = scenario.estimators.map {
            StoredEstimator(name: $0.name, model: $0.model, estimands: $0.estimands, notComparable: $0.notComparableEstimands)
        }
        self.cells = cells.enumerated().map { ordinal, cell in
            CellInfo(ordinal: ordinal, index: cell.index,
                     factors: cell.factors.map { CellInfo.Factor(path: $0.path, value: $0.value.compactText, label: $0.label) },
                     title: cell.title, dataSupport: supports.indices.contains(ordinal) ? supports[ordinal] : nil)
        }
        self.shard = shard
    }

    public var layouts: [EstimatorLayout] { estimators.map { EstimatorLayout(name: $0.name, estimands: $0.estimands) } }

    /// The replications this file holds for each cell.
    public var replicationRange: Range<Int> { shard.replications(of: replications) }

    /// The fields in which `other` differs from this run, named for a message
    /// (empty when the two describe the same run).
    public func differences(from other: RunMetadata) -> [String] {
        var d: [String] = []
        if scenarioText != other.scenarioText { d.append("scenario text") }
        if seed != other.seed { d.append("seed (\(other.seed) vs \(seed))") }
        if replications != other.replications { d.append("replications per cell (\(other.replications) vs \(replications))") }
        if shard != other.shard { d.append("shard (\(other.shard) vs \(shard))") }
        if toolVersion != other.toolVersion { d.append("spillsim version (\(other.toolVersion) vs \(toolVersion))") }
        if d.isEmpty && self != other { d.append("run settings") }
        return d
    }

    /// A canonical text of everything that must match (JSON with sorted keys).
    func identity(chunkSize: Int) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return "chunk_size=\(chunkSize)\n" + body
    }
}

/// All stored results of one cell: its records in replication order and the
/// performance measures of every (estimator, estimand).
public struct CellResults: Equatable, Sendable {
    public var info: CellInfo
    public var records: [ReplicationRecord]

    /// Measures per estimator, per estimand (layout order), scored by the estimators'
    /// rules; the resamples of the robust SE's MCSE of the estimands of an estimator that used n
    /// replications are drawn once from the stream (seed, cell index, FNV-1a of the estimator's
    /// name, `resamplePurpose` + n) and shared by them (`BootstrapResamples`) — disjoint from every
    /// replication's streams, and keyed by the name, not the position, so adding, removing or
    /// reordering estimators leaves every other estimator's MCSEs unchanged (`resampleStream`).
    ///
    /// `threads` > 1 computes the (estimator, estimand) pairs on that many threads, each taking the
    /// next pair not yet taken (their costs differ: only some have a bootstrap): each pair reads only
    /// the records and its estimator's resamples (drawn in full by whichever pair asks first, a
    /// function of their stream alone), so the measures are the same bits whatever the thread count
    /// (`spillsim run` passes its --threads; a cell's measures are computed while the previous cell
    /// is written, after the run's last replication).
    public func measures(_ metadata: RunMetadata, threads: Int = 1) -> [[PerformanceMeasures]] {
        let ok = metadata.estimators.indices.map { e in records.map { $0.fits[e].status.isOK } }
        let budget = ResampleBudget()
        let shared = metadata.estimators.map { estimator in
            SharedResamples(budget: budget) { n in
                Self.resampleStream(seed: metadata.seed, cell: info.index, estimator: estimator.name, replications: n)
            }
        }
        func measure(_ e: Int, _ k: Int) -> PerformanceMeasures {
            PerformanceMeasures(results: records.map { $0.fits[e].results[k] }, ok: ok[e], alpha: metadata.alpha,
                                rule: metadata.estimators[e].rules[k], resamples: shared[e].resamples)
        }
        let pairs = metadata.estimators.indices.flatMap { e in metadata.estimators[e].rules.indices.map { (e, $0) } }
        guard threads > 1, pairs.count > 1 else {
            return metadata.estimators.indices.map { e in metadata.estimators[e].rules.indices.map { measure(e, $0) } }
        }
        let workers = min(threads, pairs.count)
        let results = MeasureSlots(count: pairs.count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = results.take() { results.set(i, measure(pairs[i].0, pairs[i].1)) }
        }
        var next = 0
        return metadata.estimators.indices.map { e in
            metadata.estimators[e].rules.indices.map { _ in
                defer { next += 1 }
                return results.value(next)
            }
        }
    }

    /// Above the replication purposes (data 0, estimation 1, estimators' own > 100) and the
    /// per-estimand bootstrap streams of sessions 9–11 (2⁴⁰ + estimand index).
    static let resamplePurpose: UInt64 = 1 << 41

    /// The random stream of the resamples of n replications shared by the estimands of the
    /// estimator named `name` (`BootstrapResamples`).
    static func resampleStream(seed: UInt64, cell: Int, estimator name: String, replications n: Int) -> StreamID {
        StreamID(seed: seed, cell: cell, replicationKey: fnv1a64(Array(name.utf8)[...]),
                 purpose: resamplePurpose + UInt64(n))
    }
}

/// One estimator's `BootstrapResamples`, one set per count of used replications, made on first
/// request by whichever thread of `CellResults.measures` asks first (drawn on first use). The sets
/// held in memory by all the estimators of a cell together total at most `ResampleBudget.indices`
/// indices (32 MB): a set past the budget is drawn again on each use rather than held (the same
/// indices, so which sets are held — first come, first held — moves memory, never a value).
private final class SharedResamples: @unchecked Sendable {
    private let lock = NSLock()
    private var byCount: [Int: BootstrapResamples] = [:]
    private let budget: ResampleBudget
    private let stream: (Int) -> StreamID

    init(budget: ResampleBudget, stream: @escaping (Int) -> StreamID) {
        self.budget = budget
        self.stream = stream
    }

    func resamples(_ n: Int) -> BootstrapResamples {
        lock.lock(); defer { lock.unlock() }
        if let r = byCount[n] { return r }
        let r = BootstrapResamples(n: n, stream: stream(n), keep: budget.reserve(BootstrapResamples.count(n)))
        byCount[n] = r
        return r
    }
}

/// The indices a cell's `SharedResamples` may hold in memory, all estimators together.
private final class ResampleBudget: @unchecked Sendable {
    static let indices = 1 << 22
    private let lock = NSLock()
    private var held = 0

    /// Whether `count` more indices fit; if so they are counted as held.
    func reserve(_ count: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard count <= BootstrapResamples.maximumStored, held + count <= Self.indices else { return false }
        held += count
        return true
    }
}

/// One slot per (estimator, estimand) pair, each taken and written by exactly one thread of
/// `CellResults.measures(_:threads:)` and read after all of them have finished.
private final class MeasureSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [PerformanceMeasures?]
    private var next = 0

    init(count: Int) { slots = [PerformanceMeasures?](repeating: nil, count: count) }

    /// The next pair no thread has taken; nil when none is left.
    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < slots.count else { return nil }
        defer { next += 1 }
        return next
    }

    func set(_ i: Int, _ m: PerformanceMeasures) {
        lock.lock(); slots[i] = m; lock.unlock()
    }

    func value(_ i: Int) -> PerformanceMeasures {
        lock.lock(); defer { lock.unlock() }
        return slots[i]!
    }
}
