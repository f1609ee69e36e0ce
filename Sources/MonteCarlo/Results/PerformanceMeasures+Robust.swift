import Foundation
import Numerics

/// Robust measures: they exist whether or not the estimator has finite moments
/// (turning points and shifts, ratios of coefficients, have none), and resist the
/// few wild replications a near-flat curve produces. Their MCSEs (Morris et al. 2019 §5.2
/// suggest the bootstrap when no formula exists) are the bootstrap SEs over replications: those
/// of the two medians (median bias, median |error|) exactly (`MedianBootstrap`, B = ∞), those of
/// the robust SE and its relative error — a median about the resample's own median, and a ratio,
/// with no closed form — from 500 resamples drawn from a stream derived from the run's seed
/// (`BootstrapResamples`). Both
/// are functions of the cell's records alone, so a run and its merged shards report the same values.
extension PerformanceMeasures {
    /// Bootstrap resamples of the robust SE's and its relative error's MCSEs: the MCSE of an MCSE
    /// from B resamples has relative error ≈ 1/√(2B) ≈ 3%, ample for a standard error.
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
    }

    /// median_bias, mad_error, robust_se (1.4826·MAD of the errors, which is the MAD of
    /// the estimates when the truth is fixed), rel_error_robust_se and their MCSEs: the
    /// medians' exact bootstrap SEs, the others' from `bootstrapResamples` resamples.
    ///
    /// Until session 12 the medians' MCSEs were resampled too (the SD of the 500 resamples'
    /// medians, drawn beside the robust SE's from the same indices); their exact values differ from
    /// those by the resampling noise, ≈ 1/√(2·500) = 3% of the MCSE. `resamples(n)` gives the 500
    /// resamples of n: drawn from the caller's stream as before (`init(…bootstrap:)`), or, in a run,
    /// one set per (estimator, n) shared by its estimands (`CellResults.measures`).
    mutating func setRobust(_ used: [EstimandResult], comparable: Bool, resamples: (Int) -> BootstrapResamples) {
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
        // The model SEs are counted only when the relative error has a value (its MCSE is NaN otherwise).
        let resampler = ResampledMedians(errors: errors, ses: relativeErrorRobustSE.isFinite ? ses : [],
                                         guess: robustSE / Self.madScale)
        if comparable {
            mcseMedianBias = MedianBootstrap.standardError(sorted: resampler.sortedErrors)
            mcseMADError = MedianBootstrap.standardError(sorted: errors.map { abs($0) }.sorted())
        }
        var robust: [Double] = [], relative: [Double] = []
        robust.reserveCapacity(Self.bootstrapResamples)
        relative.reserveCapacity(Self.bootstrapResamples)
        var counts = ResampledMedians.Counts(n)
        resamples(n).forEach { indices in
            let v = resampler.summary(of: indices, counts: &counts)
            if v.robustSE.isFinite { robust.append(v.robustSE) }
            if v.relativeError.isFinite { relative.append(v.relativeError) }
        }
        mcseRobustSE = Statistics.standardDeviation(robust)
        mcseRelativeErrorRobustSE = relativeErrorRobustSE.isFinite ? Statistics.standardDeviation(relative) : .nan
    }
}

/// The resampled robust measures of a bootstrap resample from how often it draws each
/// replication, walking orders sorted once instead of selecting in a copy: O(n) per resample with
/// small constants. Bit for bit `RobustSummary` of the resampled values — a median is a function
/// of the multiset, found here as the same two order statistics combined by the same formula
/// (`Statistics.median`), and |e − m| is formed by the same subtraction.
///
/// The draws are counted by rank in each order (not by replication), so every walk reads its
/// counts in sequence; the count buffers are reused across resamples (`Counts`). The median
/// |error| is not resampled (its MCSE is exact, `MedianBootstrap`).
struct ResampledMedians {
    let n: Int
    /// Errors ascending, finite SEs ascending.
    let sortedErrors: [Double], sortedSEs: [Double]
    /// Each replication's rank in those orders (−1: its SE is not finite, or SEs were not given).
    let errorRank: [Int32], seRank: [Int32]
    /// Where the MAD walks start (`init`).
    let guess: Double

