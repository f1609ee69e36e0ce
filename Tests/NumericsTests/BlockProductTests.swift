@testable import Numerics
import XCTest

/// `SparseMatrix.multiplyBlocks` sweeps four, two or one blocks at a time; every width must give
/// the bits of the plain chain
/// 0 + v₁x₁ + v₂x₂ + … over each row's nonzeros in order (the results of the design's W-lags
/// and of every scenario depend on them).
final class BlockProductTests: XCTestCase {
    func testEveryBlockCountGivesThePlainChainsBits() throws {
        let n = 37
        var t: [(row: Int, col: Int, value: Double)] = []
        for i in 0..<n {
            // Irregular degrees (1 to 9 nonzeros per row) and values that round differently by order.
            for d in 0...(i % 9) { t.append((i, (i * 7 + d * d + 3) % n, 1 / Double(3 + i + d))) }
        }
        let a = try SparseMatrix(rows: n, cols: n, triplets: t)
        for blocks in [1, 2, 3, 4, 5, 7, 8, 9, 13, 30] {
            let x = (0..<(n * blocks)).map { sin(Double($0) * 0.731) * 1e3 + 1 / Double($0 + 1) }
            var expected = [Double](repeating: 0, count: x.count)
            for b in 0..<blocks {
                for i in 0..<n {
                    var s = 0.0
                    for k in a.rowStart[i]..<a.rowStart[i + 1] { s += a.values[k] * x[b * n + a.columns[k]] }
                    expected[b * n + i] = s
                }
            }
            let got = a.multiplyBlocks(x)
            XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "\(blocks) blocks")
        }
    }
}
