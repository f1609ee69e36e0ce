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

    /// The same median (type 7) by selection in O(n) expected time instead of a sort,
    /// reordering `x` in place: for many medians of scratch buffers (bootstrap resamples).
    /// Equal bit for bit to `median(x)`: the same two order statistics, the same formula.
    public static func median(selectingIn x: inout [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        let h = Double(x.count - 1) * 0.5
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, x.count - 1)
        select(&x, lo)
        // After selecting lo, every element right of it is ≥ x[lo]: the next order statistic is their minimum.
        let upper = hi == lo ? x[lo] : x[(lo + 1)...].min()!
        return x[lo] + (h - Double(lo)) * (upper - x[lo])
    }

    /// The type-7 quantiles at each of `ps` by selection, reordering `x` in place: O(n) per
    /// quantile instead of one O(n log n) sort, for a few quantiles of a long array (the curve
    /// grid's percentiles of every replication). Equal bit for bit to `quantile(sorted:_:)` on
    /// the sorted array: the same two order statistics, the same formula. Inputs without NaN.
    public static func quantiles(selectingIn x: inout [Double], _ ps: [Double]) -> [Double] {
        ps.map { p in
            guard !x.isEmpty else { return .nan }
            let h = Double(x.count - 1) * p
            let lo = Int(h.rounded(.down)), hi = min(lo + 1, x.count - 1)
            select(&x, lo)
            // After selecting lo, every element right of it is ≥ x[lo]: the next order statistic is their minimum.
            let upper = hi == lo ? x[lo] : x[(lo + 1)...].min()!
            return x[lo] + (h - Double(lo)) * (upper - x[lo])
        }
    }

    /// Puts the k-th smallest element at index k with no larger element before it and no
    /// smaller after it (Hoare's selection with a median-of-three pivot; inputs without NaN).
    static func select(_ a: inout [Double], _ k: Int) {
        var left = 0, right = a.count - 1
        while left < right {
            let mid = left + (right - left) / 2
            // Median of three as pivot value.
            let x = a[left], y = a[mid], z = a[right]
            let pivot = max(min(x, y), min(max(x, y), z))
            var i = left, j = right
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { right = j } else if k >= i { left = i } else { return }
        }
    }

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
