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
}

/// TWFE event study: y_it = α_i + γ_t + Σ_{e ≠ −1} β_e 1[i treated, t − a_i = e] + ε_it.
public enum EventStudy {
    /// - Parameters:
    ///   - weights: per observation (time-major), nil = 1.
    ///   - leads, lags: window [−leads, lags]; event times outside are binned into the end points.
    ///     nil = every event time gets its own coefficient.
    ///   - conley: Conley spatial-HAC variance (unit i at location i) instead of CR1 by unit.
    public static func estimate(panel: TreatmentPanel, weights: [Double]? = nil, leads: Int? = nil, lags: Int? = nil,
                                level: Double = 0.95, conley: ConleySpec? = nil) throws -> EventStudyResult {
        let n = panel.unitCount, tCount = panel.periodCount
        let periodIndex = Dictionary(uniqueKeysWithValues: panel.periods.enumerated().map { ($1, $0) })
        // Event time of each treated observation, in period steps.
        var event = [Int?](repeating: nil, count: n * tCount)
        for i in 0..<n {
            guard let a = panel.adoption[i] else { continue }
            let ai = periodIndex[a] ?? tCount   // adoption after the panel ends: all leads
            for t in 0..<tCount {
                var e = t - ai
                if let leads { e = max(e, -leads) }
                if let lags { e = min(e, lags) }
                event[t * n + i] = e
            }
        }
        if let w = weights {
            for k in event.indices where w[k] <= 0 { event[k] = nil }
        }
        let times = Array(Set(event.compactMap { $0 })).filter { $0 != -1 }.sorted()
        guard !times.isEmpty else { throw TreatmentError("event study: no treated observations outside the reference period") }
        guard event.contains(where: { $0 == -1 }) else {
            throw TreatmentError("event study: no treated unit is observed in the reference period −1 (the period before adoption)")
        }
        var x = Matrix(rows: n * tCount, cols: times.count)
        let col = Dictionary(uniqueKeysWithValues: times.enumerated().map { ($1, $0) })
        for k in event.indices { if let e = event[k], let j = col[e] { x[k, j] = 1 } }
        let names = times.map { "event\($0 >= 0 ? "+" : "")\($0)" }
        let unit = (0..<(n * tCount)).map { $0 % n }
        let time = (0..<(n * tCount)).map { $0 / n }
        let fit = try PanelOLS.fit(y: panel.outcome, x: x, names: names, unit: unit, time: time, effects: .twoWays,
                                   weights: weights, variance: try panel.variance(cluster: unit, conley: conley))
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
                                preTrendUnavailable: unavailable, fit: fit)
    }
}
