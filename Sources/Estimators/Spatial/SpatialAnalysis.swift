import Foundation
import Numerics

/// Everything `spillsim estimate sdm` reports for one model: the fit, the effects, the
/// nonlinear analysis (with a quadratic term) and the specification tests.
public struct SpatialAnalysis: Sendable {
    public let fit: SpatialFitResult
    public let impacts: [RegressorImpact]
    public let nonlinear: NonlinearEffects?
    /// Wald SDM→SAR and SDM→SEM (SDM with W-lags only) and the LM tests on the non-spatial FE model.
    public let tests: [ChiSquaredTest]
    /// Simulation inference on the effects when requested (`draws > 0`).
    public let simulation: ImpactSimulation?

    /// Fits `spec` and derives the rest. Curves are drawn on `gridPoints` points over the
    /// 5th–95th percentile of the quadratic regressor (the U-test interval, MODEL.md §5), at the
    /// 25th, 50th and 75th percentiles of the moderator.
    /// With `draws > 0`, effects are also simulated from N(θ̂, V̂) on the stream (seed, purpose `.impactSimulation`).
    /// `variance` chooses the covariance every SE, interval and test uses (`.cluster`: by unit).
    /// `errorWeights` is the SAC model's error matrix M (nil: M = W); refused for other models.
    public static func run(_ spec: SpatialModelSpec, dataset: SpatialDataset, gridPoints: Int = 21,
                           level: Double = 0.95, draws: Int = 0, seed: UInt64 = 1,
                           variance: SpatialVarianceMethod = .analytic, clusterCorrection: ClusterCorrection = .standard,
                           conley: ConleySpec? = nil, errorWeights: SpatialWeights? = nil) throws -> SpatialAnalysis {
        let fit: SpatialFitResult
        if spec.model == .sac {
            fit = try SACEstimator.fit(spec, panel: dataset.panel, weights: dataset.weights, errorWeights: errorWeights, variance: variance,
                                       clusterCorrection: clusterCorrection, conley: conley)
        } else {
            if errorWeights != nil {
                throw EstimationError("an error weight matrix M belongs to the SAC model (lag and error process); the \(spec.model.rawValue) model has \(spec.model.hasErrorLag ? "its error process on W" : "no spatial error process")")
            }
            fit = try SpatialEstimator.fit(spec, panel: dataset.panel, weights: dataset.weights, variance: variance,
                                           clusterCorrection: clusterCorrection, conley: conley)
        }
        let impacts = try SpatialImpacts.delta(fit, weights: dataset.weights)
        let nonlinear = try nonlinear(fit, dataset: dataset, values: dataset.quadraticValues,
                                      moderator: dataset.moderatorValues, gridPoints: gridPoints, level: level)
        var tests: [ChiSquaredTest] = []
        if spec.model == .sdm, fit.durbinIndex.contains(where: { $0.theta != nil }), fit.converged {
            tests.append(try SpatialDiagnostics.waldSDMtoSAR(fit))
            tests.append(try SpatialDiagnostics.waldSDMtoSEM(fit))
        }
        let lm = try SpatialDiagnostics.lagrangeMultiplier(panel: dataset.panel, weights: dataset.weights,
                                                           effects: spec.effects, approach: spec.approach)
        tests += [lm.lag, lm.error, lm.robustLag, lm.robustError]
        let simulation = draws > 0
            ? try SpatialImpacts.simulate(fit, weights: dataset.weights, draws: draws,
                                          stream: RandomStream(StreamID(seed: seed, purpose: .impactSimulation)), level: level)
            : nil
        return SpatialAnalysis(fit: fit, impacts: impacts, nonlinear: nonlinear, tests: tests, simulation: simulation)
    }

    /// Curves, turning points and U-tests of `fit` when the dataset has a quadratic term
    /// (grid and moderator values from `curveGrid`).
    static func nonlinear(_ fit: SpatialFitResult, dataset: SpatialDataset, values: [Double]?, moderator: [Double]?,
                          gridPoints: Int, level: Double) throws -> NonlinearEffects? {
        guard let terms = dataset.quadratic, let q = values else { return nil }
        let g = curveGrid(values: q, moderator: moderator, gridPoints: gridPoints)
        return try SpatialCurves.analyse(fit, weights: dataset.weights, terms: terms, grid: g.grid,
                                         moderatorValues: g.moderatorValues, lower: g.lower, upper: g.upper, level: level)
    }

    /// `gridPoints` points over the 5th–95th percentile of `values` (the U-test interval,
    /// MODEL.md §5) and the 25th, 50th and 75th percentiles of `moderator`.
    static func curveGrid(values q: [Double], moderator: [Double]?, gridPoints: Int)
        -> (grid: [Double], lower: Double, upper: Double, moderatorValues: [Double]) {
        let s = q.sorted()
        let lo = Statistics.quantile(sorted: s, 0.05), hi = Statistics.quantile(sorted: s, 0.95)
        let grid = (0..<gridPoints).map { lo + (hi - lo) * Double($0) / Double(max(gridPoints - 1, 1)) }
        let dq = moderator.map { v -> [Double] in
            let sd = v.sorted()
            return [0.25, 0.5, 0.75].map { Statistics.quantile(sorted: sd, $0) }
        } ?? []
        return (grid, lo, hi, dq)
    }
}
