import Foundation
import Numerics

extension SpatialVariance {
    /// Unit residual vectors adjusted for leverage (Bell & McCaffrey 2002; Pustejovsky & Tipton
    /// 2018, eq. 7 with the working covariance I): e_g → A_g e_g with A_g = (I − H_gg)^{−1/2}
    /// (CR2) or (I − H_gg)^{−1} (CR3), powers taken on the eigenvalues of the symmetric
    /// I − H_gg and the null directions left at zero (Moore–Penrose, as clubSandwich).
    ///
    /// H_gg is unit g's T × T block of the hat matrix of the regression the estimator runs
    /// given ρ̂: the absorbed fixed effects (unit dummies (1/T)J, time dummies (1/N)I, both
    /// (1/T)J + (1/N)I − J/(NT)) plus the within regressors, Z̃_g (Z̃'Z̃)⁻¹ Z̃_gᵀ. So for ols and
    /// slx the variance is the textbook CR2/CR3 of least squares with the effects as dummies;
    /// for sdm and sar it adjusts the regression part of the scores with ρ̂ held fixed (Wy is
    /// not a regressor of the hat matrix: its leverage is that of the likelihood, not of OLS).
    /// Cost O(N(T²p + T³)) on top of the sandwich.
    static func adjustedResiduals(_ d: SpatialDesign, residuals e: [Double], correction: ClusterCorrection) throws -> [Double] {
        guard correction != .cr1 else { return e }
        let n = d.n, t = d.t, p = d.p
        let ztz: Matrix
        do { ztz = try Cholesky(d.z.crossProduct()).inverse() } catch {
            throw EstimationError("the \(correction.rawValue) cluster correction needs Z'Z invertible (\(error))")
        }
        let unit = d.spec.effects == .individual || d.spec.effects == .twoWays
        let time = d.spec.effects == .time || d.spec.effects == .twoWays
        let (nd, td) = (Double(n), Double(t))
        // The fixed-effect block of H_gg: a·J + b·I.
        let a = (unit ? 1 / td : 0) - (unit && time ? 1 / (nd * td) : 0)
        let b = time ? 1 / nd : 0
        let power = correction == .cr2 ? -0.5 : -1.0
        var out = e
        for g in 0..<n {
            var zg = Matrix(rows: t, cols: p)
            for j in 0..<p { for s in 0..<t { zg[s, j] = d.z[s * n + g, j] } }
            let hz = Matrix.product(zg, Matrix.product(ztz, zg, transposeB: true))
            var m = Matrix(rows: t, cols: t)
            for c in 0..<t {
                for r in 0..<t {
                    let h = hz[r, c] + a + (r == c ? b : 0)
                    m[r, c] = (r == c ? 1 : 0) - h
                }
            }
            // Symmetrise the rounding of the triple product before the eigen decomposition.
            for c in 0..<t { for r in 0..<c { let v = 0.5 * (m[r, c] + m[c, r]); m[r, c] = v; m[c, r] = v } }
            let eig = try SymmetricEigen(m)
            // Eigenvalues of I − H_gg lie in [0, 1]; unit effects give an exact 0 (the constant
            // direction, which e_g is orthogonal to). 1e-10 separates rounding from a real 0:
            // a genuine leverage of 1 − 1e-10 would need T ≈ 1e10 observations per unit.
            let scaled = eig.values.map { $0 > 1e-10 ? Foundation.pow($0, power) : 0 }
            let eg = (0..<t).map { e[$0 * n + g] }
            let proj = eig.vectors.multiply(eg, transpose: true)
            let adj = eig.vectors.multiply(zip(proj, scaled).map { $0 * $1 })
            for s in 0..<t { out[s * n + g] = adj[s] }
        }
        return out
    }
}
