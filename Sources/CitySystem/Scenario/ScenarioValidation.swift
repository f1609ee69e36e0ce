import Foundation

/// What `ScenarioValidation` found: the parsed scenario, the size of the system and
/// the weight-matrix reports and warnings. Errors are thrown, not collected.
public struct ValidationReport: Sendable {
    public let scenario: ScenarioSpec
    public let cities: Int
    public let years: [Int]
    public let weightReports: [WeightReport]
    public let warnings: [String]
}

/// Checks a scenario without generating a panel: the parse (keys, types, ranges),
/// then everything that needs the geography — ρ (and λ of a spatial error) inside
/// (1/ω_min, 1/ω_max) of the true W, islands in every W, treated regions that exist
/// and contain cities. Building the geography and the W spectra is cheap next to
/// a Monte Carlo run. The Monte Carlo part extends this with its own sections.
public enum ScenarioValidation {
    public static func validate(path: String) throws -> ValidationReport {
        try validate(ScenarioParser.load(path: path))
    }

    public static func validate(_ s: ScenarioSpec) throws -> ValidationReport {
        let cell = try CitySystemCell(scenario: s)
        var warnings = cell.weightReports.flatMap(\.warnings)
        if WeightBuilder.dependsOnData(s.citySystem.weights) {
            // ρ can only be checked once D exists: generate one replication's W.
            _ = try cell.generate(replication: 0)
            warnings.append("city_system.weights: kappa_d ≠ 0, so the true W depends on D and is rebuilt (with an O(N³) spectrum) every replication")
        }
        let tr = s.citySystem.treatment
        if tr.enabled {
            for r in tr.regions where !cell.geography.region.contains(r) {
                warnings.append("city_system.treatment.regions: region \(r) contains no city")
            }
        }
        return ValidationReport(scenario: s, cities: cell.geography.count, years: cell.years,
                                weightReports: cell.weightReports, warnings: warnings)
    }
}
