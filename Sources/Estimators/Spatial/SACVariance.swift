import Foundation
import Numerics

/// Variance of the SAC estimates (β, ρ, λ, σ²).
enum SACVariance {
    /// Inverse of the expected information matrix of the SAC model (Anselin 1988, §6.2;
    /// LeSage & Pace 2009, §3.1; spatialreg `sacsarlm(method = "eigen")` forms the same matrix).
    /// With A = I − ρW, G = WA⁻¹, B = I − λM, Ĝ = BGB⁻¹, H = MB⁻¹, X* = B Z̃ and
    /// v = B G Z̃β̂ (per period; demeaned across units when the Lee–Yu transformation removes
    /// time effects), c and n* from `LikelihoodShape`:
    ///   I_ββ = X*'X*/σ²,  I_βρ = X*'v/σ²,  I_βλ = 0,
    ///   I_ρρ = v'v/σ² + c[tr(Ĝ²) + tr(ĜᵀĜ)],  I_λλ = c[tr(H²) + tr(HᵀH)],
    ///   I_ρλ = c[tr(HᵀĜ) + tr(HĜ)],  I_ρσ² = c tr(Ĝ)/σ²,  I_λσ² = c tr(H)/σ²,  I_σ²σ² = n*/(2σ⁴).
    /// Lee–Yu with time effects: the transformed model is a SAC in N − 1 dimensions with
    /// W* = F'WF, M* = F'MF, and (row-standardised W and M) every product of G, B, B⁻¹, M is
    /// F'(product)F; with FF' = J = I − 11'/N the traces above are those of JĜJ and JHJ.
    /// Dense N × N products, O(N³) per fit — or, when M = W (`InformationTraces.spectral`), the traces
    /// from W's spectrum and v by spectral solves, O(N²T).
    static func analyticCovariance(_ d: SACDesign, point: SACPoint, weights: SpatialWeights,
                                   errorWeights m: SpatialWeights, denseOperators: Bool = false) throws -> Matrix {
        let n = d.base.n, t = d.base.t, p = d.p
        let rho = point.rho, lam = point.lambda, s2 = point.sigma2
        let project = d.shape.dropsUnitRoot > 0
        let c = d.shape.periods
        let zbVector = d.base.z.multiply(point.coefficients)
        let traces: InformationTraces
        var v: [Double]
        if !denseOperators, let spectral = InformationTraces.spectral(project: project, rho: rho, lambda: lam, weights: weights, errorWeights: m) {
            traces = spectral
            // v = BGZβ per period: (I − λW) W (I − ρW)⁻¹ Zβ.
            let gy = weights.applyPanel(try SpatialFilter(weights: weights, rho: rho).solvePanel(zbVector))
            let wgy = weights.applyPanel(gy)
            v = zip(gy, wgy).map { $0 - lam * $1 }
        } else {
            let (gHat, h, bg) = try operators(rho: rho, lambda: lam, weights: weights, errorWeights: m)
            let gp = project ? centred(gHat) : gHat
            let hp = project ? centred(h) : h
            traces = InformationTraces(gg: traceProduct(gp, gp), gtg: traceTransposedProduct(gp, gp),
                                       hh: traceProduct(hp, hp), hth: traceTransposedProduct(hp, hp),
                                       hg: traceProduct(hp, gp), htg: traceTransposedProduct(hp, gp),
                                       g: trace(gp), h: trace(hp))
            v = Matrix.product(bg, Matrix(rows: n, cols: t, uncheckedColumnMajor: zbVector)).data
        }

        var xs = d.base.z
        for k in 0..<xs.data.count { xs.data[k] -= lam * d.mz.data[k] }
        if project { v = WithinTransform.apply(v, n: n, t: t, effects: d.base.spec.effects) }

        let k = p + 3, r = p, l = p + 1, s = p + 2
        var info = Matrix(rows: k, cols: k)
        let xtx = xs.crossProduct()
        for j in 0..<p { for i in 0..<p { info[i, j] = xtx[i, j] / s2 } }
        let xv = xs.multiply(v, transpose: true)
        for i in 0..<p { info[i, r] = xv[i] / s2; info[r, i] = xv[i] / s2 }
        info[r, r] = Vector.dot(v, v) / s2 + c * (traces.gg + traces.gtg)
        info[l, l] = c * (traces.hh + traces.hth)
        let rl = c * (traces.htg + traces.hg)
        info[r, l] = rl; info[l, r] = rl
        let rs = c * traces.g / s2, ls = c * traces.h / s2
        info[r, s] = rs; info[s, r] = rs
        info[l, s] = ls; info[s, l] = ls
        info[s, s] = d.shape.nStar / (2 * s2 * s2)
        return try SpatialVariance.invertInformation(info)
    }

    /// The traces of the expected information, of PĜP and PHP (P = J under the projection, else I):
    /// gg = tr((PĜP)²), gtg = tr((PĜP)ᵀPĜP), hh, hth likewise for H, hg = tr(PHP·PĜP), htg = tr((PHP)ᵀPĜP),
    /// g = tr(PĜP), h = tr(PHP).
    struct InformationTraces {
        var gg: Double, gtg: Double, hh: Double, hth: Double, hg: Double, htg: Double, g: Double, h: Double

