import Foundation
import Numerics

/// Variance of the spatial QML estimates.
enum SpatialVariance {
    /// Inverse of the analytic information matrix for (β, ρ or λ, σ²).
    ///
    /// Lag models (Elhorst 2014, §3.4; Lee & Yu 2010, eq. 12), with Z̃ the demeaned
    /// regressors, ḡ = (I_T ⊗ G)Z̃β̂ (demeaned across units for Lee–Yu with time effects), G = W(I − ρW)⁻¹, c and the effective traces
    /// from `LikelihoodShape` (c = T direct, T − 1 Lee–Yu; traces lose 1/(1 − ρ)ᵏ
    /// when the Lee–Yu transformation removes time effects):
    ///   I_ββ = Z̃'Z̃/σ², I_βρ = Z̃'ḡ/σ², I_ρρ = ḡ'ḡ/σ² + c[tr(G²) + tr(GᵀG)],
    ///   I_ρσ² = c tr(G)/σ², I_σ²σ² = n*/(2σ⁴).
    /// Error models: I_ββ = X*'X*/σ² with X* = Z̃ − λQWZ, I_βλ = 0, and the same trace
    /// terms with H = W(I − λW)⁻¹. Non-spatial models: σ²(Z̃'Z̃)⁻¹ and 2σ⁴/n*.
    /// With a W held sparse the traces come from the log-determinant method and tr(GᵀG) from
    /// Hutchinson probes; that estimate (with its MCSE) is returned alongside.
    /// `appliedG`: G(ρ̂)·Z̃β̂ when the caller already formed it (`analyticCovariances`, several fits' products
    /// through W's eigenvectors in one), else formed here.
    static func analyticCovariance(_ d: SpatialDesign, point: PointEstimate, weights: SpatialWeights,
                                   appliedG: [Double]? = nil) throws -> (vcov: Matrix, traceGtG: TraceEstimate?) {
        let p = d.p
        let s2 = point.sigma2
        let hasSpatial = point.spatial != nil
        let k = p + (hasSpatial ? 1 : 0) + 1
        var info = Matrix(rows: k, cols: k)
        var x = d.z
        if d.spec.model.hasErrorLag, let wz = d.wz, let lam = point.spatial {
            for j in 0..<x.data.count { x.data[j] -= lam * wz.data[j] }
        }
        let xtx = (d.spec.model.hasErrorLag ? nil : point.crossProduct) ?? x.crossProduct()
        for j in 0..<p { for i in 0..<p { info[i, j] = xtx[i, j] / s2 } }
        let ks = k - 1
        info[ks, ks] = d.shape.nStar / (2 * s2 * s2)
        var traceEstimate: TraceEstimate?
        if let s = point.spatial {
            let r = p
            let c = d.shape.periods
            let trG = d.shape.traceG(s, spectrum: weights.logDeterminant)
            let trG2 = d.shape.traceG2(s, spectrum: weights.logDeterminant)
            let gtg = try effectiveTraceGtG(s, shape: d.shape, weights: weights)
            if gtg.probes > 0 { traceEstimate = gtg }
            var irr = c * (trG2 + gtg.value)
            if d.spec.model.hasLag {
                // Elhorst's convention for the direct approach (G applied to the demeaned Zβ̂,
                // not demeaned again); the Lee–Yu transformation that removes time effects
                // works with F_N'GF_N, i.e. G Z̃β̂ demeaned across units.
                var g = try appliedG ?? SpatialOperators.applyG(d.z.multiply(point.coefficients), rho: s, weights: weights)
                if d.shape.dropsUnitRoot > 0 { g = WithinTransform.apply(g, n: d.n, t: d.t, effects: d.spec.effects) }
                let zg = d.z.multiply(g, transpose: true)
                for i in 0..<p { info[i, r] = zg[i] / s2; info[r, i] = zg[i] / s2 }
                irr += Vector.dot(g, g) / s2
            }
            info[r, r] = irr
            info[r, ks] = c * trG / s2
            info[ks, r] = c * trG / s2
        }
        return (try invertInformation(info), traceEstimate)
    }

