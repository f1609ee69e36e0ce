import Foundation
import Numerics

/// The distribution of the wild bootstrap's cluster multipliers.
public enum WildWeights: String, Sendable, CaseIterable {
    /// ±1 with probability ½ each; all 2^G sign vectors are enumerated when 2^G ≤ B.
    case rademacher
    /// Webb (2023)'s six points ±√(1/2), ±1, ±√(3/2), each with probability 1/6; better with few clusters.
    case webb
}

public struct WildBootstrapResult: Sendable {
    public let coefficient: String
    public let estimate: Double
    /// The CR1 t statistic of the original fit.
    public let tStatistic: Double
    /// Symmetric p-value of H₀: β = 0: share of bootstrap |t*| at least |t|.
    public let pValue: Double
    public let replications: Int
    public let weights: WildWeights
    /// The 95% confidence interval by test inversion (±∞ on an unbounded side).
    public let interval: (lower: Double, upper: Double)
}

/// Wild cluster restricted (WCR) bootstrap of one coefficient of a fixed-effects OLS (Cameron,
/// Gelbach & Miller 2008; MacKinnon & Webb 2018), computed as in Roodman, MacKinnon, Nielsen &
/// Webb (2019, "Fast and wild", Stata `boottest`): for H₀: β_j = β₀ the model is refitted with
/// β_j fixed at β₀, bootstrap samples are y* = ŷ_R + v_g û_R with one multiplier v_g per cluster,
/// and each sample's CR1 t statistic is compared with the original. The bootstrap refit is exact
/// for any fixed effects, nested in the clusters or not: with ẍ the regressor after projecting
/// out the fixed effects and the other regressors (Q), FWL gives
///   β*_j − β₀ = Σ_g v_g ẍ_g'(a − β₀ẍ)_g / ẍ'ẍ,  a = Q y,
///   score*_h = Σ_g v_g ẍ_h'[Q((a − β₀ẍ)∘1_g)]_h − ẍ_h'ẍ_h (β*_j − β₀),
/// linear in β₀ and in v. So the G × G matrices ẍ_h'[Q(a∘1_g)]_h and ẍ_h'[Q(ẍ∘1_g)]_h (2G
/// projections) reduce every draw to five numbers, and the p-value at any β₀ to one pass over
/// the draws — which makes the confidence interval by test inversion (boottest's) cheap.
/// The CR1 scale factor cancels between t and t*, so the p-value does not depend on it.
/// Draws come from one `RandomStream`; Rademacher weights are enumerated when 2^G ≤ B (as
/// boottest and wildboottest do), making the result exact and seed-free.
///
/// `bootstrapCluster` gives the multipliers their own, finer clustering — the subcluster wild
/// bootstrap of MacKinnon & Webb (2018): one v per bootstrap cluster c (e.g. a city), while t and
/// t* keep the CR1 variance of `cluster` (e.g. its region). The algebra above holds with g over
/// bootstrap clusters and h over score clusters (ẍ_h'[Q(a∘1_c)]_h is G × G_boot), so it is as
/// exact. With few treated clusters it avoids the restricted bootstrap's few-point distribution.
/// Python wildboottest 0.3.2's `bootcluster` clusters the bootstrap variance by the bootstrap
/// clusters too, so it is not this estimator; the reference is an explicit refit per draw
/// (scripts/fixtures/make_subcluster_bootstrap.py).
public struct WildClusterBootstrap: Sendable {
    public let coefficient: String
    public let estimate: Double
    /// The CR1 standard error of the original fit (fixest small-sample convention).
    public let standardError: Double
    public let tStatistic: Double
    public let clusters: Int
    /// Draws used: B, or 2^G when the Rademacher weights were enumerated.
    public let replications: Int
    public let enumerated: Bool
    public let weights: WildWeights
    // Draw b: t*_b(β₀) = (numA_b − β₀ numB_b) / √(pp_b − 2β₀ pr_b + β₀² rr_b).
    private let numA: [Double], numB: [Double], pp: [Double], pr: [Double], rr: [Double]
    // Original: t(β₀) = (β̂ − β₀) S / √meat, S = ẍ'Wẍ, meat = Σ_h (ẍ_h'W_h û_h)².
    private let sxx: Double, meat: Double
    /// Draws whose |t*| keeps pace with |t| as β₀ → ±∞ (`tiesAtInfinity(_:)`), which therefore count
    /// in the p-value of every β₀ far enough out.
    private let countsAtInfinity: Int

