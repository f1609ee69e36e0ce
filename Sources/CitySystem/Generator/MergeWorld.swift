import Foundation
import Numerics

/// The city-years that exist in a panel whose city set changes (entry, merges), and the truth's
/// averages over them: effect weights and averaged marginal effects with each year weighted by
/// its number of cities (the convention of the unbalanced estimator's effects).
protocol ExistingCityYears: Sendable {
    /// Time-major: whether city-year (t, i) exists.
    func exists(n: Int, periods: Int) -> [Bool]
    /// Effect weights averaged over the existing city-years (`full`: the whole system's).
    func pooled(_ full: EffectWeights, n: Int, periods: Int) -> EffectWeights
    /// `ObservedEffectCache.averaged` over the existing city-years (time-major marginal coefficients).
    func averaged(_ full: ObservedEffectCache, b: [Double], t: [Double], n: Int) -> AveragedEffects
}

typealias AveragedEffects = (direct: Double, indirect: Double, total: Double)

/// The outcome of the regime in which a changing city set differs from the full one (before
/// entry, after merges): its cities' W — the true W's sparse form (with merged cities appended)
/// restricted to them, re-standardised when the true W is row-standardised — its outcome model
/// and the model's effect cache.
struct RegimeOutcome: Sendable {
    let model: OutcomeModel
    let cache: ObservedEffectCache

    init(_ sparse: SparseMatrix, units: [Int], like w: SpatialWeights, outcome: OutcomeSpec, source: String) throws {
        var restricted = try sparse.restricted(to: units)
        if w.isRowStandardised { restricted = restricted.rowStandardised() }
        let ws = try SpatialWeights(sparse: restricted, logDeterminant: w.logDeterminant.method, allowIsolated: true)
        model = try CitySystemCell.model(outcome, weights: ws, source: source)
        cache = try ObservedEffectCache(filter: model.filter)
    }

    /// The outcome solved on the regime's city-years, `rows` of the time-major panel columns.
    func solve(rows: [Int], ca: [Double], d: [Double], controls: [[Double]], other: [Double]) throws -> [Double] {
        let pick = { (v: [Double]) in rows.map { v[$0] } }
        return try model.solve(ca: pick(ca), d: pick(d), controls: controls.map(pick), other: pick(other))
    }

    /// `ObservedEffectCache.averaged` over the regime's city-years, `rows` of the time-major coefficients.
    func averaged(rows: [Int], b: [Double], t: [Double]) -> AveragedEffects {
        cache.averaged(b: rows.map { b[$0] }, t: rows.map { t[$0] })
    }
}

extension ExistingCityYears {
    /// The cities smallest first by ln size, ties by index: who enters late or is absorbed.
    static func smallestFirst(_ lnSize: [Double]) -> [Int] {
        (0..<lnSize.count).sorted { lnSize[$0] != lnSize[$1] ? lnSize[$0] < lnSize[$1] : $0 < $1 }
    }

    /// The mean of two regimes' effect weights, each weighted by its number of city-years.
    static func weightedMean(_ a: EffectWeights, _ wa: Double, _ b: EffectWeights, _ wb: Double) -> EffectWeights {
        let total = wa + wb
        func mix(_ x: Double, _ y: Double) -> Double { (wa * x + wb * y) / total }
        let a1 = mix(a.a1, b.a1), a2 = mix(a.a2, b.a2), t1 = mix(a.t1, b.t1), t2 = mix(a.t2, b.t2)
        return EffectWeights(a1: a1, a2: a2, k1: t1 - a1, k2: t2 - a2, t1: t1, t2: t2)
    }

    /// The mean of two regimes' averaged marginal effects, each weighted by its number of city-years.
    static func weightedMean(_ a: AveragedEffects, _ wa: Double, _ b: AveragedEffects, _ wb: Double) -> AveragedEffects {
        func mix(_ x: Double, _ y: Double) -> Double { (wa * x + wb * y) / (wa + wb) }
        return (mix(a.direct, b.direct), mix(a.indirect, b.indirect), mix(a.total, b.total))
    }