    /// `analyticCovariance` of several fits on one W (the fits of a replication on the same W,
    /// `SharedSpatialFits.plan`), each the bits of its own call: the lag models' G(ρ̂)·Z̃β̂ go through
    /// `SpatialOperators.applyG(_:rhos:weights:)` together — one product with V of width Σ T instead of
    /// one per fit, so V is packed and read once (at N = 280, T = 18 the packing costs as much as the
    /// product). Each fit's result is its own: one that throws does not touch the others.
    static func analyticCovariances(_ fits: [(design: SpatialDesign, point: PointEstimate)], weights: SpatialWeights)
        -> [Result<(vcov: Matrix, traceGtG: TraceEstimate?), Error>] {
        let lagged = fits.indices.filter { fits[$0].design.spec.model.hasLag && fits[$0].point.spatial != nil }
        var applied = [[Double]?](repeating: nil, count: fits.count)
        if lagged.count > 1, let products = try? SpatialOperators.applyG(
            lagged.map { fits[$0].design.z.multiply(fits[$0].point.coefficients) }, rhos: lagged.map { fits[$0].point.spatial! },
            weights: weights) {
            for (q, i) in lagged.enumerated() { applied[i] = products[q] }
        }
        // A batch that failed leaves every fit to form its own product (and report its own error).
        return fits.indices.map { i in Result { try analyticCovariance(fits[i].design, point: fits[i].point, weights: weights, appliedG: applied[i]) } }
    }

    /// Negative inverse of the numerical Hessian of the full log-likelihood at the
    /// estimates. Steps are 1% of the analytic standard errors (`scale`), so the
    /// difference quotients are scale-free; truncation error is O(step²) ≈ 1e-4 relative.
    static func numericalHessianCovariance(_ d: SpatialDesign, point: PointEstimate, weights: SpatialWeights,
                                           scale: Matrix) throws -> Matrix {
        let theta = point.coefficients + [point.spatial].compactMap { $0 } + [point.sigma2]
        let k = theta.count
        let p = d.p
        let f: ([Double]) -> Double = { v in
            d.logLikelihood(coefficients: Array(v[0..<p]), spatial: point.spatial == nil ? 0 : v[p],
                            sigma2: v[k - 1], spectrum: weights.logDeterminant)
        }
        return try negativeInverseHessian(of: f, at: theta, scale: scale)
    }

    /// −H⁻¹ for H the central-difference Hessian of `f` at `theta`, step i 1% of the standard
    /// error √scale_ii (or 1e-5·max(1, |θ_i|) when that is not usable) — shared by the SDM family
    /// and the SAC model.
    static func negativeInverseHessian(of f: ([Double]) -> Double, at theta: [Double], scale: Matrix) throws -> Matrix {
        let k = theta.count
        let h = (0..<k).map { i -> Double in
            let se = scale[i, i].squareRoot()
            return se.isFinite && se > 0 ? 0.01 * se : 1e-5 * max(1, abs(theta[i]))
        }
        let f0 = f(theta)
        var hess = Matrix(rows: k, cols: k)
        func shifted(_ i: Int, _ a: Double, _ j: Int, _ b: Double) -> Double {
            var v = theta
            v[i] += a * h[i]
            v[j] += b * h[j]
            return f(v)
        }
        for i in 0..<k {
            hess[i, i] = (shifted(i, 1, i, 0) - 2 * f0 + shifted(i, -1, i, 0)) / (h[i] * h[i])
            for j in 0..<i {
                let v = (shifted(i, 1, j, 1) - shifted(i, 1, j, -1) - shifted(i, -1, j, 1) + shifted(i, -1, j, -1))
                    / (4 * h[i] * h[j])
                hess[i, j] = v
                hess[j, i] = v
            }
        }
        return try invertInformation(-1 * hess)
    }

