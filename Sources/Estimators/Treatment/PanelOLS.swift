import Foundation
import Numerics

/// The variance estimator of a panel regression.
public enum PanelVariance: Sendable, Equatable {
    /// Homoskedastic: σ̂² (X̃ᵀWX̃)⁻¹, σ̂² = Σwe²/(n − K) with every fixed effect counted in K.
    case iid
    /// CR1 cluster-robust by the given codes (one per observation).
    case cluster([Int])
    /// CR2 cluster-robust by the given codes (Bell & McCaffrey 2002) with each coefficient's
    /// Satterthwaite degrees of freedom (Pustejovsky & Tipton 2018), as R clubSandwich's
    /// `vcovCR(type = "CR2")` + `coef_test(test = "Satterthwaite")`; unweighted regressions only.
    case clusterCR2([Int])
    /// Conley (1999) spatial HAC (with serial lags, Hsiang 2010): B M B with M the
    /// kernel-weighted score cross products of `SpatialHACMeat`, by default no small-sample factor (as R
    /// conleyreg, Stata ols_spatial_HAC and diff-diff), t with n − K degrees of freedom; with the
    /// spec's `smallSample: .fixest` (`.fixestFull`), fixest's (n − 1)/(n − K) and n − K with K per
    /// fixef.K = "nested" ("full").
    /// `location` (index into the spec's neighbour list) and `period` (ordinal: consecutive
    /// periods differ by 1) are given per observation.
    case conley(ConleySpec, location: [Int], period: [Int])
}

/// A fitted panel OLS: coefficients on the regressors after the fixed effects are projected out.
public struct PanelOLSResult: Sendable {
    public let names: [String]
    public let coefficients: [Double]
    public let covariance: Matrix
    public let standardErrors: [Double]
    public let tStatistics: [Double]
    public let pValues: [Double]
    /// Degrees of freedom of the t reference: G − 1 when clustered, n − K otherwise.
    /// (With CR2 each coefficient has its own, in `coefficientDegreesOfFreedom`; this is G − 1.)
    public let tDegreesOfFreedom: Double
    /// Degrees of freedom of each coefficient's t test and interval: `tDegreesOfFreedom` for
    /// every coefficient, except with CR2, where each has its Satterthwaite value.
    public let coefficientDegreesOfFreedom: [Double]
    public let observations: Int
    public let clusters: Int?
    /// K in the small-sample factor (n − 1)/(n − K).
    public let parameterCount: Int
    /// Residuals of the projected regression, in the observations kept (zero weights dropped).
    public let residuals: [Double]
    /// Sweeps of the alternating projections until convergence.
    public let projectionSweeps: Int

    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    public func confidenceInterval(_ j: Int, level: Double = 0.95) -> (lower: Double, upper: Double) {
        let q = StudentT.quantile(0.5 + level / 2, df: coefficientDegreesOfFreedom[j])
        return (coefficients[j] - q * standardErrors[j], coefficients[j] + q * standardErrors[j])
    }
}

/// Panel OLS with absorbed fixed effects, regression weights and CR1 clustering.
///
/// The fixed effects are removed by the weighted within transformation, computed by
/// alternating projections (Gaure 2013, lfe): each sweep subtracts the weighted group
/// means of every fixed-effect dimension in turn, until no value moves by more than
/// `tolerance` × its scale. For a balanced unweighted panel one sweep is exact; weighted or
/// unbalanced two-way panels need several. By Frisch–Waugh–Lovell the coefficients equal
/// those of the dummy-variable regression (LSDV).
///
/// CR1 follows fixest's defaults (`ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE)`):
/// V = G/(G−1) · (n−1)/(n−K) · B (Σ_g s_g s_gᵀ) B with B = (X̃ᵀWX̃)⁻¹, s_g = Σ_{i∈g} wᵢ x̃ᵢ eᵢ and
/// K = p + Σ_d levels_d − (D − 1) − Σ_{d nested} levels_d + #nested (a fixed effect whose
/// every level lies inside one cluster is not counted, beyond the one constant it carries);
/// t statistics use G − 1 degrees of freedom.
public enum PanelOLS {
    public static let defaultTolerance = 1e-12

