import Foundation

/// Descriptive statistics on samples.
public enum Statistics {
    public static func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }

    /// Sample variance with denominator n − 1 (NaN for n < 2).
    public static func variance(_ x: [Double]) -> Double {
        guard x.count > 1 else { return .nan }
        let m = mean(x)
        var s = 0.0
        for v in x { s += (v - m) * (v - m) }
        return s / Double(x.count - 1)
    }

    public static func standardDeviation(_ x: [Double]) -> Double { variance(x).squareRoot() }

    /// Quantile by linear interpolation between order statistics (Hyndman & Fan
    /// type 7, the default of R's `quantile` and NumPy's `percentile`).
    public static func quantile(_ x: [Double], _ p: Double) -> Double {
        guard !x.isEmpty, p >= 0, p <= 1 else { return .nan }
        let s = x.sorted()
        return quantile(sorted: s, p)
    }

    public static func quantile(sorted s: [Double], _ p: Double) -> Double {
        guard !s.isEmpty else { return .nan }
        let h = Double(s.count - 1) * p
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, s.count - 1)
        return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
    }

    public static func median(_ x: [Double]) -> Double { quantile(x, 0.5) }

    public static func covariance(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        guard x.count > 1 else { return .nan }
        let mx = mean(x), my = mean(y)
        var s = 0.0
        for i in 0..<x.count { s += (x[i] - mx) * (y[i] - my) }
        return s / Double(x.count - 1)
    }

    public static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        covariance(x, y) / (standardDeviation(x) * standardDeviation(y))
    }
}