    /// Cluster-robust (sandwich) covariance, clustered by unit, as xsmle's `vce(cluster)`:
    /// V = G/(G − 1) · I⁻¹ (Σ_i s_i s_iᵀ) I⁻¹ with I⁻¹ the analytic covariance (`bread`) and
    /// s_i unit i's score, summed over its periods (White 1982; Wooldridge 2010 §13.8.2;
    /// G = N clusters). Per observation (t, i), with e = Q(y − ρWy − Zβ):
    ///   s_β = z e/σ²,  s_σ² = −(n*/NT)/(2σ²) + e²/(2σ⁴),
    ///   s_ρ = (Wy) e/σ² − (c/T)·G*_ii,  G*_ii = G_ii − u(1ᵀG)_i/N,
    /// where Σ_i G*_ii is the effective tr(G) of `LikelihoodShape` (u = 1 when the Lee–Yu
    /// transformation removes time effects), so the scores are the terms of the exact score
    /// and sum to zero at the estimates; each has mean zero, as E[(Gε)_i ε_i] = σ²G_ii.
    /// What the cluster and Conley sandwiches share: the number of parameters k (checked against
    /// the bread), the residuals e = y − ρWy − Zβ, and the non-random parts of the ρ and σ²
    /// scores per observation: (c/T)(G*_ii − u·colsum_i(G*)/N) for unit i, and n*/(2NTσ²).
    static func scoreParts(_ d: SpatialDesign, point: PointEstimate, weights: SpatialWeights, bread: Matrix,
                           variance: String, purpose: String,
                           shared: (fits: SharedSpatialFits, weightsName: String)? = nil) throws
        -> (k: Int, e: [Double], jacobianShare: [Double], sigmaShare: Double) {
        let n = d.n, t = d.t
        let rho = point.spatial
        let k = d.p + (rho == nil ? 0 : 1) + 1
        guard bread.rows == k else { throw EstimationError("\(variance): the information matrix has \(bread.rows) rows, expected \(k)") }
        let fitted = d.z.multiply(point.coefficients)
        let e = (0..<d.y.count).map { d.y[$0] - (rho ?? 0) * d.wy[$0] - fitted[$0] }
        var jacobianShare = [Double](repeating: 0, count: n)
        if let rho {
            let m = try UnitMultipliers.at(rho, weights: weights, purpose: purpose, shared: shared)
            let c = d.shape.periods, u = d.shape.dropsUnitRoot
            for i in 0..<n { jacobianShare[i] = c * (m.diagG[i] - u * m.colG[i] / Double(n)) / Double(t) }
        }
        return (k, e, jacobianShare, d.shape.nStar / Double(n * t) / (2 * point.sigma2))
    }

