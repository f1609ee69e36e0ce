import Foundation

/// Solves and traces for the sparse log-determinant methods (no spectrum, no N × N array).
extension SpatialWeights {
    /// Relative tolerance (∞-norm of the update) of the fixed-point solver used when W has no
    /// symmetric form; far below what the estimates or the generated data can resolve.
    public static let iterativeSolveTolerance = 1e-13
    /// Hutchinson's tr(GᵀG) stops adding probes once its MCSE is below this share of the trace
    /// (64 plain probes gave 6.2e-5 at N = 10,000 and 2.8e-5 at 50,000; docs/large-n.md).
    public static let traceGtGRelativeTarget = 2.5e-5

    /// Solves (I − ρW) X = B (or (I − ρWᵀ) X = B) for the columns of a column-major N × k array.
    ///
    /// With a symmetric form W = R^{-1/2} S R^{1/2}: (I − ρW)⁻¹ = R^{-1/2}(I − ρS)⁻¹R^{1/2} and
    /// (I − ρWᵀ)⁻¹ = R^{1/2}(I − ρS)⁻¹R^{-1/2}, one sparse Cholesky factorisation per ρ.
    /// Otherwise the Neumann fixed point X ← B + ρWX, which contracts at rate |ρ|·r < 1
    /// inside the stable interval, to `iterativeSolveTolerance`.
    public func sparseSolve(rho: Double, _ b: [Double], transpose: Bool = false) throws -> [Double] {
        guard let w = sparse else { throw NumericsError("internal: sparseSolve on a dense W") }
        let n = count
        guard b.count % n == 0 else { throw NumericsError("right-hand side of length \(b.count) is not a multiple of N = \(n)") }
        if let sym = symmetricSystem {
            let (left, right) = transpose ? (sym.sqrtR, sym.invSqrtR) : (sym.invSqrtR, sym.sqrtR)
            // Period by period (an integer division per value cost more than the scaling).
            var z = b
            for base in stride(from: 0, to: z.count, by: n) { for i in 0..<n { z[base + i] *= right[i] } }
            var x = try sym.system.solve(rho: rho, z)
            for base in stride(from: 0, to: x.count, by: n) { for i in 0..<n { x[base + i] *= left[i] } }
            return x
        }
        guard spectrum == nil else { throw NumericsError("internal: sparseSolve on a W held with its spectrum and no sparse factorisation") }
        guard rho > stableInterval.lower, rho < stableInterval.upper else {
            throw NumericsError("rho = \(rho) lies outside the stable interval (\(stableInterval.lower), \(stableInterval.upper)) of this W")
        }
        let op = transpose ? w.transposed() : w
        var x = b
        let bNorm = max(b.map(abs).max() ?? 0, .leastNormalMagnitude)
        for _ in 0..<100_000 {
            let wx = op.multiplyBlocks(x)
            var change = 0.0
            for k in 0..<x.count {
                let v = b[k] + rho * wx[k]
                change = max(change, abs(v - x[k]))
                x[k] = v
            }
            if change <= Self.iterativeSolveTolerance * bNorm { return x }
        }
        throw NumericsError("the fixed-point solve of (I − ρW)x = b did not reach \(Self.iterativeSolveTolerance) at ρ = \(rho)")
    }

    /// G v = W(I − ρW)⁻¹ v for every period of a time-major panel vector.
    public func sparseApplyG(rho: Double, _ v: [Double]) throws -> [Double] {
        sparse!.multiplyBlocks(try sparseSolve(rho: rho, v))
    }

    /// Gᵀ1 = (I − ρWᵀ)⁻¹Wᵀ1 (exact; for the Lee–Yu correction of tr(GᵀG)).
    public func sparseGTransposeOnes(rho: Double) throws -> [Double] {
        try sparseSolve(rho: rho, sparse!.transposed().multiply([Double](repeating: 1, count: count)), transpose: true)
    }