    /// How often a resample draws each rank of the two orders; zeroed after each use.
    struct Counts {
        var error: [Int32], se: [Int32]
        init(_ n: Int) {
            error = [Int32](repeating: 0, count: n)
            se = error
        }
    }

    /// The median error, robust SE and relative error of the median model SE of one resample
    /// (NaN where `RobustSummary` has NaN).
    struct Summary {
        var medianError: Double, robustSE: Double, relativeError: Double
    }

    /// `ses` empty: the model SEs are not counted (every relative error NaN). `guess`: a distance
    /// near the resamples' MADs (the sample's own MAD), where their walks start (any finite value
    /// gives the same results; a near one, short walks).
    init(errors: [Double], ses: [Double], guess: Double) {
        n = errors.count
        let errorOrder = errors.indices.sorted { errors[$0] < errors[$1] }
        sortedErrors = errorOrder.map { errors[$0] }
        let seOrder = ses.indices.filter { ses[$0].isFinite }.sorted { ses[$0] < ses[$1] }
        sortedSEs = seOrder.map { ses[$0] }
        func ranks(_ order: [Int]) -> [Int32] {
            var r = [Int32](repeating: -1, count: errors.count)
            for (rank, j) in order.enumerated() { r[j] = Int32(rank) }
            return r
        }
        errorRank = ranks(errorOrder)
        seRank = ranks(seOrder)
        self.guess = guess.isFinite ? guess : 0
    }

    /// The summary of the resample drawing replications `indices`.
    func summary(of indices: [Int]) -> Summary {
        var counts = Counts(n)
        return indices.withUnsafeBufferPointer { summary(of: $0, counts: &counts) }
    }

    /// The same with caller-owned count buffers (`Counts(n)`, all zero; left all zero).
    func summary(of indices: UnsafeBufferPointer<Int>, counts c: inout Counts) -> Summary {
        let n = n
        return c.error.withUnsafeMutableBufferPointer { ce in
            c.se.withUnsafeMutableBufferPointer { cs in
                summary(of: indices, error: ce.baseAddress!, se: cs.baseAddress!, n: n)
            }
        }
    }

    private func summary(of indices: UnsafeBufferPointer<Int>, error ce: UnsafeMutablePointer<Int32>, se cs: UnsafeMutablePointer<Int32>, n: Int) -> Summary {
        var finite = 0
        errorRank.withUnsafeBufferPointer { er in
            seRank.withUnsafeBufferPointer { sr in
                for j in indices {
                    ce[Int(er[j])] &+= 1
                    let s = sr[j]
                    if s >= 0 { cs[Int(s)] &+= 1; finite &+= 1 }
                }
            }
        }
        let (m, mad) = sortedErrors.withUnsafeBufferPointer { eb in
            let m = Self.median(total: n, counts: ce, values: eb.baseAddress!, ranks: n)
            return (m, Self.medianDistance(from: m, counts: ce, errors: eb.baseAddress!, n: n, guess: guess))
        }
        let robustSE = PerformanceMeasures.madScale * mad
        var relativeError = Double.nan
        if finite > 0 {
            let medianModelSE = sortedSEs.withUnsafeBufferPointer {
                Self.median(total: finite, counts: cs, values: $0.baseAddress!, ranks: $0.count)
            }
            if robustSE > 0 { relativeError = 100 * (medianModelSE / robustSE - 1) }
            cs.update(repeating: 0, count: n)
        }
        ce.update(repeating: 0, count: n)
        return Summary(medianError: m, robustSE: robustSE, relativeError: relativeError)
    }