    /// Unit scores of ρ are not independent across units even when the errors are: unit i's
    /// holds G_ij ε_j ε_i and unit j's G_ji ε_i ε_j, so Cov(s_ρ,i, s_ρ,j) = G_ij G_ji Σ_{t,s}
    /// E[ε_it ε_is] E[ε_jt ε_js] — the tr(G²) part of the information, which a plain
    /// Σ_i s_i s_iᵀ drops (it gives ρ too small an SE). It is added to the ρρ element,
    /// estimated by Σ_{i≠j} G_ij G_ji (Σ_t e_it e_jt)²/σ⁴ (G_ij G_ji = S_ij² with S = VΛ̃Vᵀ
    /// the symmetric form of G; O(N²) through `SquaredGSeries`, to a certified 1e-15 of the term, or the
    /// exact N³ product where that bound cannot be met).
    /// It is robust to serial correlation and heteroskedasticity within a unit (e.g. an
    /// omitted unit trend), not to error correlation across units.
    /// CR2 and CR3 replace each unit's residuals by A_g e_g (`ClusterCorrection`,
    /// `adjustedResiduals`) in every score and in the cross-unit term, and drop G/(G − 1).
    static func clusterCovariance(_ d: SpatialDesign, point: PointEstimate, weights: SpatialWeights, bread: Matrix,
                                  correction: ClusterCorrection = .cr1,
                                  shared: (fits: SharedSpatialFits, weightsName: String)? = nil,
                                  adjustments: (() throws -> UnitAdjustments)? = nil) throws -> Matrix {
        if let reason = SpatialVarianceMethod.cluster.unsupportedReason(for: d.spec.model) { throw EstimationError(reason) }
        let n = d.n, t = d.t, p = d.p
        let s2 = point.sigma2
        let rho = point.spatial
        let (k, raw, jacobianShare, sigmaShare) = try scoreParts(d, point: point, weights: weights, bread: bread, variance: "cluster variance",
                                                                 purpose: "cluster-robust standard errors", shared: shared)
        // CR2/CR3: the caller's adjustments when it keeps them for the Satterthwaite df (`SpatialEstimator.fit`), else built here.
        let e = correction == .cr1 ? raw
            : adjustedResiduals(raw, adjustments: try adjustments?() ?? UnitAdjustments(d, correction: correction), n: n, t: t)
        let scores = unitScores(d, residuals: e, k: k, sigma2: s2, jacobianShare: rho == nil ? nil : jacobianShare, sigmaShare: sigmaShare)
        var meat = scores.crossProduct()
        if let rho, let series = weights.squaredG {
            // Σ_{i≠j} S_ij² P_ij² = Σ_{i>j} S_ij² (2P_ij²) with P = EEᵀ (time-major e is N × T column-major);
            // Q = P∘P off its diagonal has ‖Q‖_* ≤ 2 Σ_i P_ii² (`SquaredGSeries.clusterPairWeights`).
            let (w, nu) = SquaredGSeries.clusterPairWeights(residuals: e, n: n, t: t)
            let cross = series.term(rho: rho, pairWeights: w, nuclearBound: nu).value
            meat[p, p] += cross / (s2 * s2)
        }
        let g = Double(n)
        var v = Matrix.product(bread, Matrix.product(meat, bread))
        if correction == .cr1 { for q in 0..<v.data.count { v.data[q] *= g / (g - 1) } }
        try checkSandwich(v, bread: bread, names: d.names, clusters: n, variance: "cluster variance (by city)",
                          fix: "use more cities, fewer regressors (e.g. durbin: none) or the analytic variance")
        return v
    }

