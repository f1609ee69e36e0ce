import Foundation
import Numerics

extension Matching {
    /// Greedy nearest-neighbour matching on a scalar distance, following MatchIt's rules
    /// (MatchIt 4.x `nn_matchC_vec`, read for its semantics):
    /// * all units are sorted by distance (stable); a treated unit searches outward from its
    ///   own position, alternating left (smaller distance) then right, taking at most `need`
    ///   eligible controls from each side and stopping a side at the caliper or once `need`
    ///   strictly closer candidates are in hand; the `need` closest candidates win, ties to
    ///   the one found first (so an exact tie goes to the smaller-distance side);
    /// * without replacement and ratio k, matching runs in k rounds: every treated unit, in
    ///   order, takes its first control, then its second, and so on; a treated unit that
    ///   finds none drops out; a used control is no longer eligible;
    /// * with replacement each treated unit takes its k nearest controls at once.
    static func greedyOnScore(treated: [Bool], discarded: [Bool], distance: [Double], order: [Int],
                              ratio: Int, replace: Bool, caliper: Double?, integerAbs: Bool = false) -> [Int: [Int]] {
        let n = treated.count
        // Ascending distance, ties by index: a total order, so any sort gives this permutation.
        let sorted = zip(distance, 0..<n).sorted { a, b in a.0 != b.0 ? a.0 < b.0 : a.1 < b.1 }.map(\.1)
        var position = [Int](repeating: 0, count: n)
        for (p, i) in sorted.enumerated() { position[i] = p }
        var eligible = discarded.map { !$0 }
        var eligibleControls = 0
        for i in 0..<n where !treated[i] && eligible[i] { eligibleControls += 1 }
        let cal = caliper ?? .infinity
        // The controls of each unit so far, by unit index (the result's dictionary is built at the end).
        var chosen = [[Int]](repeating: [], count: n)
        // The candidates of the current search and its choice; one buffer each for every search.
        var cand: [(index: Int, dist: Double, left: Bool)] = []
        cand.reserveCapacity(2 * ratio)
        var picked: [Int] = []
        picked.reserveCapacity(ratio)

        /// The `need` nearest eligible controls of t into `picked` (nearest first; empty: none).
        func find(_ t: Int, need: Int) {
            // The controls t already has (at most `ratio`: a linear search beats a set).
            let taken = chosen[t]
            cand.removeAll(keepingCapacity: true)
            picked.removeAll(keepingCapacity: true)
            var l = position[t], r = position[t]
            var nl = 0, nr = 0
            var lStop = false, rStop = false, left = false
            while !(lStop && rStop) {
                if lStop { left = false } else if rStop { left = true } else { left.toggle() }
                let z: Int
                if left {
                    if l <= 0 || nl == need { lStop = true; continue }
                    l -= 1; z = sorted[l]
                } else {
                    if r >= n - 1 || nr == need { rStop = true; continue }
                    r += 1; z = sorted[r]
                }
                guard eligible[z], !treated[z], !taken.contains(z) else { continue }
                let dc = integerAbs ? abs(distance[t] - distance[z]).rounded(.towardZero) : abs(distance[t] - distance[z])
                if dc > cal {
                    if left { lStop = true } else { rStop = true }
                    continue
                }
                if cand.count >= need {
                    var closer = 0
                    for c in cand where c.dist < dc { closer += 1 }
                    if closer >= need {
                        if left { lStop = true } else { rStop = true }
                        continue
                    }
                }
                cand.append((z, dc, left))
                if left { nl += 1; if nl == need { lStop = true } } else { nr += 1; if nr == need { rStop = true } }
            }
            // Exact ties: MatchIt ≥ 4.7 keeps the candidate found first in the alternating scan;
            // MatchIt 4.5 compared the nearest left and right controls with `<=`, so the left won.
            func precedes(_ a: (offset: Int, element: (index: Int, dist: Double, left: Bool)),
                          _ b: (offset: Int, element: (index: Int, dist: Double, left: Bool))) -> Bool {
                if a.element.dist != b.element.dist { return a.element.dist < b.element.dist }
                if integerAbs && a.element.left != b.element.left { return a.element.left }
                return a.offset < b.offset
            }
            if need == 1 {
                // The first in that (total) order, without sorting.
                guard !cand.isEmpty else { return }
                var best = 0
                for k in 1..<cand.count where precedes((k, cand[k]), (best, cand[best])) { best = k }
                picked.append(cand[best].index)
                return
            }
            picked.append(contentsOf: cand.enumerated().sorted(by: precedes).prefix(need).map { $0.element.index })
        }
        /// The units that have controls, and their controls in the order taken.
        func result() -> [Int: [Int]] {
            var matches: [Int: [Int]] = [:]
            for t in 0..<n where !chosen[t].isEmpty { matches[t] = chosen[t] }
            return matches
        }

        if replace {
            for t in order where eligible[t] {
                find(t, need: ratio)
                if !picked.isEmpty { chosen[t] = picked }
            }
            return result()
        }
        for _ in 1...ratio {
            for t in order {
                if eligibleControls == 0 { break }
                guard eligible[t] else { continue }
                find(t, need: 1)
                guard let c = picked.first else { eligible[t] = false; continue }
                chosen[t].append(c)
                eligible[c] = false
                eligibleControls -= 1
                if chosen[t].count >= ratio { eligible[t] = false }
            }
        }
        return result()
    }

