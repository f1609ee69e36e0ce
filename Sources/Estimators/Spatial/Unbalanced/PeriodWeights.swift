import Foundation
import Numerics

/// The weight matrices W_t of an unbalanced panel: in period t only the cities present, S_t,
/// interact, and W_t is W restricted to S_t — re-standardised by default, so every city with
/// a neighbour present keeps row sum 1 (the convention of a row-standardised W; the option
/// `restandardise = false` keeps W's own weights, so a city that lost neighbours has a row sum
/// below 1). A city with no neighbour present keeps a zero row that year (`isolated`).
///
/// Each distinct city set gets one `SpatialWeights` — its spectrum (exact method) or sparse
/// log-determinant (above `SpatialWeights.exactSizeLimit`) is computed once and shared by every
/// year with that set. When no city is missing in a year, W_t is W itself.
public struct PeriodWeights: Sendable {
    public struct CitySet: Sendable {
        /// The cities (unit indices, ascending) and the periods that have exactly this set.
        public let units: [Int]
        public let periods: [Int]
        public let weights: SpatialWeights
        /// Cities of the set whose row of W_t is zero (no neighbour present).
        public let isolated: Int
    }

    public let sets: [CitySet]
    /// Index into `sets` of each period.
    public let setOfPeriod: [Int]
    public let restandardised: Bool
    /// ρ interval on which every I − ρW_t is invertible: the intersection of the sets' intervals.
    public let stableInterval: (lower: Double, upper: Double)
    let periodStart: [Int]

    /// - Parameters:
    ///   - w: the full N × N W in the panel's unit order (as the balanced estimator uses it).
    ///   - restandardise: divide each restricted row by its sum (zero rows stay zero).
    ///   - fullWeights: W itself with its cached spectrum, used for every period in which all cities are present.
    public init(w: SparseMatrix, panel: UnbalancedPanel, restandardise: Bool = true,
                logDeterminant: LogDeterminantMethod = .auto, fullWeights: SpatialWeights? = nil) throws {
        guard w.rows == panel.n, w.cols == panel.n else {
            throw EstimationError("W has \(w.rows) units but the panel has N = \(panel.n)")
        }
        var index: [[Int]: Int] = [:]
        var members: [[Int]] = [], periodsOf: [[Int]] = []
        var setOf = [Int](repeating: 0, count: panel.t)
        for p in 0..<panel.t {
            let s = Array(panel.citySet(p))
            guard s.count >= 2 else {
                throw EstimationError("period \(p + 1) has \(s.count) cit\(s.count == 1 ? "y" : "ies") observed; a spatial model needs at least 2 cities in every period (drop the period)")
            }
            if let k = index[s] { setOf[p] = k; periodsOf[k].append(p) } else {
                index[s] = members.count; setOf[p] = members.count
                members.append(s); periodsOf.append([p])
            }
        }
        // `auto` keeps the exact spectra while their total cost, Σ_sets n_s³, is within one spectrum
        // at the exact-size limit; beyond it (many distinct sets of large N, e.g. 15 sets of 1,800
        // cities) every set uses the sparse log-determinant, falling back to `auto`'s own choice
        // for a W the sparse method cannot take (dense, or without a symmetric form).
        let limit = Double(SpatialWeights.exactSizeLimit)
        let cubic = members.reduce(0.0) { $0 + pow(Double($1.count), 3) }
        let preferSparse = logDeterminant == .auto && cubic > limit * limit * limit
        var sets: [CitySet] = []
        for (k, s) in members.enumerated() {
            var wt = s.count == panel.n ? w : try Self.restrict(w, to: s)
            if restandardise, s.count < panel.n { wt = wt.rowStandardised() }
            let isolated = wt.rowSums().filter { $0 == 0 }.count
            let sw: SpatialWeights
            if s.count == panel.n, let fullWeights {
                sets.append(CitySet(units: s, periods: periodsOf[k], weights: fullWeights, isolated: isolated))
                continue
            }
            do {
                if preferSparse, let sparse = try? SpatialWeights(sparse: wt, logDeterminant: .sparse, allowIsolated: true) {
                    sw = sparse
                } else {
                    sw = try SpatialWeights(sparse: wt, logDeterminant: logDeterminant, allowIsolated: true)
                }
            } catch {
                throw EstimationError("W restricted to the \(s.count) cities of period \(periodsOf[k][0] + 1): \(error)")
            }
            sets.append(CitySet(units: s, periods: periodsOf[k], weights: sw, isolated: isolated))
        }
        self.sets = sets
        setOfPeriod = setOf
        restandardised = restandardise
        periodStart = panel.periodStart
        stableInterval = (sets.map { $0.weights.stableInterval.lower }.max()!, sets.map { $0.weights.stableInterval.upper }.min()!)
    }

