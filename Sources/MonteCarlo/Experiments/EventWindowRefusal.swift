import CitySystem
import Foundation

/// `event_study`'s `leads`/`lags` beyond the years a cohort can have before or after adoption bin
/// nothing: the setting would be accepted and ignored (as `estimate twfe --event-study --leads 40`
/// is refused, `EventWindowError`). The years and the adoption years (`t0` or `staggered`) are known
/// when the design is loaded; a design where the bound is beyond them in every cell is refused.
enum EventWindowRefusal {
    /// The widest window any cohort of the cell can have: the most years before its adoption year
    /// (leads) and after it (lags), as `EventStudy.supportedWindow` counts them on a panel.
    static func supported(_ treatment: TreatmentSpec, years: [Int]) -> (leads: Int, lags: Int) {
        let cohorts = treatment.staggered.isEmpty ? [treatment.t0] : treatment.staggered
        let adoption = cohorts.map { years.firstIndex(of: $0) ?? years.count }
        return (adoption.max() ?? 0, max(0, years.count - 1 - (adoption.min() ?? years.count)))
    }

    /// Throws for the first `event_study` whose `leads` or `lags` lies beyond the data in every cell.
    static func check(_ cell: DesignCell, spec: ScenarioSpec, scenario: MonteCarloScenario, reader: ScenarioValueReader) throws {
        guard spec.citySystem.treatment.enabled else { return }
        for (k, e) in cell.estimators.enumerated() {
            guard case .eventStudy(let s) = e.settings else { continue }
            let here = supported(spec.citySystem.treatment, years: spec.citySystem.years)
            for (key, value, limit) in [("leads", s.leads, here.leads), ("lags", s.lags, here.lags)] {
                guard let value, value > limit else { continue }
                let everyCell = try scenario.cells().allSatisfy { other in
                    guard case .eventStudy(let o) = other.estimators[k].settings else { return false }
                    let t = try ScenarioParser.parse(other.document).citySystem
                    let range = supported(t.treatment, years: t.years)
                    return key == "leads" ? (o.leads ?? 0) > range.leads : (o.lags ?? 0) > range.lags
                }
                guard everyCell else { continue }
                let side = key == "leads" ? "before" : "after"
                throw reader.error("estimators[\(k)].\(key)",
                                   "\(key): \(value) bins nothing: no cohort has more than \(limit) year\(limit == 1 ? "" : "s") \(side) its adoption (city_system years \(spec.citySystem.years.first ?? 0)–\(spec.citySystem.years.last ?? 0), adoption \(spec.citySystem.treatment.staggered.isEmpty ? "t0 \(spec.citySystem.treatment.t0)" : "staggered \(spec.citySystem.treatment.staggered)")), so the setting would be ignored",
                                   fix: "set \(key) to \(limit) or less, or remove it to give every event time its own coefficient")
            }
        }
    }
}
