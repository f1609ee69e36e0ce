import CitySystem
import Estimators
import Foundation
import Numerics

/// `event_study`'s settings (issue 24): the window and the clustering. `leads`/`lags` bin the
/// event times beyond them into the end points (fixest: rel clipped before `i(rel, ref = -1)`);
/// nil gives every event time its own coefficient.
struct EventStudySettings: Sendable {
    var leads: Int?
    var lags: Int?
    var cluster: DIDCluster
}

/// The estimands of `event_study`:
///
/// | name | estimate | truth |
/// |---|---|---|
/// | `event.K` | β̂_K, the coefficient of relative period K (K ≠ −1, the reference) | the mean of Mis(1) − Mis(0) over the treated city-years at relative period K (binned as the estimator bins), observed or not |
/// | `att` | Σ_{e≥0} n_e β̂_e / Σ n_e (n_e the observed treated rows at e) | the world's mean effect on all treated city-years after adoption (as `twfe`'s `att`) |
enum EventStudyEstimand: Equatable, Sendable {
    case att
    case event(Int)

    init?(_ name: String) {
        if name == "att" { self = .att; return }
        guard name.hasPrefix("event."), let k = Int(name.dropFirst("event.".count)), k != -1 else { return nil }
        self = .event(k)
    }

    static let forms = "att (the average post-adoption effect) or event.K (relative period K, an integer other than the reference −1: event.-3, event.0, event.2)"
}

/// Fits the TWFE event study on the observed city-years (fixest's convention on gaps: rows absent
/// are dropped, the panel stays unbalanced) and scores it against the generator's truths.
enum EventStudyScoring {
    static func run(_ s: EventStudySettings, estimands: [EventStudyEstimand], data: PanelData) -> FitOutcome {
        let p = data.panel
        let truths = estimands.map { truth($0, settings: s, panel: p) }
        func failed(_ message: String) -> FitOutcome {
            FitOutcome(status: FitStatus(.failed, message), results: truths.map { .missing(truth: $0) })
        }
        do {
            let es = try EventStudy.estimate(panel: try data.treatment(covariates: [], balanced: false), leads: s.leads, lags: s.lags,
                                             observed: p.observed, unitClusters: s.cluster.codes(p))
            var results: [EstimandResult] = []
            for (e, t) in zip(estimands, truths) {
                switch e {
                case .att:
                    guard let a = es.averagePostEffect() else { return failed("event study: no treated city-year after adoption is observed") }
                    results.append(EstimandResult(truth: t, estimate: a.estimate, standardError: a.se, lower: a.lower, upper: a.upper, pValue: a.p))
                case .event(let k):
                    guard let j = es.eventTimes.firstIndex(of: k) else {
                        return failed("event study: no treated city-year is observed at relative period \(k)")
                    }
                    results.append(EstimandResult(truth: t, estimate: es.estimates[j], standardError: es.standardErrors[j],
                                                  lower: es.ciLower[j], upper: es.ciUpper[j], pValue: es.fit.pValues[j]))
                }
            }
            return FitOutcome(status: .ok, results: results)
        } catch {
            return failed("\(error)")
        }
    }

    /// The generator's truth of an estimand (common random numbers: Mis(1) − Mis(0) of each city-year).
    static func truth(_ e: EventStudyEstimand, settings s: EventStudySettings, panel p: SyntheticPanel) -> Double {
        switch e {
        case .att: return p.truth.integration.meanAtt ?? .nan
        case .event(let k):
            var sum = 0.0, count = 0
            for i in 0..<p.n where p.cohort[i] > 0 {
                for (q, year) in p.years.enumerated() {
                    var rel = year - p.cohort[i]
                    if let leads = s.leads { rel = max(rel, -leads) }
                    if let lags = s.lags { rel = min(rel, lags) }
                    guard rel == k else { continue }
                    let idx = p.index(period: q, city: i)
                    sum += p.mis[idx] - p.misNoIntegration[idx]
                    count += 1
                }
            }
            return count > 0 ? sum / Double(count) : .nan
        }
    }
}
