import CitySystem
import Foundation
import Numerics

/// The data support of CA in a design cell — [CA p5, CA p95], the interval of the
/// engine's curve grid, U-test and `inside_support` flag (docs/monte-carlo.md) — for
/// figures that shade it. It moves a little between replications, so this is the mean
/// of each end over the panels of the first `replications` replications, regenerated
/// from the scenario text a result file stores (same seed, same streams).
public enum DataSupport {
    /// nil for a scenario without a city system (a known DGP has no CA).
    public static func ca(scenarioText: String, cellIndex: Int, replications: Int = 10) throws -> ClosedRange<Double>? {
        let scenario = try MonteCarloScenario(text: scenarioText, file: "stored scenario")
        guard let cell = try scenario.cells().first(where: { $0.index == cellIndex }),
              cell.document["city_system"] != nil else { return nil }
        let spec = try ScenarioParser.parse(cell.document)
        let system = try CitySystemCell(spec: spec.citySystem, seed: scenario.seed, cell: cell.index, source: scenario.file)
        var lo = 0.0, hi = 0.0
        for r in 0..<replications {
            let ca = try system.generate(replication: r).ca.sorted()
            lo += Statistics.quantile(sorted: ca, 0.05)
            hi += Statistics.quantile(sorted: ca, 0.95)
        }
        let n = Double(replications)
        return (lo / n)...(hi / n)
    }
}
