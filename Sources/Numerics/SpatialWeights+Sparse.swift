import Foundation

/// Solves and traces for the sparse log-determinant methods (no spectrum, no N × N array).
extension SpatialWeights {
    /// Relative tolerance (∞-norm of the update) of the fixed-point solver used when W has no
    /// symmetric form; far below what the estimates or the generated data can resolve.
    public static let iterativeSolveTolerance = 1e-13

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
            var z = b
            for k in 0..<z.count { z[k] *= right[k % n] }
            var x = try sym.system.solve(rho: rho, z)
            for k in 0..<x.count { x[k] *= left[k % n] }
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
    /// E‖G_a z‖² over Rademacher probes z (Hutchinson 1990), G_a z = (Gz − Gᵀz)/2. G_a is
    /// small when W is nearly symmetric, so the Monte Carlo error is a small part of the
    /// trace; it is returned as the estimate's MCSE.
    public func sparseTraceGtG(rho: Double, probes: Int = 64, seed: UInt64 = 1990) throws -> TraceEstimate {
        let n = count
        let w = sparse!
        let stream = RandomStream(seed: seed, purpose: 1990)
        var z = [Double](repeating: 0, count: n * probes)
        for k in 0..<z.count { z[k] = stream.bernoulli(0.5) ? 1 : -1 }
        let gz = w.multiplyBlocks(try sparseSolve(rho: rho, z))
        let gtz = try sparseSolve(rho: rho, w.transposed().multiplyBlocks(z), transpose: true)
        let trG2 = logDeterminant.traceG2(rho: rho)
        var samples = [Double](repeating: trG2, count: probes)
        for p in 0..<probes {
            var s = 0.0
            for i in 0..<n { let a = 0.5 * (gz[p * n + i] - gtz[p * n + i]); s += a * a }
            samples[p] += 2 * s
        }
        let m = samples.reduce(0, +) / Double(probes)
        let sd = (samples.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(probes - 1, 1))).squareRoot()
        return TraceEstimate(value: m, monteCarloSE: sd / Double(probes).squareRoot(), probes: probes)
    }
}
