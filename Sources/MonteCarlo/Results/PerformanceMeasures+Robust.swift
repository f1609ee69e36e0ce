import Foundation
import Numerics

/// Robust measures: they exist whether or not the estimator has finite moments
/// (turning points and shifts, ratios of coefficients, have none), and resist the
/// few wild replications a near-flat curve produces. Their MCSEs come from a
/// nonparametric bootstrap over replications (Morris et al. 2019 §5.2 suggest
/// resampling when no formula exists), drawn from a stream derived from the run's
/// seed, so a run and its merged shards report the same values.
extension PerformanceMeasures {
    /// Bootstrap resamples: the MCSE of an MCSE from B resamples has relative error
    /// ≈ 1/√(2B) ≈ 3%, ample for a standard error, at a cost of milliseconds per estimand.
    public static let bootstrapResamples = 500

    /// 1/Φ⁻¹(0.75): makes the MAD a consistent estimator of σ under normality.
    static let madScale = 1.482602218505602

    struct RobustSummary {
        var medianError = Double.nan, medianAbsoluteError = Double.nan, robustSE = Double.nan
        var medianModelSE = Double.nan, relativeError = Double.nan

        init() {}

        /// `errors` and `ses` are scratch: reordered in place (a median by selection, O(n)).
        init(errors: inout [Double], ses: inout [Double], scratch: inout [Double]) {
            guard !errors.isEmpty else { return }
            scratch.removeAll(keepingCapacity: true)
            for e in errors { scratch.append(abs(e)) }
            medianAbsoluteError = Statistics.median(selectingIn: &scratch)
            medianError = Statistics.median(selectingIn: &errors)
            let m = medianError
            scratch.removeAll(keepingCapacity: true)
            for e in errors { scratch.append(abs(e - m)) }
            robustSE = madScale * Statistics.median(selectingIn: &scratch)
            scratch.removeAll(keepingCapacity: true)
            for s in ses where s.isFinite { scratch.append(s) }
            guard !scratch.isEmpty else { return }
            medianModelSE = Statistics.median(selectingIn: &scratch)
            if robustSE > 0 { relativeError = 100 * (medianModelSE / robustSE - 1) }
        }

        var values: [Double] { [medianError, medianAbsoluteError, robustSE, relativeError] }
    }

    /// median_bias, mad_error, robust_se (1.4826·MAD of the errors, which is the MAD of
    /// the estimates when the truth is fixed), rel_error_robust_se and their bootstrap MCSEs.
    mutating func setRobust(_ used: [EstimandResult], comparable: Bool, bootstrap: StreamID) {
        let errors = used.map { $0.estimate - $0.truth }
        let ses = used.map(\.standardError)
        var e = errors, s = ses, scratch: [Double] = []
        scratch.reserveCapacity(errors.count)
        let point = RobustSummary(errors: &e, ses: &s, scratch: &scratch)
        robustSE = point.robustSE
        medianModelSE = point.medianModelSE
        relativeErrorRobustSE = point.relativeError
        if comparable {
            medianBias = point.medianError
            madError = point.medianAbsoluteError
        }
        let n = errors.count
        guard n > 1 else { return }
        let stream = RandomStream(bootstrap)
        let resampler = ResampledMedians(errors: errors, ses: ses)
        var draws = [[Double]](repeating: [], count: 4)
        for k in draws.indices { draws[k].reserveCapacity(Self.bootstrapResamples) }
        var indices: [Int] = []
        indices.reserveCapacity(n)
        var counts = ResampledMedians.Counts(n)
        for _ in 0..<Self.bootstrapResamples {
            stream.integers(below: n, count: n, into: &indices)
            let v = resampler.summary(of: indices, counts: &counts)
            for k in 0..<4 where v[k].isFinite { draws[k].append(v[k]) }
        }
        let mcse = draws.map { Statistics.standardDeviation($0) }
        mcseRobustSE = mcse[2]
        mcseRelativeErrorRobustSE = relativeErrorRobustSE.isFinite ? mcse[3] : .nan
        if comparable {
            mcseMedianBias = mcse[0]
            mcseMADError = mcse[1]
        }
    }
}

/// The robust summary of a bootstrap resample from how often it draws each replication,
/// walking orders sorted once instead of selecting in a copy: O(n) per resample with small
/// constants. Bit for bit `RobustSummary` of the resampled values — a median is a function of
/// the multiset, found here as the same two order statistics combined by the same formula
/// (`Statistics.median`), and |e − m| is formed by the same subtraction.
///
/// The draws are counted by rank in each order (not by replication), so every walk reads its
/// counts in sequence; the count buffers are reused across resamples (`Counts`).
struct ResampledMedians {
    let n: Int
    /// Errors ascending, |errors| ascending, finite SEs ascending.
    let sortedErrors: [Double], sortedAbsolute: [Double], sortedSEs: [Double]
    /// Each replication's rank in those orders (−1: its SE is not finite).
    let errorRank: [Int32], absoluteRank: [Int32], seRank: [Int32]

    /// How often a resample draws each rank of the three orders; zeroed after each use.
    struct Counts {
        var error: [Int32], absolute: [Int32], se: [Int32]
        init(_ n: Int) {
            error = [Int32](repeating: 0, count: n)
            absolute = error
            se = error
        }
    }