    /// The type-7 median of the resample's distances |e − m| (`counts[rank]` copies of each
    /// ascending error), as `RobustSummary` finds it by selection: the same two order statistics of
    /// the distances, each formed by the same subtraction, combined by the same formula.
    ///
    /// The distances fall away from m on both sides of the ranks (left of `split`, e < m, they
    /// decrease with the rank; from `split` on they increase: a rounded difference is monotone in e).
    /// So the ranks within `guess` of m are one run [L, R), found by bisection on each side, and
    /// their draws c are counted in vectors. The two order statistics (positions lo and hi of n) are
    /// then met by walking from that run's edges: inwards, in descending distance, when they lie
    /// inside it (c > hi), outwards, in ascending distance, when they lie beyond it (c ≤ lo), one of
    /// each when the run ends between them — over ≈ |c − lo| ranks instead of the ≈ n/2 of a walk
    /// outwards from m. Ties of distance are met in either order: the value at each position of
    /// the sorted distances is the same whichever equal one stands there.
    static func medianDistance(from m: Double, counts ce: UnsafeMutablePointer<Int32>, errors e: UnsafePointer<Double>,
                               n: Int, guess d0: Double) -> Double {
        let h = Double(n - 1) * 0.5
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, n - 1)
        // The first rank with e ≥ m.
        var split = 0, end = n
        while split < end {
            let mid = (split + end) / 2
            if e[mid] < m { split = mid + 1 } else { end = mid }
        }
        // [L, split): the left ranks within d0 (the distance falls as the rank rises).
        var l = 0, u = split
        while l < u {
            let mid = (l + u) / 2
            if abs(e[mid] - m) <= d0 { u = mid } else { l = mid + 1 }
        }
        let first = l
        // [split, R): the right ranks within d0 (the distance rises with the rank).
        l = split
        u = n
        while l < u {
            let mid = (l + u) / 2
            if abs(e[mid] - m) <= d0 { l = mid + 1 } else { u = mid }
        }
        let last = l
        var c = 0, rank = first
        let raw = UnsafeRawPointer(ce)
        while rank + 8 <= last {
            c += Int(raw.loadUnaligned(fromByteOffset: rank * MemoryLayout<Int32>.stride, as: SIMD8<Int32>.self).wrappedSum())
            rank += 8
        }
        while rank < last { c += Int(ce[rank]); rank += 1 }