    /// The N × k unit scores of `clusterCovariance` (columns β, ρ when `jacobianShare` is given, σ²), each
    /// the sum over unit i's periods in period order: z e/σ², (Wy) e/σ² − (c/T)G*_ii, e²/(2σ⁴) − n*/(2NTσ²).
    /// Column by column through the buffers, four units per step in SIMD lanes: each lane does the
    /// element-by-element loop's operations in the same order (the same bits), and the N(p + 2)T
    /// divisions by σ² — most of the cost — go two to an instruction instead of one.
    /// `wide: false` keeps the Swift loop (the tests compare the two).
    static func unitScores(_ d: SpatialDesign, residuals e: [Double], k: Int, sigma2 s2: Double, jacobianShare: [Double]?,
                           sigmaShare: Double, wide allowWide: Bool = true) -> Matrix {
        let n = d.n, t = d.t, p = d.p, rows = d.z.rows
        let quads = n / 4 * 4
        let two = 2 * s2 * s2
        // Eight units to a vector where the CPU has AVX-512F (the same terms in the same order, so these bits).
        if allowWide, k == p + (jacobianShare == nil ? 1 : 2),
           let wide = WideKernels.unitScores(z: d.z, residuals: e, wy: jacobianShare == nil ? nil : d.wy, jacobianShare: jacobianShare,
                                             n: n, t: t, sigma2: s2, two: two, sigmaShare: sigmaShare) {
            return wide
        }
        var scores = Matrix(rows: n, cols: k)
        /// out[i] += Σ_t term(t·n + i, i) over the periods in order, for every unit i.
        @inline(__always) func accumulate(_ out: UnsafeMutablePointer<Double>, _ lanes: (Int, Int) -> SIMD4<Double>,
                                          _ scalar: (Int, Int) -> Double) {
            for period in 0..<t {
                let r0 = period * n
                var i = 0
                while i < quads {
                    let o = UnsafeMutableRawPointer(out + i)
                    o.storeBytes(of: o.loadUnaligned(as: SIMD4<Double>.self) + lanes(r0 + i, i), as: SIMD4<Double>.self)
                    i += 4
                }
                while i < n { out[i] += scalar(r0 + i, i); i += 1 }
            }
        }
        @inline(__always) func load(_ q: UnsafePointer<Double>) -> SIMD4<Double> { UnsafeRawPointer(q).loadUnaligned(as: SIMD4<Double>.self) }
        scores.data.withUnsafeMutableBufferPointer { sc in
            e.withUnsafeBufferPointer { pe in
                let e = pe.baseAddress!
                d.z.data.withUnsafeBufferPointer { pz in
                    for j in 0..<p {
                        let z = pz.baseAddress! + j * rows
                        accumulate(sc.baseAddress! + j * n, { r, _ in load(z + r) * load(e + r) / s2 }, { r, _ in z[r] * e[r] / s2 })
                    }
                }
                if let jacobianShare {
                    d.wy.withUnsafeBufferPointer { pw in
                        jacobianShare.withUnsafeBufferPointer { pj in
                            let wy = pw.baseAddress!, js = pj.baseAddress!
                            accumulate(sc.baseAddress! + p * n, { r, i in load(wy + r) * load(e + r) / s2 - load(js + i) },
                                       { r, i in wy[r] * e[r] / s2 - js[i] })
                        }
                    }
                }
                accumulate(sc.baseAddress! + (k - 1) * n, { r, _ in load(e + r) * load(e + r) / two - sigmaShare },
                           { r, _ in e[r] * e[r] / two - sigmaShare })
            }
        }
        return scores
    }

    static func invertInformation(_ info: Matrix) throws -> Matrix {
        guard info.data.allSatisfy({ $0.isFinite }) else {
            throw EstimationError("the information matrix has non-finite entries (spatial parameter at the boundary?)")
        }
        do { return try Cholesky(info).inverse() } catch {
            throw EstimationError("the information matrix is not positive definite (\(error))")
        }
    }

    /// Effective tr(GᵀG). Direct approach: tr(GᵀG). Lee–Yu with time effects works with
    /// G* = F_N'GF_N, and FF' = I − 11'/N with G1 = 1/(1 − ρ)·1 (row-standardised W) gives
    /// tr(G*ᵀG*) = tr(GᵀG) − ‖Gᵀ1‖²/N. O(N²) through the cached kernel; O(N³) fallback
    /// when W has no symmetric form; Hutchinson's estimator (with its MCSE) when W is held
    /// sparse, the correction ‖Gᵀ1‖²/N then exact from one transposed solve.
    static func effectiveTraceGtG(_ rho: Double, shape: LikelihoodShape, weights: SpatialWeights) throws -> TraceEstimate {
        let n = weights.count
        guard let sp = weights.spectrum else {
            let est = try weights.sparseTraceGtG(rho: rho)
            guard shape.dropsUnitRoot > 0 else { return est }
            let u = try weights.sparseGTransposeOnes(rho: rho)
            return est.adding(-(Vector.dot(u, u) / Double(n)))
        }
        if sp.symmetricForm != nil {
            // Gᵀ1 = R^{1/2} V diag(g) Vᵀ R^{-1/2} 1, whose squared norm the centred kernel subtracts.
            if shape.dropsUnitRoot > 0, let tr = sp.centredTraceGtG(rho: rho) { return .exact(tr) }
            if let tr = sp.traceGtG(rho: rho) { return .exact(tr) }
        }
        let g = try SpatialOperators.denseG(rho: rho, weights: weights)
        var tr = 0.0
        for v in g.data { tr += v * v }
        guard shape.dropsUnitRoot > 0 else { return .exact(tr) }
        let colSums = g.multiply([Double](repeating: 1, count: n), transpose: true)
        return .exact(tr - Vector.dot(colSums, colSums) / Double(n))
    }
}

