import CitySystem
import Estimators
import Foundation

/// A DID-family estimator clustered by region (`cluster: region`) needs more regions than
/// coefficients: a cluster-robust variance from G clusters has rank at most G − 1, so with
/// G ≤ p `PanelOLS.checkClusterVariance` refuses the fit of every replication (validate used to
/// say OK and the summary read n_ok 0). Both numbers are known when the design is loaded: the
/// map is the same in every replication (`CityStreamPurpose.geography`), and the coefficients
/// follow from the years, the adoption years and the window. A design in which every cell has
/// too few regions is refused naming the entry; a grid with a cell that has enough still runs it
/// (that cell's fits succeed, the others' are recorded as failed). Every cell is counted on its
/// own map: a cell whose `city_system.geography` differs (a grid over `region_grid`, `cities`, …)
/// has its map drawn from the scenario's seed (`CitySystemCell.locate`; `seed` is not a grid factor).
enum RegionClusterRefusal {
    /// The fewest coefficients of the estimator's clustered regression in any replication of a
    /// cell, with what they are; nil when it does not cluster by region (or the treatment is off).
    ///
    /// The event study's count assumes every treated city-year is observed: gaps
    /// (`city_system.panel`) lower it only when every treated city misses a relative period.
    static func coefficients(_ settings: EstimatorSettings, treatment: TreatmentSpec, years: [Int], controls: [String] = [],
                             estimands: [String] = []) -> (count: Int, what: String)? {
        guard treatment.enabled else { return nil }
        switch settings {
        case .mediation(let s):
            guard s.shared.cluster == .region else { return nil }
            // `Mediation.estimate` always fits step 3 (the outcome on TP, the mediator and the panel's
            // controls) with the cluster-robust variance; slope_shift adds TP × CA, CA and CA² to one more.
            let moderated = estimands.contains(MediationEstimand.slopeShift.rawValue)
            let names = (moderated ? ["TP", "TP × CA", "CA", "CA²"] : ["TP", "the mediator D"]) + controls
            return (names.count, names.joined(separator: ", ") + (moderated ? " (slope_shift's regression)" : " (the direct-effect regression)"))
        case .psmDiD(_, let shared), .twfe(let shared):
            return shared.cluster == .region ? (1, "the treatment dummy") : nil
        case .spilloverDiD(let rings, let shared):
            return shared.cluster == .region ? (1 + rings.count, "the treatment dummy and \(rings.count) ring dummies") : nil
        case .eventStudy(let s):
            guard s.cluster == .region else { return nil }
            // EventStudy.estimate's event times (`binnedEventTime`; the adoption's index is the panel's
            // length when adoption is after it), the reference −1 left out.
            // Each replication's cohorts are some of these, so the fewest over one cohort is a lower bound.
            let cohorts = treatment.staggered.isEmpty ? [treatment.t0] : treatment.staggered
            let sets = cohorts.map { c -> [Int] in
                let adoption = years.firstIndex(of: c) ?? years.count
                let times = years.indices.map { EventStudy.binnedEventTime(period: $0, adoption: adoption, leads: s.leads, lags: s.lags) }
                return Set(times).subtracting([-1]).sorted()
            }
            guard let fewest = sets.min(by: { $0.count < $1.count }), let first = fewest.first, let last = fewest.last else { return nil }
            func signed(_ e: Int) -> String { e < 0 ? "−\(-e)" : "\(e)" }
            return (fewest.count, "relative periods \(signed(first))…\(signed(last)) without the reference −1")
        default:
            return nil
        }
    }

    /// Throws for the first estimator clustered by region that has no more regions than
    /// coefficients in every cell of the design. `regions`: the cities' regions on this cell's map.
    static func check(_ cell: DesignCell, spec: ScenarioSpec, regions: [Int], scenario: MonteCarloScenario,
                      reader: ScenarioValueReader) throws {
        let g = Set(regions).count
        for (k, e) in cell.estimators.enumerated() {
            guard let need = coefficients(e.settings, treatment: spec.citySystem.treatment, years: spec.citySystem.years,
                                          controls: spec.citySystem.outcome.controls.map(\.name), estimands: e.estimands),
                  g <= need.count else { continue }
            let everyCell = try scenario.cells().allSatisfy { other in
                let s = try ScenarioParser.parse(other.document)
                guard let n = coefficients(other.estimators[k].settings, treatment: s.citySystem.treatment, years: s.citySystem.years,
                                           controls: s.citySystem.outcome.controls.map(\.name), estimands: other.estimators[k].estimands) else {
                    return false
                }
                // Another geography (a grid factor) draws another map: count its regions with cities.
                let sameMap = other.document.value(atKeyPath: "city_system.geography") == cell.document.value(atKeyPath: "city_system.geography")
                let otherG = sameMap ? g : Set(try CitySystemCell.locate(s.citySystem.geography, seed: spec.seed, source: scenario.file).region).count
                return otherG <= n.count
            }
            guard everyCell else { continue }
            var fixes = ["cluster by city (remove `cluster: region`)"]
            if case .eventStudy = e.settings {
                fixes.append("bin the window with `leads` and `lags` so that leads + lags ≤ G − 1 = \(g - 1)")
            }
            fixes.append("or spread the cities over more regions (city_system.geography: more centres or a finer region_grid)")
            throw reader.error("estimators[\(k)]",
                               "`\(e.name)` (\(e.model)) clusters by region, but the map has \(g) region\(g == 1 ? "" : "s") with cities for at least \(need.count) coefficient\(need.count == 1 ? "" : "s") (\(need.what)) in every cell of this design: a cluster-robust variance from G = \(g) clusters has rank at most G − 1 = \(g - 1), so every replication's fit would fail",
                               fix: fixes.joined(separator: ", "))
        }
    }
}
