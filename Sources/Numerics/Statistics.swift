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
    /// NaN when a value is NaN (a selection has no order to follow then).
    public static func median(selectingIn x: inout [Double]) -> Double {
        guard !x.isEmpty, !x.contains(where: \.isNaN) else { return .nan }
        let h = Double(x.count - 1) * 0.5
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, x.count - 1)
        select(&x, lo)
        // After selecting lo, every element right of it is ≥ x[lo]: the next order statistic is their minimum.
        let upper = hi == lo ? x[lo] : x[(lo + 1)...].min()!
        return x[lo] + (h - Double(lo)) * (upper - x[lo])
    }

    /// The type-7 quantiles at each of `ps` without a sort, for a few quantiles of a long array (the
    /// curve grid's percentiles of every replication). Equal bit for bit to `quantile(sorted:_:)` on
    /// the sorted array: the same two order statistics, the same formula (`orderStatistics`).
    /// NaN at every p when a value is NaN; `x` is left as it is when every value is finite (inout
    /// for the callers' scratch buffers; with ±∞ among the values the fallback selection reorders it).
    public static func quantiles(selectingIn x: inout [Double], _ ps: [Double]) -> [Double] {
        guard !x.isEmpty, !x.contains(where: \.isNaN) else { return ps.map { _ in .nan } }
        let n = x.count
        let ranks = ps.flatMap { p -> [Int] in
            let lo = Int((Double(n - 1) * p).rounded(.down))
            return [lo, min(lo + 1, n - 1)]
        }
        let values = orderStatistics(x, ranks) ?? ranks.map { r in
            x.withUnsafeMutableBufferPointer { a in select(a, r, in: 0, n - 1); return a[r] }
        }
        return ps.indices.map { q in
            let h = Double(n - 1) * ps[q], lo = ranks[2 * q]
            return values[2 * q] + (h - Double(lo)) * (values[2 * q + 1] - values[2 * q])
        }
    }

    /// The values of rank `ranks` (0-based) among `x`'s, by buckets: the range [min, max] cut into
    /// about n/16 equal buckets (the bucket of v, ⌊(v − min)·scale⌋, never decreases as v grows, so
    /// the buckets come in order), a count per bucket, and only the buckets holding a wanted rank
    /// gathered and sorted. Three passes (the counting one without data-dependent branches) instead of a selection
    /// per rank, whose partitions depend on every comparison. Nil when a value is ±∞ or max − min
    /// overflows or is so small that buckets/(max − min) does (the caller then selects). `x` must hold no
    /// NaN (the caller, `quantiles`, filters them out first; checked in debug builds).
    ///
    /// Each value's bucket is computed once (kept for the gathering pass), the counts and the gathered
    /// values live in flat buffers read without bounds checks (session 13: the truth's five percentiles of
    /// 5,040 city-years cost ≈ 0.05 ms per replication before). The result is exact order statistics, so
    /// how the passes are written cannot change a value.
    static func orderStatistics(_ x: [Double], _ ranks: [Int]) -> [Double]? {
        let n = x.count
        precondition(n > 0 && ranks.allSatisfy { $0 >= 0 && $0 < n })
        assert(!x.contains(where: \.isNaN), "orderStatistics: NaN among the values (quantiles filters them out)")
        return x.withUnsafeBufferPointer { xs -> [Double]? in
            // The range in four interleaved lanes (independent compare-and-select chains). The caller has
            // ruled NaN out, so a value is not finite exactly when min or max is ±∞.
            var lows = (xs[0], xs[0], xs[0], xs[0]), highs = lows
            var k = 0
            while k + 4 <= n {
                let v0 = xs[k], v1 = xs[k + 1], v2 = xs[k + 2], v3 = xs[k + 3]
                lows.0 = v0 < lows.0 ? v0 : lows.0; highs.0 = v0 > highs.0 ? v0 : highs.0
                lows.1 = v1 < lows.1 ? v1 : lows.1; highs.1 = v1 > highs.1 ? v1 : highs.1
                lows.2 = v2 < lows.2 ? v2 : lows.2; highs.2 = v2 > highs.2 ? v2 : highs.2
                lows.3 = v3 < lows.3 ? v3 : lows.3; highs.3 = v3 > highs.3 ? v3 : highs.3
                k += 4
            }
            var low = min(min(lows.0, lows.1), min(lows.2, lows.3)), high = max(max(highs.0, highs.1), max(highs.2, highs.3))
            while k < n { low = min(low, xs[k]); high = max(high, xs[k]); k += 1 }
            guard low.isFinite, high.isFinite, (high - low).isFinite else { return nil }
            guard high > low else { return ranks.map { _ in low } }
            let buckets = max(1, min(4096, n / 16))
            let scale = Double(buckets) / (high - low)
            guard scale.isFinite else { return nil }   // a subnormal range: (v − min)·scale would be NaN
            let last = Double(buckets - 1)
            // Each value's bucket, min(buckets − 1, ⌊(v − min)·scale⌋) (the conversion truncates; the value
            // lies in [0, buckets − 1] before it), and before[b]: how many values lie in buckets below b —
            // counted in two arrays (even and odd k) so that neighbouring values in one bucket do not wait
            // on each other's count.
            var bucketOf = [Int32](repeating: 0, count: n)
            var before = [Int](repeating: 0, count: buckets + 1), odd = before
            bucketOf.withUnsafeMutableBufferPointer { ids in
                for k in 0..<n { ids[k] = Int32(min(last, (xs[k] - low) * scale)) }
                before.withUnsafeMutableBufferPointer { even in
                    odd.withUnsafeMutableBufferPointer { odd in
                        var k = 0
                        while k + 2 <= n {
                            even[Int(ids[k]) + 1] += 1
                            odd[Int(ids[k + 1]) + 1] += 1
                            k += 2
                        }
                        if k < n { even[Int(ids[k]) + 1] += 1 }
                        for b in 0..<buckets { even[b + 1] += even[b] + odd[b + 1] }
                    }
                }
            }
            func bucket(ofRank r: Int) -> Int {
                var lo = 0, hi = buckets - 1   // the b with before[b] ≤ r < before[b + 1]
                while lo < hi {
                    let mid = (lo + hi + 1) / 2
                    if before[mid] <= r { lo = mid } else { hi = mid - 1 }
                }
                return lo
            }
            let wanted = ranks.map { bucket(ofRank: $0) }
            // The wanted buckets' values side by side: slot[b] is the offset of bucket b's values (−1: not wanted).
            var slot = [Int](repeating: -1, count: buckets)
            var gathered = 0
            for b in wanted where slot[b] < 0 {
                slot[b] = gathered
                gathered += before[b + 1] - before[b]
            }
            var members = [Double](repeating: 0, count: gathered)
            var filled = [Int](repeating: 0, count: buckets)
            bucketOf.withUnsafeBufferPointer { ids in
                slot.withUnsafeBufferPointer { sl in
                    members.withUnsafeMutableBufferPointer { mb in
                        filled.withUnsafeMutableBufferPointer { fl in
                            for k in 0..<n {
                                let b = Int(ids[k])
                                let s = sl[b]
                                if s >= 0 { mb[s + fl[b]] = xs[k]; fl[b] += 1 }
                            }
                        }
                    }
                }
            }
            for b in Set(wanted) {
                let start = slot[b], count = before[b + 1] - before[b]
                members[start..<(start + count)].sort()
            }
            return zip(ranks, wanted).map { r, b in members[slot[b] + r - before[b]] }
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
            // equal == store only for a NaN pivot (nothing compares ≤ it): stop rather than loop.
            if k < equal || equal == store { return }
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
