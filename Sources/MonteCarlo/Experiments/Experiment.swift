import CitySystem
import Foundation
import Numerics

/// Which replication is running. Every random draw of a replication comes from
/// a stream named by (seed, cell, replication, purpose) — nothing else — so
/// results do not depend on threads, scheduling or shards.
public struct ReplicationContext: Sendable {
    public let seed: UInt64
    /// The cell's index in the full grid cross (`DesignCell.index`).
    public let cell: Int
    public let replication: Int

    /// Purposes used by the engine's experiments; estimators that draw (simulation
    /// SEs, matching tie-breaks) take their own purpose numbers above 100.
    public enum Purpose: UInt64 { case data = 0, estimation = 1 }

    public func streamID(_ purpose: UInt64) -> StreamID {
        StreamID(seed: seed, cell: cell, replication: replication, purpose: purpose)
    }

    public func stream(_ purpose: Purpose) -> RandomStream { RandomStream(streamID(purpose.rawValue)) }
}

/// One design cell, ready to replicate: built once per cell (so expensive set-up
/// such as a weight matrix's spectrum is shared) and then called concurrently
/// from worker threads, so it must be immutable.
public protocol Experiment: Sendable {
    /// Generates one data set and runs every configured estimator on it. Never
    /// throws: a failing generator or estimator becomes a `FitStatus` with its reason.
    /// Returns one `FitOutcome` per estimator, in scenario order, each with one
    /// result per estimand in the estimator's order.
    func replicate(_ context: ReplicationContext) -> [FitOutcome]

    /// The data support of the curve regressor, [p5, p95] (CA in a city system, the
    /// calibrated quadratic regressor in an observed design): the interval of the curve grid,
    /// the U-test and `inside_support`, stored with the cell for the figures that shade it.
    /// Nil when the world has no such regressor or no estimator scores a curve estimand.
    var dataSupport: ClosedRange<Double>? { get }

    /// The estimators (by index in the scenario) whose fit fails in every replication of this cell,
    /// known from the cell as built (its W: `SpectrumRefusal`), each with the refusal to throw when
    /// it fails in every cell of the design (`makeExperiments`).
    var certainFailures: [Int: ScenarioError] { get }
}

extension Experiment {
    public var dataSupport: ClosedRange<Double>? { nil }
    public var certainFailures: [Int: ScenarioError] { [:] }
}

/// What the engine asks of a scenario's world (`WorldBuilder`, through `World`; tests give the
/// runner their own): builds the experiment of a design cell, and says the cell's data support
/// without running it. Throws a `ScenarioError` for settings it cannot run (an
/// unknown model, an estimand it cannot score …).
public protocol ExperimentBuilder: Sendable {
    func makeExperiment(cell: DesignCell, scenario: MonteCarloScenario) throws -> any Experiment

    /// The cell's data support (`Experiment.dataSupport`) for a result file written before
    /// supports were stored with each cell: rebuilt from the stored scenario, or nil when the
    /// world has no curve regressor.
    func dataSupport(cell: DesignCell, scenario: MonteCarloScenario) throws -> ClosedRange<Double>?
}

extension ExperimentBuilder {
    public func dataSupport(cell: DesignCell, scenario: MonteCarloScenario) throws -> ClosedRange<Double>? { nil }
}

/// The builder of a scenario's world (`Worlds.type(of:)`, the one switch on `ScenarioDocument.world`):
/// `known_dgp:` the built-in textbook experiments; `city_system.observed:` a real panel's design
/// with a calibrated outcome; any other `city_system:` the synthetic city panels.
public enum ExperimentRegistry {
    public static func builder(for scenario: MonteCarloScenario) -> any ExperimentBuilder {
        func builder<W: World>(_: W.Type) -> any ExperimentBuilder { WorldBuilder<W>() }
        return builder(Worlds.type(of: scenario.document.world))
    }
}

extension ExperimentBuilder {
    /// Builds every cell's experiment. An error in a cell with grid factors is
    /// reported as coming from the grid — the factor whose key path the error
    /// names, with its value and the cell's grid index — since the user wrote
    /// that value only under `grid:`; otherwise the cell and its factor values
    /// are named without blaming one.
    public func makeExperiments(cells: [DesignCell], scenario: MonteCarloScenario) throws -> [any Experiment] {
        try makeExperiments(cells: cells, scenario: scenario, built: { _, _ in })
    }

    /// The same, calling `built(ordinal, experiment)` as each cell is built, in cell order (the
    /// runner starts the first cell's replications while the later cells are still being built).
    /// An estimator whose fit fails in every replication of every cell (`Experiment.certainFailures`)
    /// is refused once all cells are built; one that can run in some cell runs there, and its fits in
    /// the other cells are recorded as failed.
    func makeExperiments(cells: [DesignCell], scenario: MonteCarloScenario,
                         built: (Int, any Experiment) -> Void) throws -> [any Experiment] {
        let experiments = try cells.enumerated().map { ordinal, cell in
            let experiment: any Experiment
            do { experiment = try makeExperiment(cell: cell, scenario: scenario) } catch {
                guard !cell.factors.isEmpty else { throw error }
                throw GridCellError(file: scenario.file, cell: cell, underlying: error)
            }
            built(ordinal, experiment)
            return experiment
        }
        if let first = experiments.first {
            for (k, refusal) in first.certainFailures.sorted(by: { $0.key < $1.key })
            where experiments.allSatisfy({ $0.certainFailures[k] != nil }) {
                throw refusal
            }
        }
        return experiments
    }
}

/// A design cell that cannot be built because of the values the grid gave it.
public struct GridCellError: Error, CustomStringConvertible {
    public let file: String
    public let cell: DesignCell
    public let underlying: any Error

    /// The factors the underlying error is about: those at or above the key path
    /// of a `ScenarioError` (a misspelt grid path such as `city_system.outcome.rhoo`
    /// is the path of the generator's unknown-key error). Other errors blame none.
    public var blamed: [FactorValue] {
        guard let written = (underlying as? ScenarioError)?.path else { return [] }
        // Messages index lists as `estimators[1].variance`; grid factors as `estimators.1.variance`.
        let path = written.replacingOccurrences(of: #"\[(\d+)\]"#, with: ".$1", options: .regularExpression)
        return cell.factors.filter { path == $0.path || path.hasPrefix($0.path + ".") }
    }

    public var description: String {
        var reason = "\(underlying)"
        // Do not repeat the file name the underlying error starts with.
        if reason.hasPrefix(file + ": ") { reason.removeFirst(file.count + 2) }
        let named = blamed
        // When the message names no factor the cause may lie outside the grid:
        // say which cell failed without blaming a factor.
        guard !named.isEmpty else {
            let all = cell.factors.map { "\($0.origin) = \($0.value.compactText)" }.joined(separator: ", ")
            return "\(file): design cell cell_index \(cell.index) (\(all)): \(reason)"
        }
        let factors = named.map { "\($0.origin) = \($0.value.compactText)" }.joined(separator: ", ")
        return "\(file): \(factors) (cell_index \(cell.index)): \(reason)"
    }
}