    /// tr(GᵀG) without forming G. With G = G_s + G_a (symmetric and antisymmetric parts),
    /// ‖G‖²_F = ‖G_s‖² + ‖G_a‖² and tr(G²) = ‖G_s‖² − ‖G_a‖², so
    ///   tr(GᵀG) = tr(G²) + 2‖G_a‖²_F,
    /// with tr(G²) from the log-determinant method and ‖G_a‖²_F by Hutchinson's estimator
    /// E‖G_a z‖² over Rademacher probes z (Hutchinson 1990), G_a z = (Gz − Gᵀz)/2.
    ///
    /// Control variate: G = Σ_{k≥1} ρ^{k−1}Wᵏ, and the antisymmetric part A₂ of its first two terms
    /// G₂ = W + ρW² has an exact ‖A₂‖²_F = (‖G₂‖²_F − tr G₂²)/2, a quadratic in ρ whose six
    /// coefficients are traces of products of W and W² (`ControlVariateMoments`, once per W). Each
    /// probe then contributes ‖A₂‖²_F + ‖G_a z‖² − ‖A₂ z‖², unbiased, with a variance smaller by
    /// about ρ⁴ (the remainder G − G₂ = ρ²W³ + …). Probes come in blocks of `block` (one solve
    /// with I − ρW and one with its transpose per block) until the MCSE is below `relativeTarget`
    /// of the trace or `maximumProbes` are used; the MCSE (standard deviation of the per-probe values
    /// over √probes) is returned with the estimate.
    public func sparseTraceGtG(rho: Double, maximumProbes: Int = 64, block: Int = 8, relativeTarget: Double = traceGtGRelativeTarget,
                               seed: UInt64 = 1990) throws -> TraceEstimate {
        let n = count
        let w = sparse!
        let wt = w.transposed()
        let stream = RandomStream(seed: seed, purpose: 1990)
        let trG2 = logDeterminant.traceG2(rho: rho)
        let exactA2 = sparseMoments.antisymmetricNorm(rho: rho)
        var samples: [Double] = []
        while samples.count < maximumProbes {
            let p = min(block, maximumProbes - samples.count)
            var z = [Double](repeating: 0, count: n * p)
            for k in 0..<z.count { z[k] = stream.bernoulli(0.5) ? 1 : -1 }
            let wz = w.multiplyBlocks(z), wtz = wt.multiplyBlocks(z)
            let gz = w.multiplyBlocks(try sparseSolve(rho: rho, z))
            let gtz = try sparseSolve(rho: rho, wtz, transpose: true)
            let w2z = w.multiplyBlocks(wz), w2tz = wt.multiplyBlocks(wtz)
            for j in 0..<p {
                var s = 0.0, c = 0.0
                for i in (j * n)..<((j + 1) * n) {
                    let a = 0.5 * (gz[i] - gtz[i])
                    let a2 = 0.5 * ((wz[i] + rho * w2z[i]) - (wtz[i] + rho * w2tz[i]))
                    s += a * a
                    c += a2 * a2
                }
                samples.append(trG2 + 2 * (exactA2 + s - c))
            }
            let e = Self.meanAndMCSE(samples)
            if e.mcse <= relativeTarget * abs(e.mean) { break }
        }
        let e = Self.meanAndMCSE(samples)
        return TraceEstimate(value: e.mean, monteCarloSE: e.mcse, probes: samples.count)
    }

    static func meanAndMCSE(_ x: [Double]) -> (mean: Double, mcse: Double) {
        let m = x.reduce(0, +) / Double(x.count)
        let sd = (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(x.count - 1, 1))).squareRoot()
        return (m, sd / Double(x.count).squareRoot())
    }
}

