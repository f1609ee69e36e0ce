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
    /// per rank, whose partitions depend on every comparison. Nil when a value is not finite or
    /// max − min overflows or is so small that buckets/(max − min) does (the caller then selects).
    static func orderStatistics(_ x: [Double], _ ranks: [Int]) -> [Double]? {
        let n = x.count
        precondition(n > 0 && ranks.allSatisfy { $0 >= 0 && $0 < n })
        var low = x[0], high = x[0], finite = true
        for v in x { low = min(low, v); high = max(high, v); finite = finite && v.isFinite }
        guard finite, (high - low).isFinite else { return nil }
        guard high > low else { return ranks.map { _ in low } }
        let buckets = max(1, min(4096, n / 16))
        let scale = Double(buckets) / (high - low)
        guard scale.isFinite else { return nil }   // a subnormal range: (v − min)·scale would be NaN
        @inline(__always) func bucket(_ v: Double) -> Int { min(buckets - 1, Int((v - low) * scale)) }
        // before[b]: how many values lie in buckets below b.
        var before = [Int](repeating: 0, count: buckets + 1)
        for v in x { before[bucket(v) + 1] += 1 }
        for b in 0..<buckets { before[b + 1] += before[b] }
        func bucketOf(rank r: Int) -> Int {
            var lo = 0, hi = buckets - 1   // the b with before[b] ≤ r < before[b + 1]
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if before[mid] <= r { lo = mid } else { hi = mid - 1 }
            }
            return lo
        }
        let wanted = ranks.map { bucketOf(rank: $0) }
        var slot = [Int](repeating: -1, count: buckets)
        var members: [[Double]] = []
        for b in wanted where slot[b] < 0 {
            slot[b] = members.count
            members.append([])
            members[members.count - 1].reserveCapacity(before[b + 1] - before[b])
        }
        for v in x {
            let s = slot[bucket(v)]
            if s >= 0 { members[s].append(v) }
        }
        for s in members.indices { members[s].sort() }
        return zip(ranks, wanted).map { r, b in members[slot[b]][r - before[b]] }
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
