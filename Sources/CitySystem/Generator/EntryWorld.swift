import Foundation
import Numerics

/// Cities that enter the panel late (`city_system.panel.entry`, issue 24): new prefecture-level
/// cities. The `share` smallest cities by ln size (ties by index) do not exist before `year`:
/// in those years only the incumbents S interact, through W_S = W restricted to S — re-standardised
/// when W is row-standardised, as it is restricted otherwise — and the outcome is
///
///   Mis_t = (I − ρW_S)⁻¹ (X_t β + W_S X_t θ + other_t)   on S, t < year,
///
/// the full model from `year` on (docs/unbalanced.md; MODEL.md "Unbalanced panels"). The
/// entrants' values before entry are not generated (NaN) and never observed. The truth's effect
/// weights are averaged over the city-years that exist, each year weighted by its number of
/// cities (the convention of the unbalanced estimator's effects).
struct EntryWorld: ExistingCityYears {
    /// First year of the entrants, and its period index.
    let year: Int
    let firstPeriod: Int
    let entrants: [Int]
    let incumbents: [Int]
    /// The outcome model and its effect cache on the incumbents' W_S.
    let model: OutcomeModel
    let cache: ObservedEffectCache
    let isolatedIncumbents: Int

    /// Nil without entry. The entrants are fixed by the geography (not drawn), so every
    /// replication of a cell has the same entry pattern.
    static func build(_ spec: CitySystemSpec, weights w: SpatialWeights, lnSize: [Double], source: String) throws -> EntryWorld? {
        let share = spec.panel.entryShare
        guard share > 0 else { return nil }
        let n = lnSize.count, years = spec.years
        let count = Int((share * Double(n)).rounded())
        guard count >= 1, n - count >= 2 else {
            throw ScenarioError(source: source, path: "city_system.panel.entry.share",
                                reason: "\(share) of \(n) cities is \(count) entrant(s) and \(n - count) incumbent(s)",
                                fix: "choose a share that gives at least one entrant and two incumbents")
        }
        let entrants = Array(smallestFirst(lnSize).prefix(count)).sorted()
        let isEntrant = Set(entrants)
        let incumbents = (0..<n).filter { !isEntrant.contains($0) }
        let full = try sparseForm(w, source: source, to: "restrict")
        var restricted = try full.restricted(to: incumbents)
        if w.isRowStandardised { restricted = restricted.rowStandardised() }
        let isolated = restricted.rowSums().filter { $0 == 0 }.count
        let ws = try SpatialWeights(sparse: restricted, logDeterminant: w.logDeterminant.method, allowIsolated: true)
        let model = try CitySystemCell.model(spec.outcome, weights: ws, source: source)
        return EntryWorld(year: spec.panel.entryYear, firstPeriod: years.firstIndex(of: spec.panel.entryYear)!,
                          entrants: entrants, incumbents: incumbents, model: model,
                          cache: try ObservedEffectCache(filter: model.filter), isolatedIncumbents: isolated)
    }

    /// Time-major: whether city-year (t, i) exists.
    func exists(n: Int, periods: Int) -> [Bool] {
        var e = [Bool](repeating: true, count: n * periods)
        for p in 0..<firstPeriod { for i in entrants { e[p * n + i] = false } }
        return e
    }

    /// The outcome before entry, on the incumbents with W_S; entrants NaN. `solved` is the full
    /// model's outcome (kept from `year` on).
    func outcome(_ solved: [Double], ca: [Double], d: [Double], controls: [[Double]], other: [Double], n: Int) throws -> [Double] {
        var out = solved
        let m = incumbents.count
        let rows = (0..<(firstPeriod * m)).map { ($0 / m) * n + incumbents[$0 % m] }
        let pick = { (v: [Double]) in rows.map { v[$0] } }
        let sub = try model.solve(ca: pick(ca), d: pick(d), controls: controls.map(pick), other: pick(other))
        for (k, r) in rows.enumerated() { out[r] = sub[k] }
        for p in 0..<firstPeriod { for i in entrants { out[p * n + i] = .nan } }
        return out
    }

    /// Effect weights averaged over the existing city-years: year t weighted by its n_t cities.
    func pooled(_ full: EffectWeights, n: Int, periods: Int) -> EffectWeights {
        let wPre = Double(firstPeriod * incumbents.count), wPost = Double((periods - firstPeriod) * n)
        let pre = cache.weights, total = wPre + wPost
        func mix(_ a: Double, _ b: Double) -> Double { (wPre * a + wPost * b) / total }
        let a1 = mix(pre.a1, full.a1), a2 = mix(pre.a2, full.a2), t1 = mix(pre.t1, full.t1), t2 = mix(pre.t2, full.t2)
        return EffectWeights(a1: a1, a2: a2, k1: t1 - a1, k2: t2 - a2, t1: t1, t2: t2)
    }

    /// `ObservedEffectCache.averaged` over the existing city-years (time-major marginal coefficients).
    func averaged(_ full: ObservedEffectCache, b: [Double], t: [Double], n: Int) -> (direct: Double, indirect: Double, total: Double) {
        let m = incumbents.count
        let rows = (0..<(firstPeriod * m)).map { ($0 / m) * n + incumbents[$0 % m] }
        let pre = cache.averaged(b: rows.map { b[$0] }, t: rows.map { t[$0] })
        let start = firstPeriod * n
        let post = full.averaged(b: Array(b[start...]), t: Array(t[start...]))
        let wPre = Double(rows.count), wPost = Double(b.count - start)
        func mix(_ a: Double, _ c: Double) -> Double { (wPre * a + wPost * c) / (wPre + wPost) }
        return (mix(pre.direct, post.direct), mix(pre.indirect, post.indirect), mix(pre.total, post.total))
    }
}