    /// The true W's sparse form, which the changed city set is built from.
    static func sparseForm(_ w: SpatialWeights, source: String, to purpose: String) throws -> SparseMatrix {
        guard let full = w.sparse ?? SparseMatrix(dense: w.matrix) else {
            throw ScenarioError(source: source, path: "city_system.weights", reason: "the true W has no sparse form to \(purpose)")
        }
        return full
    }
}

/// Cities that merge in pairs from a year (`city_system.panel.merges`, issue 24; Chaohu was
/// dissolved into its neighbours in 2011). The `share` smallest cities by ln size (ties by index)
/// are each absorbed by their neighbour of largest weight in W (ties: the larger city, then the
/// lower index) among the cities not yet in a merge. From `year` on:
///
/// * the merged city continues in the **absorbing city's row** of the generated panel; the
///   absorbed city no longer exists (its outcome NaN, never observed);
/// * outcome rule: the merged city's CA, D, controls and location quotients are the **size-weighted
///   means** of its parts' (weights L_i = exp(ln size)), its city effect the size-weighted mean of
///   the parts' μ_i, its error the absorbing city's ε_it (one draw, so the law is unchanged);
/// * W of the merged geography aggregates the parts (`SparseMatrix.appendingMergedUnits`, P W Pᵀ
///   on the true W's symmetric form R W, `symmetricFormForMerging` — for a row-standardised kNN or
///   contiguity W its 0/1 links: the merged city's links are its parts' links, a neighbour's weight
///   to it the sum of its weights to the parts), re-standardised when W is row-standardised;
/// * Mis_t = (I − ρW_M)⁻¹(X_t β + W_M X_t θ + other_t) on the merged city set.
///
/// The estimator treats the merged city as a new unit (docs/unbalanced.md "Merges"), so the
/// design's `missing: exact` is the correctly specified model. The truth averages the effect
/// multipliers over the city-years that exist.
struct MergeWorld: ExistingCityYears {
    struct Pair: Sendable, Equatable {
        let into: Int
        let absorbed: Int
    }
    let year: Int
    let firstPeriod: Int
    let pairs: [Pair]
    /// Size shares (into, absorbed) of each pair.
    let shares: [(into: Double, absorbed: Double)]
    /// The cities after the merges, as indices of the extended W: survivors ascending, then pair g as n + g.
    let postUnits: [Int]
    /// The merged city set's outcome, from `year` on.
    let merged: RegimeOutcome

    static func build(_ spec: CitySystemSpec, weights w: SpatialWeights, lnSize: [Double], source: String) throws -> MergeWorld? {
        let share = spec.panel.mergeShare
        guard share > 0 else { return nil }
        let n = lnSize.count, years = spec.years
        let count = Int((share * Double(n)).rounded())
        let full = try sparseForm(w, source: source, to: "merge")
        var used = [Bool](repeating: false, count: n)
        var pairs: [Pair] = []
        let bySize = smallestFirst(lnSize)
        for j in bySize where !used[j] && pairs.count < count {
            var best: Int? = nil, bestWeight = 0.0
            for k in full.rowStart[j]..<full.rowStart[j + 1] {
                let i = full.columns[k], v = full.values[k]
                guard i != j, !used[i], v > 0 else { continue }
                if let b = best, v < bestWeight || (v == bestWeight && (lnSize[i] < lnSize[b] || (lnSize[i] == lnSize[b] && i > b))) { continue }
                best = i; bestWeight = v
            }
            guard let i = best else { continue }
            pairs.append(Pair(into: i, absorbed: j)); used[i] = true; used[j] = true
        }
        guard count >= 1, pairs.count == count, n - count >= 2 else {
            throw ScenarioError(source: source, path: "city_system.panel.merges.share",
                                reason: "\(share) of \(n) cities is \(count) merge(s), but \(pairs.count) disjoint pairs of neighbours were found",
                                fix: "choose a share that gives at least one merge and at most as many as there are disjoint neighbouring pairs")
        }
        let extended = try full.symmetricFormForMerging().appendingMergedUnits(pairs.map { [$0.into, $0.absorbed] })
        let postUnits = (0..<n).filter { !used[$0] } + (n..<(n + count))
        let shares = pairs.map { p -> (into: Double, absorbed: Double) in
            let a = exp(lnSize[p.into]), b = exp(lnSize[p.absorbed])
            return (a / (a + b), b / (a + b))
        }
        return MergeWorld(year: spec.panel.mergeYear, firstPeriod: years.firstIndex(of: spec.panel.mergeYear)!, pairs: pairs,
                          shares: shares, postUnits: postUnits,
                          merged: try RegimeOutcome(extended, units: postUnits, like: w, outcome: spec.outcome, source: source))
    }

