@testable import Numerics
import XCTest

/// `ExactRemainder` (Lemire, Kaser & Kurz 2019) equals the division instruction's remainder,
/// so `RandomStream.integers(below:count:into:)` draws what it drew with `%`.
final class ExactRemainderTests: XCTestCase {
    func testEqualsTheDivisionRemainder() {
        var g = SplitMix64(20261206)
        var divisors: [UInt64] = [1, 2, 3, 4, 5, 7, 60, 64, 300, 301, 500, 1000, 2000, 4096, 1 << 31, (1 << 32) - 1, 1 << 32,
                                  (1 << 32) + 1, (1 << 63) - 1, 1 << 63, (1 << 63) + 1, UInt64.max - 1, UInt64.max]
        for bits in [8, 16, 24, 33, 48, 64] { for _ in 0..<20 { divisors.append(max(1, g.next() >> UInt64(64 - bits))) } }
        for d in divisors {
            let r = ExactRemainder(d)
            var xs: [UInt64] = [0, 1, d - 1, d, d &+ 1, UInt64.max, UInt64.max - 1, UInt64.max - UInt64.max % d, d &* 2 &- 1]
            for _ in 0..<2000 { xs.append(g.next()) }
            for _ in 0..<200 { xs.append(g.next() >> 40) }
            for x in xs where r.of(x) != x % d {
                XCTFail("\(x) mod \(d): \(r.of(x)) instead of \(x % d)")
                break
            }
        }
    }

    func testBatchDrawsStillEqualSingleDraws() {
        for n in [1, 2, 60, 301, 1_000_003] {
            let a = RandomStream(seed: 5, purpose: UInt64(n)), b = RandomStream(seed: 5, purpose: UInt64(n))
            var batch: [Int] = []
            a.integers(below: n, count: 400, into: &batch)
            XCTAssertEqual(batch, (0..<400).map { _ in b.integer(below: n) }, "n = \(n)")
        }
    }
}
