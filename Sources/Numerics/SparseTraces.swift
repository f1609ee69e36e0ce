import Foundation

/// Traces of powers of a sparse W, the ingredients of the series approximations.
enum SparseTraces {
    /// tr(Wᵏ) for k = 0…q, exact: only powers up to W^⌈q/2⌉ are formed, since
    /// tr(W^{a+b}) = Σ_ij (Wᵃ)_ij (Wᵇ)_ji. Fill grows with the graph's neighbourhoods
    /// (about 120 entries a row at W⁵ for kNN(6) on the plane), so q stays small.
    static func powerTraces(_ w: SparseMatrix, through q: Int) -> [Double] {
        var traces = [Double](repeating: 0, count: q + 1)
        traces[0] = Double(w.rows)
        guard q >= 1 else { return traces }
        let half = (q + 1) / 2
        var powers = [w]
        var transposes = [w.transposed()]
        while powers.count < half {
            let next = powers[powers.count - 1] * w
            powers.append(next)
            transposes.append(next.transposed())
        }
        traces[1] = w.diagonal().reduce(0, +)
        for k in 2...q {
            let a = k / 2, b = k - a   // a ≤ b ≤ half
            traces[k] = SparseMatrix.traceOfProduct(powers[a - 1], bTransposed: transposes[b - 1])
        }
        return traces
    }
}

/// Chebyshev approximation of log|I − ρW| (Pace & LeSage 2004).
///
/// With W̃ = W/r (r a bound on the spectral radius) and ρ̃ = ρr, for x ∈ [−1, 1]
///   ln(1 − ρ̃x) = −ln(1 + b²) − 2 Σ_{j≥1} (bʲ/j) T_j(x),  b = ρ̃/(1 + √(1 − ρ̃²)),
/// (substitute x = cos φ: 1 − ρ̃ cos φ = |1 − b e^{iφ}|²/(1 + b²)), so
///   log|I − ρW| ≈ −N ln(1 + b²) − 2 Σ_{j=1}^{q} (bʲ/j) tr T_j(W̃)
/// with the traces exact. When W̃ has a real spectrum in [−1, 1] (W similar to a symmetric
/// matrix), |T_j| ≤ 1 there, so |tr T_j(W̃)| ≤ N and the truncation error is at most
/// N·2|b|^{q+1}/((q + 1)(1 − |b|)). A complex spectrum lies in the unit disk, inside the
/// Bernstein ellipse of parameter κ = 1 + √2 (semi-axes √2 and 1), where |T_j| ≤ κʲ
/// (Trefethen, *Approximation Theory and Practice*, ch. 8): the bound becomes
/// N·2(κ|b|)^{q+1}/((q + 1)(1 − κ|b|)), finite for κ|b| < 1, i.e. |ρ̃| < 1/√2.
struct ChebyshevLogDeterminant: LogDeterminantSource {
    let method = LogDeterminantMethod.chebyshev
    let n: Double
    let scale: Double
    /// tr T_j(W̃), j = 0…q.
    let chebyshevTraces: [Double]
    let realSpectrum: Bool
    static let defaultOrder = 10

    init(w: SparseMatrix, scale r: Double, realSpectrum: Bool, order q: Int = defaultOrder) {
        let tau = SparseTraces.powerTraces(w, through: q).enumerated().map { $1 / pow(r, Double($0)) }
        self.init(n: Double(w.rows), scale: r, chebyshevTraces: Self.chebyshevTraces(fromPowerTraces: tau), realSpectrum: realSpectrum)
    }

    /// The series from given traces tr T_j(W̃), j = 0…q (e.g. partly estimated, `SurrogateLogDeterminant`).
    init(n: Double, scale: Double, chebyshevTraces: [Double], realSpectrum: Bool) {
        self.n = n
        self.scale = scale
        self.chebyshevTraces = chebyshevTraces
        self.realSpectrum = realSpectrum
    }

    /// tr T_j(W̃) from tr W̃ᵏ, k = 0…q, through the monomial coefficients of T_j
    /// (T_{j+1} = 2xT_j − T_{j−1}).
    static func chebyshevTraces(fromPowerTraces tau: [Double]) -> [Double] {
        let q = tau.count - 1
        var prev = [1.0], cur = [0.0, 1.0]
        var traces = [tau[0]]
        if q >= 1 { traces.append(tau[1]) }
        if q >= 2 {
            for _ in 2...q {
                var next = [Double](repeating: 0, count: cur.count + 1)
                for (k, a) in cur.enumerated() { next[k + 1] += 2 * a }
                for (k, a) in prev.enumerated() { next[k] -= a }
                traces.append(next.enumerated().reduce(0) { $0 + $1.element * tau[$1.offset] })
                prev = cur
                cur = next
            }
        }
        return traces
    }

    /// (b, db/dρ̃, d²b/dρ̃²): ρ̃ = 2b/(1 + b²) gives db/dρ̃ = (1 + b²)²/(2(1 − b²)) =: h(b)
    /// and d²b/dρ̃² = h′(b)h(b) with h′(b) = b(1 + b²)(3 − b²)/(1 − b²)².
    func b(_ rho: Double) -> (Double, Double, Double) {
        let x = rho * scale
        let b = x / (1 + (1 - x * x).squareRoot())
        let h = (1 + b * b) * (1 + b * b) / (2 * (1 - b * b))
        let hp = b * (1 + b * b) * (3 - b * b) / ((1 - b * b) * (1 - b * b))
        return (b, h, hp * h)
    }