    /// Greedy nearest-neighbour matching on a Mahalanobis metric; ties go to the lower data index.
    static func greedy(treated: [Bool], discarded: [Bool], order: [Int], ratio: Int, replace: Bool,
                       caliper: Double?, metric: MahalanobisMetric) -> [Int: [Int]] {
        var eligible = discarded.map { !$0 }
        let controls = (0..<treated.count).filter { !treated[$0] }
        let cal = caliper ?? .infinity
        var matches: [Int: [Int]] = [:]
        let rounds = replace ? 1 : ratio
        let need = replace ? ratio : 1
        for _ in 1...rounds {
            for t in order where eligible[t] {
                let taken = Set(matches[t] ?? [])
                var pool: [(index: Int, dist: Double)] = []
                for c in controls where eligible[c] && !taken.contains(c) {
                    let d = metric.distance(t, c)
                    if d <= cal { pool.append((c, d)) }
                }
                pool.sort { a, b in a.dist != b.dist ? a.dist < b.dist : a.index < b.index }
                let ranked = pool.prefix(need)
                if ranked.isEmpty { eligible[t] = false; continue }
                for (c, _) in ranked {
                    matches[t, default: []].append(c)
                    if !replace { eligible[c] = false }
                }
            }
        }
        return matches
    }

    /// Radius matching: every eligible control within `radius` of the treated unit (with replacement).
    static func radius(treated: [Bool], discarded: [Bool], distance: [Double], radius: Double) -> [Int: [Int]] {
        let controls = (0..<treated.count).filter { !treated[$0] && !discarded[$0] }
        var matches: [Int: [Int]] = [:]
        for t in 0..<treated.count where treated[t] && !discarded[t] {
            let cs = controls.filter { abs(distance[$0] - distance[t]) <= radius }
                .sorted { abs(distance[$0] - distance[t]) < abs(distance[$1] - distance[t]) }
            if !cs.isEmpty { matches[t] = cs }
        }
        return matches
    }

    /// Epanechnikov kernel matching (Heckman, Ichimura & Todd 1997): control j receives from
    /// treated i the share K((dⱼ − dᵢ)/h) / Σₖ K((dₖ − dᵢ)/h), K(u) = ¾(1 − u²) on |u| < 1.
    static func kernel(treated: [Bool], discarded: [Bool], distance: [Double], bandwidth h: Double,
                       caliper: Double?) -> ([Int: [Int]], [Int: [Double]]) {
        let controls = (0..<treated.count).filter { !treated[$0] && !discarded[$0] }
        var matches: [Int: [Int]] = [:], shares: [Int: [Double]] = [:]
        for t in 0..<treated.count where treated[t] && !discarded[t] {
            var cs: [Int] = [], ks: [Double] = []
            for c in controls {
                let dd = abs(distance[c] - distance[t])
                if let caliper, dd > caliper { continue }
                let u = dd / h
                if u < 1 { cs.append(c); ks.append(0.75 * (1 - u * u)) }
            }
            let total = ks.reduce(0, +)
            if total > 0 { matches[t] = cs; shares[t] = ks.map { $0 / total } }
        }
        return (matches, shares)
    }
}

/// Mahalanobis distance √((x − y)ᵀ S⁻¹ (x − y)) with S the pooled within-group covariance
/// ((n₁−1)S₁ + (n₀−1)S₀)/(n − 2), computed through the Cholesky factor of S.
struct MahalanobisMetric {
    let z: Matrix   // covariates in whitened coordinates, n × p

    init(covariates x: Matrix, treated: [Bool], names: [String]) throws {
        let n = x.rows, p = x.cols
        var s = Matrix(rows: p, cols: p)
        for group in [true, false] {
            let idx = (0..<n).filter { treated[$0] == group }
            let means = (0..<p).map { j in idx.reduce(0) { $0 + x[$1, j] } / Double(idx.count) }
            for a in 0..<p { for b in 0...a {
                var v = 0.0
                for i in idx { v += (x[i, a] - means[a]) * (x[i, b] - means[b]) }
                s[a, b] += v / Double(n - 2); s[b, a] = s[a, b]
            } }
        }
        let chol: Cholesky
        do { chol = try Cholesky(s) } catch {
            throw TreatmentError("Mahalanobis matching: the covariates' pooled covariance is singular (a constant or collinear covariate among \(names.joined(separator: ", "))); drop it")
        }
        // Solve L zᵢ = xᵢ for every unit: Z = X L⁻ᵀ.
        let lInvT = try chol.lower.inverse().transposed()
        z = Matrix.product(x, lInvT)
    }

    func distance(_ i: Int, _ j: Int) -> Double {
        var s = 0.0
        for k in 0..<z.cols { let d = z[i, k] - z[j, k]; s += d * d }
        return s.squareRoot()
    }
}
