@testable import Numerics
import XCTest

/// W's row products on a unit-major layout (`SparseMatrix.multiplyRows`) must give the bits of the
/// scalar chain 0 + w₁x₁ + w₂x₂ + … in the row's order with every kernel this CPU runs — the generic
/// SIMD4 loops always, the AVX2 C kernel where the CPU has it — for widths that reach each of the
/// kernels' steps (32, 16, 8 and 4 positions); and so must `multiplyBlocks`, which goes through that
/// layout from four blocks on and gathers below.
final class SparseRowKernelTests: XCTestCase {
    func testRowProductsSameBitsAsBlockProductsWithEveryKernel() throws {
        let n = 23
        var triplets: [(row: Int, col: Int, value: Double)] = []
        for i in 0..<n {
            for d in 1...(1 + i % 5) {
                let value: Double = sin(Double(i * 7 + d)) / Double(d)
                triplets.append((row: i, col: (i + 3 * d) % n, value: value))
            }
        }
        let w = try SparseMatrix(rows: n, cols: n, triplets: triplets)
        for blocks in 1...3 {
            let x = (0..<(n * blocks)).map { k -> Double in sin(Double(k) * 0.61) }
            XCTAssertEqual(w.multiplyBlocks(x).map(\.bitPattern), Self.scalarBlocks(w, x).map(\.bitPattern), "\(blocks) blocks")
        }
        for width in [4, 8, 12, 16, 18, 20, 28, 32, 36, 60, 92] {
            // Time-major blocks (block b is column b of an n × width matrix) and the same values unit by
            // unit, padded with zeros to a multiple of 4.
            let padded = (width + 3) / 4 * 4
            var blocks = [Double](repeating: -0.0, count: n * width)
            for k in 0..<blocks.count where k % 17 != 0 {
                let scale = Double(1 + k % 9)
                blocks[k] = cos(Double(k) * 0.37) * scale
            }
            var unitMajor = [Double](repeating: 0, count: n * padded)
            for b in 0..<width { for c in 0..<n { unitMajor[c * padded + b] = blocks[b * n + c] } }
            let want = Self.scalarBlocks(w, blocks)
            XCTAssertEqual(w.multiplyBlocks(blocks).map(\.bitPattern), want.map(\.bitPattern), "multiplyBlocks, \(width) blocks")
            XCTAssertEqual(w.multiplyBlocksGathering(blocks).map(\.bitPattern), want.map(\.bitPattern), "gathering, \(width) blocks")
            for kernel in SparseRowKernel.supported {
                var got = [Double](repeating: .nan, count: n * width)
                unitMajor.withUnsafeBufferPointer { u in
                    w.multiplyRows(unitMajor: u.baseAddress!, width: padded, kernel: kernel) { i, row in
                        for b in 0..<width { got[b * n + i] = row[b] }
                    }
                }
                XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern), "width \(width), \(kernel) kernel")
            }
        }
    }

    /// The scalar chain per block and row, in the row's order from 0.
    static func scalarBlocks(_ w: SparseMatrix, _ x: [Double]) -> [Double] {
        let n = w.rows
        var out = [Double](repeating: 0, count: x.count)
        for base in stride(from: 0, to: x.count, by: n) {
            for i in 0..<n {
                var a = 0.0
                for q in w.rowStart[i]..<w.rowStart[i + 1] { a += w.values[q] * x[base + w.columns[q]] }
                out[base + i] = a
            }
        }
        return out
    }
}
