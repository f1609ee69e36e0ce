import XCTest
@testable import MonteCarlo
import Numerics

/// The counting bootstrap (`ResampledMedians`) against the selection one (`RobustSummary` on the
/// resampled copies): equal bit for bit, so stored MCSEs did not move when it replaced it.
final class ResampledMediansTests: XCTestCase {
    /// Ties (rounded errors), negative and positive errors, and some non-finite SEs.
    static func sample(_ n: Int, _ stream: RandomStream) -> (errors: [Double], ses: [Double]) {
        let errors = (0..<n).map { _ in (stream.normal() * 8).rounded() / 8 }
        let ses = (0..<n).map { i -> Double in i % 11 == 5 ? .nan : (i % 13 == 7 ? .infinity : 0.5 + stream.uniform()) }
        return (errors, ses)
    }

    /// Every resample's summary equals `RobustSummary` of the resampled copies, bit for bit (NaN for NaN).
    func assertSameBits(_ resampler: ResampledMedians, _ errors: [Double], _ ses: [Double], _ indices: [Int],
                        _ got: ResampledMedians.Summary, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        var e = indices.map { errors[$0] }, s = indices.map { ses[$0] }, scratch: [Double] = []
        let expected = PerformanceMeasures.RobustSummary(errors: &e, ses: &s, scratch: &scratch)
        for (a, b) in [(expected.medianError, got.medianError), (expected.robustSE, got.robustSE),
                       (expected.relativeError, got.relativeError)] {
            XCTAssertTrue(a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN), "\(label): \(expected) vs \(got)", file: file, line: line)
        }
    }

    func testEqualsSelectionOnResamplesBitForBit() {
        let stream = RandomStream(seed: 7, purpose: 3)
        for n in [2, 3, 4, 7, 9, 16, 17, 40, 301] {
            let (errors, ses) = Self.sample(n, stream)
            let resampler = ResampledMedians(errors: errors, ses: ses, guess: 1)
            var indices: [Int] = []
            for _ in 0..<50 {
                stream.integers(below: n, count: n, into: &indices)
                assertSameBits(resampler, errors, ses, indices, resampler.summary(of: indices), "n = \(n), fresh buffers")
            }
        }
    }

    /// Count buffers reused across resamples, as `setRobust` does, and MAD walks started from
    /// distances that put the resamples' middle distances inside the run within the guess, beyond
    /// it, or at its edge (the sample's MAD), or from nowhere (0, no run; +∞ taken as 0): the
    /// same bits in all.
    func testAnyGuessAndReusedBuffersGiveTheSameBits() {
        let stream = RandomStream(seed: 9, purpose: 4)
        for n in [2, 5, 40, 300] {
            let (errors, ses) = Self.sample(n, stream)
            var e = errors, s = ses, scratch: [Double] = []
            let mad = PerformanceMeasures.RobustSummary(errors: &e, ses: &s, scratch: &scratch).robustSE / PerformanceMeasures.madScale
            for guess in [mad, 0, 0.01, 0.3 * mad, 3 * mad, 1e9, .infinity, .nan] {
                let resampler = ResampledMedians(errors: errors, ses: ses, guess: guess)
                var counts = ResampledMedians.Counts(n)
                var indices: [Int] = []
                for _ in 0..<100 {
                    stream.integers(below: n, count: n, into: &indices)
                    let got = indices.withUnsafeBufferPointer { resampler.summary(of: $0, counts: &counts) }
                    assertSameBits(resampler, errors, ses, indices, got, "n = \(n), guess \(guess)")
                }
                XCTAssertTrue(counts.error.allSatisfy { $0 == 0 } && counts.se.allSatisfy { $0 == 0 }, "buffers left zero")
            }
        }
    }

    func testAllSEsMissing() {
        let r = ResampledMedians(errors: [1, -1, 2], ses: [.nan, .nan, .nan], guess: 1)
        let v = r.summary(of: [0, 2, 2])
        XCTAssertEqual(v.medianError, 2)
        XCTAssertTrue(v.relativeError.isNaN)
        // SEs not given (the point relative error has no value): none counted.
        XCTAssertTrue(ResampledMedians(errors: [1, -1, 2], ses: [], guess: 1).summary(of: [0, 1, 2]).relativeError.isNaN)
    }

    /// The shared resamples are the stream's draws in order, whether held in memory (small n) or
    /// drawn again on each use (not asked to keep them, or n above `maximumStored` / B), and the
    /// same on every use.
    func testSharedResamplesAreTheStreamsDrawsStoredOrNot() {
        let stream = StreamID(seed: 5, purpose: 77)
        for (n, keep) in [(7, true), (7, false), (BootstrapResamples.maximumStored / PerformanceMeasures.bootstrapResamples + 3, true)] {
            let shared = BootstrapResamples(n: n, stream: stream, keep: keep)
            XCTAssertEqual(shared.keep, keep && n < 100, "held only when asked and when they fit")
            let direct = RandomStream(stream)
            var expected: [Int] = [], r = 0
            shared.forEach { got in
                direct.integers(below: n, count: n, into: &expected)
                if r < 3 || r % 100 == 0 { XCTAssertEqual(Array(got), expected, "n = \(n), resample \(r)") }
                r += 1
            }
            XCTAssertEqual(r, PerformanceMeasures.bootstrapResamples)
            var first: [Int] = [], again: [Int] = []
            shared.forEach { if first.count < n { first = Array($0) } }
            shared.forEach { if again.count < n { again = Array($0) } }
            XCTAssertEqual(first, again, "n = \(n): every use the same resamples")
        }
    }

    func testBatchDrawsEqualSingleDraws() {
        let a = RandomStream(seed: 11, purpose: 2), b = RandomStream(seed: 11, purpose: 2)
        var batch: [Int] = []
        a.integers(below: 37, count: 500, into: &batch)
        XCTAssertEqual(batch, (0..<500).map { _ in b.integer(below: 37) })
    }
}
