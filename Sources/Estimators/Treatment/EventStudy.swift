import Foundation
import Numerics

/// Dynamic treatment effects around adoption, relative to the period before it.
public struct EventStudyResult: Sendable {
    /// Event times e = t − adoption, excluding the reference −1. The end points bin
    /// everything beyond them when a window is given.
    public let eventTimes: [Int]
    public let estimates: [Double]
    public let standardErrors: [Double]
    public let ciLower: [Double]
    public let ciUpper: [Double]
    /// Joint test that all leads (e ≤ −2) are zero: Wald statistic W = b′V⁻¹b (CR1 or Conley V),
    /// reported as F = W/q with (q, G − 1) degrees of freedom (n − K with Conley), as fixest's `wald`.
    public let preTrendF: Double
    public let preTrendDF: (Int, Double)
    public let preTrendP: Double
    /// Why there is no pre-trend test (then F and p are NaN): no lead before the reference
    /// period −1, or a singular covariance of the leads. nil when the test was computed.
    public let preTrendUnavailable: String?
    public let fit: PanelOLSResult
    /// Treated observations used at each event time (after binning), in `eventTimes` order.
    public let observationsPerEventTime: [Int]
    /// Units with at least one row in the regression (on an unbalanced panel, every unit observed once).
    public let units: Int

    /// The average post-adoption effect: Σ_{e≥0} n_e β̂_e / Σ_{e≥0} n_e with n_e the treated
    /// observations at event time e (each treated post observation weighted equally, as the
    /// plain TWFE ATT averages), its standard error √(wᵀVw) from the same CR1 (or Conley) V and
    /// the t(df) interval; nil without a post-adoption event time.
    public func averagePostEffect(level: Double = 0.95) -> (estimate: Double, se: Double, lower: Double, upper: Double, p: Double)? {
        let post = eventTimes.indices.filter { eventTimes[$0] >= 0 }
        let total = Double(post.reduce(0) { $0 + observationsPerEventTime[$1] })
        guard total > 0 else { return nil }
        var w = [Double](repeating: 0, count: eventTimes.count)
        for k in post { w[k] = Double(observationsPerEventTime[k]) / total }
        let estimate = Vector.dot(w, estimates)
        let se = Vector.dot(w, fit.covariance.multiply(w)).squareRoot()
        let df = fit.tDegreesOfFreedom
        let q = StudentT.quantile(0.5 + level / 2, df: df)
        let t = estimate / se
        return (estimate, se, estimate - q * se, estimate + q * se, t.isFinite ? 2 * StudentT.survival(abs(t), df: df) : .nan)
    }
}

/// TWFE event study: y_it = α_i + γ_t + Σ_{e ≠ −1} β_e 1[i treated, t − a_i = e] + ε_it.
public enum EventStudy {
    /// The event time of period index `period` for a unit adopting at period index `adoption`,
    /// binned into [−leads, lags] (outside times take the end points).
    public static func binnedEventTime(period: Int, adoption: Int, leads: Int?, lags: Int?) -> Int {
        var e = period - adoption
        if let leads { e = max(e, -leads) }
        if let lags { e = min(e, lags) }
        return e
    }