        /// From W's spectrum when M = W (`CrossUnitTerm.series`; W row-standardised under the projection): Ĝ = G(ρ),
        /// H = G(λ) with eigenvalues g_κ = ω/(1 − κω), and with G(κ)1 = a_κ1, a_κ = 1/(1 − κ) (row-standardised W),
        ///   tr(JG(κ)JG(μ)) = tr(G(κ)G(μ)) − 2·1ᵀG(κ)G(μ)1/N + (1ᵀG(κ)1)(1ᵀG(μ)1)/N² = Σ g_κ g_μ − a_κ a_μ,
        ///   tr(JG(κ)ᵀJG(μ)) = tr(G(κ)ᵀG(μ)) − (G(κ)ᵀ1)·(G(μ)ᵀ1)/N (the other terms cancel as above), the
        ///   bilinear form of the centred trace kernel (`WeightSpectrum.traceGtG(rho:lambda:centred:)`),
        ///   tr(JG(κ)J) = Σ g_κ − a_κ;
        /// without the projection the same with a_κ = 0 and the plain kernel. O(N²); nil otherwise.
        static func spectral(project: Bool, rho: Double, lambda: Double, weights: SpatialWeights, errorWeights m: SpatialWeights) -> Self? {
            guard CrossUnitTerm.series(weights: weights, errorWeights: m) != nil, !project || weights.isRowStandardised,
                  let sp = weights.spectrum, sp.isReal,
                  let gtg = sp.traceGtG(rho: rho, lambda: rho, centred: project),
                  let hth = sp.traceGtG(rho: lambda, lambda: lambda, centred: project),
                  let htg = sp.traceGtG(rho: lambda, lambda: rho, centred: project) else { return nil }
            let gr = sp.real.map { $0 / (1 - rho * $0) }, gl = sp.real.map { $0 / (1 - lambda * $0) }
            let ar = project ? 1 / (1 - rho) : 0, al = project ? 1 / (1 - lambda) : 0
            var gg = 0.0, hh = 0.0, hg = 0.0, g = 0.0, h = 0.0
            for k in 0..<gr.count {
                gg += gr[k] * gr[k]; hh += gl[k] * gl[k]; hg += gl[k] * gr[k]; g += gr[k]; h += gl[k]
            }
            return Self(gg: gg - ar * ar, gtg: gtg, hh: hh - al * al, hth: hth, hg: hg - ar * al, htg: htg, g: g - ar, h: h - al)
        }
    }

    /// Ĝ = BGB⁻¹, H = MB⁻¹ and BG, from dense solves with I − ρW and I − λM.
    static func operators(rho: Double, lambda: Double, weights: SpatialWeights, errorWeights m: SpatialWeights) throws
        -> (gHat: Matrix, h: Matrix, bg: Matrix) {
        let n = weights.count
        let w = weights.matrix, mm = m.matrix
        var a = Matrix.identity(n), b = Matrix.identity(n)
        for q in 0..<a.data.count { a.data[q] -= rho * w.data[q]; b.data[q] -= lambda * mm.data[q] }
        let g = try LUDecomposition(a).solve(w)             // (I − ρW)⁻¹W = W(I − ρW)⁻¹
        let bInverse = try LUDecomposition(b).inverse()
        let bg = b * g
        return (bg * bInverse, mm * bInverse, bg)
    }

    /// J X J with J = I − 11'/N.
    static func centred(_ x: Matrix) -> Matrix {
        let n = x.rows
        var out = x
        let rowMeans = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + x[i, $1] } / Double(n) }
        let colMeans = (0..<n).map { j in (0..<n).reduce(0.0) { $0 + x[$1, j] } / Double(n) }
        let grand = rowMeans.reduce(0, +) / Double(n)
        for j in 0..<n { for i in 0..<n { out[i, j] = x[i, j] - rowMeans[i] - colMeans[j] + grand } }
        return out
    }

    static func trace(_ x: Matrix) -> Double { (0..<x.rows).reduce(0.0) { $0 + x[$1, $1] } }

    /// tr(XY) = Σ_ij X_ij Y_ji.
    static func traceProduct(_ x: Matrix, _ y: Matrix) -> Double {
        let n = x.rows
        var s = 0.0
        for j in 0..<n { for i in 0..<n { s += x.data[i + j * n] * y.data[j + i * n] } }
        return s
    }

    /// tr(XᵀY) = Σ_ij X_ij Y_ij.
    static func traceTransposedProduct(_ x: Matrix, _ y: Matrix) -> Double {
        zip(x.data, y.data).reduce(0.0) { $0 + $1.0 * $1.1 }
    }

    /// Negative inverse of the central-difference Hessian of the full log-likelihood, steps 1% of
    /// the analytic standard errors (`scale`), as `SpatialVariance.numericalHessianCovariance`.
    static func numericalHessianCovariance(_ d: SACDesign, point: SACPoint, weights: SpatialWeights,
                                           errorWeights m: SpatialWeights, scale: Matrix) throws -> Matrix {
        let theta = point.coefficients + [point.rho, point.lambda, point.sigma2]
        let p = d.p
        let f: ([Double]) -> Double = { v in
            d.logLikelihood(coefficients: Array(v[0..<p]), rho: v[p], lambda: v[p + 1], sigma2: v[p + 2],
                            weights: weights, errorWeights: m)
        }
        return try SpatialVariance.negativeInverseHessian(of: f, at: theta, scale: scale)
    }
}