    public init(y: [Double], x: Matrix, names: [String], coefficient j: Int, unit: [Int], time: [Int],
                effects: FixedEffects, weights: [Double]? = nil, cluster: [Int],
                replications: Int = 9999, multipliers: WildWeights = .webb, stream: StreamID,
                bootstrapCluster: [Int]? = nil) throws {
        let bootCodes = PanelOLS.recode((0..<y.count).filter { (weights?[$0] ?? 1) > 0 }.map { (bootstrapCluster ?? cluster)[$0] })
        let drawn = Self.multipliers(clusters: (bootCodes.max() ?? -1) + 1, replications: replications, kind: multipliers, stream: stream)
        try self.init(y: y, x: x, names: names, coefficient: j, unit: unit, time: time, effects: effects, weights: weights, cluster: cluster,
                      replications: replications, multipliers: multipliers, draws: drawn, bootstrapCluster: bootstrapCluster)
    }

    /// The bootstrap with the multipliers given (one row per draw, one column per bootstrap cluster in
    /// order of first appearance) — what the public initialiser draws; the fixture test passes its own.
    init(y: [Double], x: Matrix, names: [String], coefficient j: Int, unit: [Int], time: [Int],
         effects: FixedEffects, weights: [Double]?, cluster: [Int], replications: Int, multipliers: WildWeights,
         draws v: Matrix, bootstrapCluster: [Int]?) throws {
        guard replications >= 99 else { throw TreatmentError("wild bootstrap: use at least 99 replications (got \(replications))") }
        guard names.indices.contains(j) else { throw TreatmentError("wild bootstrap: no regressor \(j) among \(names.count)") }
        let full = try PanelOLS.fit(y: y, x: x, names: names, unit: unit, time: time, effects: effects,
                                    weights: weights, variance: .cluster(cluster))
        let offset = full.names.count - names.count   // 1 when an intercept was added
        let jj = j + offset
        let keep = (0..<y.count).filter { (weights?[$0] ?? 1) > 0 }
        let w = keep.map { weights?[$0] ?? 1 }
        let n = keep.count
        let dims = PanelOLS.absorbedDimensions(effects, unit: unit, time: time, keep: keep)
        let projection = dims.isEmpty ? nil : WithinProjection(dims: dims, weights: w)
        var cols = (0..<x.cols).map { c in keep.map { x[$0, c] } }
        if dims.isEmpty { cols.insert([Double](repeating: 1, count: n), at: 0) }
        var yy = keep.map { y[$0] }
        if let projection {
            projection.demean(&yy, tolerance: PanelOLS.defaultTolerance)
            for c in cols.indices { projection.demean(&cols[c], tolerance: PanelOLS.defaultTolerance) }
        }
        let others = try OtherRegressors(cols.enumerated().filter { $0.offset != jj }.map(\.element), weights: w)
        let xdd = others.residual(cols[jj])
        let a = others.residual(yy)
        // Q(e): the fixed effects, then the other regressors, projected out (weighted).
        func q(_ e: [Double]) -> [Double] {
            var v = e
            projection?.demean(&v, tolerance: PanelOLS.defaultTolerance)
            return others.residual(v)
        }
        let g = PanelOLS.recode(keep.map { cluster[$0] })
        let gCount = (g.max() ?? -1) + 1
        // Bootstrap clusters (the multipliers' level): the score clusters unless given.
        let gb = bootstrapCluster.map { bc in PanelOLS.recode(keep.map { bc[$0] }) } ?? g
        let bCount = (gb.max() ?? -1) + 1
        guard v.cols == bCount else { throw TreatmentError("wild bootstrap: \(v.cols) multipliers per draw for \(bCount) bootstrap clusters") }
        var xx = [Double](repeating: 0, count: gCount), na = xx
        for i in 0..<n { xx[g[i]] += w[i] * xdd[i] * xdd[i]; na[g[i]] += w[i] * xdd[i] * a[i] }
        var xxb = [Double](repeating: 0, count: bCount), nab = xxb
        for i in 0..<n { xxb[gb[i]] += w[i] * xdd[i] * xdd[i]; nab[gb[i]] += w[i] * xdd[i] * a[i] }
        let s = xx.reduce(0, +)
        let beta = na.reduce(0, +) / s
        // ca[h, c] = ẍ_h'W_h [Q(a∘1_c)]_h for score cluster h and bootstrap cluster c, cb likewise with ẍ.
        var ca = Matrix(rows: gCount, cols: bCount), cb = Matrix(rows: gCount, cols: bCount)
        for c in 0..<bCount {
            let qa = q((0..<n).map { gb[$0] == c ? a[$0] : 0 })
            let qx = q((0..<n).map { gb[$0] == c ? xdd[$0] : 0 })
            for i in 0..<n {
                ca[g[i], c] += w[i] * xdd[i] * qa[i]
                cb[g[i], c] += w[i] * xdd[i] * qx[i]
            }
        }
        let draws = v.rows
        let va = v * ca.transposed(), vb = v * cb.transposed()   // draws × G
        var numA = [Double](repeating: 0, count: draws), numB = numA, pp = numA, pr = numA, rr = numA
        // The magnitude of the terms each r_h is the difference of (Σ_c |v_c cb[h, c]| and |ẍ_h'ẍ_h s_b/S|):
        // what rr is zero relative to when its terms cancel exactly.
        var absV = v, absCB = cb
        for k in absV.data.indices { absV.data[k] = abs(absV.data[k]) }
        for k in absCB.data.indices { absCB.data[k] = abs(absCB.data[k]) }
        let vbTerms = absV * absCB.transposed()
        var rrScale = numA
        for b in 0..<draws {
            var sa = 0.0, sb = 0.0
            for c in 0..<bCount { sa += v[b, c] * nab[c]; sb += v[b, c] * xxb[c] }
            var p2 = 0.0, pq = 0.0, q2 = 0.0, scale = 0.0
            for h in 0..<gCount {
                let p = va[b, h] - xx[h] * sa / s, r = vb[b, h] - xx[h] * sb / s
                p2 += p * p; pq += p * r; q2 += r * r
                let term = vbTerms[b, h] + abs(xx[h] * sb / s)
                scale += term * term
            }
            numA[b] = sa; numB[b] = sb; pp[b] = p2; pr[b] = pq; rr[b] = q2; rrScale[b] = scale
        }
        var m = 0.0
        for c in 0..<gCount { let sc = na[c] - beta * xx[c]; m += sc * sc }
        coefficient = full.names[jj]
        estimate = full.coefficients[jj]
        standardError = full.standardErrors[jj]
        tStatistic = full.tStatistics[jj]
        clusters = gCount
        self.replications = draws
        enumerated = Self.enumerates(clusters: bCount, replications: replications, kind: multipliers) && draws == 1 << bCount
        self.weights = multipliers
        self.numA = numA; self.numB = numB; self.pp = pp; self.pr = pr; self.rr = rr
        sxx = s; meat = m
        countsAtInfinity = Self.tiesAtInfinity(numB: numB, pp: pp, rr: rr, rrScale: rrScale, sxx: s, meat: m)
    }

