import Foundation

/// Eigen-structure of W, cached with it.
public struct WeightSpectrum: Sendable {
    /// Real parts of the eigenvalues, ascending.
    public let real: [Double]
    /// Imaginary parts in the same order (all zero for a symmetrisable W).
    public let imaginary: [Double]
    /// Present when W is similar to a symmetric matrix: W = R^{-1/2} V Λ Vᵀ R^{1/2}.
    public let symmetricForm: SymmetricForm?
    /// The likelihood search's interpolant of the log-determinant (`SpectrumSurrogate`), nil for a complex spectrum.
    let surrogate: SpectrumSurrogate?

    public struct SymmetricForm: Sendable {
        /// r^{1/2} and r^{-1/2}, the similarity scaling.
        public let sqrtR: [Double]
        public let invSqrtR: [Double]
        /// Orthonormal eigenvectors of S, columns in the order of `real`.
        public let vectors: Matrix
        /// H = (VᵀR⁻¹V) ∘ (VᵀRV): tr(GᵀG) = Σ_ij g_i g_j H_ij with g = ω/(1 − ρω).
        public let traceKernel: Matrix
        /// Vᵀ R^{-1/2} 1 and Vᵀ R^{1/2} 1 (the eigen-coordinates of the ones vector, which every
        /// column sum of A or G and the Lee–Yu correction of tr(GᵀG) start from), formed once per W.
        public let onesInvSqrtR: [Double]
        public let onesSqrtR: [Double]
        /// The same Vᵀ R^{-1/2} 1 as `onesInvSqrtR` summed over i in order, Σ_i r_i^{-1/2} V_ik (a serial
        /// loop's rounding, not dgemv's): the column-sum weights of `unitMultipliers(rho:)`, which formed
        /// them this way on every call before they were kept here (so its results keep their bits).
        let serialOnesInvSqrtR: [Double]
        /// H − ((aaᵀ) ∘ VᵀRV)/N with a = Vᵀ R^{-1/2} 1: gᵀ(·)g = tr(GᵀG) − ‖Gᵀ1‖²/N, the tr(GᵀG) of
        /// the Lee–Yu transformation that removes time effects (`SpatialVariance.effectiveTraceGtG`),
        /// as Gᵀ1 = R^{1/2} V (g ∘ a). One quadratic form per fit instead of one plus a product with V.
        public let centredTraceKernel: Matrix
    }

    public var isReal: Bool { imaginary.allSatisfy { $0 == 0 } }
    public var minimum: Double { real.first! }
    public var maximum: Double { real.last! }

    /// (1/ω_min, 1/ω_max) using the real eigenvalues' extremes; for complex spectra
    /// the interval is the real-axis one, a standard and conservative choice.
    public var stableInterval: (lower: Double, upper: Double) {
        (1 / min(minimum, -1e-12), 1 / max(maximum, 1e-12))
    }

    init(_ w: Matrix) throws {
        if let r = WeightSpectrum.similarityScaling(w) {
            let n = w.rows
            let sq = r.map { $0.squareRoot() }
            let isq = sq.map { 1 / $0 }
            var s = Matrix(rows: n, cols: n)
            for j in 0..<n { for i in 0..<n { s[i, j] = sq[i] * w[i, j] * isq[j] } }
            // Symmetrise away rounding so dsyevd sees an exactly symmetric matrix.
            for j in 0..<n { for i in 0..<j { let m = 0.5 * (s[i, j] + s[j, i]); s[i, j] = m; s[j, i] = m } }
            let e = try SymmetricEigen(s)
            real = e.values
            imaginary = [Double](repeating: 0, count: n)
            let v = e.vectors
            var vr = v, vri = v
            for j in 0..<n { for i in 0..<n { vr[i, j] = v[i, j] * r[i]; vri[i, j] = v[i, j] / r[i] } }
            let q = Matrix.product(v, vr, transposeA: true)   // VᵀRV
            let p = Matrix.product(v, vri, transposeA: true)  // VᵀR⁻¹V
            var h = Matrix(rows: n, cols: n)
            for k in 0..<(n * n) { h.data[k] = p.data[k] * q.data[k] }
            let a = v.multiply(isq, transpose: true)
            var centred = h
            for j in 0..<n { for i in 0..<n { centred.data[i + j * n] -= a[i] * a[j] * q.data[i + j * n] / Double(n) } }
            let serial = (0..<n).map { k in
                var s = 0.0
                for i in 0..<n { s += isq[i] * v.data[k * n + i] }
                return s
            }
            symmetricForm = SymmetricForm(sqrtR: sq, invSqrtR: isq, vectors: v, traceKernel: h,
                                          onesInvSqrtR: a, onesSqrtR: v.multiply(sq, transpose: true),
                                          serialOnesInvSqrtR: serial, centredTraceKernel: centred)
        } else {
            let e = try GeneralEigenvalues(w)
            let order = (0..<w.rows).sorted { e.real[$0] < e.real[$1] }
            real = order.map { e.real[$0] }
            imaginary = order.map { abs(e.imaginary[$0]) < 1e-12 ? 0 : e.imaginary[$0] }
            symmetricForm = nil
        }
        surrogate = SpectrumSurrogate(real: real, imaginary: imaginary)
    }

