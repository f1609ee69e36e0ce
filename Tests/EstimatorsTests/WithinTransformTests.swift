@testable import Estimators
import Numerics
import XCTest

/// The within transformation sums four periods side by side and subtracts four values per SIMD
/// step; both must keep the bits of the one-period-at-a-time scalar form below (every design
/// and every scenario's numbers go through it).
final class WithinTransformTests: XCTestCase {
    /// The scalar form: unit means over the periods in order, period means over the units in
    /// order, the grand mean from the periods' sums in order; then v − ū_i − v̄_t + v̄.
    static func reference(_ v: [Double], n: Int, t: Int, effects: FixedEffects) -> [Double] {
        if effects == .none { return v }
        var um = [Double](repeating: 0, count: n), tm = [Double](repeating: 0, count: t)
        var grand = 0.0
        for p in 0..<t {
            var s = 0.0
            for i in 0..<n { um[i] += v[p * n + i]; s += v[p * n + i] }
            tm[p] = s / Double(n)
            grand += s
        }
        for i in 0..<n { um[i] /= Double(t) }
        grand /= Double(n * t)
        return (0..<(n * t)).map { k in
            let i = k % n, p = k / n
            switch effects {
            case .individual: return v[k] - um[i]
            case .time: return v[k] - tm[p]
            case .twoWays: return v[k] - um[i] - tm[p] + grand
            case .none: return v[k]
            }
        }
    }

    func testSameBitsAsTheScalarFormForEveryShape() {
        for (n, t) in [(1, 2), (3, 1), (5, 3), (7, 4), (13, 5), (33, 9), (41, 18)] {
            let v = (0..<(n * t)).map { k in sin(Double(k) * 1.37) * 1e2 + Double(k % 7) / 3 }
            var m = Matrix(rows: n * t, cols: 3)
            for j in 0..<3 { for r in 0..<(n * t) { m[r, j] = v[(r + 5 * j) % v.count] * Double(j + 1) } }
            for effects in [FixedEffects.none, .individual, .time, .twoWays] {
                let got = WithinTransform.apply(v, n: n, t: t, effects: effects)
                XCTAssertEqual(got.map(\.bitPattern), Self.reference(v, n: n, t: t, effects: effects).map(\.bitPattern),
                               "N = \(n), T = \(t), \(effects)")
                let gm = WithinTransform.apply(m, n: n, t: t, effects: effects)
                for j in 0..<3 {
                    XCTAssertEqual(gm.column(j).map(\.bitPattern),
                                   Self.reference(m.column(j), n: n, t: t, effects: effects).map(\.bitPattern),
                                   "column \(j), N = \(n), T = \(t), \(effects)")
                }
            }
        }
    }

    /// The design writes Q[X, WX] straight from X and WX (`apply(concatenating:)`): the same bits as
    /// transforming the assembled matrix.
    func testConcatenatedPartsSameBitsAsTheAssembledMatrix() {
        let (n, t) = (13, 6)
        let a = Matrix(rows: n * t, cols: 2, uncheckedColumnMajor: (0..<(2 * n * t)).map { cos(Double($0) * 0.71) * 3 })
        let b = Matrix(rows: n * t, cols: 3, uncheckedColumnMajor: (0..<(3 * n * t)).map { sin(Double($0) * 1.13) + 2 })
        let whole = Matrix(rows: n * t, cols: 5, uncheckedColumnMajor: a.data + b.data)
        for effects in [FixedEffects.none, .individual, .time, .twoWays] {
            XCTAssertEqual(WithinTransform.apply(concatenating: [a, b], n: n, t: t, effects: effects).data.map(\.bitPattern),
                           WithinTransform.apply(whole, n: n, t: t, effects: effects).data.map(\.bitPattern), "\(effects)")
        }
    }
}
