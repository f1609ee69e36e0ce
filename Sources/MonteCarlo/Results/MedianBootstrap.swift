import Foundation
import Numerics

/// The bootstrap standard error of a sample median, exactly: the SD of the type-7 median of a
/// resample of n from the n values over all nⁿ equally likely resamples (B = ∞), in O(n) per
/// sample from weights that depend on n alone (built once per n, `Weights`).
///
/// With x_(1) ≤ … ≤ x_(n) and N_i the number of draws at ranks ≤ i, N_i ~ Bin(n, i/n), the k-th
/// order statistic of the resample is x_(i) with probability
/// w_k(i) = P(N_i ≥ k) − P(N_{i−1} ≥ k) (Maritz & Jarrett 1978, JASA 73:194; Efron 1979, Ann.
/// Stat. 7:1, §3). A median of odd n is the order statistic k = (n + 1)/2. A median of even n is
/// (X*_(k) + X*_(k+1))/2 with k = n/2, whose variance needs E[X*_(k) X*_(k+1)], from the joint law of
/// the two: they are equal, x_(i), with probability t_i = w_k(i) − q_i, and otherwise X*_(k) = x_(i) <
/// X*_(k+1) = x_(j) when exactly k draws have rank ≤ i, at least one of them i, and the smallest of
/// the other n − k (uniform on the ranks above i) is j:
///   q_i = P(N_i = k) · (1 − ((i − 1)/i)^k),
///   P(X*_(k+1) = x_(j) | that) = ((n − j + 1)/(n − i))^m − ((n − j)/(n − i))^m,  m = n − k,
/// so E[X*_(k+1) | that] = R_i obeys R_{i−1} = ρ_i R_i + (1 − ρ_i) x_(i) with ρ_i = ((n − i)/(n − i + 1))^m
/// and R_{n−1} = x_(n): O(n) per sample. (Ties among the x are ranks like any other: the
/// resample's order statistics as values are the same.) `MedianBootstrapTests` holds the result
/// to every resample enumerated for n ≤ 6 and to many resamples at n = 30, 31.
///
/// The values are centred at their own median first (the variance does not move; E[M*²] − E[M*]²
/// then cancels no leading digits).
enum MedianBootstrap {
    /// The exact bootstrap SE of the type-7 median of `sorted` (ascending, finite); NaN for fewer than 2.
    static func standardError(sorted x: [Double]) -> Double {
        let n = x.count
        guard n > 1 else { return .nan }
        let w = Weights.of(n)
        let centre = Statistics.quantile(sorted: x, 0.5)
        let y = x.map { $0 - centre }
        var lowerMean = 0.0, lowerSquare = 0.0
        for i in 0..<n {
            lowerMean += w.lower[i] * y[i]
            lowerSquare += w.lower[i] * y[i] * y[i]
        }
        guard n % 2 == 0 else { return Self.root(lowerSquare - lowerMean * lowerMean) }
        var upperMean = 0.0, upperSquare = 0.0
        for i in 0..<n {
            upperMean += w.upper[i] * y[i]
            upperSquare += w.upper[i] * y[i] * y[i]
        }
        // E[X*_(k) X*_(k+1)]: ties at rank i (0-based here), then the two at ranks i < j through R.
        var cross = 0.0
        var r = 0.0   // R_{n−1} (1-based) once the loop has passed rank n: the mean of X*_(k+1) above
        for i in stride(from: n - 1, through: 0, by: -1) {
            // Here r = R_i (1-based i + 1): E[X*_(k+1) | X*_(k) = x_(i+1) < X*_(k+1)].
            cross += (w.lower[i] - w.distinct[i]) * y[i] * y[i] + w.distinct[i] * y[i] * r
            r = w.decay[i] * r + (1 - w.decay[i]) * y[i]
        }
        let mean = 0.5 * (lowerMean + upperMean)
        let square = 0.25 * (lowerSquare + upperSquare + 2 * cross)
        return Self.root(square - mean * mean)
    }

    /// √v, 0 for a rounding-negative v, NaN kept (errors so large that their squares overflow give
    /// ∞ − ∞: the SE is then unknown, not 0 — `max(0, NaN)` would return 0).
    private static func root(_ v: Double) -> Double {
        v.isNaN ? .nan : Swift.max(v, 0).squareRoot()
    }

    /// The weights of the median of n values, at 0-based rank i (the 1-based rank i + 1 above).
    final class Weights: Sendable {
        let n: Int
        /// w_k(i): the law of X*_(k), k = ⌈n/2⌉ (the median itself when n is odd).
        let lower: [Double]
        /// w_{k+1}(i) (n even; empty when n is odd).
        let upper: [Double]
        /// q_i = P(X*_(k) = x_(i) < X*_(k+1)) (n even).
        let distinct: [Double]
        /// ρ_i = ((n − i)/(n − i + 1))^{n−k} of the 1-based rank i, stored at i − 1 (n even).
        let decay: [Double]

        init(n: Int) {
            self.n = n
            let k = (n + 1) / 2
            lower = Self.orderStatistic(k, of: n)
            guard n % 2 == 0 else { upper = []; distinct = []; decay = []; return }
            upper = Self.orderStatistic(k + 1, of: n)
            let m = Double(n - k)
            distinct = (1...n).map { i in
                guard i < n else { return 0 }   // k < n draws at ranks ≤ n leave the others nowhere
                let atRankI = -expm1(Double(k) * log1p(-1 / Double(i)))   // 1 − ((i − 1)/i)^k; 1 at i = 1
                return Binomial.probability(k, n: n, p: Double(i) / Double(n)) * atRankI
            }
            decay = (1...n).map { i in exp(m * log1p(-1 / Double(n - i + 1))) }
        }

        /// w_k(i) = G(i) − G(i − 1), G(i) = P(Bin(n, i/n) ≥ k), each from the tail that is small:
        /// below the median rank the difference of the upper tails G, above it of the lower tails
        /// 1 − G (H(i − 1) − H(i)), so the far ranks keep their relative digits (1 − H would lose them).
        static func orderStatistic(_ k: Int, of n: Int) -> [Double] {
            // For i < k the upper tail G(i); from k on the lower tail H(i) = 1 − G(i).
            let tail: [Double] = (0...n).map { i in
                if i == 0 { return 0 }                // G(0) = 0
                if i == n { return 0 }                // H(n) = 0
                let p = Double(i) / Double(n)
                return i < k ? Binomial.survival(k - 1, n: n, p: p) : Binomial.cdf(k - 1, n: n, p: p)
            }
            return (1...n).map { i in
                if i < k { return tail[i] - tail[i - 1] }
                if i > k { return tail[i - 1] - tail[i] }
                return (1 - tail[i]) - tail[i - 1]   // i = k: 1 − H(k) − G(k − 1), both ≈ 1/2
            }
        }

        /// The weights of n, built on first use and shared (a function of n alone, so every thread and
        /// every run gets the same bits whoever built them).
        static func of(_ n: Int) -> Weights {
            cache.lock.lock()
            if let w = cache.byCount[n] { cache.lock.unlock(); return w }
            cache.lock.unlock()
            let w = Weights(n: n)
            cache.lock.lock(); defer { cache.lock.unlock() }
            cache.byCount[n] = w
            return w
        }

        private static let cache = Cache()
    }

    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var byCount: [Int: Weights] = [:]
    }
}
