@testable import Estimators
import Numerics
import XCTest

/// The lag design with W held sparse forms W·[X_L, y] and the within transformation in one pass
/// (`LaggedWithinTransform`); it must keep the bits of the passes it replaces — W's block products
/// (`SparseMatrix.multiplyBlocks`), `WithinTransform.apply` and `SpatialDesign.vanishedColumn` —
/// since every scenario's numbers go through it — with the generic kernel of W's row products and,
/// where the CPU has it, the AVX2 one (`SparseRowKernel`).
final class LaggedWithinTransformTests: XCTestCase {
    /// An irregular sparse W: 1 to 4 neighbours per unit with unequal weights, rows summing to 1.
    static func weights(_ n: Int) throws -> SparseMatrix {
        var triplets: [(row: Int, col: Int, value: Double)] = []
        for i in 0..<n {
            let neighbours = Array(Set((1...(1 + i % 4)).map { (i + $0 * $0 + 1) % n }).subtracting([i])).sorted()
            let raw = neighbours.map { 1 + Double(($0 * 7 + i) % 5) / 3 }
            let total = raw.reduce(0, +)
            for (c, v) in zip(neighbours, raw) { triplets.append((i, c, v / total)) }
        }
        return try SparseMatrix(rows: n, cols: n, triplets: triplets)
    }

    static func panel(n: Int, t: Int, k: Int) -> (x: Matrix, y: [Double]) {
        let values: [Double] = (0..<(n * t * k)).map { r -> Double in
            let a: Double = sin(Double(r) * 0.917) * 3
            return a + Double(r % 11) / 7
        }
        let y: [Double] = (0..<(n * t)).map { r -> Double in
            let a: Double = cos(Double(r) * 1.31) * 100
            return a - Double(r % 5)
        }
        let x = Matrix(rows: n * t, cols: k, uncheckedColumnMajor: values)
        return (x, y)
    }

    /// The passes the fused form replaces, as the dense-W design still runs them.
    static func reference(x: Matrix, y: [Double], w: SparseMatrix, intercept: Bool, lagged: [Int], n: Int, t: Int,
                          effects: FixedEffects) -> (z: Matrix, y: [Double], wy: [Double], vanished: Int?) {
        let wx = lagged.isEmpty ? nil : Matrix(rows: x.rows, cols: lagged.count, uncheckedColumnMajor: w.multiplyBlocks(x.columns(lagged).data))
        let parts = (intercept ? [Matrix(rows: x.rows, cols: 1, repeating: 1)] : []) + [x] + (wx.map { [$0] } ?? [])
        let z = WithinTransform.apply(concatenating: parts, n: n, t: t, effects: effects)
        return (z, WithinTransform.apply(y, n: n, t: t, effects: effects),
                WithinTransform.apply(w.multiplyBlocks(y), n: n, t: t, effects: effects),
                SpatialDesign.vanishedColumn(z, rawParts: parts))
    }

    func testSameBitsAsTheSeparatePassesForEveryShape() throws {
        // N and T on either side of the four-wide steps; the unit-major width (T·(L + 1)) padded or not,
        // above and below sixteen.
        for (n, t, k) in [(5, 1, 1), (6, 2, 3), (7, 3, 2), (13, 4, 4), (13, 5, 3), (30, 18, 4), (41, 7, 5)] {
            let w = try Self.weights(n)
            let (x, y) = Self.panel(n: n, t: t, k: k)
            for lagged in [Array(0..<k), [k - 1, 0], []] {
                for effects in [FixedEffects.none, .individual, .time, .twoWays] {
                    let intercept = effects == .none
                    let want = Self.reference(x: x, y: y, w: w, intercept: intercept, lagged: lagged, n: n, t: t, effects: effects)
                    let label = "N = \(n), T = \(t), lagged \(lagged), \(effects)"
                    for (withY, kernel) in [true, false].flatMap({ withY in SparseRowKernel.supported.map { (withY, $0) } }) {
                        let label = label + ", \(kernel) kernel"
                        let got = LaggedWithinTransform.apply(x: x, intercept: intercept, lagged: lagged, y: withY ? y : nil,
                                                              weights: w, n: n, t: t, effects: effects, kernel: kernel)
                        XCTAssertEqual(got.z.rows, want.z.rows, label)
                        XCTAssertEqual(got.z.cols, want.z.cols, label)
                        XCTAssertEqual(got.z.data.map(\.bitPattern), want.z.data.map(\.bitPattern), label)
                        XCTAssertEqual(got.vanished, want.vanished, label)
                        if withY {
                            XCTAssertEqual(got.y?.map(\.bitPattern), want.y.map(\.bitPattern), label)
                            XCTAssertEqual(got.wy?.map(\.bitPattern), want.wy.map(\.bitPattern), label)
                        } else {
                            XCTAssertNil(got.y, label)
                            XCTAssertNil(got.wy, label)
                        }
                    }
                }
            }
        }
    }

    /// A column the fixed effects wipe out is found, as the separate check finds it: constant over
    /// the periods (unit effects), over the units (period effects) or all zero (no effects), and a
    /// lag that vanishes while its regressor does not.
    func testVanishedColumnAsTheSeparateCheck() throws {
        let (n, t, k) = (9, 6, 3)
        let w = try Self.weights(n)
        let (base, y) = Self.panel(n: n, t: t, k: k)
        var byUnit = base, byPeriod = base, zero = base
        for r in 0..<(n * t) {
            byUnit[r, 1] = Double(r % n) * 0.5
            byPeriod[r, 2] = Double(r / n) - 1.5
            zero[r, 0] = 0
        }
        // A lag that vanishes under unit effects while its regressor does not: x varies over the
        // periods only in unit 0, and no row of W lists unit 0, so W·x is constant in time.
        let isolated = try SparseMatrix(rows: n, cols: n, triplets: (1..<n).map { (row: $0, col: $0 == 1 ? 2 : 1, value: 1.0) }
                                        + [(row: 0, col: 1, value: 1.0)])
        var lagOnly = base
        for r in 0..<(n * t) { lagOnly[r, 0] = r % n == 0 ? Double(r / n) * 2 + 1 : Double(r % n) }
        let cases: [(Matrix, SparseMatrix, FixedEffects, Int?)] = [
            (byUnit, w, .individual, 1), (byUnit, w, .twoWays, 1), (byPeriod, w, .time, 2),
            (byPeriod, w, .twoWays, 2), (zero, w, .none, 1), (lagOnly, isolated, .individual, k), (base, w, .twoWays, nil),
        ]
        for (x, weights, effects, expected) in cases {
            let intercept = effects == .none
            let want = Self.reference(x: x, y: y, w: weights, intercept: intercept, lagged: Array(0..<k), n: n, t: t, effects: effects)
            let got = LaggedWithinTransform.apply(x: x, intercept: intercept, lagged: Array(0..<k), y: y, weights: weights,
                                                  n: n, t: t, effects: effects)
            XCTAssertEqual(want.vanished, expected, "the separate check, \(effects)")
            XCTAssertEqual(got.vanished, expected, "\(effects)")
        }
    }
}
