import Foundation
import Numerics

/// CR2 cluster-robust covariance of a panel OLS (Bell & McCaffrey 2002) and the Satterthwaite
/// degrees of freedom of each coefficient's t test (Bell & McCaffrey 2002; Pustejovsky & Tipton
/// 2018, §3, working covariance Φ = I) — what R clubSandwich's `vcovCR(fit, cluster, type = "CR2")`
/// and `coef_test(..., test = "Satterthwaite")` give for `lm()` with the fixed effects as dummies.
///
/// With X the full design (regressors and every fixed-effect dummy) and H its hat matrix,
///   V = B Σ_g X̃_gᵀ A_g e_g e_gᵀ A_g X̃_g B,  A_g = (I − H_gg)^{−1/2},  B = (X̃ᵀX̃)⁻¹
/// (no small-sample factor), where by Frisch–Waugh–Lovell only the within-transformed regressors
/// X̃ enter the coefficients' rows, and H = P_FE + X̃BX̃ᵀ. A fixed effect nested in a cluster makes
/// I − H_gg singular (its dummy directions); the power is then taken on the non-zero eigenvalues
/// (Moore–Penrose), which e_g and X̃_g do not touch. For coefficient j, with
///   p_g = (I − H)_{·g} A_g X̃_g B e_j   (an n-vector per cluster),
/// E[V_jj] = σ² Σ_g p_gᵀp_g and Var[V_jj] = 2σ⁴ Σ_g Σ_h (p_gᵀp_h)² under Φ = σ²I, so
///   ν_j = (Σ_g p_gᵀp_g)² / Σ_g Σ_h (p_gᵀp_h)².
///
/// No n_g × n_g matrix is formed: A_g v comes from Lanczos on v − (H ṽ)_g (ṽ = v placed in
/// cluster g, zero elsewhere: one within projection per product), run until the Krylov space is
/// invariant, so the result is exact to rounding — for a balanced two-way panel in a handful of
/// steps, since P_FE has three distinct eigenvalues on a cluster of whole units.
struct BellMcCaffreyCR2 {
    let covariance: Matrix
    let degreesOfFreedom: [Double]

    /// - Parameters:
    ///   - columns: the within-transformed regressors X̃ (including the intercept when no effect is absorbed).
    ///   - projection: the within projection of the fixed effects (nil: none absorbed).
    init(columns: [[Double]], residuals e: [Double], bread: Matrix, cluster: [Int], clusterCount: Int,
         projection: WithinProjection?, tolerance: Double) throws {
        let n = e.count, p = columns.count
        var members = [[Int]](repeating: [], count: clusterCount)
        for i in 0..<n { members[cluster[i]].append(i) }

        // H v = P_FE v + X̃ B X̃ᵀ v, for a full n-vector v.
        func hat(_ v: [Double]) -> [Double] {
            var h = [Double](repeating: 0, count: n)
            if let projection {
                var d = v
                projection.demean(&d, tolerance: tolerance)
                for i in 0..<n { h[i] = v[i] - d[i] }
            }
            let xtv = columns.map { Vector.dot($0, v) }
            let bx = bread.multiply(xtv)
            for j in 0..<p where bx[j] != 0 { for i in 0..<n { h[i] += columns[j][i] * bx[j] } }
            return h
        }
        func embedded(_ u: [Double], in g: Int) -> [Double] {
            var v = [Double](repeating: 0, count: n)
            for (k, i) in members[g].enumerated() { v[i] = u[k] }
            return v
        }
        func adjusted(_ u: [Double], in g: Int) throws -> [Double] {
            try LanczosPower.apply(power: -0.5, to: u) { q in
                let h = hat(embedded(q, in: g))
                return members[g].enumerated().map { q[$0.offset] - h[$0.element] }
            }
        }

        var meat = Matrix(rows: clusterCount, cols: p)
        for g in 0..<clusterCount {
            let ae = try adjusted(members[g].map { e[$0] }, in: g)
            for j in 0..<p { meat[g, j] = zip(members[g], ae).reduce(0) { $0 + columns[j][$1.0] * $1.1 } }
        }
        covariance = bread * meat.crossProduct() * bread

        var dof = [Double](repeating: .nan, count: p)
        for j in 0..<p {
            let c = (0..<p).map { bread[$0, j] }
            var pg = Matrix(rows: n, cols: clusterCount)
            for g in 0..<clusterCount {
                let u = members[g].map { i in (0..<p).reduce(0) { $0 + columns[$1][i] * c[$1] } }
                let full = embedded(try adjusted(u, in: g), in: g)
                let h = hat(full)
                for i in 0..<n { pg[i, g] = full[i] - h[i] }
            }
            let gram = pg.crossProduct()
            var expected = 0.0, spread = 0.0
            for g in 0..<clusterCount { expected += gram[g, g] }
            for v in gram.data { spread += v * v }
            dof[j] = spread > 0 ? expected * expected / spread : .nan
        }
        degreesOfFreedom = dof
    }
}

/// f(M)u with f(λ) = λ^power on the eigenvalues of a symmetric positive semi-definite M (given by
/// its product) above `nullEigenvalue`, and 0 on the rest (Moore–Penrose for a negative power).
/// Lanczos with full reorthogonalisation from u, until the Krylov space is invariant (the next
/// vector's norm below `invariantTolerance` times M's scale, here ≤ 1) or spans the space; then
/// f(M)u = ‖u‖ Q f(T) e₁ exactly (Golub & Van Loan 2013, §10.1, on an invariant subspace).
enum LanczosPower {
    /// Eigenvalues of I − H_gg lie in [0, 1]; a nested fixed effect gives an exact 0 that rounding
    /// moves by ~1e-15. 1e-10 separates the two, as `SpatialVariance.adjustedResiduals` does.
    static let nullEigenvalue = 1e-10
    static let invariantTolerance = 1e-11

    static func apply(power: Double, to u: [Double], product: ([Double]) throws -> [Double]) throws -> [Double] {
        let m = u.count
        let norm = Vector.dot(u, u).squareRoot()
        guard norm > 0 else { return u }
        var basis: [[Double]] = [u.map { $0 / norm }]
        var alpha: [Double] = [], beta: [Double] = []
        while true {
            let q = basis[basis.count - 1]
            var w = try product(q)
            alpha.append(Vector.dot(q, w))
            // Full reorthogonalisation, twice (Kahan's "twice is enough").
            for _ in 0..<2 {
                for b in basis {
                    let c = Vector.dot(b, w)
                    for i in 0..<m { w[i] -= c * b[i] }
                }
            }
            let next = Vector.dot(w, w).squareRoot()
            if next <= invariantTolerance || basis.count == m { break }
            beta.append(next)
            basis.append(w.map { $0 / next })
        }
        let k = alpha.count
        var t = Matrix(rows: k, cols: k)
        for i in 0..<k { t[i, i] = alpha[i] }
        for i in 0..<(k - 1) { t[i, i + 1] = beta[i]; t[i + 1, i] = beta[i] }
        let eig = try SymmetricEigen(t)
        // f(T)e₁ = S f(Θ) Sᵀe₁.
        var coefficients = [Double](repeating: 0, count: k)
        for r in 0..<k {
            let theta = eig.values[r]
            guard theta > nullEigenvalue else { continue }
            let weight = Foundation.pow(theta, power) * eig.vectors[0, r]
            for i in 0..<k { coefficients[i] += eig.vectors[i, r] * weight }
        }
        var out = [Double](repeating: 0, count: m)
        for (b, c) in zip(basis, coefficients) { for i in 0..<m { out[i] += norm * c * b[i] } }
        return out
    }
}
