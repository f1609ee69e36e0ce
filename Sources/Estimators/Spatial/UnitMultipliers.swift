import Foundation
import Numerics

/// Per-unit diagonals and column sums of A = (I − ρW)⁻¹ and G = WA = AW, with their
/// derivatives in ρ, from W's symmetric form W = R^{-1/2} V Λ Vᵀ R^{1/2} in O(N²):
///
///     A_jj = Σ_k V_jk² a_k,   G_jj = Σ_k V_jk² λ_k a_k,   a_k = 1/(1 − ρλ_k)
///     (1ᵀA)_j = r_j^{1/2} Σ_k V_jk s_k a_k,  (1ᵀG)_j likewise with λ_k a_k,  s_k = Σ_i r_i^{-1/2} V_ik
///
/// and d a_k/dρ = λ_k a_k², d(λ_k a_k)/dρ = λ_k² a_k². Used by the average marginal
/// effects (LeSage & Pace 2009 §2.7) and the cluster-robust scores of ρ.
struct UnitMultipliers {
    var diagA: [Double], diagG: [Double], colA: [Double], colG: [Double]
    var dDiagA: [Double], dDiagG: [Double], dColA: [Double], dColG: [Double]

    init(weights: SpatialWeights, rho: Double, purpose: String) throws {
        guard let spectrum = weights.spectrum else {
            throw EstimationError("\(purpose) need the spectrum of W, and this W is held sparse (log-determinant \(weights.logDeterminant.method.rawValue)); use the exact log-determinant")
        }
        guard let f = spectrum.symmetricForm else {
            throw EstimationError("\(purpose) need a W similar to a symmetric matrix (e.g. a row-standardised symmetric W); this W is not")
        }
        let n = weights.count
        let lambda = spectrum.real
        let v = f.vectors
        var s = [Double](repeating: 0, count: n)
        for k in 0..<n { for i in 0..<n { s[k] += f.invSqrtR[i] * v.data[i + k * n] } }
        var u = [[Double]](repeating: [Double](repeating: 0, count: n), count: 8)
        for k in 0..<n {
            let l = lambda[k], a = 1 / (1 - rho * l)
            let g = [a, l * a, l * a * a, l * l * a * a]
            for j in 0..<n {
                let vj = v.data[j + k * n], diag = vj * vj, col = f.sqrtR[j] * vj * s[k]
                for q in 0..<4 {
                    u[q][j] += diag * g[q]
                    u[q + 4][j] += col * g[q]
                }
            }
        }
        (diagA, diagG, dDiagA, dDiagG) = (u[0], u[1], u[2], u[3])
        (colA, colG, dColA, dColG) = (u[4], u[5], u[6], u[7])
    }
}
