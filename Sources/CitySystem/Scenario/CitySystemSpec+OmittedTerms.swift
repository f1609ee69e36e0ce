import Foundation

/// A term of the outcome DGP (MODEL.md §2.6) that the spatial estimators' regressors
/// (CA, CA², CA·D, D, the controls and their W-lags) do not contain. Whether an estimator omits
/// it depends on its fixed effects for the city and year effects, and on its error process (and W)
/// for a spatial error component.
public struct DGPTerm: Sendable, Equatable {
    public enum Removal: Sendable, Equatable {
        /// No fixed effect removes it: every spatial estimator of the scenario omits it.
        case never
        /// Removed by unit (city) fixed effects (individual or two-way).
        case unitEffects
        /// Removed by time fixed effects (time or two-way).
        case timeEffects
        /// Modelled by a spatial error process u = λWu + ε on the true W (sac, sem, sdem with `weights: true`).
        case errorProcess
    }
    public let text: String
    public let removedBy: Removal

    /// True when an estimator with these fixed effects (and, `errorProcess`, a spatial error
    /// process on the true W) leaves the term in its error.
    public func omitted(unitEffects: Bool, timeEffects: Bool, errorProcess: Bool = false) -> Bool {
        switch removedBy {
        case .never: return true
        case .unitEffects: return !unitEffects
        case .timeEffects: return !timeEffects
        case .errorProcess: return !errorProcess
        }
    }
}

extension CitySystemSpec {
    /// Terms the DGP contains beyond the spatial estimators' regressors, so a user can see when
    /// "the SDM is the DGP" does not hold (issue 20): the policy effect and the Z·t confounder trend
    /// when treatment is enabled, city and year effects (removed by the matching fixed effects),
    /// and an error law that is not i.i.d. normal (the information-matrix SEs assume it; a spatial
    /// error component is an SEM term the SDM omits; Gaussian-field shocks, issue 23, are omitted by
    /// every estimator — the SAC's λ runs through W, not through the field's distance kernel).
    public var termsBeyondSpatialRegressors: [DGPTerm] {
        var terms: [DGPTerm] = []
        let tr = treatment, o = outcome
        if tr.enabled && (tr.effect != 0 || tr.effectGrowth != 0) {
            let growth = tr.effectGrowth != 0 ? String(format: " + %g per year since adoption", tr.effectGrowth) : ""
            let first = tr.staggered.min().map { min($0, tr.t0) } ?? tr.t0
            terms.append(DGPTerm(text: String(format: "policy δ_P·Treat·Post (effect %g", tr.effect) + growth + ", from \(first))",
                                 removedBy: .never))
        }
        if tr.enabled && tr.zSlope != 0 {
            terms.append(DGPTerm(text: String(format: "confounder trend λ_t·Z_i (z_slope %g per year)", tr.zSlope), removedBy: .never))
        }
        if o.cityEffectSd != 0 || o.cityEffectCaLoading != 0 {
            terms.append(DGPTerm(text: String(format: "city effects μ_i (sd %g, CA loading %g)", o.cityEffectSd, o.cityEffectCaLoading),
                                 removedBy: .unitEffects))
        }
        if o.yearEffectSd != 0 || o.yearTrend != 0 {
            terms.append(DGPTerm(text: String(format: "year effects α_t (sd %g, trend %g)", o.yearEffectSd, o.yearTrend), removedBy: .timeEffects))
        }
        let e = o.error
        switch e.law {
        case .normal: break
        case .heteroskedastic:
            terms.append(DGPTerm(text: String(format: "heteroskedastic errors (σ_i ∝ L_i^−%g; analytic SEs assume i.i.d.)", e.sizePower), removedBy: .never))
        case .ar1:
            terms.append(DGPTerm(text: String(format: "AR(1) errors over time (φ = %g; analytic SEs assume i.i.d.)", e.ar), removedBy: .never))
        case .spatial:
            terms.append(DGPTerm(text: String(format: "spatial error component λ = %g through the true W (an SEM term)", e.lambda), removedBy: .errorProcess))
        case .t:
            terms.append(DGPTerm(text: String(format: "t(%g) errors (QML: consistent, SEs from the normal information)", e.df), removedBy: .never))
        }
        if e.shocks.share > 0 {
            let serial = e.shocks.ar != 0 ? String(format: ", AR(1) %g over years", e.shocks.ar) : ""
            terms.append(DGPTerm(text: String(format: "spatially correlated shocks (Gaussian field: %g of the error variance, range %g km",
                                              e.shocks.share, e.shocks.rangeKm) + serial
                                     + "; left in every model's error: a Conley sandwich allows for it, the other variances assume independent cities)",
                                 removedBy: .never))
        }
        return terms
    }
}
