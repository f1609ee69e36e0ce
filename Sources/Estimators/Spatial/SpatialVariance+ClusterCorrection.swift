import Foundation
import Numerics

extension SpatialVariance {
    /// Each unit's leverage adjustment A_g of the cluster sandwich, held as the eigen decomposition
    /// of the symmetric I − H_gg with the power already taken on its eigenvalues (Bell & McCaffrey
    /// 2002; Pustejovsky & Tipton 2018, eq. 7 with the working covariance I): A_g = V diag(λ^power) Vᵀ,
    /// power −1/2 (CR2) or −1 (CR3), the null directions left at zero (Moore–Penrose, as clubSandwich).
    ///
    /// H_gg is unit g's T × T block of the hat matrix of the regression the estimator runs
    /// given ρ̂: the absorbed fixed effects (unit dummies (1/T)J, time dummies (1/N)I, both
    /// (1/T)J + (1/N)I − J/(NT)) plus the within regressors, Z̃_g (Z̃'Z̃)⁻¹ Z̃_gᵀ. So for ols and
    /// slx the variance is the textbook CR2/CR3 of least squares with the effects as dummies;
    /// for sdm and sar it adjusts the regression part of the scores with ρ̂ held fixed (Wy is
    /// not a regressor of the hat matrix: its leverage is that of the likelihood, not of OLS).
    /// Cost O(N(T²p + T³)) on top of the sandwich.
    struct UnitAdjustments {
        /// (Z̃'Z̃)⁻¹.
        let ztzInverse: Matrix
        /// The fixed-effect hat matrix between observations (s, g) and (r, h) is
        /// unitShare·δ_gh + timeShare·δ_sr − jointShare (docs/MODEL.md §5).
        let unitShare: Double, timeShare: Double, jointShare: Double
        let vectors: [Matrix]
        let scaled: [[Double]]

        init(_ d: SpatialDesign, correction: ClusterCorrection) throws {
            try self.init(regressors: d.z, n: d.n, t: d.t, effects: d.spec.effects, correction: correction)
        }

        /// The adjustments for the within regressors `z` (NT × p, time-major, the fixed effects
        /// already removed): `SpatialDesign.z` for the SDM family, B(λ̂)Z̃ for the SAC model.
        init(regressors z: Matrix, n: Int, t: Int, effects: FixedEffects, correction: ClusterCorrection) throws {
            let p = z.cols
            do { ztzInverse = try Cholesky(z.crossProduct()).inverse() } catch {
                throw EstimationError("the \(correction.rawValue) cluster correction needs Z'Z invertible (\(error))")
            }
            let unit = effects == .individual || effects == .twoWays
            let time = effects == .time || effects == .twoWays
            let (nd, td) = (Double(n), Double(t))
            unitShare = unit ? 1 / td : 0
            timeShare = time ? 1 / nd : 0
            jointShare = unit && time ? 1 / (nd * td) : 0
            // The fixed-effect block of H_gg: a·J + b·I.
            let a = unitShare - jointShare, b = timeShare
            let power = correction == .cr3 ? -1.0 : -0.5
            var vectors: [Matrix] = [], scaled: [[Double]] = []
            vectors.reserveCapacity(n)
            scaled.reserveCapacity(n)
            for g in 0..<n {
                var zg = Matrix(rows: t, cols: p)
                for j in 0..<p { for s in 0..<t { zg[s, j] = z[s * n + g, j] } }
                let hz = Matrix.product(zg, Matrix.product(ztzInverse, zg, transposeB: true))
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
                scaled.append(eig.values.map { $0 > 1e-10 ? Foundation.pow($0, power) : 0 })
                vectors.append(eig.vectors)
            }
            self.vectors = vectors
            self.scaled = scaled
        }

        /// A_g v for a T-vector v of unit g.
        func apply(_ v: [Double], unit g: Int) -> [Double] {
            let proj = vectors[g].multiply(v, transpose: true)
            return vectors[g].multiply(zip(proj, scaled[g]).map { $0 * $1 })
        }
    }

    /// Unit residual vectors adjusted for leverage: e_g → A_g e_g (`UnitAdjustments`).
    static func adjustedResiduals(_ d: SpatialDesign, residuals e: [Double], correction: ClusterCorrection) throws -> [Double] {
        guard correction != .cr1 else { return e }
        return adjustedResiduals(e, adjustments: try UnitAdjustments(d, correction: correction), n: d.n, t: d.t)
    }

    /// Unit residual vectors e_g → A_g e_g for a time-major N × T panel.
    static func adjustedResiduals(_ e: [Double], adjustments: UnitAdjustments, n: Int, t: Int) -> [Double] {
        var out = e
        for g in 0..<n {
            let adj = adjustments.apply((0..<t).map { e[$0 * n + g] }, unit: g)
            for s in 0..<t { out[s * n + g] = adj[s] }
        }
        return out
    }
}
