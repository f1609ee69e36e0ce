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
    /// Each selection leaves its position holding its order statistic with nothing larger before
    /// it and nothing smaller after, so the next one searches only between the nearest such
    /// positions around it (the second of the quartiles the right three quarters, and so on).
    public static func quantiles(selectingIn x: inout [Double], _ ps: [Double]) -> [Double] {
        guard !x.isEmpty else { return ps.map { _ in .nan } }
        let n = x.count
        var settled: [Int] = []   // positions holding their order statistic
        return x.withUnsafeMutableBufferPointer { a in
            ps.map { p in
                let h = Double(n - 1) * p
                let lo = Int(h.rounded(.down)), hi = min(lo + 1, n - 1)
                if !settled.contains(lo) {
                    let left = settled.filter { $0 < lo }.max().map { $0 + 1 } ?? 0
                    let right = settled.filter { $0 > lo }.min().map { $0 - 1 } ?? n - 1
                    select(a, lo, in: left, right)
                    settled.append(lo)
                }
                // Every element right of lo is ≥ a[lo]: the next order statistic is their minimum.
                var upper = a[lo]
                if hi != lo {
                    upper = a[lo + 1]
                    for k in (lo + 2)..<n where a[k] < upper { upper = a[k] }
                }
                return a[lo] + (h - Double(lo)) * (upper - a[lo])
            }
        }
    }

    /// Puts the k-th smallest element at index k with no larger element before it and no
    /// smaller after it (quickselect with a median-of-three pivot; inputs without NaN).
    static func select(_ a: inout [Double], _ k: Int) {
        guard !a.isEmpty else { return }
        a.withUnsafeMutableBufferPointer { select($0, k, in: 0, $0.count - 1) }
    }

    /// `select` within a[left…right], which must hold exactly the order statistics left…right of
    /// the whole array (k among them). Each round partitions around a median-of-three pivot value
    /// without branching on the comparisons (on data in random order a branch on them misses about
    /// half the time): first the values below the pivot to the front, then — when k lies beyond
    /// them — the values equal to it next; the pivot is one of the range's values, so each round
    /// either settles k among the equal ones or shrinks the range.
    static func select(_ a: UnsafeMutableBufferPointer<Double>, _ k: Int, in left: Int, _ right: Int) {
        guard let base = a.baseAddress else { return }
        var left = left, right = right
        while left < right {
            let mid = left + (right - left) / 2
            let x = base[left], y = base[mid], z = base[right]
            let pivot = max(min(x, y), min(max(x, y), z))
            // a[left..<store] < pivot ≤ a[store..<i] (Lomuto's invariant, swapping unconditionally).
            var store = left
            for i in left...right {
                let v = base[i]
                base[i] = base[store]
                base[store] = v
                store += v < pivot ? 1 : 0
            }
            if k < store { right = store - 1; continue }
            // a[store..<equal] == pivot < a[equal..<i].
            var equal = store
            for i in store...right {
                let v = base[i]
                base[i] = base[equal]
                base[equal] = v
                equal += v <= pivot ? 1 : 0
            }
            if k < equal { return }
            left = equal
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
