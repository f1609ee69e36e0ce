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
    /// The incumbents' outcome on W_S, before `year`.
    let beforeEntry: RegimeOutcome

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
        return EntryWorld(year: spec.panel.entryYear, firstPeriod: years.firstIndex(of: spec.panel.entryYear)!,
                          entrants: entrants, incumbents: incumbents,
                          beforeEntry: try RegimeOutcome(full, units: incumbents, like: w, outcome: spec.outcome, source: source))
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
        let rows = preRows(n: n)
        let sub = try beforeEntry.solve(rows: rows, ca: ca, d: d, controls: controls, other: other)
        for (k, r) in rows.enumerated() { out[r] = sub[k] }
        for p in 0..<firstPeriod { for i in entrants { out[p * n + i] = .nan } }
        return out
    }

    /// Effect weights averaged over the existing city-years: year t weighted by its n_t cities.
    func pooled(_ full: EffectWeights, n: Int, periods: Int) -> EffectWeights {
        Self.weightedMean(beforeEntry.cache.weights, Double(firstPeriod * incumbents.count), full, Double((periods - firstPeriod) * n))
    }

    /// `ObservedEffectCache.averaged` over the existing city-years (time-major marginal coefficients).
    func averaged(_ full: ObservedEffectCache, b: [Double], t: [Double], n: Int) -> AveragedEffects {
        let rows = preRows(n: n)
        let pre = beforeEntry.averaged(rows: rows, b: b, t: t)
        let start = firstPeriod * n
        let post = full.averaged(b: Array(b[start...]), t: Array(t[start...]))
        return Self.weightedMean(pre, Double(rows.count), post, Double(b.count - start))
    }

    /// Rows of the generated panel holding the incumbents before entry, period by period.
    func preRows(n: Int) -> [Int] {
        let m = incumbents.count
        return (0..<(firstPeriod * m)).map { ($0 / m) * n + incumbents[$0 % m] }
    }
}