    /// The draws that count in the p-value as β₀ → ±∞ (the same draws on both sides). As |β₀| grows,
    /// |t(β₀)| grows like |β₀| S/√meat, while |t*_b(β₀)| tends to |numB_b|/√rr_b: a draw with rr_b > 0
    /// drops out. A draw whose bootstrap scores do not move with β₀ (r_h = 0 for every cluster h, so
    /// rr_b = pr_b = 0 — the multipliers v ∝ 1 always, and more with a single treated cluster, where the
    /// restricted bootstrap's t* takes few values) keeps |t*_b| / |t| → |numB_b| √meat / (S √pp_b); it counts
    /// when that limit is at least 1 (within the p-value's relative 1e-9 for ties). rr_b of such a draw is
    /// zero only up to rounding (and the within projection's tolerance), so "zero" is relative to the
    /// terms that cancel in it: √rr_b ≤ 1e-7 of their size. In floating point the search for a bound
    /// of the interval otherwise walks out until that noise, times β₀², breaks the ties — e.g. to
    /// β₀ = −7.3e12 with Webb weights on four clusters, where every β₀ beyond ±11 keeps 10 of 199 draws.
    static func tiesAtInfinity(numB: [Double], pp: [Double], rr: [Double], rrScale: [Double], sxx: Double, meat: Double) -> Int {
        var count = 0
        for b in numB.indices where rr[b] <= 1e-14 * rrScale[b] {
            // pp = 0: t* has no denominator, which `pValue` counts as an exceedance at every β₀.
            if pp[b] <= 0 || abs(numB[b]) * meat.squareRoot() >= (1 - 1e-9) * sxx * pp[b].squareRoot() { count += 1 }
        }
        return count
    }

