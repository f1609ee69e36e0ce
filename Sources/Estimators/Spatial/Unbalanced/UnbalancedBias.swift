import Foundation
import Numerics

/// The first-order bias of the direct QML with fixed effects concentrated out, and its
/// correction — Lee & Yu (2010, J. Econometrics 154, §4 and Theorem 3) adapted to an
/// unbalanced panel.
///
/// The direct log-likelihood treats M_D ε as n independent errors, but M_D removes rank(D)
/// dimensions. At the truth its score therefore has a nonzero mean (for ε ~ (0, σ²I), any W_t):
///
///     E ∂ℓ/∂β = 0,
///     E ∂ℓ/∂ρ = −Σ_t tr G_t + E[(Gε)'M_D ε]/σ² = −tr(P_D G),   G = blockdiag_t(G_t),
///     E ∂ℓ/∂σ² = −n/(2σ²) + tr(M_D)/(2σ²) = −rank(D)/(2σ²),
///
/// with P_D = I − M_D. The estimator's first-order bias is Σ⁻¹ E[s] (Σ the information), i.e.
/// O(1/N) in ρ from the year effects and O(1/T̄) + O(1/N) in σ². On a balanced panel with a
/// row-standardised W, tr(P_D G) = tr G + (T − 1)/(1 − ρ): exactly the difference between the
/// direct Jacobian T ln|I − ρW| and Lee–Yu's (T − 1)[ln|I − ρW| − ln(1 − ρ)] differentiated,
/// which is why Lee–Yu's transformation approach is unbiased there. Here the correction is
/// θ̃ = θ̂ − V̂ E[s](θ̂), V̂ the inverse information (Lee & Yu's bias-corrected estimator θ̂¹).
enum UnbalancedBias {
    /// tr(P_D G) with P_D = P_U + M_U V (V'M_U V)⁺ V'M_U (two-way), or the one-way projections.
    static func traceProjectedG(rho: Double, projection: FixedEffectProjection, weights: PeriodWeights,
                                panel: UnbalancedPanel) throws -> Double {
        let m = panel.observations
        var diagG = [Double](repeating: 0, count: m), colG = diagG
        for set in weights.sets {
            let u = try UnitMultipliers(weights: set.weights, rho: rho, purpose: "the bias correction's traces")
            for p in set.periods {
                for j in 0..<set.units.count {
                    diagG[panel.periodStart[p] + j] = u.diagG[j]
                    colG[panel.periodStart[p] + j] = u.colG[j]
                }
            }
        }
        var unitPart = 0.0, timePart = 0.0
        for r in 0..<m { unitPart += diagG[r] / projection.unitCount[panel.unit[r]] }
        for r in 0..<m { timePart += colG[r] / projection.periodCount[panel.period[r]] }
        switch projection.effects {
        case .none: return 0
        case .individual: return unitPart
        case .time: return timePart
        case .twoWays:
            let t = panel.t
            // C = M_U V: column s is the indicator of period s demeaned within units.
            var c = Matrix(rows: m, cols: t)
            for s in 0..<t {
                var e = [Double](repeating: 0, count: m)
                for r in panel.periodStart[s]..<panel.periodStart[s + 1] { e[r] = 1 }
                var mean = [Double](repeating: 0, count: panel.n)
                for r in 0..<m { mean[panel.unit[r]] += e[r] }
                for r in 0..<m { c[r, s] = e[r] - mean[panel.unit[r]] / projection.unitCount[panel.unit[r]] }
            }
            var gc = Matrix(rows: m, cols: t)
            for s in 0..<t {
                let g = try weights.applyG(c.column(s), rho: rho)
                for r in 0..<m { gc[r, s] = g[r] }
            }
            let b = Matrix.product(c, gc, transposeA: true)
            let pinv = projection.normalInverse!
            var tr = 0.0
            for i in 0..<t { for j in 0..<t { tr += pinv[i, j] * b[j, i] } }
            return unitPart + tr
        }
    }

    /// θ̂ − V̂ E[s](θ̂) over (coefficients, ρ, σ²).
    static func corrected(_ fit: SpatialFitResult, rank: Int, traceProjectedG: Double) -> [Double] {
        let k = fit.parameterCount
        var score = [Double](repeating: 0, count: k)
        if let r = fit.spatialIndex { score[r] = -traceProjectedG }
        score[fit.sigma2Index] = -Double(rank) / (2 * fit.sigma2)
        let shift = fit.vcov.multiply(score)
        return zip(fit.parameters, shift).map { $0 - $1 }
    }
}

extension SpatialFitResult {
    /// The same fit with its point estimates replaced (coefficients, then ρ if any, then σ²);
    /// the covariance is kept.
    func replacingParameters(_ v: [Double], reason: String) -> SpatialFitResult {
        let p = coefficients.count
        return SpatialFitResult(
            spec: spec, names: names, coefficients: Array(v[0..<p]), rho: rho == nil ? nil : v[p], lambda: lambda,
            sigma2: v[v.count - 1], vcov: vcov, varianceMethod: varianceMethod, logLikelihood: logLikelihood,
            nObservations: nObservations, n: n, t: t, iterations: iterations, termination: termination, reason: reason,
            regressors: regressors, durbinIndex: durbinIndex, interval: interval, logDeterminant: logDeterminant,
            logDeterminantAccuracy: logDeterminantAccuracy, traceGtG: traceGtG)
    }
}
