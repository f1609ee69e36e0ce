import CitySystem
import Estimators
import Foundation
import Numerics

/// Which units share a cluster in the DID family's CR1 variance: each city alone (the
/// applied default) or all cities of a region (`city_system.geography.region_grid`), which
/// allows for errors correlated across nearby cities at the price of few clusters.
enum DIDCluster: String, CaseIterable {
    case unit, region

    static var allowed: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The per-unit cluster codes for the estimators (nil = by unit).
    func codes(_ p: SyntheticPanel) -> [Int]? { self == .region ? p.region : nil }
}

/// The DID estimators beyond PSM-DID that the Monte Carlo engine runs on generated panels,
/// each scored on `att` (truth: the generator's mean effect on the treated city-years after
/// adoption, common random numbers; MODEL.md §6).
enum DIDModel {
    /// TWFE with spillover rings around the treated (Butts 2021): untreated cities within each
    /// ring get their own post-adoption dummy, so only cities beyond the last ring are controls.
    case spilloverRings(rings: [Double], cluster: DIDCluster)
    /// Plain TWFE DID: y_it = α_i + γ_t + τ D_it + ε_it, CR1 (by city or region), on the observed
    /// city-years — with `city_system.panel` gaps the unobserved rows are dropped and the panel
    /// stays unbalanced, as fixest's `feols` and `estimate twfe` do.
    case twfe(cluster: DIDCluster)
    /// Callaway & Sant'Anna (2021) group-time ATTs, simple aggregation (the mean over treated
    /// city-years after adoption, the generator's truth), for staggered adoption.
    /// `entry`: the scenario file and the entry's key path (`FILE: estimators[i]`), named by the
    /// failure of a replication whose cohort holds one city.
    case callawaySantAnna(CSDiDSpec, covariates: [String], entry: String)

    func run(estimands: [TreatmentEstimand], data: PanelData) -> FitOutcome {
        let truth = data.panel.truth.integration.meanAtt ?? .nan
        do {
            // Each p-value from the same reference distribution as its interval: t(G − 1) for the
            // spillover TWFE (clustered, MODEL.md §5), normal for Callaway–Sant'Anna (as R `did`).
            let att: (estimate: Double, se: Double, lower: Double, upper: Double, p: Double)
            switch self {
            case let .spilloverRings(rings, cluster):
                let p = data.panel
                // Every city; the regression drops the unobserved city-years (fixest's convention).
                let panel = try data.treatment(covariates: [], balanced: false)
                var spec = SpilloverRingSpec(rings: rings)
                spec.unitClusters = cluster.codes(p)
                let distance = SpilloverDiD.nearestTreatedDistance(x: p.coordinateX, y: p.coordinateY, treated: panel.everTreated)
                let r = try SpilloverDiD.estimate(panel: panel, distanceToTreated: distance, observed: p.observed, spec: spec)
                att = (r.att, r.standardError, r.ciLower, r.ciUpper, r.pValue)
            case let .twfe(cluster):
                let p = data.panel
                let fit = try TWFEDiD.estimate(panel: try data.treatment(covariates: [], balanced: false), observed: p.observed,
                                               unitClusters: cluster.codes(p))
                let ci = fit.confidenceInterval(0, level: 0.95)
                att = (fit.coefficients[0], fit.standardErrors[0], ci.lower, ci.upper, fit.pValues[0])
            case let .callawaySantAnna(spec, covariates, _):
                // The cities observed every year, as R did's att_gt(panel = TRUE) keeps.
                let r = try CallawaySantAnna.estimate(panel: try data.treatment(covariates: covariates, balanced: true), spec: spec)
                let z = r.simple.att / r.simple.standardError
                att = (r.simple.att, r.simple.standardError, r.simple.ciLower, r.simple.ciUpper,
                       z.isFinite ? 2 * Normal.survival(abs(z)) : .nan)
            }
            return FitOutcome(status: .ok, results: estimands.map { _ in
                EstimandResult(truth: truth, estimate: att.estimate, standardError: att.se, lower: att.lower, upper: att.upper,
                               pValue: att.p)
            })
        } catch {
            return FitOutcome(status: FitStatus(.failed, message(error)), results: estimands.map { _ in .missing(truth: truth) })
        }
    }

    /// A failure's message; a Callaway–Sant'Anna cohort of one city restated with the scenario's
    /// file, entry and the treatment keys that set the cohorts' sizes.
    private func message(_ error: Error) -> String {
        guard case let .callawaySantAnna(_, _, entry) = self, let c = (error as? TreatmentError)?.smallCohort else { return "\(error)" }
        let g = PanelIndex.format(c.adoption)
        return "\(entry) (cs_did): in this replication only 1 city observed in every year (\(c.units.joined(separator: ", "))) adopts in \(g), "
            + "so Callaway–Sant'Anna cannot estimate the variance of its group-time ATTs (its influence function is identically 0); "
            + "give each cohort more cities: fewer cohorts in city_system.treatment.staggered, more treated regions "
            + "(city_system.treatment.regions) or cities, or a larger city_system.treatment.selection_intercept"
    }
}
