import CitySystem
import Foundation
import Numerics

/// The data support of the curve regressor in a design cell — [p5, p95], the interval of
/// the engine's curve grid, U-test and `inside_support` flag (docs/monte-carlo.md) — for
/// figures that shade it. A run stores it with each cell (`CellInfo.dataSupport`, from the
/// cell's world: `Experiment.dataSupport`).
public enum DataSupport {
    /// The cell's stored support. A file written before supports were stored asks the stored
    /// scenario's world (`World.dataSupport`): a synthetic city cell regenerates its
    /// panels (same seed, same streams), an observed design reads its data; a world without a
    /// curve regressor has none (nil: no band rather than the band of another world).
    public static func of(_ cell: CellInfo, scenarioText: String) throws -> ClosedRange<Double>? {
        if let stored = cell.dataSupport { return stored }
        let scenario = try MonteCarloScenario(text: scenarioText, file: "stored scenario")
        guard let design = try scenario.cells().first(where: { $0.index == cell.index }) else { return nil }
        return try ExperimentRegistry.builder(for: scenario).dataSupport(cell: design, scenario: scenario)
    }
}