/// Traces of products of W and W², computed once per W on first use: the control variate of
/// `sparseTraceGtG` (with ⟨A, B⟩ = Σ a_ij b_ij, ‖W + ρW²‖²_F = ⟨W,W⟩ + 2ρ⟨W,W²⟩ + ρ²⟨W²,W²⟩ and
/// tr (W + ρW²)² = tr W² + 2ρ tr W³ + ρ² tr W⁴) and the exact low-order traces of the search
/// surrogate (`SurrogateLogDeterminant`), computed together in one pass over the rows of W².
final class ControlVariateMoments: @unchecked Sendable {
    private let w: SparseMatrix?
    /// r with r_i w_ij = r_j w_ji when W has a symmetric form (`SpatialWeights.similarityScaling`).
    private let scaling: [Double]?
    private let lock = NSLock()
    private var moments: (f11: Double, f12: Double, f22: Double, t11: Double, t12: Double, t22: Double)?

    init(w: SparseMatrix?, scaling: [Double]? = nil) {
        self.w = w
        self.scaling = scaling
    }

    private func computed() -> (f11: Double, f12: Double, f22: Double, t11: Double, t12: Double, t22: Double) {
        lock.lock()
        defer { lock.unlock() }
        if let moments { return moments }
        guard let w else { return (0, 0, 0, 0, 0, 0) }
        let m = scaling.map { Self.moments(w, scaling: $0) } ?? Self.moments(w)
        moments = m
        return m
    }

    /// Row by row, without forming W²: row i of W² and row i of (Wᵀ)² (column i of W²) are
    /// scattered into two dense accumulators (O(Σ_k∈row i deg k) each), and the six sums are read
    /// from them — ⟨W², W²⟩ and tr W⁴ = Σ_ij (W²)_ij (W²)_ji from the touched entries, ⟨W, W²⟩
    /// and tr W³ = Σ_ij (W²)_ij w_ji over the entries of row i of W and of Wᵀ. No N × N array and
    /// no sparse W² (about 40 entries a row for kNN(6)) is stored.
    private static func moments(_ w: SparseMatrix) -> (f11: Double, f12: Double, f22: Double, t11: Double, t12: Double, t22: Double) {
        let n = w.rows
        let wt = w.transposed()
        var f11 = 0.0, f12 = 0.0, f22 = 0.0, t11 = 0.0, t12 = 0.0, t22 = 0.0
        // Per touched column j of row i: w_ij, (W²)_ij, (W²)_ji; `mark[j] == i` when set for row i.
        let own = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let square = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let squareT = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let mark = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
        let touched = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
        defer { own.deallocate(); square.deallocate(); squareT.deallocate(); mark.deallocate(); touched.deallocate() }
        mark.initialize(repeating: -1)
        w.rowStart.withUnsafeBufferPointer { rs in
        w.columns.withUnsafeBufferPointer { cs in
        w.values.withUnsafeBufferPointer { vs in
        wt.rowStart.withUnsafeBufferPointer { trs in
        wt.columns.withUnsafeBufferPointer { tcs in
        wt.values.withUnsafeBufferPointer { tvs in
            for i in 0..<n {
                var count = 0
                for p in rs[i]..<rs[i + 1] {
                    let k = cs[p], a = vs[p]
                    if mark[k] != i { mark[k] = i; own[k] = 0; square[k] = 0; squareT[k] = 0; touched[count] = k; count += 1 }
                    own[k] = a
                    for q in rs[k]..<rs[k + 1] {
                        let j = cs[q]
                        if mark[j] != i { mark[j] = i; own[j] = 0; square[j] = 0; squareT[j] = 0; touched[count] = j; count += 1 }
                        square[j] += a * vs[q]
                    }
                }
                for p in trs[i]..<trs[i + 1] {
                    let k = tcs[p], a = tvs[p]
                    for q in trs[k]..<trs[k + 1] {
                        let j = tcs[q]
                        if mark[j] != i { mark[j] = i; own[j] = 0; square[j] = 0; squareT[j] = 0; touched[count] = j; count += 1 }
                        squareT[j] += a * tvs[q]
                    }
                }
                for t in 0..<count {
                    let j = touched[t]
                    f11 += own[j] * own[j]
                    f12 += own[j] * square[j]
                    f22 += square[j] * square[j]
                    t22 += square[j] * squareT[j]
                }
                // w_ji = (Wᵀ)_ij: tr W² and tr W³ over row i of Wᵀ (an entry not touched above is 0 in W and W²).
                for p in trs[i]..<trs[i + 1] where mark[tcs[p]] == i {
                    let j = tcs[p]
                    t11 += own[j] * tvs[p]
                    t12 += square[j] * tvs[p]
                }
            }
        }}}}}}
        return (f11, f12, f22, t11, t12, t22)
    }