    /// The observations with a positive weight and their weights (all, weight 1, when `weights` is
    /// nil); observations with weight 0 are dropped. Refuses weights that are not `n0` finite
    /// non-negative numbers.
    static func weightedSample(_ weights: [Double]?, count n0: Int) throws -> (keep: [Int], w: [Double]) {
        guard let weights else { return (Array(0..<n0), [Double](repeating: 1, count: n0)) }
        let refusal = TreatmentError("panel OLS: weights must be \(n0) finite non-negative numbers")
        guard weights.count == n0 else { throw refusal }
        // One pass checks every weight and collects the positive ones.
        var keep = [Int](repeating: 0, count: n0), w = [Double](repeating: 0, count: n0)
        var count = 0, valid = true
        weights.withUnsafeBufferPointer { weights in
            keep.withUnsafeMutableBufferPointer { keep in
                w.withUnsafeMutableBufferPointer { w in
                    // Written at `count` whatever the weight and kept by advancing it only when positive: no
                    // branch on the weights (a matched sample's zeros and ones come in no predictable order).
                    for i in 0..<n0 {
                        let x = weights[i]
                        if !(x >= 0 && x.isFinite) { valid = false; return }
                        keep[count] = i; w[count] = x
                        count += x > 0 ? 1 : 0
                    }
                }
            }
        }
        guard valid else { throw refusal }
        keep.removeLast(n0 - count)
        w.removeLast(n0 - count)
        return (keep, w)
    }