    /// W restricted to the rows and columns of `units` (ascending), in that order.
    static func restrict(_ w: SparseMatrix, to units: [Int]) throws -> SparseMatrix {
        try w.restricted(to: units)
    }

    /// Number of distinct W_t.
    public var distinctCount: Int { sets.count }
    /// City-years with a zero row of W_t, summed over periods.
    public var isolatedCityYears: Int { sets.reduce(0) { $0 + $1.isolated * $1.periods.count } }

    /// W_t v_t period by period for a vector over the observed rows.
    public func lag(_ v: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: v.count)
        for (p, k) in setOfPeriod.enumerated() {
            let r = periodStart[p]..<periodStart[p + 1]
            let lagged = sets[k].weights.apply(Array(v[r]))
            for (j, value) in zip(r, lagged) { out[j] = value }
        }
        return out
    }

    public func lag(_ m: Matrix) -> Matrix { m.mapColumns(lag) }

    /// G_t v_t = W_t(I − ρW_t)⁻¹ v_t period by period (periods sharing a set in one product).
    func applyG(_ v: [Double], rho: Double) throws -> [Double] {
        var out = [Double](repeating: 0, count: v.count)
        for set in sets {
            let m = set.units.count
            var stacked: [Double] = []
            stacked.reserveCapacity(m * set.periods.count)
            for p in set.periods { stacked += v[periodStart[p]..<periodStart[p + 1]] }
            let g = try SpatialOperators.applyG(stacked, rho: rho, weights: set.weights)
            for (q, p) in set.periods.enumerated() {
                for j in 0..<m { out[periodStart[p] + j] = g[q * m + j] }
            }
        }
        return out
    }

    /// Σ_t ln|I − ρW_t| and its derivatives: each set's source weighted by its number of periods.
    public var logDeterminant: PeriodLogDeterminant {
        PeriodLogDeterminant(parts: sets.map { (Double($0.periods.count), $0.weights.logDeterminant) })
    }

    /// The effect multipliers averaged over the observed city-years (`PeriodEffectKernel`).
    public func effectKernel() throws -> PeriodEffectKernel {
        PeriodEffectKernel(parts: try sets.map { (Double($0.units.count * $0.periods.count), try ImpactKernel(weights: $0.weights)) })
    }
}

/// Σ_t ln|I − ρW_t| = Σ_sets (periods with the set) · ln|I − ρW_set|, and likewise tr(G), tr(G²).
public struct PeriodLogDeterminant: LogDeterminantSource {
    let parts: [(count: Double, source: any LogDeterminantSource)]

    public var method: LogDeterminantMethod {
        parts.map(\.source.method).first { $0 != .exact } ?? .exact
    }
    public func logDeterminant(rho: Double) -> Double { parts.reduce(0) { $0 + $1.count * $1.source.logDeterminant(rho: rho) } }
    public func traceG(rho: Double) -> Double { parts.reduce(0) { $0 + $1.count * $1.source.traceG(rho: rho) } }
    public func traceG2(rho: Double) -> Double { parts.reduce(0) { $0 + $1.count * $1.source.traceG2(rho: rho) } }
    public func accuracy(rho: Double) -> LogDeterminantAccuracy {
        .weightedSum(parts.map { (weight: $0.count, accuracy: $0.source.accuracy(rho: rho)) })
    }
}

/// Effect multipliers of an unbalanced panel: the scalar summaries of each year's
/// S_t = (I − ρW_t)⁻¹(βI + θW_t) averaged over the observed city-years, i.e. year t weighted by
/// its number of cities n_t: direct = Σ_t tr(S_t)/Σ_t n_t, total = Σ_t 1'S_t1/Σ_t n_t
/// (LeSage & Pace 2009 §2.7 summaries pooled over the sample, as the average marginal
/// effects of `SpatialAverageEffects` pool over N·T). Equal to one W's multipliers when balanced.
public struct PeriodEffectKernel: EffectMultiplierSource {
    let parts: [(weight: Double, kernel: ImpactKernel)]

    public func multipliers(rho: Double) -> EffectMultipliers {
        let total = parts.reduce(0) { $0 + $1.weight }
        var s = [Double](repeating: 0, count: 8)
        var common = true
        for (w, k) in parts {
            let m = k.multipliers(rho: rho)
            let v = [m.a1, m.a2, m.t1, m.t2, m.da1, m.da2, m.dt1, m.dt2]
            for j in 0..<8 { s[j] += w * v[j] / total }
            common = common && m.totalIsCommonFactor
        }
        return EffectMultipliers(a1: s[0], a2: s[1], t1: s[2], t2: s[3], da1: s[4], da2: s[5], dt1: s[6], dt2: s[7],
                                 totalIsCommonFactor: common)
    }
}