    init(errors: [Double], ses: [Double]) {
        n = errors.count
        let errorOrder = errors.indices.sorted { errors[$0] < errors[$1] }
        sortedErrors = errorOrder.map { errors[$0] }
        let absoluteOrder = errors.indices.sorted { abs(errors[$0]) < abs(errors[$1]) }
        sortedAbsolute = absoluteOrder.map { abs(errors[$0]) }
        let seOrder = ses.indices.filter { ses[$0].isFinite }.sorted { ses[$0] < ses[$1] }
        sortedSEs = seOrder.map { ses[$0] }
        func ranks(_ order: [Int]) -> [Int32] {
            var r = [Int32](repeating: -1, count: errors.count)
            for (rank, j) in order.enumerated() { r[j] = Int32(rank) }
            return r
        }
        errorRank = ranks(errorOrder)
        absoluteRank = ranks(absoluteOrder)
        seRank = ranks(seOrder)
    }

    /// [median error, median |error|, robust SE, relative error of the median SE] of the resample
    /// drawing replications `indices`, as `RobustSummary.values`.
    func summary(of indices: [Int]) -> [Double] {
        var counts = Counts(n)
        let v = summary(of: indices, counts: &counts)
        return [v[0], v[1], v[2], v[3]]
    }

    /// The same with caller-owned count buffers (`Counts(n)`, all zero; left all zero).
    func summary(of indices: [Int], counts c: inout Counts) -> SIMD4<Double> {
        let n = n
        return c.error.withUnsafeMutableBufferPointer { ce in
            c.absolute.withUnsafeMutableBufferPointer { ca in
                c.se.withUnsafeMutableBufferPointer { cs in
                    summary(of: indices, error: ce.baseAddress!, absolute: ca.baseAddress!, se: cs.baseAddress!, n: n)
                }
            }
        }
    }

    private func summary(of indices: [Int], error ce: UnsafeMutablePointer<Int32>, absolute ca: UnsafeMutablePointer<Int32>,
                         se cs: UnsafeMutablePointer<Int32>, n: Int) -> SIMD4<Double> {
        var finite = 0
        errorRank.withUnsafeBufferPointer { er in
            absoluteRank.withUnsafeBufferPointer { ar in
                seRank.withUnsafeBufferPointer { sr in
                    for j in indices {
                        ce[Int(er[j])] &+= 1
                        ca[Int(ar[j])] &+= 1
                        let s = sr[j]
                        if s >= 0 { cs[Int(s)] &+= 1; finite &+= 1 }
                    }
                }
            }
        }
        var r = PerformanceMeasures.RobustSummary()
        r.medianAbsoluteError = sortedAbsolute.withUnsafeBufferPointer { Self.median(total: n, counts: ca, values: $0.baseAddress!) }
        let m = sortedErrors.withUnsafeBufferPointer { Self.median(total: n, counts: ce, values: $0.baseAddress!) }
        r.medianError = m
        // |e − m| ascending: merge outwards from m in the ascending errors.
        r.robustSE = PerformanceMeasures.madScale * sortedErrors.withUnsafeBufferPointer { e in
            // The first rank with e ≥ m, by bisection (the errors ascend and are finite).
            var split = 0, end = n
            while split < end {
                let mid = (split + end) / 2
                if e[mid] < m { split = mid + 1 } else { end = mid }
            }
            let h = Double(n - 1) * 0.5
            let lo = Int(h.rounded(.down)), hi = min(lo + 1, n - 1)
            var seen = 0, low = Double.nan
            var left = split - 1, right = split
            // The next distance on each side, +∞ past its end. The side taken is chosen by a select
            // rather than a branch (which side comes next is a coin toss the branch predictor loses),
            // and ranks the resample did not draw (k = 0) pass through the tests unchanged rather than
            // being skipped: the same ranks are met in the same order with the same distances, so the
            // same two order statistics and the same bits.
            var dl = left >= 0 ? abs(e[left] - m) : .infinity
            var dr = right < n ? abs(e[right] - m) : .infinity
            while left >= 0 || right < n {
                let takeLeft = left >= 0 && dl <= dr
                let rank = takeLeft ? left : right
                let d = takeLeft ? dl : dr
                left -= takeLeft ? 1 : 0
                right += takeLeft ? 0 : 1
                dl = left >= 0 ? abs(e[left] - m) : .infinity
                dr = right < n ? abs(e[right] - m) : .infinity
                let k = Int(ce[rank])
                low = seen <= lo && lo < seen + k ? d : low
                if seen <= hi && hi < seen + k { return low + (h - Double(lo)) * (d - low) }
                seen += k
            }
            return .nan
        }
        if finite > 0 {
            r.medianModelSE = sortedSEs.withUnsafeBufferPointer { Self.median(total: finite, counts: cs, values: $0.baseAddress!) }
            if r.robustSE > 0 { r.relativeError = 100 * (r.medianModelSE / r.robustSE - 1) }
        }
        ce.update(repeating: 0, count: n)
        ca.update(repeating: 0, count: n)
        cs.update(repeating: 0, count: n)
        return SIMD4(r.medianError, r.medianAbsoluteError, r.robustSE, r.relativeError)
    }

    /// The type-7 median of `total` values given as `counts[rank]` copies of `values[rank]`, ascending.
    static func median(total: Int, counts: UnsafeMutablePointer<Int32>, values: UnsafePointer<Double>) -> Double {
        let h = Double(total - 1) * 0.5
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, total - 1)
        var seen = 0, rank = 0
        while seen + Int(counts[rank]) <= lo { seen += Int(counts[rank]); rank += 1 }
        let low = values[rank]
        while seen + Int(counts[rank]) <= hi { seen += Int(counts[rank]); rank += 1 }
        return low + (h - Double(lo)) * (values[rank] - low)
    }
}
