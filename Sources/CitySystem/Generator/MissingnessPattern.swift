import Foundation
import Numerics

/// Draws which city-years the analyst observes (`city_system.panel`, docs/unbalanced.md).
enum MissingnessPattern {
    /// Time-major observed flags, or nil when the rate is 0 and every city-year exists (a balanced
    /// panel, no draws taken). `exists` (entry): the city-years that exist; the others are never
    /// observed, and the rate, the outcome's standardisation and the two-cities rule are over the
    /// existing ones. Each year keeps at least two cities (a spatial model needs them): if a draw
    /// leaves fewer, the two existing cities with the largest uniforms that year are kept.
    static func draw(_ spec: PanelSpec, lnSize: [Double], distanceToCentre: [Double], outcome: [Double],
                     n: Int, t: Int, exists: [Bool]? = nil, stream: RandomStream) -> [Bool]? {
        guard spec.rate > 0 else { return exists }
        let live = exists ?? [Bool](repeating: true, count: n * t)
        func standardised(_ v: [Double], over keep: [Bool]? = nil) -> [Double] {
            let kept = v.indices.filter { keep?[$0] ?? true }.map { v[$0] }
            let m = Statistics.mean(kept), sd = Statistics.standardDeviation(kept)
            return v.map { sd > 0 && $0.isFinite ? ($0 - m) / sd : 0 }
        }
        let score: [Double]
        switch spec.missing {
        case .mcar: score = [Double](repeating: 0, count: n * t)
        case .marSize:
            let z = standardised(lnSize)
            score = (0..<(n * t)).map { -spec.strength * z[$0 % n] }
        case .marDistance:
            let z = standardised(distanceToCentre)
            score = (0..<(n * t)).map { spec.strength * z[$0 % n] }
        case .mnar:
            score = standardised(outcome, over: live).map { -spec.strength * $0 }
        }
        let raw = score.map { exp($0) }
        let scale = spec.rate / Statistics.mean(raw.indices.filter { live[$0] }.map { raw[$0] })
        let p = raw.map { min(0.95, $0 * scale) }
        let u = (0..<(n * t)).map { _ in stream.uniform() }
        var observed = (0..<(n * t)).map { live[$0] && u[$0] >= p[$0] }
        for period in 0..<t {
            let rows = ((period * n)..<((period + 1) * n)).filter { live[$0] }
            if rows.filter({ observed[$0] }).count < 2 {
                for k in rows.sorted(by: { u[$0] > u[$1] }).prefix(2) { observed[k] = true }
            }
        }
        return observed
    }
}

/// What a panel's observation pattern looks like (`spillsim validate`).
public struct ObservationSummary: Sendable {
    public let shareObserved: Double
    /// Distinct sets of cities observed in a year (= distinct W_t of the unbalanced estimator).
    public let distinctCitySets: Int
    /// Cities observed every year, and years in which every city is observed.
    public let completeCities: Int
    public let completeYears: Int
    public let citiesPerYear: ClosedRange<Int>

    /// `exists` (time-major; nil: every city-year): the city-years of the world. With entry or
    /// merges some do not exist (an entrant before entry, a city after it is absorbed); the share
    /// observed, the cities without a gap and the complete years count over those that exist, so
    /// a world with merges and no missingness reads "observed 100.0 %".
    public init(observed: [Bool]?, n: Int, t: Int, exists: [Bool]? = nil) {
        let o = observed ?? exists ?? [Bool](repeating: true, count: n * t)
        let live = exists ?? [Bool](repeating: true, count: n * t)
        shareObserved = Double(o.indices.filter { o[$0] && live[$0] }.count) / Double(max(1, live.filter { $0 }.count))
        let sets = (0..<t).map { p in (0..<n).filter { o[p * n + $0] } }
        distinctCitySets = Set(sets).count
        completeCities = (0..<n).filter { i in (0..<t).allSatisfy { o[$0 * n + i] || !live[$0 * n + i] } }.count
        completeYears = (0..<t).filter { p in (0..<n).allSatisfy { o[p * n + $0] || !live[p * n + $0] } }.count
        let counts = sets.map(\.count)
        citiesPerYear = counts.min()!...counts.max()!
    }

    public var text: String {
        "observed \(String(format: "%.1f", 100 * shareObserved)) % of city-years, \(distinctCitySets) distinct city set(s), cities per year \(citiesPerYear.lowerBound)–\(citiesPerYear.upperBound), \(completeCities) cities without a gap, \(completeYears) complete year(s)"
    }
}