    /// - Parameters:
    ///   - weights: per observation (time-major), nil = 1.
    ///   - leads, lags: window [−leads, lags]; event times outside are binned into the end points.
    ///     nil = every event time gets its own coefficient.
    ///   - conley: Conley spatial-HAC variance (unit i at location i) instead of CR1 by unit.
    ///   - observed: time-major N·T, whether each unit-period is in the data (nil = all): the
    ///     unobserved rows are left out and the panel stays unbalanced, as fixest's
    ///     `feols(y ~ i(rel, treat, ref = -1) | unit + period, cluster = ~unit)` does with rows absent.
    ///   - unitClusters: a cluster code per unit for CR1 (nil = by unit).
    public static func estimate(panel: TreatmentPanel, weights: [Double]? = nil, leads: Int? = nil, lags: Int? = nil,
                                level: Double = 0.95, conley: ConleySpec? = nil, observed: [Bool]? = nil,
                                unitClusters: [Int]? = nil) throws -> EventStudyResult {
        let n = panel.unitCount, tCount = panel.periodCount
        let periodIndex = Dictionary(uniqueKeysWithValues: panel.periods.enumerated().map { ($1, $0) })
        // Event time of each treated observation, in period steps.
        var event = [Int?](repeating: nil, count: n * tCount)
        for i in 0..<n {
            guard let a = panel.adoption[i] else { continue }
            let ai = periodIndex[a] ?? tCount   // adoption after the panel ends: all leads
            for t in 0..<tCount { event[t * n + i] = binnedEventTime(period: t, adoption: ai, leads: leads, lags: lags) }
        }
        if let observed, observed.count != n * tCount {
            throw TreatmentError("event study: \(observed.count) observed flags for \(n * tCount) unit-periods")
        }
        // The rows of the regression: observed, and with a positive weight when weighted.
        let rows = (0..<(n * tCount)).filter { (observed?[$0] ?? true) && (weights?[$0] ?? 1) > 0 }
        let kept = Set(rows)
        for k in event.indices where !kept.contains(k) { event[k] = nil }
        let times = Array(Set(event.compactMap { $0 })).filter { $0 != -1 }.sorted()
        guard !times.isEmpty else { throw TreatmentError("event study: no treated observations outside the reference period") }
        guard event.contains(where: { $0 == -1 }) else {
            throw TreatmentError("event study: no treated unit is observed in the reference period −1 (the period before adoption)")
        }
        var x = Matrix(rows: rows.count, cols: times.count)
        let col = Dictionary(uniqueKeysWithValues: times.enumerated().map { ($1, $0) })
        var counts = [Int](repeating: 0, count: times.count)
        for (r, k) in rows.enumerated() { if let e = event[k], let j = col[e] { x[r, j] = 1; counts[j] += 1 } }
        let names = times.map { "event\($0 >= 0 ? "+" : "")\($0)" }
        let unit = rows.map { $0 % n }
        let time = rows.map { $0 / n }
        let variance: PanelVariance
        if let conley {
            guard conley.neighbours.count == n else {
                throw TreatmentError("Conley variance: the neighbour list has \(conley.neighbours.count) locations for \(n) units")
            }
            variance = .conley(conley, location: unit, period: time)
        } else {
            let codes = try panel.clusterCodes(unitClusters)
            variance = .cluster(rows.map { codes[$0] })
        }
        let fit = try PanelOLS.fit(y: rows.map { panel.outcome[$0] }, x: x, names: names, unit: unit, time: time, effects: .twoWays,
                                   weights: weights.map { w in rows.map { w[$0] } }, variance: variance)
        let q = StudentT.quantile(0.5 + level / 2, df: fit.tDegreesOfFreedom)
        let pre = times.enumerated().filter { $0.element <= -2 }.map { $0.offset }
        var f = Double.nan, pF = Double.nan
        var unavailable: String? = pre.isEmpty
            ? "no pre-trend test: it needs at least 2 leads (event time −1 is the omitted reference period)" : nil
        if !pre.isEmpty {
            var v = Matrix(rows: pre.count, cols: pre.count)
            for (a, ja) in pre.enumerated() { for (b, jb) in pre.enumerated() { v[a, b] = fit.covariance[ja, jb] } }
            let bPre = pre.map { fit.coefficients[$0] }
            if let vinv = try? v.inverse() {
                f = Vector.dot(bPre, vinv.multiply(bPre)) / Double(pre.count)
                pF = FisherF.survival(f, df1: Double(pre.count), df2: fit.tDegreesOfFreedom)
            } else {
                unavailable = "no pre-trend test: the covariance of the lead coefficients is singular"
            }
        }
        return EventStudyResult(eventTimes: times, estimates: fit.coefficients, standardErrors: fit.standardErrors,
                                ciLower: zip(fit.coefficients, fit.standardErrors).map { $0 - q * $1 },
                                ciUpper: zip(fit.coefficients, fit.standardErrors).map { $0 + q * $1 },
                                preTrendF: f, preTrendDF: (pre.count, fit.tDegreesOfFreedom), preTrendP: pF,
                                preTrendUnavailable: unavailable, fit: fit, observationsPerEventTime: counts,
                                units: Set(unit).count)
    }
}
