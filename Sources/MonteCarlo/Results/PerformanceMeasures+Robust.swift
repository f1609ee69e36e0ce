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
        var indices: [Int] = []
        indices.reserveCapacity(n)
        for _ in 0..<Self.bootstrapResamples {
            stream.integers(below: n, count: n, into: &indices)
            for (k, v) in resampler.summary(of: indices).enumerated() where v.isFinite { draws[k].append(v) }
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
struct ResampledMedians {
    let n: Int
    /// Errors ascending, |errors| ascending, finite SEs ascending, and the replication each came from.
    let errorOrder: [Int], sortedErrors: [Double]
    let absoluteOrder: [Int], sortedAbsolute: [Double]
    let seOrder: [Int], sortedSEs: [Double]

    init(errors: [Double], ses: [Double]) {
        n = errors.count
        errorOrder = errors.indices.sorted { errors[$0] < errors[$1] }
        sortedErrors = errorOrder.map { errors[$0] }
        absoluteOrder = errors.indices.sorted { abs(errors[$0]) < abs(errors[$1]) }
        sortedAbsolute = absoluteOrder.map { abs(errors[$0]) }
        seOrder = ses.indices.filter { ses[$0].isFinite }.sorted { ses[$0] < ses[$1] }
        sortedSEs = seOrder.map { ses[$0] }
    }

    /// [median error, median |error|, robust SE, relative error of the median SE] of the resample
    /// drawing replications `indices`, as `RobustSummary.values`.
    func summary(of indices: [Int]) -> [Double] {
        var counts = [Int32](repeating: 0, count: n)
        for j in indices { counts[j] += 1 }
        var r = PerformanceMeasures.RobustSummary()
        r.medianAbsoluteError = Self.median(total: n) { visit in
            for (rank, j) in absoluteOrder.enumerated() where counts[j] > 0 { if visit(sortedAbsolute[rank], Int(counts[j])) { return } }
        }
        let m = Self.median(total: n) { visit in
            for (rank, j) in errorOrder.enumerated() where counts[j] > 0 { if visit(sortedErrors[rank], Int(counts[j])) { return } }
        }
        r.medianError = m
        // |e − m| ascending: merge outwards from m in the ascending errors.
        var split = 0
        while split < n && sortedErrors[split] < m { split += 1 }
        r.robustSE = PerformanceMeasures.madScale * Self.median(total: n) { visit in
            var left = split - 1, right = split
            while left >= 0 || right < n {
                let takeLeft = right >= n || (left >= 0 && abs(sortedErrors[left] - m) <= abs(sortedErrors[right] - m))
                let rank = takeLeft ? left : right
                if takeLeft { left -= 1 } else { right += 1 }
                let c = counts[errorOrder[rank]]
                if c > 0, visit(abs(sortedErrors[rank] - m), Int(c)) { return }
            }
        }
        var finite = 0
        for j in seOrder { finite += Int(counts[j]) }
        guard finite > 0 else { return r.values }
        r.medianModelSE = Self.median(total: finite) { visit in
            for (rank, j) in seOrder.enumerated() where counts[j] > 0 { if visit(sortedSEs[rank], Int(counts[j])) { return } }
        }
        if r.robustSE > 0 { r.relativeError = 100 * (r.medianModelSE / r.robustSE - 1) }
        return r.values
    }

    /// The type-7 median of `total` values that `walk` presents in ascending order as (value,
    /// multiplicity) runs; `walk` stops when the visitor returns true.
    static func median(total: Int, _ walk: ((Double, Int) -> Bool) -> Void) -> Double {
        let h = Double(total - 1) * 0.5
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, total - 1)
        var seen = 0
        var low = Double.nan, high = Double.nan
        walk { value, count in
            if seen <= lo && lo < seen + count { low = value }
            if seen <= hi && hi < seen + count { high = value; return true }
            seen += count
            return false
        }
        return low + (h - Double(lo)) * (high - low)
    }
}