    func exists(n: Int, periods: Int) -> [Bool] {
        var e = [Bool](repeating: true, count: n * periods)
        for p in firstPeriod..<periods { for pair in pairs { e[p * n + pair.absorbed] = false } }
        return e
    }

    /// A time-major city column with the merged cities' size-weighted means in the absorbing
    /// cities' rows from the merge year on (the absorbed cities' rows are left; they do not exist).
    func merged(_ v: [Double], n: Int) -> [Double] {
        var out = v
        let periods = v.count / n
        for p in firstPeriod..<periods {
            for (pair, s) in zip(pairs, shares) {
                out[p * n + pair.into] = s.into * v[p * n + pair.into] + s.absorbed * v[p * n + pair.absorbed]
            }
        }
        return out
    }

    /// Rows of the generated panel holding the post-merge city set, period by period in `postUnits` order.
    func postRows(n: Int, periods: Int) -> [Int] {
        (firstPeriod..<periods).flatMap { p in postUnits.map { u in p * n + (u < n ? u : pairs[u - n].into) } }
    }

    /// The outcome from the merge year on, on the merged geography: `ca`, `d`, `controls` already
    /// `merged`; `other` = μ_i + α_t + ε_it with μ the city effects. Absorbed cities NaN.
    func outcome(_ solved: [Double], ca: [Double], d: [Double], controls: [[Double]], other: [Double], mu: [Double], n: Int) throws -> [Double] {
        var out = solved
        let periods = solved.count / n
        var otherMerged = other
        for p in firstPeriod..<periods {
            for (pair, s) in zip(pairs, shares) {
                otherMerged[p * n + pair.into] += s.into * mu[pair.into] + s.absorbed * mu[pair.absorbed] - mu[pair.into]
            }
        }
        let rows = postRows(n: n, periods: periods)
        let sub = try merged.solve(rows: rows, ca: ca, d: d, controls: controls, other: otherMerged)
        for (k, r) in rows.enumerated() { out[r] = sub[k] }
        for p in firstPeriod..<periods { for pair in pairs { out[p * n + pair.absorbed] = .nan } }
        return out
    }

    func pooled(_ full: EffectWeights, n: Int, periods: Int) -> EffectWeights {
        Self.weightedMean(full, Double(firstPeriod * n), merged.cache.weights, Double((periods - firstPeriod) * postUnits.count))
    }

    func averaged(_ full: ObservedEffectCache, b: [Double], t: [Double], n: Int) -> AveragedEffects {
        let start = firstPeriod * n
        let rows = postRows(n: n, periods: b.count / n)
        let post = merged.averaged(rows: rows, b: b, t: t)
        guard start > 0 else { return post }
        let pre = full.averaged(b: Array(b[..<start]), t: Array(t[..<start]))
        return Self.weightedMean(pre, Double(start), post, Double(rows.count))
    }
}