    /// As `moments(_:)` for a W with a symmetric form, with one accumulator and no transpose:
    /// r_i w_ij = r_j w_ji means Wᵀ = RWR⁻¹, so (W²)_ji = (W²)_ij r_i/r_j and w_ji = w_ij r_i/r_j,
    /// and every sum is read from row i of W and of W².
    private static func moments(_ w: SparseMatrix, scaling r: [Double]) -> (f11: Double, f12: Double, f22: Double, t11: Double, t12: Double, t22: Double) {
        let n = w.rows
        var f11 = 0.0, f12 = 0.0, f22 = 0.0, t11 = 0.0, t12 = 0.0, t22 = 0.0
        // Per touched column j of row i: w_ij and (W²)_ij; `mark[j] == i` when set for row i.
        let own = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let square = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let mark = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
        let touched = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
        defer { own.deallocate(); square.deallocate(); mark.deallocate(); touched.deallocate() }
        mark.initialize(repeating: -1)
        w.rowStart.withUnsafeBufferPointer { rs in
        w.columns.withUnsafeBufferPointer { cs in
        w.values.withUnsafeBufferPointer { vs in
        r.withUnsafeBufferPointer { rr in
            for i in 0..<n {
                var count = 0
                for p in rs[i]..<rs[i + 1] {
                    let k = cs[p], a = vs[p]
                    if mark[k] != i { mark[k] = i; own[k] = 0; square[k] = 0; touched[count] = k; count += 1 }
                    own[k] = a
                    for q in rs[k]..<rs[k + 1] {
                        let j = cs[q]
                        if mark[j] != i { mark[j] = i; own[j] = 0; square[j] = 0; touched[count] = j; count += 1 }
                        square[j] += a * vs[q]
                    }
                }
                var rowF11 = 0.0, rowF12 = 0.0, rowF22 = 0.0, rowT11 = 0.0, rowT12 = 0.0, rowT22 = 0.0
                for t in 0..<count {
                    let j = touched[t], o = own[j], q = square[j], ratio = 1 / rr[j]
                    rowF11 += o * o
                    rowF12 += o * q
                    rowF22 += q * q
                    rowT11 += o * o * ratio
                    rowT12 += o * q * ratio
                    rowT22 += q * q * ratio
                }
                f11 += rowF11; f12 += rowF12; f22 += rowF22
                t11 += rowT11 * rr[i]; t12 += rowT12 * rr[i]; t22 += rowT22 * rr[i]
            }
        }}}}
        return (f11, f12, f22, t11, t12, t22)
    }

    /// ‖A₂‖²_F = (‖G₂‖²_F − tr G₂²)/2, G₂ = W + ρW², A₂ its antisymmetric part.
    func antisymmetricNorm(rho: Double) -> Double {
        let m = computed()
        let frobenius = m.f11 + 2 * rho * m.f12 + rho * rho * m.f22
        let trace = m.t11 + 2 * rho * m.t12 + rho * rho * m.t22
        return max(0.5 * (frobenius - trace), 0)
    }

    /// tr Wᵏ, k = 0…4 (tr W = Σ w_ii).
    func powerTraces() -> [Double] {
        let m = computed()
        guard let w else { return [] }
        return [Double(w.rows), w.diagonal().reduce(0, +), m.t11, m.t12, m.t22]
    }
}