    /// - Parameters:
    ///   - y, x: outcome and regressors (n × p, no intercept column; one is added when `effects == .none`).
    ///   - unit, time: integer codes of each observation's unit and period (any integers).
    ///   - weights: regression weights (observations with weight 0 are dropped), nil = 1.
    public static func fit(y: [Double], x: Matrix, names: [String], unit: [Int], time: [Int],
                           effects: FixedEffects = .twoWays, weights: [Double]? = nil,
                           variance: PanelVariance = .iid, tolerance: Double = defaultTolerance) throws -> PanelOLSResult {
        let n0 = y.count
        guard x.rows == n0, unit.count == n0, time.count == n0 else {
            throw TreatmentError("panel OLS: y has \(n0) values, X \(x.rows) rows, unit \(unit.count), time \(time.count); they must match")
        }
        guard names.count == x.cols else { throw TreatmentError("panel OLS: \(x.cols) regressors but \(names.count) names") }
        let (keep, w) = try weightedSample(weights, count: n0)
        let n = keep.count
        // Every observation kept (no weights, or none zero): the inputs are the sample as they are.
        let all = n == n0
        let absorbed = AbsorbedEffects(effects, unit: unit, time: time, keep: all ? nil : keep)

        // The kept rows of each column, gathered through a buffer (not an element subscript per row).
        var columns = x.data.withUnsafeBufferPointer { d in
            (0..<x.cols).map { j in all ? Array(d[(j * n0)..<((j + 1) * n0)]) : keep.map { d[j * n0 + $0] } }
        }
        let rawNorms = columns.map { Vector.dot($0, $0) }
        var allNames = names
        if absorbed.isEmpty { columns.insert([Double](repeating: 1, count: n), at: 0); allNames.insert("(Intercept)", at: 0) }
        var yy = all ? y : keep.map { y[$0] }
        var sweeps = 0
        if let proj = absorbed.projection(weights: w) {
            sweeps = proj.demean(&yy, tolerance: tolerance)
            for j in columns.indices { sweeps = max(sweeps, proj.demean(&columns[j], tolerance: tolerance)) }
        }
        let p = columns.count
        let offset = p - x.cols   // 1 when an intercept was added
        for j in offset..<p where Vector.dot(columns[j], columns[j]) <= 1e-20 * rawNorms[j - offset] {
            throw TreatmentError("panel OLS: regressor '\(allNames[j])' has no variation left after removing the \(effects.rawValue) fixed effects (it is constant within units or periods); drop it")
        }
        let (b, bread) = try leastSquares(columns: columns, y: yy, weights: w)
        var e = yy
        e.withUnsafeMutableBufferPointer { e in
            for j in 0..<p { columns[j].withUnsafeBufferPointer { x in for i in 0..<n { e[i] -= x[i] * b[j] } } }
        }
        // `recode` numbers each dimension's levels 0..<L, so L = max + 1 (no set of the codes).
        let feLevels = absorbed.levels
        let feCount = feLevels.isEmpty ? 0 : feLevels.reduce(0, +) - (feLevels.count - 1)

        let cov: Matrix
        let df: Double
        var nClusters: Int? = nil
        var k = p + feCount
        var coefficientDF: [Double]? = nil
        switch variance {
        case .iid:
            guard n > k else { throw TreatmentError("panel OLS: \(n) observations for \(k) parameters") }
            let s2 = (0..<n).reduce(0) { $0 + w[$1] * e[$1] * e[$1] } / Double(n - k)
            cov = s2 * bread
            df = Double(n - k)
        case .cluster(let codes):
            guard codes.count == n0 else { throw TreatmentError("panel OLS: \(codes.count) cluster codes for \(n0) observations") }
            let (g, gCount) = recodeCounting(all ? codes : keep.map { codes[$0] })   // gCount = max + 1
            guard gCount >= 2 else { throw TreatmentError("panel OLS: clustering needs at least 2 clusters (found \(gCount))") }
            let nested = absorbed.nested(in: g)
            k = p + feCount - nested.reduce(0) { $0 + feLevels[$1] } + nested.count
            var scores = Matrix(rows: gCount, cols: p)
            // s_g = Σ_{i∈g} wᵢx̃ᵢeᵢ, accumulated in observation order (through buffer pointers).
            scores.data.withUnsafeMutableBufferPointer { sc in
                for j in 0..<p {
                    columns[j].withUnsafeBufferPointer { x in
                        for i in 0..<n { sc[g[i] + j * gCount] += w[i] * x[i] * e[i] }
                    }
                }
            }
            let meat = scores.crossProduct()
            let factor = Double(gCount) / Double(gCount - 1) * Double(n - 1) / Double(n - k)
            cov = factor * (bread * meat * bread)
            df = Double(gCount - 1)
            nClusters = gCount
        case .clusterCR2(let codes):
            guard codes.count == n0 else { throw TreatmentError("panel OLS: \(codes.count) cluster codes for \(n0) observations") }
            guard w.allSatisfy({ $0 == 1 }) else {
                throw TreatmentError("panel OLS: the CR2 cluster variance is implemented for unweighted regressions only (these observations have regression or matching weights other than 1); use CR1, or no weights (matching: none)")
            }
            let g = recode(keep.map { codes[$0] })
            let gCount = (g.max() ?? -1) + 1
            guard gCount >= 2 else { throw TreatmentError("panel OLS: clustering needs at least 2 clusters (found \(gCount))") }
            let nested = absorbed.nested(in: g)
            k = p + feCount - nested.reduce(0) { $0 + feLevels[$1] } + nested.count
            let cr2 = try BellMcCaffreyCR2(columns: columns, residuals: e, bread: bread, cluster: g, clusterCount: gCount,
                                           projection: absorbed.projection(weights: w), tolerance: tolerance)
            cov = cr2.covariance
            df = Double(gCount - 1)
            coefficientDF = cr2.degreesOfFreedom
            nClusters = gCount
        case .conley(let spec, let location, let period):
            guard location.count == n0, period.count == n0 else {
                throw TreatmentError("panel OLS: \(location.count) locations and \(period.count) periods for \(n0) observations (Conley variance)")
            }
            guard n > k else { throw TreatmentError("panel OLS: \(n) observations for \(k) parameters") }
            var scores = Matrix(rows: n, cols: p)
            for j in 0..<p { for i in 0..<n { scores[i, j] = w[i] * columns[j][i] * e[i] } }
            let kept = keep.map { location[$0] }
            let meat = try SpatialHACMeat.meat(scores: scores, location: kept, period: keep.map { period[$0] },
                                               unit: keep.map { unit[$0] }, spec: spec)
            switch spec.smallSample {
            case .none:
                cov = bread * meat * bread
            case .fixest:
                // fixest's K under fixef.K = "nested": a dimension nested in the locations (the unit
                // effect) counts 1, not its levels (the same count as the cluster case above).
                let nested = absorbed.nested(in: kept)
                k = p + feCount - nested.reduce(0) { $0 + feLevels[$1] } + nested.count
                guard n > k else { throw TreatmentError("panel OLS: \(n) observations for \(k) parameters") }
                cov = (Double(n - 1) / Double(n - k)) * (bread * meat * bread)
            case .fixestFull:
                // K = p + every fixed effect (fixef.K = "full"), already in k.
                cov = (Double(n - 1) / Double(n - k)) * (bread * meat * bread)
            }
            df = Double(n - k)
        }
        let se = (0..<p).map { max(cov[$0, $0], 0).squareRoot() }
        if let g = nClusters {
            try checkClusterVariance(clusters: g, names: allNames, se: se, bread: bread, residuals: e, weights: w)
        }
        let t = zip(b, se).map { $0 / $1 }
        let dfs = coefficientDF ?? [Double](repeating: df, count: p)
        let pv = zip(t, dfs).map { 2 * StudentT.survival(abs($0), df: $1) }
        return PanelOLSResult(names: allNames, coefficients: b, covariance: cov, standardErrors: se,
                              tStatistics: t, pValues: pv, tDegreesOfFreedom: df, coefficientDegreesOfFreedom: dfs, observations: n,
                              clusters: nClusters, parameterCount: k, residuals: e, projectionSweeps: sweeps)
    }

