import Foundation
import Numerics

/// The two least-squares fits of the lag likelihood — Qy and Q(Wy) on Z̃ (`SpatialEstimator.fitLag`) —
/// by the normal equations when Z̃ is well enough conditioned for them, else by Householder QR.
///
/// Why: Z̃ is NT × p with p ≈ 10 and NT in the thousands. LAPACK's QR of so thin a matrix is its
/// unblocked dgeqr2, which streams Z̃ once per column (and dnrm2 once more), then dormqr again
/// per outcome; the normal equations read Z̃ twice (`ColumnKernels`): once for Z̃ᵀ[Z̃, y, Wy] — the
/// analytic variance needs Z̃ᵀZ̃ anyway (`PointEstimate.crossProduct`) — and once for the residual
/// sums of squares, which is all the likelihood needs of the residuals (they are not stored).
///
/// Accuracy (Higham 2002, §20.4; van der Sluis 1969 for the scaling): the normal equations give
/// coefficients with relative error ≲ c·p·κ₂(Z̃D)²·u for any column scaling D, QR ≲ c·p·(κ + κ²·‖e‖/(‖Z̃‖‖b‖))·u,
/// where u = 1.1e-16 and ‖e‖ the residual — the same order whenever the residuals are not
/// negligible, as in any regression with an error term. The normal equations are used only when
/// κ₁ of the scaled cross product C = DZ̃ᵀZ̃D (D = diag(1/‖z̃_j‖), so κ₁(C) ≈ κ₂(Z̃D)²) is at most
/// `conditionLimit`, which keeps their error below about 1e-10 relative; otherwise — and when
/// the Cholesky of C fails, or a column is numerically collinear — the QR fit runs exactly as
/// before (it also names a collinear column). The residuals are formed directly as y − Z̃b, not as
/// y'y − b'Z̃'y, so e'e carries no cancellation.
struct LagLeastSquares {
    enum Method: Equatable { case normalEquations, householderQR }

    let method: Method
    /// Coefficients of Qy and of Q(Wy) on Z̃.
    let b0: [Double]
    let bd: [Double]
    /// e0ᵀe0, e0ᵀed and edᵀed for the residuals e0 = Qy − Z̃b0 and ed = Q(Wy) − Z̃bd.
    let residualProducts: (Double, Double, Double)
    /// Z̃ᵀZ̃ (both triangles, `ColumnKernels.gram`) when the normal equations formed it.
    let crossProduct: Matrix?

    /// e0ᵀe0, e0ᵀed and edᵀed of stored residuals (the QR's) in one pass with four partial sums each
    /// (a single chain per sum is latency-bound; the order is fixed, so the same bits on every run).
    static func products(_ e0: [Double], _ ed: [Double]) -> (Double, Double, Double) {
        e0.withUnsafeBufferPointer { a in
            ed.withUnsafeBufferPointer { b in
                var aa = SIMD4<Double>(), ab = SIMD4<Double>(), bb = SIMD4<Double>()
                let n = a.count
                var r = 0
                while r + 4 <= n {
                    let u = SIMD4(a[r], a[r + 1], a[r + 2], a[r + 3]), v = SIMD4(b[r], b[r + 1], b[r + 2], b[r + 3])
                    aa += u * u; ab += u * v; bb += v * v
                    r += 4
                }
                var (ta, tb, tc) = (0.0, 0.0, 0.0)
                while r < n { ta += a[r] * a[r]; tb += a[r] * b[r]; tc += b[r] * b[r]; r += 1 }
                return ((aa[0] + aa[1]) + (aa[2] + aa[3]) + ta, (ab[0] + ab[1]) + (ab[2] + ab[3]) + tb, (bb[0] + bb[1]) + (bb[2] + bb[3]) + tc)
            }
        }
    }

    /// The mean square deviation of `v` from its mean, summed with four partial sums (it only sets
    /// the threshold of `SpatialEstimator.estimatePoint`'s exact-fit check).
    static func variance(_ v: [Double]) -> Double {
        let n = v.count
        guard n > 0 else { return 0 }
        return v.withUnsafeBufferPointer { p in
            var s = SIMD4<Double>(), r = 0
            while r + 4 <= n { s += SIMD4(p[r], p[r + 1], p[r + 2], p[r + 3]); r += 4 }
            var tail = 0.0
            while r < n { tail += p[r]; r += 1 }
            let mean = (s.sum() + tail) / Double(n)
            var q = SIMD4<Double>(), qt = 0.0
            r = 0
            while r + 4 <= n { let d = SIMD4(p[r], p[r + 1], p[r + 2], p[r + 3]) - mean; q += d * d; r += 4 }
            while r < n { qt += (p[r] - mean) * (p[r] - mean); r += 1 }
            return (q.sum() + qt) / Double(n)
        }
    }

    /// The largest κ₁(DZ̃ᵀZ̃D) for which the normal equations are used: p·κ·u ≤ 20 · 1e6 · 1.1e-16 ≈ 2e-9 at worst,
    /// and the bound is rarely approached (a design with κ₁ near 1e6 has columns at an angle of about 0.1°).
    static let conditionLimit = 1e6

    static func fit(z: Matrix, y: [Double], wy: [Double]) throws -> LagLeastSquares {
        if let ne = normalEquations(z: z, y: y, wy: wy) { return ne }
        let pair = try LeastSquares.fits(x: z, ys: [y, wy])
        return LagLeastSquares(method: .householderQR, b0: pair[0].coefficients, bd: pair[1].coefficients,
                               residualProducts: products(pair[0].residuals, pair[1].residuals), crossProduct: nil)
    }

