@testable import Numerics
import XCTest

/// The one-pass column products of the lag models' normal equations (`ColumnKernels`): equal to the
/// plain sums within the rounding their length allows, and the same bits from every kernel this CPU runs.
final class ColumnKernelsTests: XCTestCase {
    /// Rows and columns reaching every tail: whole 128-row blocks and not, 0–3 rows past the last group
    /// of four, 1–11 columns (tiles of 4, 3, 2 and 1).
    static let shapes: [(rows: Int, cols: Int)] = [(0, 3), (1, 1), (3, 2), (4, 1), (7, 5), (128, 4), (130, 7), (257, 9), (513, 11), (5_040, 8)]

    static func matrix(rows: Int, cols: Int, seed: Double) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for j in 0..<cols {
            for r in 0..<rows {
                let wave: Double = sin(Double(r * (j + 2)) * 0.37 + seed) * Double(j + 1)
                m[r, j] = wave + cos(Double(r) * 0.011 + seed)
            }
        }
        return m
    }

    func testGramMatchesThePlainSumsAndIsSymmetric() {
        for (rows, cols) in Self.shapes {
            let m = Self.matrix(rows: rows, cols: cols, seed: 0.5)
            let first: [Double] = (0..<rows).map { sin(Double($0) * 1.3) }
            let second: [Double] = (0..<rows).map { Double($0 % 9) / 4 - 1 }
            let extra = [first, second]
            let g = ColumnKernels.gram(m, extra: extra)
            let columns: [[Double]] = (0..<cols).map { j in (0..<rows).map { m[$0, j] } }
            let all = columns + extra
            XCTAssertEqual(g.rows, cols + 2)
            for i in 0..<(cols + 2) {
                for j in 0..<(cols + 2) {
                    var s = 0.0, a = 0.0
                    for r in 0..<rows { s += all[i][r] * all[j][r]; a += abs(all[i][r] * all[j][r]) }
                    // Either order of summation errs by at most (rows + 2)·u·Σ|terms|.
                    XCTAssertEqual(g[i, j], s, accuracy: 2 * Double(rows + 2) * Double.ulpOfOne * a, "\(rows) × \(cols): (\(i), \(j))")
                    XCTAssertEqual(g[i, j].bitPattern, g[j, i].bitPattern)
                }
            }
            // Without extra columns: the design's own block, the same bits.
            let own = ColumnKernels.gram(m)
            for j in 0..<cols { for i in 0..<cols { XCTAssertEqual(own[i, j].bitPattern, g[i, j].bitPattern) } }
        }
    }

    func testResidualProductsMatchThePlainResiduals() {
        for (rows, cols) in Self.shapes {
            let z = Self.matrix(rows: rows, cols: cols, seed: 1.5)
            let y: [Double] = (0..<rows).map { sin(Double($0) * 0.9) * 3 }
            let wy: [Double] = (0..<rows).map { cos(Double($0) * 0.2) }
            let b0: [Double] = (0..<cols).map { 0.3 - 0.1 * Double($0) }
            let bd: [Double] = (0..<cols).map { 0.05 * Double($0) }
            let (s00, s0d, sdd) = ColumnKernels.residualProducts(z, y: y, wy: wy, b0: b0, bd: bd)
            var e0 = [Double](repeating: 0, count: rows), ed = e0
            var bound0 = [Double](repeating: 0, count: rows), boundd = bound0
            for r in 0..<rows {
                var f0 = 0.0, fd = 0.0
                for j in 0..<cols {
                    let a: Double = z[r, j] * b0[j], b: Double = z[r, j] * bd[j]
                    f0 += a; fd += b
                    bound0[r] += abs(a); boundd[r] += abs(b)
                }
                e0[r] = y[r] - f0; ed[r] = wy[r] - fd
                bound0[r] += abs(y[r]); boundd[r] += abs(wy[r])
            }
            // Each residual errs by ≲ (p + 1)·u·(|y| + Σ|z b|) whatever the order, each sum by (rows + 2)·u·Σ|terms|.
            let u = Double.ulpOfOne, k = Double(cols + 1)
            func check(_ got: Double, _ a: [Double], _ b: [Double], _ ba: [Double], _ bb: [Double], _ what: String) {
                var s = 0.0, tol = 0.0
                for r in 0..<rows {
                    s += a[r] * b[r]
                    let residualPart: Double = 2 * k * u * (ba[r] * abs(b[r]) + bb[r] * abs(a[r]))
                    let sumPart: Double = 2 * Double(rows + 2) * u * abs(a[r] * b[r])
                    tol += residualPart + sumPart
                }
                XCTAssertEqual(got, s, accuracy: tol, "\(rows) × \(cols): \(what)")
            }
            check(s00, e0, e0, bound0, bound0, "e0'e0")
            check(s0d, e0, ed, bound0, boundd, "e0'ed")
            check(sdd, ed, ed, boundd, boundd, "ed'ed")
        }
    }

    func testEveryKernelGivesTheSameBits() {
        for kernel in SparseRowKernel.supported {
            for (rows, cols) in Self.shapes {
                let z = Self.matrix(rows: rows, cols: cols, seed: 2.5)
                let y: [Double] = (0..<rows).map { sin(Double($0) * 0.7) }
                let wy: [Double] = (0..<rows).map { cos(Double($0)) }
                let g = ColumnKernels.gram(z, extra: [y, wy], kernel: kernel), ref = ColumnKernels.gram(z, extra: [y, wy], kernel: .generic)
                XCTAssertEqual(g.data.map(\.bitPattern), ref.data.map(\.bitPattern), "\(kernel) \(rows) × \(cols)")
                let b0: [Double] = (0..<cols).map { 0.2 * Double($0) - 0.5 }
                let bd: [Double] = (0..<cols).map { 0.1 / Double($0 + 1) }
                let a = ColumnKernels.residualProducts(z, y: y, wy: wy, b0: b0, bd: bd, kernel: kernel)
                let b = ColumnKernels.residualProducts(z, y: y, wy: wy, b0: b0, bd: bd, kernel: .generic)
                XCTAssertEqual([a.0, a.1, a.2].map(\.bitPattern), [b.0, b.1, b.2].map(\.bitPattern), "\(kernel) \(rows) × \(cols)")
            }
        }
    }
}
