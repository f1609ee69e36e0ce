import Numerics
import XCTest

/// W's row products on a unit-major layout (`SparseMatrix.multiplyRows`) must give the bits of the
/// block products on the time-major layout (`multiplyBlocks`) with every kernel this CPU runs — the
/// generic SIMD4 loops always, the AVX2 C kernel where the CPU has it — for widths that reach each of
/// the kernels' steps (32, 16, 8 and 4 positions).
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
        for width in [4, 8, 12, 16, 20, 28, 32, 36, 60, 92] {
            // Time-major blocks (block b is column b of an n × width matrix) and the same values unit by unit.
            var blocks = [Double](repeating: -0.0, count: n * width)
            for k in 0..<blocks.count where k % 17 != 0 {
                let scale = Double(1 + k % 9)
                blocks[k] = cos(Double(k) * 0.37) * scale
            }
            var unitMajor = [Double](repeating: 0, count: n * width)
            for b in 0..<width { for c in 0..<n { unitMajor[c * width + b] = blocks[b * n + c] } }
            let want = w.multiplyBlocks(blocks)
            for kernel in SparseRowKernel.supported {
                var got = [Double](repeating: .nan, count: n * width)
                unitMajor.withUnsafeBufferPointer { u in
                    w.multiplyRows(unitMajor: u.baseAddress!, width: width, kernel: kernel) { i, row in
                        for b in 0..<width { got[b * n + i] = row[b] }
                    }
                }
                XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern), "width \(width), \(kernel) kernel")
            }
        }
    }
}