    static func enumerates(clusters gCount: Int, replications: Int, kind: WildWeights) -> Bool {
        kind == .rademacher && gCount < 30 && 1 << gCount <= replications
    }

    /// The multipliers, one row per draw: all 2^G Rademacher sign vectors when 2^G ≤ B, else B draws.
    static func multipliers(clusters gCount: Int, replications: Int, kind: WildWeights, stream: StreamID) -> Matrix {
        if enumerates(clusters: gCount, replications: replications, kind: kind) {
            let draws = 1 << gCount
            var v = Matrix(rows: draws, cols: gCount)
            for b in 0..<draws { for c in 0..<gCount { v[b, c] = (b >> c) & 1 == 1 ? -1 : 1 } }
            return v
        }
        let rng = RandomStream(stream)
        let webb = [-(1.5).squareRoot(), -1, -(0.5).squareRoot(), (0.5).squareRoot(), 1, (1.5).squareRoot()]
        var v = Matrix(rows: replications, cols: gCount)
        for b in 0..<replications {
            for c in 0..<gCount { v[b, c] = kind == .rademacher ? (rng.uniform() < 0.5 ? -1 : 1) : webb[rng.integer(below: 6)] }
        }
        return v
    }

    /// The original CR1 t statistic of H₀: β_j = β₀, up to the CR1 scale (which cancels).
    private func t(_ beta0: Double) -> Double { (estimate - beta0) * sxx / meat.squareRoot() }

    /// |t*_b(β₀)| / |t(β₀)| for every draw (the fixture test compares their distribution).
    func absoluteTRatios(at beta0: Double) -> [Double] {
        let t0 = abs(t(beta0))
        return numA.indices.map { b in
            abs(numA[b] - beta0 * numB[b]) / (pp[b] - 2 * beta0 * pr[b] + beta0 * beta0 * rr[b]).squareRoot() / t0
        }
    }

    /// Symmetric bootstrap p-value of H₀: β_j = β₀: the share of draws with |t*| ≥ |t|. Ties are
    /// exceedances, within a relative 1e-9, so the result does not depend on the sign of rounding
    /// noise: the identity draw v = 1 (and v = −1) reproduces t exactly in exact arithmetic and
    /// always counts — the conservative convention, which is what wildboottest's strict comparison
    /// returns on the fixture, where rounding puts those two draws just above |t|.
    public func pValue(at beta0: Double) -> Double {
        let t0 = abs(t(beta0)) * (1 - 1e-9)
        var exceed = 0
        for b in numA.indices {
            let num = abs(numA[b] - beta0 * numB[b])
            let den = pp[b] - 2 * beta0 * pr[b] + beta0 * beta0 * rr[b]
            if den > 0 ? num >= t0 * den.squareRoot() : true { exceed += 1 }
        }
        return Double(exceed) / Double(numA.count)
    }