/// Products with G = W(I − ρW)⁻¹ through the cached spectrum.
enum SpatialOperators {
    /// G applied period by period to a time-major panel vector: by a sparse factorisation when W
    /// is sparse with a symmetric form, else with W = R^{-1/2}VΛVᵀR^{1/2},
    /// G = R^{-1/2} V diag(ω/(1 − ρω)) Vᵀ R^{1/2} — two products with V (O(N²T)).
    static func applyG(_ v: [Double], rho: Double, weights: SpatialWeights) throws -> [Double] {
        try applyG([v], rhos: [rho], weights: weights)[0]
    }

    /// G(ρ_k) applied to each time-major panel vector v_k, on one W, each result the bits of `applyG` on
    /// the vector alone. Through the symmetric form, when every block is of even width (T even), the
    /// vectors' N × T blocks stand side by side in the two products with V (one N × N × ΣT product each
    /// way instead of one per vector: V is packed and read once, which at N = 280, T = 18 costs about as
    /// much as the multiplications). OpenBLAS's dgemm kernels run the inner dimension in the same order
    /// for every column, taking columns in groups of 8, 4 or 2 alike, but a product's odd last column
    /// alone by a kernel that rounds otherwise: with even widths no column is ever that odd one, alone or
    /// side by side. That is this BLAS build's property, not a guarantee (another CPU's kernels, a
    /// small-matrix path, another BLAS may round side-by-side columns otherwise), so it is checked, not
    /// assumed: the first time a shape (N and the widths) comes, fixed vectors go through side by side and
    /// one by one on this W (`SideBySideCheck`), and only a shape whose bits agree is ever batched. The
    /// diagonal scalings are per element. An odd width, a shape that failed the check, or another path
    /// takes the vectors one by one — so every result is the bits of `applyG` on its vector alone, and a
    /// fit's numbers never depend on which other fits a scenario lists.
    static func applyG(_ vs: [[Double]], rhos: [Double], weights: SpatialWeights) throws -> [[Double]] {
        precondition(vs.count == rhos.count, "applyG: \(vs.count) vectors for \(rhos.count) values of ρ")
        let n = max(weights.count, 1)
        let widths = vs.map { $0.count / n }
        guard vs.count == 1 || (widths.allSatisfy({ $0 % 2 == 0 }) && SideBySideCheck.keepsBits(widths: widths, weights: weights)) else {
            return try zip(vs, rhos).map { try applyGSideBySide([$0], rhos: [$1], weights: weights)[0] }
        }
        return try applyGSideBySide(vs, rhos: rhos, weights: weights)
    }

    /// Whether blocks of these widths side by side in the products with V give each block's bits alone,
    /// on this process's BLAS: checked once per shape (N, widths) on fixed pseudo-random vectors with
    /// ρ = 0 (the kernels' summation order depends on the shapes, not on the values), and remembered.
    enum SideBySideCheck {
        private final class Known: @unchecked Sendable {
            let lock = NSLock()
            var byShape: [[Int]: Bool] = [:]
        }
        private static let known = Known()

        static func keepsBits(widths: [Int], weights: SpatialWeights) -> Bool {
            let key = [weights.count] + widths
            known.lock.lock()
            if let k = known.byShape[key] { known.lock.unlock(); return k }
            known.lock.unlock()
            let n = weights.count
            var values = BitCheckValues(seed: 0x9E37_79B9_7F4A_7C15)
            let vs = widths.map { t in (0..<(n * t)).map { _ in values.next() } }
            let rhos = [Double](repeating: 0, count: widths.count)
            let agrees: Bool
            if let together = try? applyGSideBySide(vs, rhos: rhos, weights: weights) {
                agrees = vs.indices.allSatisfy { k in
                    (try? applyGSideBySide([vs[k]], rhos: [0], weights: weights)[0].map(\.bitPattern)) == together[k].map(\.bitPattern)
                }
            } else {
                agrees = false
            }
            known.lock.lock(); defer { known.lock.unlock() }
            known.byShape[key] = agrees
            return agrees
        }
    }

