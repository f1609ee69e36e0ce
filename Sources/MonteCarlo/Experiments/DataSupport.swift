import CitySystem
import Foundation
import Numerics

/// The data support of the curve regressor in a design cell — [p5, p95], the interval of
/// the engine's curve grid, U-test and `inside_support` flag (docs/monte-carlo.md) — for
/// figures that shade it. A run stores it with each cell (`CellInfo.dataSupport`, from the
/// cell's world: `Experiment.dataSupport`).
public enum DataSupport {
    /// The cell's stored support. A file written before supports were stored is read by
    /// regenerating a synthetic city cell's panels from the stored scenario text (same seed,
    /// same streams); for any other world such a file has none (nil: no band rather than the
    /// band of another world).
    public static func of(_ cell: CellInfo, scenarioText: String) throws -> ClosedRange<Double>? {
        if let stored = cell.dataSupport { return stored }
        let scenario = try MonteCarloScenario(text: scenarioText, file: "stored scenario")
        guard scenario.document.world == .synthetic,
              let design = try scenario.cells().first(where: { $0.index == cell.index }) else { return nil }
        let spec = try ScenarioParser.parse(design.document)
        let system = try CitySystemCell(spec: spec.citySystem, seed: scenario.seed, cell: design.index, source: scenario.file)
        return try CitySystemBuilder.support(of: system)
    }
}
