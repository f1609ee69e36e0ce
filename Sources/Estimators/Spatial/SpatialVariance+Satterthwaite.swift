import Foundation
import Numerics

extension SpatialVariance {
    /// Satterthwaite degrees of freedom of each coefficient's t reference under the CR2 cluster
    /// sandwich (Bell & McCaffrey 2002, §3; Imbens & Kolesár 2016; Pustejovsky & Tipton 2018 with
    /// the working covariance I — what clubSandwich's `coef_test(test = "Satterthwaite")` gives for
    /// least squares), for the estimator linearised as `adjustedResiduals` is: the regression part
    /// given ρ̂, β̂(ρ̂) = (Z̃'Z̃)⁻¹Z̃'(y − ρ̂Wy), whose residuals are e = (I − H)ε with H the hat
    /// matrix of the fixed effects and Z̃ (docs/MODEL.md §5, "CR2 and its degrees of freedom").
    ///
    /// For coefficient j, a = Z̃(Z̃'Z̃)⁻¹e_j and u_g = A_g a_g (unit g's rows, A_g = (I − H_gg)^{−1/2}),
    /// the CR2 variance is Σ_g (u_gᵀe_g)² = εᵀ Q Qᵀ ε with Q's column g = (I − H)(u_g placed in unit g).
    /// Under ε ~ N(0, σ²I) its mean is σ² tr(Γ) and its variance 2σ⁴ tr(Γ²), Γ = QᵀQ (N × N), so
    ///   ν_j = tr(Γ)² / tr(Γ²).
    /// Γ_gh = u_gᵀ(I − H)_{gh}u_h with (I − H)_{gh} = δ_gh I − (a_u δ_gh J + b_t I − c J) − Z̃_g B Z̃_hᵀ
    /// (a_u, b_t, c the fixed-effect shares of `UnitAdjustments`), i.e.
    ///   Γ = D + KᵀCK,  D_g = u_gᵀu_g − a_u (1ᵀu_g)²,  K = [U; 1ᵀU; Z̃ᵀU] ((T + 1 + p) × N),
    ///   C = blockdiag(−b_t I_T, c, −B),
    /// so tr(Γ²) = Σ D_g² + 2 Σ_g D_g (KᵀCK)_gg + tr((CKKᵀ)²): O(N(T + p)²) per coefficient, no N × N matrix.
    static func satterthwaiteDegreesOfFreedom(_ d: SpatialDesign, adjustments: UnitAdjustments) -> [Double] {
        satterthwaiteDegreesOfFreedom(regressors: d.z, n: d.n, t: d.t, adjustments: adjustments)
    }

    /// The same for the within regressors `z` of `adjustments` (B(λ̂)Z̃ for the SAC model, whose
    /// regression given (ρ̂, λ̂) has residuals (I − H)ε as the SDM's given ρ̂).
    static func satterthwaiteDegreesOfFreedom(regressors z: Matrix, n: Int, t: Int, adjustments: UnitAdjustments) -> [Double] {
        let p = z.cols
        let b = adjustments.ztzInverse
        let influence = Matrix.product(z, b)   // column j: a = Z̃ B e_j
        let m = t + 1 + p
        var c = Matrix(rows: m, cols: m)
        for s in 0..<t { c[s, s] = -adjustments.timeShare }
        c[t, t] = adjustments.jointShare
        for j in 0..<p { for i in 0..<p { c[t + 1 + i, t + 1 + j] = -b[i, j] } }
        return (0..<p).map { j in
            var k = Matrix(rows: n, cols: m)     // Kᵀ, one row per unit
            var diag = [Double](repeating: 0, count: n)
            for g in 0..<n {
                let u = adjustments.apply((0..<t).map { influence[$0 * n + g, j] }, unit: g)
                let sum = u.reduce(0, +)
                diag[g] = Vector.dot(u, u) - adjustments.unitShare * sum * sum
                for s in 0..<t { k[g, s] = u[s] }
                k[g, t] = sum
                for i in 0..<p { k[g, t + 1 + i] = (0..<t).reduce(0) { $0 + z[$1 * n + g, i] * u[$1] } }
            }
            let ck = Matrix.product(c, k, transposeB: true)          // C K, m × N
            var trace = 0.0, square = 0.0
            for g in 0..<n {
                var lgg = 0.0
                for r in 0..<m { lgg += k[g, r] * ck[r, g] }
                trace += diag[g] + lgg
                square += diag[g] * diag[g] + 2 * diag[g] * lgg
            }
            let cs = Matrix.product(ck, k)                          // C K Kᵀ, m × m
            for r in 0..<m { for q in 0..<m { square += cs[r, q] * cs[q, r] } }
            return square > 0 ? trace * trace / square : .nan
        }
    }
}