    /// The weighted least-squares coefficients of `y` on `columns` (both with the fixed effects
    /// already projected out, observations with positive weight only) and the bread (X̃ᵀWX̃)⁻¹.
    ///
    /// One regressor — the DID family's D, whose TWFE estimate is the whole fit — by the closed form
    /// b = Σ wᵢx̃ᵢỹᵢ / Σ wᵢx̃ᵢ², (X̃ᵀWX̃)⁻¹ = 1/Σ wᵢx̃ᵢ²: two sums in one pass instead of the Householder QR
    /// of the n × 1 design √w x̃ (a norm, a reflector applied to √w ỹ, a back-substitution and R's
    /// inverse, each a pass or a copy). Equal to the QR solution in exact arithmetic and within a few
    /// ulps of it in floating point (a one-column QR is itself a ratio of two sums), not bit for bit.
    /// The QR takes over when a sum is not finite, so its errors (NaN data) are raised as before; the
    /// column's variation was checked by the caller, so Σ wx̃² > 0 otherwise. Two or more regressors:
    /// the QR of √w X̃, whose rank check names a collinear column.
    static func leastSquares(columns: [[Double]], y: [Double], weights w: [Double]) throws -> (coefficients: [Double], bread: Matrix) {
        let n = y.count, p = columns.count
        if p == 1 {
            var sxx = 0.0, sxy = 0.0
            columns[0].withUnsafeBufferPointer { x in
                y.withUnsafeBufferPointer { y in
                    w.withUnsafeBufferPointer { w in
                        for i in 0..<n {
                            let wx = w[i] * x[i]
                            sxx += wx * x[i]
                            sxy += wx * y[i]
                        }
                    }
                }
            }
            if sxx.isFinite, sxy.isFinite, sxx > 0 {
                return ([sxy / sxx], Matrix(rows: 1, cols: 1, uncheckedColumnMajor: [1 / sxx]))
            }
        }
        let sw = w.map { $0.squareRoot() }
        var xw = Matrix(rows: n, cols: p)
        xw.data.withUnsafeMutableBufferPointer { out in
            for j in 0..<p { columns[j].withUnsafeBufferPointer { c in for i in 0..<n { out[j * n + i] = sw[i] * c[i] } } }
        }
        let ls: LeastSquares
        do { ls = try LeastSquares(x: xw, y: zip(y, sw).map { $0 * $1 }) } catch {
            throw TreatmentError("panel OLS: the regressors are collinear after removing fixed effects (\(error))")
        }
        return (ls.coefficients, try ls.xtxInverse())
    }

    /// Refuses a cluster-robust variance that cannot be estimated: the G cluster scores sum to
    /// X̃'e = 0 (normal equations), so the meat has rank at most G − 1 and G ≤ p clusters leave
    /// some combination of the p coefficients with variance 0; and a standard error that is 0 up
    /// to rounding next to the iid one (e.g. two units, whose scores are ± each other and vanish)
    /// is no standard error. Either would print a p-value of 0 for a fit that says nothing.
    static func checkClusterVariance(clusters g: Int, names: [String], se: [Double], bread: Matrix, residuals e: [Double],
                                     weights w: [Double]) throws {
        let p = se.count
        guard g > p else {
            throw TreatmentError(.degenerateVariance, "panel OLS: \(g) clusters cannot identify the cluster-robust variance of \(p) coefficients (\(names.joined(separator: ", "))): the cluster variance has rank at most G − 1 = \(g - 1); use more clusters (more units, or cluster by unit rather than region) or fewer regressors")
        }
        let ssr = zip(w, e).reduce(0) { $0 + $1.0 * $1.1 * $1.1 }
        let s2 = ssr / Double(max(e.count, 1))
        for j in 0..<p {
            // 1e-8 relative to the iid standard error: far above rounding (~1e-16 relative), far
            // below any clustered SE that carries information.
            let reference = (s2 * max(bread[j, j], 0)).squareRoot()
            if !se[j].isFinite || !(se[j] > 1e-8 * reference) {
                throw TreatmentError(.degenerateVariance, "panel OLS: the cluster-robust standard error of \(names[j]) is \(se[j]) with \(g) clusters (degenerate: the clusters' scores cancel); use more clusters (more units, or cluster by unit rather than region)")
            }
        }
    }

