import CitySystem
import Estimators
import Foundation
import Numerics

/// `model: mediation` (issue 26): the applied papers' mechanism regressions (`Mediation`) on a
/// generated panel — outcome Mis, mediator D, treatment Treat × Post, the panel's controls —
/// on all cities or on PSM-DID's matched sample. Scored against the mechanism truths of
/// MODEL.md §10 (`truth.mechanism`); a parameter's rejection rate is its test's (size where the
/// truth is 0, i.e. integration_boost = integration_target = 0, power elsewhere).
struct MediationSettings: Sendable {
    enum Sample: String, CaseIterable, Sendable { case all, matched }
    var sample: Sample
    /// Cluster bootstrap replications for `nie_boot` (and the share's interval).
    var bootstrap: Int
    /// Quasi-Bayesian draws for `acme` and `ade` (`CausalMediation`).
    var simulations: Int = 1000
    var shared: TreatmentSettings
    /// Whether `bootstrap` / `simulations` were written: the estimands decide whether they are read.
    var bootstrapGiven = false, simulationsGiven = false
}

/// | name | estimate | truth |
/// |---|---|---|
/// | `att` | c, step 1 (Mis on TP) | mean ΔMis on the treated after adoption (`att_mis`; on the matched sample its matching-weighted mean) |
/// | `att_d` | a, step 2 (the DID / PSM-DID with D as outcome) | mean ΔD on the treated (`att_d`; on the matched sample its matching-weighted mean) |
/// | `nde` | c′, step 3 | the part not through D (`direct_treated`) |
/// | `nie` | a·b, Sobel SE and test | the part through D (`indirect_treated`) |
/// | `nie_boot` | a·b, cluster-bootstrap percentile interval and test | `indirect_treated` |
/// | `share_d` | a·b / c, bootstrap percentile interval | `share_treated` |
/// | `acme` | a·b, quasi-Bayesian interval and p-value (IKT 2010, `mediation::mediate`) | `indirect_treated` |
/// | `ade` | c′, quasi-Bayesian interval and p-value | `direct_treated` |
/// | `slope_shift` | g of TP × CA (treat × post × CA DID) | (a1β3 + a2θ3)·att_d, the direct curve's slope change |
enum MediationEstimand: String, CaseIterable, Sendable {
    case att, attD = "att_d", nde, nie, nieBoot = "nie_boot", share = "share_d", slopeShift = "slope_shift", acme, ade

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    func truth(_ m: MechanismTruth) -> Double {
        switch self {
        case .att: return m.attMis ?? .nan
        case .attD: return m.attD ?? .nan
        case .nde: return m.directTreated ?? .nan
        case .nie, .nieBoot, .acme: return m.indirectTreated ?? .nan
        case .ade: return m.directTreated ?? .nan
        case .share: return m.shareTreated ?? .nan
        case .slopeShift: return m.curveShifts.first { $0.effect == .direct }?.slope ?? .nan
        }
    }
}

enum MediationScoring {
    static func run(_ s: MediationSettings, covariates: [String], estimands: [MediationEstimand], data: PanelData) -> FitOutcome {
        let p = data.panel
        let truths = estimands.map { $0.truth(p.truth.mechanism) }
        do {
            var weights: [Double]? = nil
            if s.sample == .matched {
                var spec = PSMDiDSpec()
                spec.unitClusters = s.shared.cluster.codes(p)
                weights = try PSMDiD.estimate(panel: try data.treatment(covariates: covariates, balanced: true), spec: spec).observationWeights
            }
            let count = p.n * p.t
            let scored = weights.map { matchedTruths(estimands, all: truths, panel: p, weights: data.fullPanelWeights($0) ?? $0) } ?? truths
            let treatment = (0..<count).map { k in Double(p.treat[k % p.n] * p.post[k]) }
            let clusters = s.shared.cluster.codes(p).map { c in (0..<count).map { c[$0 % p.n] } }
            var spec = MediationSpec()
            spec.bootstrap = estimands.contains(.nieBoot) || estimands.contains(.share) ? s.bootstrap : 0
            spec.stream = StreamID(seed: p.stream.seed, cell: Int(p.stream.cell), replication: Int(p.stream.replication),
                                   purpose: EstimatorStreamPurpose.mediationBootstrap.rawValue)
            spec.simulations = estimands.contains(.acme) || estimands.contains(.ade) ? s.simulations : 0
            spec.simulationStream = StreamID(seed: p.stream.seed, cell: Int(p.stream.cell), replication: Int(p.stream.replication),
                                             purpose: EstimatorStreamPurpose.mediationSimulation.rawValue)
            let r = try Mediation.estimate(MediationData(
                outcome: p.mis, mediator: p.d, treatment: treatment,
                moderator: estimands.contains(.slopeShift) ? p.ca : nil,
                controls: try Matrix(columns: p.controls), controlNames: p.controlNames,
                unit: (0..<count).map { $0 % p.n }, time: (0..<count).map { $0 / p.n }, weights: weights, cluster: clusters), spec: spec)
            return FitOutcome(status: .ok, results: zip(estimands, scored).map { e, t in result(e, r, truth: t) })
        } catch {
            return FitOutcome(status: FitStatus(.failed, "\(error)"), results: truths.map { .missing(truth: $0) })
        }
    }

