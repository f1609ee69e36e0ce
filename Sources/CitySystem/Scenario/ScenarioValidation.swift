import Foundation

/// What `ScenarioValidation` found: the parsed scenario, the size of the system and
/// the weight-matrix reports and warnings. Errors are thrown, not collected.
public struct ValidationReport: Sendable {
    public let scenario: ScenarioSpec
    public let cities: Int
    public let years: [Int]
    public let weightReports: [WeightReport]
    /// CA and LQ of replication 0 against the calibration targets (and the fixed points, `neg` mode).
    public let sectors: SectorSummary
    public let warnings: [String]
    /// The large-N generator's approximations (truncated diffusion kernel, convolution field); nil when dense.
    public let largeNSummary: String?
}

/// Checks a scenario without generating a panel: the parse (keys, types, ranges),
/// then everything that needs the geography — ρ (and λ of a spatial error) inside
/// (1/ω_min, 1/ω_max) of the true W, islands in every W, treated regions that exist
/// and contain cities — and generates replication 0 to report CA against its targets. Building the geography and the W spectra is cheap next to
/// a Monte Carlo run. The Monte Carlo part extends this with its own sections.
public enum ScenarioValidation {
    public static func validate(path: String) throws -> ValidationReport {
        try validate(ScenarioParser.load(path: path))
    }

    /// `cell`: the scenario's cell 0 when the caller has built it already. `weightsInUse`: the
    /// names of the W something reads (the true W and the estimators' W; nil: every one): a W
    /// nothing reads is not warned about for its separate components, which would matter only
    /// to an estimator using it.
    public static func validate(_ s: ScenarioSpec, cell built: CitySystemCell? = nil, weightsInUse: Set<String>? = nil) throws -> ValidationReport {
        let cell = try built ?? CitySystemCell(scenario: s)
        let weightReports = try cell.weightReports()
        var warnings = weightReports.flatMap { r in
            r.warnings.filter { weightsInUse?.contains(r.name) ?? true || $0 != r.componentsWarning }
        }
        // One replication: the calibrated CA distribution, a `neg` equilibrium that must converge,
        // and ρ against a W that depends on D.
        let sectors = SectorSummary(try cell.generate(replication: 0), mode: s.citySystem.sectors.mode)
        warnings += sectors.warnings
        if WeightBuilder.dependsOnData(s.citySystem.weights) {
            warnings.append("city_system.weights: kappa_d ≠ 0, so the true W depends on D and is rebuilt (with an O(N³) spectrum) every replication")
        }
        let tr = s.citySystem.treatment
        if tr.enabled {
            for r in tr.regions where !cell.geography.region.contains(r) {
                warnings.append("city_system.treatment.regions: region \(r) contains no city")
            }
        }
        return ValidationReport(scenario: s, cities: cell.geography.count, years: cell.years,
                                weightReports: weightReports, sectors: sectors, warnings: warnings,
                                largeNSummary: cell.largeNSummary)
    }
}