    /// The fixed-effect code vectors to absorb, restricted to the observations kept (nil: all of them).
    static func absorbedDimensions(_ effects: FixedEffects, unit: [Int], time: [Int], keep: [Int]?) -> [[Int]] {
        var dims: [[Int]] = []
        if effects.removesUnitEffects { dims.append(recode(keep.map { $0.map { unit[$0] } } ?? unit)) }
        if effects.removesTimeEffects { dims.append(recode(keep.map { $0.map { time[$0] } } ?? time)) }
        return dims
    }

    /// Codes 0..<L in order of first appearance.
    static func recode(_ codes: [Int]) -> [Int] { recodeCounting(codes).codes }

    /// `recode` and the number of distinct codes, which is the largest new code plus one (levels are
    /// numbered 0, 1, … in order of first appearance), without a pass for the maximum.
    static func recodeCounting(_ codes: [Int]) -> (codes: [Int], count: Int) {
        // Unit and year codes are small non-negative integers: a lookup table replaces the hash
        // map (the same codes; the map is kept for anything else, e.g. raw identifiers).
        if let bound = denseBound(codes) {
            var table = [Int](repeating: -1, count: bound)
            var next = 0
            var out = [Int](repeating: 0, count: codes.count)
            table.withUnsafeMutableBufferPointer { table in
                codes.withUnsafeBufferPointer { codes in
                    out.withUnsafeMutableBufferPointer { out in
                        for (k, c) in codes.enumerated() {
                            if table[c] < 0 { table[c] = next; next += 1 }
                            out[k] = table[c]
                        }
                    }
                }
            }
            return (out, next)
        }
        var map: [Int: Int] = [:]
        let out = codes.map { c in
            if let v = map[c] { return v }
            let v = map.count; map[c] = v; return v
        }
        return (out, map.count)
    }

    /// True when every level of `fe` lies within a single cluster.
    static func isNested(_ fe: [Int], in cluster: [Int]) -> Bool {
        if let bound = denseBound(fe) {
            // The cluster of each level's first observation (`seen` marks the levels met).
            var owner = [Int](repeating: 0, count: bound), seen = [Bool](repeating: false, count: bound)
            for (f, g) in zip(fe, cluster) {
                if seen[f] {
                    if owner[f] != g { return false }
                } else {
                    seen[f] = true
                    owner[f] = g
                }
            }
            return true
        }
        var owner: [Int: Int] = [:]
        for (f, g) in zip(fe, cluster) {
            if let o = owner[f], o != g { return false }
            owner[f] = g
        }
        return true
    }

    /// max + 1 when every code lies in 0…4·count + 64 (a table of that size is cheaper than a
    /// hash map), else nil.
    private static func denseBound(_ codes: [Int]) -> Int? {
        var lo = Int.max, hi = Int.min
        for c in codes { lo = min(lo, c); hi = max(hi, c) }
        guard !codes.isEmpty, lo >= 0, hi <= 4 * codes.count + 64 else { return nil }
        return hi + 1
    }
}

/// Weighted within transformation by alternating projections over fixed-effect dimensions.
struct WithinProjection {
    /// The fixed-effect codes of each dimension (empty when `grid` lays them out).
    let dims: [[Int]]
    /// The balanced time-major panel whose unit and period codes the dimensions are
    /// (`WithinProjection+Grid.swift`), or nil: the sweeps then index units and periods directly.
    let grid: PanelGrid?
    let weights: [Double]
    let groupWeight: [[Double]]
    /// Two dimensions that are balanced (every pair of levels exactly once) with weights constant
    /// within the levels of one of them: the first sweep is then the exact projection (`exactInOneSweep`).
    let exactInOneSweep: Bool
    static let maxSweeps = 100_000

