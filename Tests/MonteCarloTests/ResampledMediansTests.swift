import XCTest
@testable import MonteCarlo
import Numerics

/// The counting bootstrap (`ResampledMedians`) against the selection one (`RobustSummary` on the
/// resampled copies): equal bit for bit, so stored MCSEs did not move when it replaced it.
final class ResampledMediansTests: XCTestCase {
    func testEqualsSelectionOnResamplesBitForBit() {
        let stream = RandomStream(seed: 7, purpose: 3)
        for n in [2, 3, 4, 7, 40, 301] {
            // Ties (rounded errors), negative and positive errors, and some non-finite SEs.
            let errors = (0..<n).map { _ in (stream.normal() * 8).rounded() / 8 }
            let ses = (0..<n).map { i -> Double in i % 11 == 5 ? .nan : (i % 13 == 7 ? .infinity : 0.5 + stream.uniform()) }
            let resampler = ResampledMedians(errors: errors, ses: ses)
            var indices: [Int] = []
            for _ in 0..<50 {
                stream.integers(below: n, count: n, into: &indices)
                var e = indices.map { errors[$0] }, s = indices.map { ses[$0] }, scratch: [Double] = []
                let expected = PerformanceMeasures.RobustSummary(errors: &e, ses: &s, scratch: &scratch).values
                let got = resampler.summary(of: indices)
                for (a, b) in zip(expected, got) {
                    XCTAssertEqual(a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN), true, "n = \(n): \(expected) vs \(got)")
                }
            }
        }
    }

    func testAllSEsMissing() {
        let r = ResampledMedians(errors: [1, -1, 2], ses: [.nan, .nan, .nan])
        let v = r.summary(of: [0, 2, 2])
        XCTAssertEqual(v[0], 2)
        XCTAssertTrue(v[3].isNaN)
    }

    func testBatchDrawsEqualSingleDraws() {
        let a = RandomStream(seed: 11, purpose: 2), b = RandomStream(seed: 11, purpose: 2)
        var batch: [Int] = []
        a.integers(below: 37, count: 500, into: &batch)
        XCTAssertEqual(batch, (0..<500).map { _ in b.integer(below: 37) })
    }
}
