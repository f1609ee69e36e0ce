import Foundation
import Numerics

/// Draws which city-years the analyst observes (`city_system.panel`, docs/unbalanced.md).
enum MissingnessPattern {
    /// Time-major observed flags, or nil when the rate is 0 (a balanced panel, no draws taken).
    /// Each year keeps at least two cities (a spatial model needs them): if a draw leaves fewer,
    /// the two cities with the largest uniforms that year are kept.
    static func draw(_ spec: PanelSpec, lnSize: [Double], distanceToCentre: [Double], outcome: [Double],
                     n: Int, t: Int, stream: RandomStream) -> [Bool]? {
        guard spec.rate > 0 else { return nil }
        func standardised(_ v: [Double]) -> [Double] {
            let m = Statistics.mean(v), sd = Statistics.standardDeviation(v)
            return v.map { sd > 0 ? ($0 - m) / sd : 0 }
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
            score = standardised(outcome).map { -spec.strength * $0 }
        }
        let raw = score.map { exp($0) }
        let scale = spec.rate / Statistics.mean(raw)
        let p = raw.map { min(0.95, $0 * scale) }
        let u = (0..<(n * t)).map { _ in stream.uniform() }
        var observed = zip(u, p).map { $0 >= $1 }
        for period in 0..<t {
            let rows = (period * n)..<((period + 1) * n)
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

    public init(observed: [Bool]?, n: Int, t: Int) {
        let o = observed ?? [Bool](repeating: true, count: n * t)
        shareObserved = Double(o.filter { $0 }.count) / Double(n * t)
        let sets = (0..<t).map { p in (0..<n).filter { o[p * n + $0] } }
        distinctCitySets = Set(sets).count
        completeCities = (0..<n).filter { i in (0..<t).allSatisfy { o[$0 * n + i] } }.count
        completeYears = sets.filter { $0.count == n }.count
        let counts = sets.map(\.count)
        citiesPerYear = counts.min()!...counts.max()!
    }

    public var text: String {
        "observed \(String(format: "%.1f", 100 * shareObserved)) % of city-years, \(distinctCitySets) distinct city set(s), cities per year \(citiesPerYear.lowerBound)–\(citiesPerYear.upperBound), \(completeCities) cities without a gap, \(completeYears) complete year(s)"
    }
}
