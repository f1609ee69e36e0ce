import XCTest
@testable import MonteCarlo
import Numerics
import TestSupport

/// The exact bootstrap SE of a median (`MedianBootstrap`, which the measures use for the MCSEs of
/// median_bias and mad_error) against every resample, enumerated, for n ≤ 6, and against many
/// random resamples at n = 30 and 31 — the type-7 median of each resample by sorting
/// (`Statistics.quantile`), independent of the weights.
final class MedianBootstrapTests: XCTestCase {
    /// The population SD of the type-7 median over all nⁿ resamples.
    static func enumerated(_ x: [Double]) -> Double {
        let n = x.count
        var index = [Int](repeating: 0, count: n)
        var sum = 0.0, sumSquares = 0.0, count = 0.0
        while true {
            let m = Statistics.quantile(index.map { x[$0] }, 0.5)
            sum += m
            sumSquares += m * m
            count += 1
            var d = 0
            while d < n && index[d] == n - 1 { index[d] = 0; d += 1 }
            if d == n { break }
            index[d] += 1
        }
        let mean = sum / count
        return (sumSquares / count - mean * mean).squareRoot()
    }

    func testEqualsEveryResampleEnumerated() {
        // Odd and even n (the even median needs the joint law of the middle two), with ties,
        // negative values and an outlier.
        let samples: [[Double]] = [
            [0.3, -1.2],
            [2, 2],
            [0.5, -0.25, 1.75],
            [1, 1, 3],
            [-0.9, 0.4, 0.4, 2.5],
            [0.1, -0.3, 0.7, 1.1, -2.0],
            [3, 1, 1, 1, -1],
            [0.25, -0.5, 1.5, 0.75, -1.25, 6.0],
            [1, 2, 2, 3, 3, 3],
        ]
        for x in samples {
            let exact = MedianBootstrap.standardError(sorted: x.sorted())
            // The enumeration sums up to 6⁶ = 46,656 squares of values ≤ 36: its own rounding is
            // ≈ 1e-14 of the mean square; the exact sums have n terms.
            assertClose(Self.enumerated(x), exact, tolerance: 1e-11, "x = \(x)")
        }
        XCTAssertEqual(MedianBootstrap.standardError(sorted: [2, 2, 2, 2]), 0)
        XCTAssertTrue(MedianBootstrap.standardError(sorted: [1.5]).isNaN, "one value: no resampling spread")
    }

    /// The weights are laws: each order statistic's sums to 1; the ties are the rest of the lower one's.
    func testWeightsAreProbabilities() {
        for n in [2, 3, 10, 11, 300, 301, 1000] {
            let w = MedianBootstrap.Weights(n: n)
            // n terms each exact to a few ulps.
            assertClose(1, w.lower.reduce(0, +), tolerance: 1e-13, "n = \(n): w_k")
            XCTAssertTrue(w.lower.allSatisfy { $0 >= 0 }, "n = \(n)")
            guard n % 2 == 0 else { continue }
            assertClose(1, w.upper.reduce(0, +), tolerance: 1e-13, "n = \(n): w_k+1")
            // q_i ≤ w_k(i) (ties are the rest): both from GSL's binomial law, each to ≈ 1e-13 relative
            // (the incomplete beta; a difference of neighbouring tails loses a few digits more).
            for i in 0..<n {
                XCTAssertTrue(w.distinct[i] >= 0 && w.distinct[i] <= w.lower[i] * (1 + 1e-8), "n = \(n), rank \(i + 1)")
            }
        }
    }

    /// Against 40,000 random resamples: the variance of their medians within 4 MCSEs of the exact one
    /// (the MCSE of a variance estimate, sd((m − m̄)²)/√B).
    func testAgreesWithManyResamples() {
        let stream = RandomStream(seed: 2026, purpose: 12)
        for n in [30, 31] {
            // Ties (rounding to 1/4) and a heavy tail (a t₃-like ratio).
            let x = (0..<n).map { _ in (4 * stream.normal() / max(0.2, abs(stream.normal()))).rounded() / 4 }.sorted()
            let exact = MedianBootstrap.standardError(sorted: x)
            let b = 40_000
            var medians: [Double] = []
            medians.reserveCapacity(b)
            var indices: [Int] = []
            for _ in 0..<b {
                stream.integers(below: n, count: n, into: &indices)
                medians.append(Statistics.quantile(indices.map { x[$0] }, 0.5))
            }
            let mean = medians.reduce(0, +) / Double(b)
            let squares = medians.map { ($0 - mean) * ($0 - mean) }
            let variance = squares.reduce(0, +) / Double(b - 1)
            let mcse = Statistics.standardDeviation(squares) / Double(b).squareRoot()
            assertWithinMCSE(exact * exact, variance, mcse: mcse, k: 4, "n = \(n)")
            XCTAssertGreaterThan(exact, 0)
        }
    }

    /// Errors whose squares overflow leave the SE unknown: NaN, never 0 (∞ − ∞ under a `max(0, ·)` would be 0).
    func testOverflowGivesNaNNotZero() {
        XCTAssertTrue(MedianBootstrap.standardError(sorted: [0, 0, 3e200]).isNaN)
        XCTAssertTrue(MedianBootstrap.standardError(sorted: [0, 0, 0, 3e200]).isNaN)
        XCTAssertTrue(MedianBootstrap.standardError(sorted: [1]).isNaN)
        XCTAssertEqual(MedianBootstrap.standardError(sorted: [2, 2, 2]), 0)
    }
}