    /// Finds r > 0 with r_i w_ij = r_j w_ji for all i, j, or nil if none exists: the
    /// compressed-row walk of `SpatialWeights.similarityScaling` on W's nonzeros.
    static func similarityScaling(_ w: Matrix) -> [Double]? {
        SparseMatrix(dense: w).flatMap(SpatialWeights.similarityScaling)
    }

    /// log|det(I − ρW)| = Σ ln|1 − ρω_i| (complex pairs contribute their modulus).
    public func logDeterminant(rho: Double) -> Double {
        var s = 0.0
        for k in 0..<real.count {
            let a = 1 - rho * real[k], b = rho * imaginary[k]
            s += b == 0 ? log(abs(a)) : 0.5 * log(a * a + b * b)
        }
        return s
    }

    /// Σ ln|1 − ρω_i| with one logarithm per product of eight factors instead of one per factor,
    /// and a bound on its distance from `logDeterminant(rho:)` (real spectra only; nil otherwise or
    /// when a factor is so small or large that a product could leave the normal range).
    ///
    /// The bound: with u the unit roundoff and m ≥ max_i |ln|1 − ρω_i||, `logDeterminant` sums
    /// N logarithms (each within u·m of the true one) with error ≤ (N − 1)·u·N·m; the blocked sum
    /// has products within 8u (relative) of the true ones, logarithms (each within 2 ulps) within
    /// 8u + 16u·m, and a sum of N/8 terms with error ≤ N·u·N·m. Their distance is at most the
    /// sum of the two, doubled.
    public func screenedLogDeterminant(rho: Double) -> ScreenedValue? {
        let n = real.count
        var s = 0.0, smallest = Double.infinity, largest = 0.0
        var k = 0
        while k < n {
            var p = 1.0
            let end = min(k + 8, n)
            while k < end {
                guard imaginary[k] == 0 else { return nil }
                let a = abs(1 - rho * real[k])
                smallest = min(smallest, a); largest = max(largest, a)
                p *= a
                k += 1
            }
            s += log(p)
        }
        guard smallest > 1e-30, largest < 1e30, s.isFinite else { return nil }
        let u = Double.ulpOfOne / 2, nd = Double(n)
        let m = Swift.max(-log(smallest), log(largest), 1)
        return ScreenedValue(value: s, bound: 2 * (2 * nd * u * nd * m + nd * (8 * u + 16 * u * m)))
    }

    /// tr(G) = Σ ω/(1 − ρω) = −d/dρ log|I − ρW|. Complex eigenvalues come in
    /// conjugate pairs, so the sum is real: each term contributes its real part.
    public func traceG(rho: Double) -> Double {
        var s = 0.0
        for k in 0..<real.count { s += gTerm(k, rho).re }
        return s
    }

    /// tr(G²) = Σ (ω/(1 − ρω))², real parts summed as for `traceG`.
    public func traceG2(rho: Double) -> Double {
        var s = 0.0
        for k in 0..<real.count { let g = gTerm(k, rho); s += g.re * g.re - g.im * g.im }
        return s
    }

    /// g = ω/(1 − ρω) for ω = a + bi: with d = |1 − ρω|², g = (a − ρ|ω|²)/d + i·b/d.
    @inline(__always) private func gTerm(_ k: Int, _ rho: Double) -> (re: Double, im: Double) {
        let a = real[k], b = imaginary[k]
        if b == 0 { return (a / (1 - rho * a), 0) }
        let c = 1 - rho * a, d = c * c + rho * rho * b * b
        return ((a - rho * (a * a + b * b)) / d, b / d)
    }

    /// tr(GᵀG) = gᵀHg in O(N²) through the cached kernel (one symmetric matrix–vector product
    /// on its lower triangle); nil when W has no symmetric form.
    public func traceGtG(rho: Double) -> Double? {
        guard let f = symmetricForm else { return nil }
        return f.traceKernel.symmetricQuadraticForm(real.map { $0 / (1 - rho * $0) })
    }

    /// tr(G(ρ)ᵀG(λ)) for G(κ) = W(I − κW)⁻¹, through the same kernel as `traceGtG` (the bilinear form
    /// g_ρᵀ H g_λ); `centred`: minus (G(ρ)ᵀ1)·(G(λ)ᵀ1)/N through `centredTraceKernel`. The mixed trace of the
    /// SAC's information when M = W. Nil when W has no symmetric form.
    public func traceGtG(rho: Double, lambda: Double, centred: Bool) -> Double? {
        guard let f = symmetricForm else { return nil }
        let a = real.map { $0 / (1 - rho * $0) }, b = real.map { $0 / (1 - lambda * $0) }
        return (centred ? f.centredTraceKernel : f.traceKernel).symmetricBilinearForm(a, b)
    }

    /// tr(GᵀG) − ‖Gᵀ1‖²/N through `centredTraceKernel`; nil when W has no symmetric form.
    public func centredTraceGtG(rho: Double) -> Double? {
        guard let f = symmetricForm else { return nil }
        return f.centredTraceKernel.symmetricQuadraticForm(real.map { $0 / (1 - rho * $0) })
    }
}