        // The distances at ascending positions p1 ≤ p2, walking outwards from the ranks first − 1
        // (down) and last (up), c draws already below. The side is chosen by a select (which side
        // comes next is a coin toss a branch predictor loses).
        func outwards(_ p1: Int, _ p2: Int) -> (Double, Double) {
            var left = first - 1, right = last, seen = c, v1 = Double.nan
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
                v1 = seen <= p1 && p1 < seen + k ? d : v1
                if seen <= p2 && p2 < seen + k { return (v1, d) }
                seen += k
            }
            return (v1, .nan)
        }
        // The distances at descending positions q1 ≤ q2 (0: the largest within d0), walking
        // inwards from the run's edges.
        func inwards(_ q1: Int, _ q2: Int) -> (Double, Double) {
            var left = first, right = last - 1, seen = 0, v1 = Double.nan
            var dl = left < split ? abs(e[left] - m) : -.infinity
            var dr = right >= split ? abs(e[right] - m) : -.infinity
            while left < split || right >= split {
                let takeLeft = left < split && dl >= dr
                let rank = takeLeft ? left : right
                let d = takeLeft ? dl : dr
                left += takeLeft ? 1 : 0
                right -= takeLeft ? 0 : 1
                dl = left < split ? abs(e[left] - m) : -.infinity
                dr = right >= split ? abs(e[right] - m) : -.infinity
                let k = Int(ce[rank])
                v1 = seen <= q1 && q1 < seen + k ? d : v1
                if seen <= q2 && q2 < seen + k { return (v1, d) }
                seen += k
            }
            return (v1, .nan)
        }
        let low: Double, high: Double
        if hi < c {
            (high, low) = inwards(c - 1 - hi, c - 1 - lo)
        } else if lo < c {
            low = inwards(0, 0).1
            high = outwards(hi, hi).1
        } else {
            (low, high) = outwards(lo, hi)
        }
        return low + (h - Double(lo)) * (high - low)
    }

    /// The type-7 median of `total` values given as `counts[rank]` copies of `values[rank]`, ascending
    /// (`ranks` of them). The ranks below the median are passed eight at a time while their counts
    /// sum to no more than its lower index (one vector load and sum per eight), then one at a time:
    /// the same ranks are found as by the walk one at a time, so the same bits.
    static func median(total: Int, counts: UnsafeMutablePointer<Int32>, values: UnsafePointer<Double>, ranks: Int) -> Double {
        let h = Double(total - 1) * 0.5
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, total - 1)
        var seen = 0, rank = 0
        let raw = UnsafeRawPointer(counts)
        while rank + 8 <= ranks {
            let block = Int(raw.loadUnaligned(fromByteOffset: rank * MemoryLayout<Int32>.stride, as: SIMD8<Int32>.self).wrappedSum())
            if seen + block > lo { break }
            seen += block
            rank += 8
        }
        while seen + Int(counts[rank]) <= lo { seen += Int(counts[rank]); rank += 1 }
        let low = values[rank]
        while seen + Int(counts[rank]) <= hi { seen += Int(counts[rank]); rank += 1 }
        return low + (h - Double(lo)) * (values[rank] - low)
    }
}

/// The B = `bootstrapResamples` resamples of n replications (each n indices below n) that the
/// robust SE's and its relative error's MCSEs are computed over, drawn in order from one stream.
/// A run draws one such set per (cell, estimator, n) and shares it among the estimator's estimands
/// that used n replications (`CellResults.measures`): each estimand's MCSE is still the bootstrap of
/// its own n values over 500 resamples, and the 150,000 draws are paid once per estimator instead
/// of once per estimand. Held in memory when `stored` (at most `maximumStored` indices: n ≤ 2,097,
/// 8 MB); otherwise each use draws them again from the stream (the same indices).
final class BootstrapResamples: @unchecked Sendable {
    let n: Int
    let stream: StreamID
    let keep: Bool
    static let maximumStored = 1 << 20
    private let lock = NSLock()
    private var stored: [Int]?

    /// `keep`: hold the indices after the first use (only when they fit `maximumStored`).
    init(n: Int, stream: StreamID, keep: Bool = true) {
        self.n = n
        self.stream = stream
        self.keep = keep && Self.count(n) <= Self.maximumStored
    }

    /// The indices of the B resamples of n.
    static func count(_ n: Int) -> Int { PerformanceMeasures.bootstrapResamples * n }

    /// Calls `body` with each resample's n indices in turn, in the order drawn.
    func forEach(_ body: (UnsafeBufferPointer<Int>) -> Void) {
        let b = PerformanceMeasures.bootstrapResamples
        guard keep else {
            let random = RandomStream(stream)
            var indices: [Int] = []
            for _ in 0..<b {
                random.integers(below: n, count: n, into: &indices)
                indices.withUnsafeBufferPointer(body)
            }
            return
        }
        lock.lock()
        if stored == nil {
            let random = RandomStream(stream)
            var all = [Int](repeating: 0, count: b * n)
            var indices: [Int] = []
            for r in 0..<b {
                random.integers(below: n, count: n, into: &indices)
                all.replaceSubrange(r * n..<(r + 1) * n, with: indices)
            }
            stored = all
        }
        let all = stored!
        lock.unlock()
        all.withUnsafeBufferPointer { p in
            for r in 0..<b { body(UnsafeBufferPointer(rebasing: p[r * n..<(r + 1) * n])) }
        }
    }
}
