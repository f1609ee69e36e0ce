import Foundation

/// A cheap approximation of log|I − ρS| over the whole stable interval that only *locates* the
/// likelihood's maximum for the exact sparse method (`SparseLogDeterminant.searchSurrogate`); no
/// reported value comes from it — the estimate is then taken to the optimum of the exact
/// log-determinant by Newton steps on the exact score (`SpatialEstimator.fitLag`).
///
/// The Chebyshev series of `ChebyshevLogDeterminant` (Pace & LeSage 2004) carried to a high order
/// q, with tr T_j(S̃) exact for j ≤ 4 (from S and S²) and estimated above by Hutchinson probes
/// through the three-term recurrence (stochastic Chebyshev expansion, Han, Malioutov, Avron &
/// Shin 2017, SIAM J. Sci. Comput. 39(4)): with v_k = T_k(S̃)z and S̃ symmetric,
///   zᵀT_{2k}z = 2 v_kᵀv_k − zᵀz,  zᵀT_{2k+1}z = 2 v_kᵀv_{k+1} − zᵀS̃z
/// (T_{2k} = 2T_k² − 1, T_{2k+1} = 2T_kT_{k+1} − T_1), so q/2 products with S̃ per probe.
/// The unit eigenvalue of a row-standardised W is taken out of the series and added back
/// exactly as ln(1 − ρ), so the Lee–Yu Jacobian ln|I − ρW| − ln(1 − ρ) of the surrogate has
/// the right behaviour at the upper end of the interval.
///
/// Accuracy (for the record; the search only needs the basin): the noise of the probe traces
/// enters with weights 2|b|ʲ/j, b = ρ̃/(1 + √(1 − ρ̃²)), and the truncation after q terms is at
/// most N·2|b|^{q+1}/((q + 1)(1 − |b|)); at N = 2,000 the surrogate's tr(G) is within 1 % of N
/// of the exact one for ρ ∈ [−0.6, 0.9] (SpatialLargeNTests).
struct SurrogateLogDeterminant: LogDeterminantSource {
    /// Not a method a user chooses; reported as `chebyshev` (never reaches a result).
    let method = LogDeterminantMethod.chebyshev
    let series: ChebyshevLogDeterminant
    /// True when the unit eigenvalue was taken out of the series (added back as ln(1 − ρ)).
    let unitRoot: Bool
    static let order = 40
    static let probes = 8
    static let exactOrder = 4

    /// - Parameters:
    ///   - s: the symmetric form of W (same spectrum), spectral radius at most `scale`.
    ///   - powerTraces: tr Wᵏ = tr Sᵏ, k = 0…`exactOrder`.
    ///   - unitRoot: W is row-standardised (1 is an eigenvalue and `scale` = 1).
    init(symmetric s: SparseMatrix, powerTraces: [Double], scale r: Double, unitRoot: Bool, seed: UInt64 = 2017) {
        let n = s.rows
        let q = Self.order
        let exact = powerTraces.prefix(Self.exactOrder + 1).enumerated().map { $1 / pow(r, Double($0)) }
        var traces = ChebyshevLogDeterminant.chebyshevTraces(fromPowerTraces: exact)
        // Hutchinson estimates of tr T_j(S̃), j = exactOrder+1 … q, all probes in one block vector.
        let p = Self.probes
        let stream = RandomStream(seed: seed, purpose: 2017)
        var z = [Double](repeating: 0, count: n * p)
        for k in 0..<z.count { z[k] = stream.bernoulli(0.5) ? 1 : -1 }
        let sHat = r == 1 ? s : s.scaled(left: [Double](repeating: 1 / r, count: n), right: [Double](repeating: 1, count: n))
        var estimates = [Double](repeating: 0, count: q + 1)
        let zz = Double(n)   // zᵀz for Rademacher probes
        var previous = z
        var current = sHat.multiplyBlocks(z)
        // v_k for k = 1, 2, …: zᵀT_{2k}z from v_k, zᵀT_{2k+1}z from v_k and v_{k+1}.
        var zSz = [Double](repeating: 0, count: p)
        for j in 0..<p { zSz[j] = Self.dot(z, current, block: j, n: n) }
        var k = 1
        while 2 * k <= q {
            let next = 2 * k + 1 <= q ? Self.recur(sHat.multiplyBlocks(current), previous) : current
            for j in 0..<p where 2 * k + 1 > Self.exactOrder {
                let vv = Self.dot(current, current, block: j, n: n)
                let vw = Self.dot(current, next, block: j, n: n)
                estimates[2 * k] += (2 * vv - zz) / Double(p)
                if 2 * k + 1 <= q { estimates[2 * k + 1] += (2 * vw - zSz[j]) / Double(p) }
            }
            previous = current
            current = next
            k += 1
        }
        for j in (Self.exactOrder + 1)...q { traces.append(estimates[j]) }
        if unitRoot { for j in traces.indices { traces[j] -= 1 } }   // T_j(1) = 1
        series = ChebyshevLogDeterminant(n: Double(n) - (unitRoot ? 1 : 0), scale: r, chebyshevTraces: traces, realSpectrum: true)
        self.unitRoot = unitRoot
    }

    /// 2 S̃v − u (the Chebyshev recurrence T_{k+1} = 2xT_k − T_{k−1}), in place of S̃v.
    private static func recur(_ sv: [Double], _ u: [Double]) -> [Double] {
        var out = sv
        out.withUnsafeMutableBufferPointer { o in
            u.withUnsafeBufferPointer { p in for k in 0..<o.count { o[k] = 2 * o[k] - p[k] } }
        }
        return out
    }

    private static func dot(_ a: [Double], _ b: [Double], block j: Int, n: Int) -> Double {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                var s = 0.0
                for i in (j * n)..<((j + 1) * n) { s += pa[i] * pb[i] }
                return s
            }
        }
    }

    func logDeterminant(rho: Double) -> Double {
        guard rho < 1 || !unitRoot else { return -.infinity }
        return series.logDeterminant(rho: rho) + (unitRoot ? log(1 - rho) : 0)
    }

    func traceG(rho: Double) -> Double { series.traceG(rho: rho) + (unitRoot ? 1 / (1 - rho) : 0) }

    func traceG2(rho: Double) -> Double { series.traceG2(rho: rho) + (unitRoot ? 1 / ((1 - rho) * (1 - rho)) : 0) }

    /// Not a bound: the surrogate never reaches a result (see the type's comment).
    func accuracy(rho: Double) -> LogDeterminantAccuracy {
        LogDeterminantAccuracy(truncationBound: .infinity, monteCarloSE: .nan, rigorous: false)
    }
}
