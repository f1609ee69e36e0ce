import CitySystem
import Estimators
import Foundation
import Numerics

/// Fits the dynamic SDM (`model: sdm_dynamic`, issue 25) to a panel and scores its estimands:
/// `rho`, `tau`, `eta`, `beta.X`, `theta.X` from the (bias-corrected) fit; effects, curves,
/// `tp` and `utest` at the short-run horizon; `tp_lr`, `utest_lr`, `curve_lr` at the long-run horizon.
/// A fit whose long run does not exist (non-stationary estimates) scores those as missing.
enum DynamicScoring {
    static func run(durbin: DurbinVariables, correction: DynamicBiasCorrection, weights: SpatialWeights?,
                    panel: Result<SpatialPanel, Error>, truth: SpatialTruth, estimands: [SpatialEstimand], alpha: Double) -> FitOutcome {
        let truths = estimands.map { SpatialScoring.trueValue($0, truth) }
        func failed(_ code: FitStatus.Code, _ message: String) -> FitOutcome {
            FitOutcome(status: FitStatus(code, message), results: truths.map { .missing(truth: $0) })
        }
        guard let w = weights else { return failed(.failed, "no such weight matrix in the panel") }
        let d: DynamicSpatialFit
        var impacts: [RegressorImpact] = []
        var shortRun: NonlinearEffects?, longRun: NonlinearEffects?
        do {
            d = try DynamicSpatialEstimator.fit(panel: try panel.get(), weights: w, durbin: durbin, biasCorrection: correction)
            func analyse(_ h: EffectHorizon) throws -> NonlinearEffects? {
                let (fit, _) = DynamicEffects.horizonFit(d, h)
                guard let fit else { return nil }
                if h == .shortRun, estimands.contains(where: \.needsImpacts) { impacts = try SpatialImpacts.delta(fit, weights: w) }
                guard let terms = truth.terms, let lo = truth.grid.first, let hi = truth.grid.last else { return nil }
                return try DynamicEffects.nonlinear(d, h, weights: w, terms: terms, grid: truth.grid,
                                                    moderatorValues: truth.moderators.compactMap(\.value), lower: lo, upper: hi)
            }
            shortRun = try analyse(.shortRun)
            if estimands.contains(where: \.isLongRun) {
                longRun = try analyse(.longRun)
            }
        } catch {
            return failed(.failed, "\(error)")
        }
        // A non-stationary estimate has no long run: its tp_lr / utest_lr are missing (counted as
        // such by the summary) while the fit itself converged.
        let status = d.fit.converged ? FitStatus.ok : FitStatus(.notConverged, d.fit.reason)
        let results = zip(estimands, truths).map { e, t in
            SpatialScoring.estimate(e, truth: t, fit: d.fit, impacts: impacts, averages: [:], curves: shortRun, panelTruth: truth,
                                    alpha: alpha, longRun: .separate(longRun))
        }
        return FitOutcome(status: status, results: results)
    }
}