    /// Σ_j c_j(b)·tr T_j and its first two derivatives in b.
    private func series(_ b: Double) -> (Double, Double, Double) {
        var v = -n * log(1 + b * b)
        var d1 = -n * 2 * b / (1 + b * b)
        var d2 = -n * 2 * (1 - b * b) / ((1 + b * b) * (1 + b * b))
        for j in 1..<chebyshevTraces.count {
            let t = chebyshevTraces[j], jd = Double(j)
            v += -2 * pow(b, jd) / jd * t
            d1 += -2 * pow(b, jd - 1) * t
            if j >= 2 { d2 += -2 * (jd - 1) * pow(b, jd - 2) * t }
        }
        return (v, d1, d2)
    }

    func logDeterminant(rho: Double) -> Double {
        guard abs(rho * scale) < 1 else { return -.infinity }
        return series(b(rho).0).0
    }

    func traceG(rho: Double) -> Double {
        let (bb, h, _) = b(rho)
        return -scale * series(bb).1 * h
    }

    func traceG2(rho: Double) -> Double {
        let (bb, h, hh) = b(rho)
        let s = series(bb)
        return -scale * scale * (s.2 * h * h + s.1 * hh)
    }

    func accuracy(rho: Double) -> LogDeterminantAccuracy {
        let kb = abs(b(rho).0) * (realSpectrum ? 1 : 1 + 2.0.squareRoot())
        let q = Double(chebyshevTraces.count - 1)
        let bound = kb < 1 ? n * 2 * pow(kb, q + 1) / ((q + 1) * (1 - kb)) : .infinity
        return LogDeterminantAccuracy(truncationBound: bound, monteCarloSE: 0, rigorous: true)
    }
}

/// Monte Carlo log-determinant (Barry & Pace 1999):
///   log|I − ρW| = −Σ_{k≥1} ρᵏ tr(Wᵏ)/k,  tr(Wᵏ) ≈ N·zᵀWᵏz/zᵀz  (z standard normal),
/// averaged over `probes` independent z and truncated after `order` terms; tr(W) and
/// tr(W²) are taken exactly (LeSage's `lndetmc` does the same). The stated accuracy is
/// the Monte Carlo SE across probes plus the truncation bound N|ρ̃|^{m+1}/((m + 1)(1 − |ρ̃|)),
/// valid when the spectral radius of W̃ = W/r is at most 1.
struct MonteCarloLogDeterminant: LogDeterminantSource {
    let method = LogDeterminantMethod.mc
    let n: Double
    let scale: Double
    /// perProbe[p][k−1] = estimate of tr(W̃ᵏ) from probe p, k = 1…order.
    let perProbe: [[Double]]
    static let defaultOrder = 50
    static let defaultProbes = 30

    init(w: SparseMatrix, scale r: Double, order: Int = defaultOrder, probes: Int = defaultProbes, seed: UInt64 = 1999) {
        n = Double(w.rows)
        scale = r
        let exact = SparseTraces.powerTraces(w, through: 2).enumerated().map { $1 / pow(r, Double($0)) }
        let stream = RandomStream(seed: seed, purpose: 1999)
        var rows: [[Double]] = []
        for _ in 0..<probes {
            let z = stream.normals(w.rows)
            let zz = Vector.dot(z, z)
            var v = z
            var est = [Double](repeating: 0, count: order)
            for k in 1...order {
                v = w.multiply(v).map { $0 / r }
                est[k - 1] = k <= 2 ? exact[k] : n * Vector.dot(z, v) / zz
            }
            rows.append(est)
        }
        perProbe = rows
    }

    /// (value, −d/dρ, −d²/dρ²) of one probe's series at ρ.
    private func terms(_ est: [Double], _ rho: Double) -> (Double, Double, Double) {
        let x = rho * scale
        var v = 0.0, g = 0.0, g2 = 0.0
        var xk1 = 1.0   // x^{k−1}
        var xk2 = 0.0   // x^{k−2}
        for k in 1...est.count {
            let kd = Double(k)
            v -= xk1 * x * est[k - 1] / kd
            g += xk1 * est[k - 1]
            if k >= 2 { g2 += (kd - 1) * xk2 * est[k - 1] }
            xk2 = xk1
            xk1 *= x
        }
        return (v, scale * g, scale * scale * g2)
    }

    private func mean(_ pick: (Double, Double, Double) -> Double, _ rho: Double) -> Double {
        var s = 0.0
        for est in perProbe { let t = terms(est, rho); s += pick(t.0, t.1, t.2) }
        return s / Double(perProbe.count)
    }

    func logDeterminant(rho: Double) -> Double { mean({ v, _, _ in v }, rho) }
    func traceG(rho: Double) -> Double { mean({ _, g, _ in g }, rho) }
    func traceG2(rho: Double) -> Double { mean({ _, _, g2 in g2 }, rho) }

    func accuracy(rho: Double) -> LogDeterminantAccuracy {
        let values = perProbe.map { terms($0, rho).0 }
        let m = values.reduce(0, +) / Double(values.count)
        let sd = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(values.count - 1, 1))).squareRoot()
        let x = abs(rho * scale), order = Double(perProbe.first?.count ?? 0)
        let truncation = x < 1 ? n * pow(x, order + 1) / ((order + 1) * (1 - x)) : .infinity
        return LogDeterminantAccuracy(truncationBound: truncation, monteCarloSE: sd / Double(values.count).squareRoot(),
                                      rigorous: true)
    }
}
