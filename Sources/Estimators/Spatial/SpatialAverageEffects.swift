import Foundation
import Numerics

/// Average marginal effects (AME) of a regressor that enters with its square or an
/// interaction, so that its effect differs by observation: the LeSage & Pace (2009,
/// §2.7) scalar summaries of ∂y_t/∂x_tᵀ = A[diag(b_t) + W diag(c_t)], A = (I − ρW)⁻¹,
/// averaged over the sample's N·T observations:
///
///     direct = (1/NT) Σ_t tr(A diag(b_t) + AW diag(c_t)) = (1/N) Σ_j (A_jj b̄_j + (AW)_jj c̄_j)
///     total  = (1/NT) Σ_t 1ᵀ(…)1                     = (1/N) Σ_j ((1ᵀA)_j b̄_j + (1ᵀAW)_j c̄_j)
///
/// with b_jt = Σ_terms β_term ∂term/∂x and c_jt the same with θ, and b̄_j, c̄_j their
/// means over time. This is the functional `TrueEstimands.averaged` evaluates at the
/// true parameters. The unit quantities come from W's symmetric form
/// W = R^{-1/2} V Λ Vᵀ R^{1/2}: A_jj = Σ_k V_jk²/(1 − ρλ_k), (1ᵀA)_j = r_j^{1/2} Σ_k V_jk s_k/(1 − ρλ_k)
/// with s_k = Σ_i r_i^{-1/2} V_ik — O(N²) per fit, no inverse. SEs by the delta method
/// with the analytic derivative in ρ (d/dρ 1/(1 − ρλ) = λ/(1 − ρλ)²).
public enum SpatialAverageEffects {
    /// One term of the regressor's slope: a coefficient name and ∂term/∂x at each
    /// observation (time-major, N·T), e.g. `CA2` with 2·CA.
    public struct SlopeTerm: Sendable {
        public let coefficient: String
        public let derivative: [Double]
        public init(coefficient: String, derivative: [Double]) {
            self.coefficient = coefficient
            self.derivative = derivative
        }
    }

    public static func estimate(_ fit: SpatialFitResult, weights: SpatialWeights, terms: [SlopeTerm], units n: Int)
        throws -> [EffectKind: EstimateWithSE] {
        guard let f = weights.spectrum.symmetricForm else {
            throw EstimationError("average marginal effects need a W similar to a symmetric matrix (e.g. a row-standardised symmetric W); this W is not")
        }
        let p = fit.parameterCount
        let lambda = weights.spectrum.real
        let rho = SpatialImpacts.effectRho(fit)
        let v = f.vectors
        // Per-unit weights w[j] and their ρ-derivatives for A_jj, (AW)_jj, (1ᵀA)_j, (1ᵀAW)_j.
        var s = [Double](repeating: 0, count: n)
        for k in 0..<n { for i in 0..<n { s[k] += f.invSqrtR[i] * v.data[i + k * n] } }
        var unit = [[Double]](repeating: [Double](repeating: 0, count: n), count: 8)
        for k in 0..<n {
            let l = lambda[k], z = 1 / (1 - rho * l)
            let g = [z, l * z, l * z * z, l * l * z * z]   // 1/(1−ρλ), λ/(1−ρλ), and d/dρ of each
            for j in 0..<n {
                let vj = v.data[j + k * n], diag = vj * vj, col = f.sqrtR[j] * vj * s[k]
                unit[0][j] += diag * g[0]; unit[1][j] += diag * g[1]; unit[2][j] += diag * g[2]; unit[3][j] += diag * g[3]
                unit[4][j] += col * g[0]; unit[5][j] += col * g[1]; unit[6][j] += col * g[2]; unit[7][j] += col * g[3]
            }
        }
        var direct = (0.0, [Double](repeating: 0, count: p)), total = direct
        for term in terms {
            guard term.derivative.count % n == 0, !term.derivative.isEmpty else {
                throw EstimationError("average marginal effect: `\(term.coefficient)` has \(term.derivative.count) values, not a multiple of N = \(n)")
            }
            guard let bi = fit.index(of: term.coefficient) else {
                throw EstimationError("average marginal effect: the model has no coefficient `\(term.coefficient)`")
            }
            let ti = fit.index(of: spatialLagName(term.coefficient))
            let t = term.derivative.count / n
            var mean = [Double](repeating: 0, count: n)
            for (k, x) in term.derivative.enumerated() { mean[k % n] += x / Double(t) }
            // c[q] = (1/N) Σ_j unit[q][j] · mean_j
            let c = unit.map { u in zip(u, mean).reduce(0) { $0 + $1.0 * $1.1 } / Double(n) }
            let b = fit.coefficients[bi], th = ti.map { fit.coefficients[$0] } ?? 0
            func add(_ acc: inout (Double, [Double]), _ q: Int) {
                acc.0 += b * c[q] + th * c[q + 1]
                acc.1[bi] += c[q]
                if let ti { acc.1[ti] += c[q + 1] }
                if let r = fit.spatialIndex, fit.rho != nil { acc.1[r] += b * c[q + 2] + th * c[q + 3] }
            }
            add(&direct, 0)
            add(&total, 4)
        }
        let indirect = (total.0 - direct.0, zip(total.1, direct.1).map { $0 - $1 })
        func se(_ g: [Double]) -> Double { SpatialImpacts.quadraticForm(g, fit.vcov).squareRoot() }
        return [.direct: EstimateWithSE(estimate: direct.0, se: se(direct.1)),
                .indirect: EstimateWithSE(estimate: indirect.0, se: se(indirect.1)),
                .total: EstimateWithSE(estimate: total.0, se: se(total.1))]
    }
}