    /// `applyG` of the vectors side by side through the symmetric form (see there for when that keeps
    /// each one's bits), one by one on the other paths.
    private static func applyGSideBySide(_ vs: [[Double]], rhos: [Double], weights: SpatialWeights) throws -> [[Double]] {
        let n = weights.count
        // A sparse W with a symmetric form: one sparse factorisation and solve per call beats the
        // two N × N × T products through the spectrum (equal to rounding).
        guard let spectrum = weights.spectrum, !weights.factorisesG else {
            return try zip(vs, rhos).map { try weights.sparseApplyG(rho: $1, $0) }
        }
        guard let f = spectrum.symmetricForm else {
            return try zip(vs, rhos).map { weights.applyPanel(try SpatialFilter(weights: weights, rho: $1).solvePanel($0)) }
        }
        // Column offsets of each vector's block.
        var offsets = [0]
        for v in vs {
            guard v.count % max(n, 1) == 0 else { throw EstimationError("G applied to a panel vector of \(v.count) values, not a multiple of N = \(n)") }
            offsets.append(offsets.last! + v.count / max(n, 1))
        }
        let width = offsets.last!
        // One vector (every single fit's path) as it stands; several copied side by side into one buffer.
        var joined: [Double] = []
        if vs.count > 1 {
            joined.reserveCapacity(width * n)
            for v in vs { joined.append(contentsOf: v) }
        }
        var z = Matrix(rows: n, cols: width, uncheckedColumnMajor: vs.count == 1 ? vs[0] : joined)
        scaleRows(&z, by: f.sqrtR, columns: 0..<width)
        // Both products through V packed once per W when that gives dgemm's bits (`PackedOperand`), else dgemm.
        var c = weights.symmetricFormProduct(z.data, width: width, transposed: true)
            .map { Matrix(rows: n, cols: width, uncheckedColumnMajor: $0) } ?? Matrix.product(f.vectors, z, transposeA: true)
        let omega = spectrum.real
        for (k, rho) in rhos.enumerated() {
            scaleRows(&c, by: omega.map { $0 / (1 - rho * $0) }, columns: offsets[k]..<offsets[k + 1])
        }
        var out = weights.symmetricFormProduct(c.data, width: width, transposed: false)
            .map { Matrix(rows: n, cols: width, uncheckedColumnMajor: $0) } ?? f.vectors * c
        scaleRows(&out, by: f.invSqrtR, columns: 0..<width)
        if vs.count == 1 { return [out.data] }
        return vs.indices.map { k in Array(out.data[(offsets[k] * n)..<(offsets[k + 1] * n)]) }
    }

    /// m[i, j] *= d[i] for the columns j in `columns`, by pointer (the same products as element by element
    /// through the subscript, without its per-element checks).
    private static func scaleRows(_ m: inout Matrix, by d: [Double], columns: Range<Int>) {
        let n = m.rows
        precondition(d.count == n && columns.upperBound <= m.cols, "scaleRows: \(d.count) factors for a \(m.rows)×\(m.cols) matrix")
        guard n > 0, !columns.isEmpty else { return }
        d.withUnsafeBufferPointer { pd in
            m.data.withUnsafeMutableBufferPointer { pm in
                for j in columns {
                    let column = pm.baseAddress! + j * n
                    for i in 0..<n { column[i] *= pd[i] }
                }
            }
        }
    }

    /// Dense G (O(N³)); only for weight matrices without a symmetric form.
    static func denseG(rho: Double, weights: SpatialWeights) throws -> Matrix {
        var a = Matrix.identity(weights.count)
        for k in 0..<a.data.count { a.data[k] -= rho * weights.matrix.data[k] }
        // G = W (I − ρW)⁻¹ = (I − ρW)⁻¹ W; solve (I − ρW) G = W.
        return try LUDecomposition(a).solve(weights.matrix)
    }
}