    /// On the matched sample every truth is taken over the city-years the regressions use: the
    /// matching-weighted means over the treated post city-years with positive weight (`TreatmentTruth`,
    /// as psm_did's `att_matched`) of Mis(1) − Mis(0) (`att`), D(1) − D(0) (`att_d`) and the two parts of
    /// the decomposition per city-year (`SyntheticPanel.mechanismPaths`: `nie`, `nie_boot`, `acme`
    /// through D, `nde`, `ade` the policy's own term); `share_d` is their ratio and `slope_shift`, linear in
    /// the treated's mean ΔD (MODEL.md §10), the all-treated slope change rescaled to the matched att_d.
    static func matchedTruths(_ estimands: [MediationEstimand], all: [Double], panel p: SyntheticPanel, weights: [Double]) -> [Double] {
        let att = TreatmentTruth(p, weights: weights).att
        var sums = [Double](repeating: 0, count: 3), total = 0.0   // ΔD, NIE, NDE
        for period in 0..<p.t {
            for i in 0..<p.n where p.treat[i] == 1 {
                let k = p.index(period: period, city: i)
                guard p.post[k] == 1, weights[k] > 0 else { continue }
                sums[0] += weights[k] * (p.d[k] - p.dNoIntegration[k])
                if let paths = p.mechanismPaths {
                    sums[1] += weights[k] * paths.indirect[k]; sums[2] += weights[k] * paths.direct[k]
                }
                total += weights[k]
            }
        }
        func mean(_ s: Double) -> Double { total > 0 ? s / total : .nan }
        let attD = mean(sums[0])
        let nie = p.mechanismPaths == nil ? Double.nan : mean(sums[1]), nde = p.mechanismPaths == nil ? Double.nan : mean(sums[2])
        let allAttD = p.truth.mechanism.attD
        return zip(estimands, all).map { e, t in
            switch e {
            case .att: return att
            case .attD: return attD
            case .nie, .nieBoot, .acme: return nie
            case .nde, .ade: return nde
            case .share: return nie + nde != 0 ? nie / (nie + nde) : .nan
            case .slopeShift:
                guard let allAttD, allAttD != 0 else { return attD == 0 ? 0 : .nan }
                return t * attD / allAttD
            }
        }
    }

    static func result(_ e: MediationEstimand, _ r: MediationResult, truth: Double) -> EstimandResult {
        func from(_ c: MediationResult.Coefficient) -> EstimandResult {
            EstimandResult(truth: truth, estimate: c.estimate, standardError: c.standardError, lower: c.lower, upper: c.upper, pValue: c.pValue)
        }
        switch e {
        case .att: return from(r.total)
        case .attD: return from(r.firstStage)
        case .nde: return from(r.direct)
        case .nie: return from(r.indirect)
        case .nieBoot:
            guard let b = r.bootstrap else { return .missing(truth: truth) }
            return EstimandResult(truth: truth, estimate: r.indirect.estimate, standardError: b.standardError, lower: b.lower,
                                  upper: b.upper, pValue: b.pValue)
        case .share:
            return EstimandResult(truth: truth, estimate: r.share, standardError: .nan, lower: r.bootstrap?.shareLower ?? .nan,
                                  upper: r.bootstrap?.shareUpper ?? .nan, pValue: .nan)
        case .slopeShift:
            guard let g = r.interaction else { return .missing(truth: truth) }
            return from(g)
        case .acme, .ade:
            guard let c = r.causal else { return .missing(truth: truth) }
            let q = e == .acme ? c.acme : c.ade
            return EstimandResult(truth: truth, estimate: q.estimate, standardError: q.standardError, lower: q.lower, upper: q.upper,
                                  pValue: q.pValue)
        }
    }
}