    /// The confidence interval by test inversion (boottest's): the β₀ around β̂ whose p-value
    /// exceeds 1 − level, each bound found by bracketing outward from β̂ in steps of the CR1 SE
    /// and bisecting. A side on which the p-value never falls to 1 − level (possible with very
    /// few clusters) is unbounded (±∞). With the 2^G Rademacher sign vectors enumerated, v and −v
    /// give the same |t*| and v = ±1 always count, so every p-value is a multiple of 2/2^G: when
    /// that exceeds 1 − level (G ≤ 5 at 95 %) the test rejects no β₀ and the interval is the whole
    /// line — said exactly, not searched for (the search would stop where rounding at a huge β₀
    /// breaks the identity draw's tie, e.g. at 1e15).
    public func interval(level: Double = 0.95) -> (lower: Double, upper: Double) {
        let alpha = 1 - level
        if enumerated, 2 / Double(replications) > alpha { return (-.infinity, .infinity) }
        // Draws that tie with t at every distant β₀ keep the p-value above 1 − level on both sides:
        // the test rejects no β₀ far enough out, so neither side has a bound.
        if Double(countsAtInfinity) / Double(replications) > alpha { return (-.infinity, .infinity) }
        let unit = standardError > 0 && standardError.isFinite ? standardError : max(abs(estimate), 1)
        func bound(_ direction: Double) -> Double {
            var inside = estimate, step = unit
            var outside = estimate + direction * step
            var k = 0
            while pValue(at: outside) > alpha {
                inside = outside; step *= 2; k += 1
                guard k < 60 else { return direction * .infinity }
                outside = estimate + direction * step
            }
            for _ in 0..<200 where abs(outside - inside) > 1e-10 * unit {
                let mid = 0.5 * (inside + outside)
                if pValue(at: mid) > alpha { inside = mid } else { outside = mid }
            }
            return 0.5 * (inside + outside)
        }
        return (bound(-1), bound(1))
    }

    /// The test of H₀: β_j = 0 (`estimate twfe|psm-did --wild-bootstrap`).
    public static func test(y: [Double], x: Matrix, names: [String], coefficient j: Int, unit: [Int], time: [Int],
                            effects: FixedEffects, weights: [Double]? = nil, cluster: [Int],
                            replications: Int = 9999, multipliers: WildWeights = .webb,
                            stream: StreamID, bootstrapCluster: [Int]? = nil) throws -> WildBootstrapResult {
        let boot = try WildClusterBootstrap(y: y, x: x, names: names, coefficient: j, unit: unit, time: time, effects: effects,
                                            weights: weights, cluster: cluster, replications: replications,
                                            multipliers: multipliers, stream: stream, bootstrapCluster: bootstrapCluster)
        return WildBootstrapResult(coefficient: boot.coefficient, estimate: boot.estimate, tStatistic: boot.tStatistic,
                                   pValue: boot.pValue(at: 0), replications: boot.replications, weights: multipliers,
                                   interval: boot.interval(level: 0.95))
    }
}

/// The regressors other than the tested one, already free of the fixed effects: their weighted
/// least-squares residual maker (identity when there are none).
private struct OtherRegressors {
    let columns: [[Double]]
    let weights: [Double]
    let inverse: Matrix?

    init(_ columns: [[Double]], weights: [Double]) throws {
        self.columns = columns
        self.weights = weights
        guard !columns.isEmpty else { inverse = nil; return }
        var xw = Matrix(rows: weights.count, cols: columns.count)
        for (c, col) in columns.enumerated() { for i in weights.indices { xw[i, c] = col[i] * weights[i].squareRoot() } }
        inverse = try Cholesky(xw.crossProduct()).inverse()
    }

    func residual(_ e: [Double]) -> [Double] {
        guard let inverse else { return e }
        let xtwe = columns.map { col in (0..<e.count).reduce(0.0) { $0 + col[$1] * weights[$1] * e[$1] } }
        let coef = inverse.multiply(xtwe)
        var r = e
        for (c, col) in columns.enumerated() { for i in r.indices { r[i] -= col[i] * coef[c] } }
        return r
    }
}