    /// Nil when the QR must decide: non-finite data (QR throws its error), too few rows, a
    /// non-positive pivot or κ₁(C) above `conditionLimit`.
    static func normalEquations(z: Matrix, y: [Double], wy: [Double], kernel: SparseRowKernel = .best) -> LagLeastSquares? {
        let n = z.rows, p = z.cols
        guard p > 0, n >= p, y.count == n, wy.count == n else { return nil }
        // Z̃ᵀZ̃, Z̃ᵀy and Z̃ᵀ(Wy) in one pass: the Gram matrix of [Z̃, y, Wy] (its last two rows and the
        // outcomes' own products are not used; two columns more cost less than a second pass over Z̃).
        let gram = ColumnKernels.gram(z, extra: [y, wy], kernel: kernel)
        guard gram.data.allSatisfy({ $0.isFinite }) else { return nil }
        var xtx = Matrix(rows: p, cols: p)
        for j in 0..<p { for i in 0..<p { xtx.data[i + j * p] = gram.data[i + j * (p + 2)] } }
        let zty = (0..<p).map { gram.data[$0 + p * (p + 2)] }, ztwy = (0..<p).map { gram.data[$0 + (p + 1) * (p + 2)] }
        guard let chol = ScaledCholesky(xtx), chol.condition <= conditionLimit,
              !chol.flagsCollinearColumn(LeastSquares.defaultRankTolerance) else { return nil }
        let b0 = chol.solve(zty), bd = chol.solve(ztwy)
        let products = ColumnKernels.residualProducts(z, y: y, wy: wy, b0: b0, bd: bd, kernel: kernel)
        return LagLeastSquares(method: .normalEquations, b0: b0, bd: bd, residualProducts: products, crossProduct: xtx)
    }
}

/// The Cholesky factor of a small symmetric positive definite matrix A after scaling it to unit
/// diagonal, C = DAD with D = diag(1/√A_jj), and κ₁(C) = ‖C‖₁‖C⁻¹‖₁ computed exactly from the
/// factor (p³ operations; meant for p of a few dozen at most). Plain loops in a fixed order:
/// the same bits on every CPU for the same A.
struct ScaledCholesky {
    let p: Int
    /// D's diagonal.
    let scale: [Double]
    /// L with C = LLᵀ, column-major p × p (upper part unused).
    let lower: [Double]
    let condition: Double

    /// Nil when a diagonal element of A or a pivot of C is not positive (A not numerically positive definite).
    init?(_ a: Matrix) {
        let p = a.rows
        guard p > 0, a.cols == p else { return nil }
        var s = [Double](repeating: 0, count: p)
        for j in 0..<p {
            let d = a[j, j]
            guard d > 0, d.isFinite else { return nil }
            s[j] = 1 / d.squareRoot()
        }
        var c = [Double](repeating: 0, count: p * p)
        for j in 0..<p { for i in 0..<p { c[i + j * p] = a[i, j] * s[i] * s[j] } }
        var l = [Double](repeating: 0, count: p * p)
        for j in 0..<p {
            var d = c[j + j * p]
            for k in 0..<j { d -= l[j + k * p] * l[j + k * p] }
            guard d > 0 else { return nil }
            let ljj = d.squareRoot()
            l[j + j * p] = ljj
            for i in (j + 1)..<max(j + 1, p) {
                var v = c[i + j * p]
                for k in 0..<j { v -= l[i + k * p] * l[j + k * p] }
                l[i + j * p] = v / ljj
            }
        }
        // L⁻¹ by forward substitution, column by column (lower triangular).
        var li = [Double](repeating: 0, count: p * p)
        for j in 0..<p {
            li[j + j * p] = 1 / l[j + j * p]
            for i in (j + 1)..<max(j + 1, p) {
                var v = 0.0
                for k in j..<i { v -= l[i + k * p] * li[k + j * p] }
                li[i + j * p] = v / l[i + i * p]
            }
        }
        // ‖C⁻¹‖₁ with C⁻¹ = L⁻ᵀL⁻¹: (C⁻¹)_ij = Σ_{k ≥ max(i,j)} L⁻¹_ki L⁻¹_kj.
        var normC = 0.0, normInv = 0.0
        for j in 0..<p {
            var colC = 0.0, colInv = 0.0
            for i in 0..<p {
                colC += abs(c[i + j * p])
                var v = 0.0
                for k in max(i, j)..<p { v += li[k + i * p] * li[k + j * p] }
                colInv += abs(v)
            }
            normC = max(normC, colC)
            normInv = max(normInv, colInv)
        }
        guard normInv.isFinite else { return nil }
        self.p = p
        scale = s
        lower = l
        condition = normC * normInv
    }

    /// True when the QR's rank test would look at a column: |R_jj| ≤ tolerance·max|R_ii| for the
    /// triangular factor R of the unscaled columns (R_jj = L_jj/D_jj), so that QR decides and names it.
    func flagsCollinearColumn(_ tolerance: Double) -> Bool {
        let r = (0..<p).map { lower[$0 + $0 * p] / scale[$0] }
        let largest = r.max() ?? 0
        return r.contains { $0 <= tolerance * max(largest, .leastNormalMagnitude) }
    }

    /// x with A x = b: D(L⁻ᵀ(L⁻¹(Db))).
    func solve(_ b: [Double]) -> [Double] {
        var x = [Double](repeating: 0, count: p)
        for i in 0..<p {
            var v = b[i] * scale[i]
            for k in 0..<i { v -= lower[i + k * p] * x[k] }
            x[i] = v / lower[i + i * p]
        }
        for i in stride(from: p - 1, through: 0, by: -1) {
            var v = x[i]
            for k in (i + 1)..<max(i + 1, p) { v -= lower[k + i * p] * x[k] }
            x[i] = v / lower[i + i * p]
        }
        for i in 0..<p { x[i] *= scale[i] }
        return x
    }
}
