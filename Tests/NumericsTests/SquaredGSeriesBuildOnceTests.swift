@testable import Numerics
import XCTest

/// A node of the cross-unit series is built once however many workers ask for it together.
final class SquaredGSeriesBuildOnceTests: XCTestCase {
    /// Workers asking for one new node at once build it once and get the same term.
    func testANodeIsBuiltOnceWhenAskedForTogether() throws {
        let n = 60
        let w = try SpatialWeights(Matrix.ringWeights(n, chords: 7), logDeterminant: .exact)
        let series = try XCTUnwrap(w.squaredG)
        let pairs = SquaredGSeries.pairCount(n)
        let weights = (0..<pairs).map { Double(($0 * 37) % 101) / 101 }
        let nu = 2 * weights.reduce(0, +)
        let before = SquaredGSeries.Tally.shared.nodes.count
        let values = try ConcurrentResults.map(8) { _ in series.term(rho: 0.2345, pairWeights: weights, nuclearBound: nu) }
            .map { try $0.get() }
        XCTAssertEqual(SquaredGSeries.Tally.shared.nodes.count - before, values.contains { $0.method == .dense } ? 0 : 1)
        XCTAssertEqual(Set(values.map(\.value.bitPattern)).count, 1)
    }
}
