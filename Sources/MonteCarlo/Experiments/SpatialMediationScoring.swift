import CitySystem
import Estimators
import Foundation
import Numerics

/// `model: spatial_mediation` (issue 26): natural direct and indirect effects of integration
/// through D valid under interference (`SpatialMediation`, docs/MODEL.md §10) — the mediator
/// model with own treatment and treated-neighbour share per treated year (the share through W, or
/// through the generator's diffusion kernel with `exposure_weights: diffusion`), the outcome SDM with
/// the generator's regressors (CA, CA², CA·D, D, P, controls, W-lags) — on all cities. With
/// `mediator_model: dynamic` the mediator model is instead the generator's diffusion equation (lagged D,
/// E·D_t−1, year effects scaled by the target factor, the policy's own term and the diffusion among
/// treated pairs), and ΔD̂ is propagated through its estimated recursion.
struct SpatialMediationSettings: Sendable {
    var spec: SpatialModelSpec
    var weights: String
    var variance: SpatialVarianceMethod
    /// `exposure_weights`: the matrix of the mediator model's exposure (E·P).
    var exposure: MediatorExposure = .weights
    /// `z_trend: true`: Z_i · (year − first year) as a control in both models, the generator's
    /// confounder trend λ_t Z_i (`treatment.z_slope`), which two-way effects do not absorb.
    var zTrend = false
    /// `mediator_model`: the static exposure model or the dynamic diffusion model (docs/MODEL.md §10, A2 / A2′).
    var mediator: Mediator = .static
    /// `target_factor` (dynamic model only, default true): the year effects and the own policy effect
    /// scaled by each city's target factor c_i (the generator's 1 + premium · exp(−dist_i / decay_km)).
    var targetFactor = true

    enum Mediator: String, CaseIterable, Sendable { case `static`, dynamic }

    /// The estimator's mediator model on a generated panel.
    func mediatorModel(_ p: SyntheticPanel) throws -> MediatorModel {
        switch mediator {
        case .static: return .exposure
        case .dynamic:
            guard targetFactor else { return .dynamic(targetFactor: nil) }
            guard let c = p.targetFactor else {
                throw EstimationError("spatial_mediation: target_factor needs the city system's target factors, and this panel has none; set `target_factor: false`")
            }
            return .dynamic(targetFactor: c)
        }
    }
}

/// `exposure_weights` of `spatial_mediation`: through which matrix the neighbours' treatment
/// enters the mediator model (assumption A2, docs/MODEL.md §10).
enum MediatorExposure: String, CaseIterable, Sendable {
    /// The estimator's `weights:` W (the outcome model's).
    case weights
    /// The generator's digital-diffusion kernel V (§2.4: exp(−d/decay_km), row-standardised), the
    /// matrix through which the policy's gain in D reaches the neighbours.
    case diffusion
}

/// | name | estimate | truth |
/// |---|---|---|
/// | `att` | NIE + NDE | `att_mis` |
/// | `att_d` | mean ΔD̂ on the treated | `att_d` |
/// | `nde` | ℓ'Ŝ(β̂_P P + θ̂_P WP) | `direct_treated` |
/// | `nie` | ℓ'Ŝ[(β̂4 + β̂3 CA)∘ΔD̂ + W((θ̂4 + θ̂3 CA)∘ΔD̂)] | `indirect_treated` |
/// | `share_d` | NIE / (NIE + NDE), delta method, and Fieller's set | `share_treated` |
/// | `spillover_d` | mean ΔD̂ on the never-treated from adoption | `spillover_d` |
enum SpatialMediationEstimand: String, CaseIterable, Sendable {
    case att, attD = "att_d", nde, nie, share = "share_d", spilloverD = "spillover_d"

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The truths `mediation` scores the same names against (MediationEstimand), and the controls' ΔD.
    func truth(_ m: MechanismTruth) -> Double {
        MediationEstimand(rawValue: rawValue)?.truth(m) ?? m.spilloverD ?? .nan
    }
}

enum SpatialMediationScoring {
    static func columns(_ p: SyntheticPanel, zTrend: Bool = false) throws -> SpatialMediationData {
        let count = p.n * p.t
        // Z_i (year − first year): the confounder trend's regressor (time-major like the controls).
        let trend = zTrend ? [(0..<count).map { k in p.z[k % p.n] * Double(p.years[k / p.n] - p.years[0]) }] : []
        var d = SpatialMediationData(outcome: p.mis, mediator: p.d, treatment: (0..<count).map { k in Double(p.treat[k % p.n] * p.post[k]) },
                                     moderator: p.ca, controls: try Matrix(columns: p.controls + trend),
                                     controlNames: p.controlNames + (zTrend ? ["Z_trend"] : []), n: p.n, t: p.t)
        d.mediatorName = "D"; d.moderatorName = "CA"
        return d
    }

    /// The exposure matrix E of `exposure_weights` (nil: the estimator's W).
    static func exposure(_ e: MediatorExposure, _ p: SyntheticPanel) throws -> ExposureWeights? {
        switch e {
        case .weights: return nil
        case .diffusion:
            switch p.diffusionKernel {
            case .dense(let v): return try ExposureWeights(dense: v)
            case .truncated(let v): return try ExposureWeights(sparse: v)
            case nil: throw EstimationError("spatial_mediation: exposure_weights: diffusion needs the city system's diffusion kernel, and this panel has none")
            }
        }
    }

    static func run(_ s: SpatialMediationSettings, estimands: [SpatialMediationEstimand], data: PanelData) -> FitOutcome {
        let truths = estimands.map { $0.truth(data.panel.truth.mechanism) }
        return MechanismSDM.run(weights: s.weights, truths: truths, data: data) { w in
            let r = try SpatialMediation.estimate(try columns(data.panel, zTrend: s.zTrend), weights: w, exposure: try exposure(s.exposure, data.panel),
                                                  mediatorModel: try s.mediatorModel(data.panel), spec: s.spec, variance: s.variance)
            let status = r.outcomeFit.converged ? FitStatus.ok : FitStatus(.notConverged, r.outcomeFit.reason)
            return FitOutcome(status: status, results: zip(estimands, truths).map { e, t in
                let q: SpatialMediationResult.Quantity
                switch e {
                case .att: q = r.total
                case .attD: q = r.firstStage
                case .nde: q = r.direct
                case .nie: q = r.indirect
                case .share: q = r.share
                case .spilloverD: q = r.spilloverMediator
                }
                // The share's Fieller set is scored beside its delta-method interval (fieller_coverage, share_bounded, …).
                return EstimandResult(truth: t, estimate: q.estimate, standardError: q.se, lower: q.lower, upper: q.upper, pValue: q.pValue,
                                      confidenceSet: e == .share ? ConfidenceSet(r.shareFieller) : nil)
            })
        }
    }
}