    init(dims: [[Int]], weights: [Double]) {
        self.dims = dims
        grid = nil
        self.weights = weights
        groupWeight = dims.map { codes in
            codes.withUnsafeBufferPointer { codes in
                var levels = 0
                for c in codes { levels = max(levels, c + 1) }
                var s = [Double](repeating: 0, count: levels)
                s.withUnsafeMutableBufferPointer { s in
                    weights.withUnsafeBufferPointer { w in
                        for i in 0..<min(codes.count, w.count) { s[codes[i]] += w[i] }
                    }
                }
                return s
            }
        }
        exactInOneSweep = dims.count == 2 && Self.isBalanced(dims[0], dims[1], levels: groupWeight.map(\.count))
            && (Self.isConstant(weights, within: dims[0], levels: groupWeight[0].count)
                || Self.isConstant(weights, within: dims[1], levels: groupWeight[1].count))
    }

    /// Every pair (a, b) of levels occurs exactly once (a balanced panel of units × periods).
    static func isBalanced(_ a: [Int], _ b: [Int], levels: [Int]) -> Bool {
        let (la, lb) = (levels[0], levels[1])
        guard a.count == la * lb else { return false }
        var seen = [Bool](repeating: false, count: la * lb)
        return seen.withUnsafeMutableBufferPointer { seen in
            for (i, j) in zip(a, b) {
                if seen[i * lb + j] { return false }
                seen[i * lb + j] = true
            }
            return true
        }
    }

    /// The weights are the same for every observation of each level of `codes`.
    static func isConstant(_ w: [Double], within codes: [Int], levels: Int) -> Bool {
        var first = [Double](repeating: .nan, count: levels)
        for (c, x) in zip(codes, w) {
            if first[c].isNaN { first[c] = x } else if first[c] != x { return false }
        }
        return true
    }

    /// Demeans `v` in place; returns the number of sweeps. One scratch buffer of group means
    /// serves every dimension and sweep (the same sums, in the same order, as a fresh one).
    ///
    /// When `exactInOneSweep`, the first sweep is the projection and the loop stops there: with
    /// weights wᵢ constant over unit i's periods of a balanced panel (the unweighted panel, or the
    /// pooled matching weights), v¹ = v − v̄ᵢ sums to 0 over each unit's periods, and subtracting the
    /// weighted period means m_t = Σᵢ wᵢv¹ᵢₜ / Σᵢ wᵢ leaves unit i's sum at −Σ_t m_t = −Σᵢ wᵢ(Σ_t v¹ᵢₜ)/Σᵢ wᵢ = 0,
    /// so v² is orthogonal to both sets of dummies (the same with the roles of the dimensions
    /// exchanged). A second sweep would only subtract the rounding of the first (means of order
    /// ε·|v|) to confirm convergence; the result is the first sweep's, within those few ulps.
    @discardableResult
    func demean(_ v: inout [Double], tolerance: Double) -> Int {
        var scale = 0.0
        if !exactInOneSweep {
            for x in v { scale = max(scale, abs(x)) }
            scale = max(scale, 1e-300)
        }
        var sweeps = 0
        var sums = [Double](repeating: 0, count: groupWeight.map(\.count).max() ?? 0)
        v.withUnsafeMutableBufferPointer { v in
            sums.withUnsafeMutableBufferPointer { sums in
                weights.withUnsafeBufferPointer { w in
                    while sweeps < Self.maxSweeps {
                        sweeps += 1
                        let change = grid.map { gridSweep(v, sums: sums, weights: w, grid: $0) } ?? sweep(v, sums: sums, weights: w)
                        if exactInOneSweep || groupWeight.count == 1 || change <= tolerance * scale { break }
                    }
                }
            }
        }
        return sweeps
    }

    /// One sweep: each dimension's weighted group means subtracted in turn (the sums in observation
    /// order, `sums` the scratch of at least the largest level count). Returns the largest |mean|
    /// subtracted, `demean`'s convergence measure.
    private func sweep(_ v: UnsafeMutableBufferPointer<Double>, sums: UnsafeMutableBufferPointer<Double>,
                       weights w: UnsafeBufferPointer<Double>) -> Double {
        let count = v.count
        var change = 0.0
        for (d, codes) in dims.enumerated() {
            let levels = groupWeight[d].count
            for g in 0..<levels { sums[g] = 0 }
            codes.withUnsafeBufferPointer { codes in
                for i in 0..<count { sums[codes[i]] += w[i] * v[i] }
                groupWeight[d].withUnsafeBufferPointer { gw in
                    for g in 0..<levels { sums[g] /= gw[g] }
                }
                for i in 0..<count { v[i] -= sums[codes[i]] }
            }
            for g in 0..<levels { change = max(change, abs(sums[g])) }
        }
        return change
    }
}
