import Foundation
import Numerics

/// A balanced panel in spillsim's time-major order as the fixed-effect codes of a sample: observation
/// k is unit k mod `units` in period k / `units`. Every treatment panel is laid out so (`TreatmentPanel`),
/// and the observations a pooled match keeps (each unit's weight the same in every period) still are.
///
/// Recognised from the raw codes (`init(_:unit:time:keep:)`), it stands for the code vectors
/// `PanelOLS.recode` would make of them — exactly k mod `units` and k / `units` — so the within
/// projection can run over units and periods directly: no code vectors to build, gather through or
/// check for balance, and loops the compiler vectorises. Every sum is the codes' sum, over the same
/// observations in the same order, so the results are the same bits as the code-vector path.
struct PanelGrid: Equatable {
    let units: Int
    let periods: Int
    /// Which dimensions are absorbed, in `PanelOLS.absorbedDimensions`' order (units, then periods).
    let unit: Bool
    let time: Bool

    /// The grid of `unit` and `time` (restricted to `keep`, when given) under `effects`, or nil when the
    /// codes are not one: the first `units` observations are distinct units in one period, every later
    /// block of `units` observations repeats those units in that order in one period of its own, and
    /// the periods of the blocks are distinct. Then `recode` of the unit codes is k mod `units` (each
    /// unit first seen at its place in the first block) and of the period codes k / `units` (each
    /// period first seen at the start of its block), as `grid` assumes.
    init?(_ effects: FixedEffects, unit: [Int], time: [Int], keep: [Int]?) {
        guard effects.removesUnitEffects || effects.removesTimeEffects else { return nil }
        let u = keep.map { k in k.map { unit[$0] } } ?? unit
        let t = keep.map { k in k.map { time[$0] } } ?? time
        let n = u.count
        guard n > 0, t.count == n else { return nil }
        let found: (units: Int, periods: Int)? = u.withUnsafeBufferPointer { u in
            t.withUnsafeBufferPointer { t in
                var m = n
                for k in 1..<max(n, 1) where t[k] != t[0] { m = k; break }
                guard n % m == 0 else { return nil }
                let periods = n / m
                for b in 0..<periods {
                    let start = b * m, period = t[start]
                    for j in 0..<m where u[start + j] != u[j] || t[start + j] != period { return nil }
                }
                guard Self.allDistinct((0..<m).map { u[$0] }), Self.allDistinct((0..<periods).map { t[$0 * m] }) else { return nil }
                return (m, periods)
            }
        }
        guard let found else { return nil }
        units = found.units
        periods = found.periods
        self.unit = effects.removesUnitEffects
        self.time = effects.removesTimeEffects
    }

    /// No value occurs twice (a table when the values are small non-negative integers, else a set).
    private static func allDistinct(_ values: [Int]) -> Bool {
        var lo = Int.max, hi = Int.min
        for v in values { lo = min(lo, v); hi = max(hi, v) }
        if values.isEmpty { return true }
        if lo >= 0, hi <= 4 * values.count + 64 {
            var seen = [Bool](repeating: false, count: hi + 1)
            for v in values {
                if seen[v] { return false }
                seen[v] = true
            }
            return true
        }
        return Set(values).count == values.count
    }

    /// The levels of the absorbed dimensions (`PanelOLS.fit`'s max + 1 of each recoded dimension).
    var levels: [Int] { (unit ? [units] : []) + (time ? [periods] : []) }

    /// `PanelOLS.isNested` of each absorbed dimension in `cluster` (one code per observation of the
    /// grid): the indices, in `levels`' order, of those whose every level lies inside one cluster.
    func nested(in cluster: [Int]) -> [Int] {
        var out: [Int] = []
        cluster.withUnsafeBufferPointer { g in
            /// Every value of the grid equals the one `reference(b, j)` gives.
            func all(_ reference: (Int, Int) -> Int) -> Bool {
                for b in 0..<periods { for j in 0..<units where g[b * units + j] != g[reference(b, j)] { return false } }
                return true
            }
            if unit, all({ _, j in j }) { out.append(0) }
            if time, all({ b, _ in b * units }) { out.append(unit ? 1 : 0) }
        }
        return out
    }
}

/// The fixed effects a panel OLS absorbs: as code vectors, or as the grid they form.
enum AbsorbedEffects {
    case codes([[Int]])
    case grid(PanelGrid)

    /// The grid when `unit` and `time` (restricted to `keep`) form one, else `PanelOLS.absorbedDimensions`.
    init(_ effects: FixedEffects, unit: [Int], time: [Int], keep: [Int]?) {
        if let g = PanelGrid(effects, unit: unit, time: time, keep: keep) {
            self = .grid(g)
        } else {
            self = .codes(PanelOLS.absorbedDimensions(effects, unit: unit, time: time, keep: keep))
        }
    }

    var isEmpty: Bool { levels.isEmpty }

    /// Levels per dimension.
    var levels: [Int] {
        switch self {
        case .codes(let dims): return dims.map { ($0.max() ?? -1) + 1 }
        case .grid(let g): return g.levels
        }
    }

    /// The within projection with these weights (one per observation kept), nil when nothing is absorbed.
    func projection(weights: [Double]) -> WithinProjection? {
        switch self {
        case .codes(let dims): return dims.isEmpty ? nil : WithinProjection(dims: dims, weights: weights)
        case .grid(let g): return WithinProjection(grid: g, weights: weights)
        }
    }

    /// The dimensions (indices into `levels`) nested in `cluster` (`PanelOLS.isNested`).
    func nested(in cluster: [Int]) -> [Int] {
        switch self {
        case .codes(let dims): return dims.indices.filter { PanelOLS.isNested(dims[$0], in: cluster) }
        case .grid(let g): return g.nested(in: cluster)
        }
    }
}

extension WithinProjection {
    /// The projection of a grid's fixed effects: `init(dims:weights:)` on the grid's code vectors, with the
    /// group weights summed over units and periods directly (each group's weights in observation order,
    /// as there) and the grid balanced by construction.
    init(grid g: PanelGrid, weights: [Double]) {
        let m = g.units, periods = g.periods
        precondition(weights.count == m * periods, "within projection: \(weights.count) weights for a grid of \(m) × \(periods)")
        dims = []
        grid = g
        self.weights = weights
        var sums: [[Double]] = []
        var constantWithin: [Bool] = []
        weights.withUnsafeBufferPointer { w in
            if g.unit {
                var s = [Double](repeating: 0, count: m)
                s.withUnsafeMutableBufferPointer { s in
                    for b in 0..<periods { for j in 0..<m { s[j] += w[b * m + j] } }
                }
                sums.append(s)
                constantWithin.append(Self.allEqual(w, m: m, periods: periods) { _, j in j })
            }
            if g.time {
                var s = [Double](repeating: 0, count: periods)
                for b in 0..<periods {
                    var a = 0.0
                    for j in 0..<m { a += w[b * m + j] }
                    s[b] = a
                }
                sums.append(s)
                constantWithin.append(Self.allEqual(w, m: m, periods: periods) { b, _ in b * m })
            }
        }
        groupWeight = sums
        exactInOneSweep = sums.count == 2 && (constantWithin[0] || constantWithin[1])
    }

    /// Every weight equals the one at `reference(b, j)` (`isConstant` within a dimension of the grid).
    private static func allEqual(_ w: UnsafeBufferPointer<Double>, m: Int, periods: Int, _ reference: (Int, Int) -> Int) -> Bool {
        for b in 0..<periods { for j in 0..<m where w[b * m + j] != w[reference(b, j)] { return false } }
        return true
    }

    /// `sweep` on the grid: the unit means (each unit's weighted values summed over the periods in
    /// order), subtracted, then the period means (each period's summed over the units in order — four
    /// periods side by side so that their chains of additions overlap), subtracted. Returns the largest
    /// |mean| subtracted, in `sweep`'s order.
    func gridSweep(_ v: UnsafeMutableBufferPointer<Double>, sums: UnsafeMutableBufferPointer<Double>,
                   weights w: UnsafeBufferPointer<Double>, grid g: PanelGrid) -> Double {
        let m = g.units, periods = g.periods
        var change = 0.0
        var d = 0
        if g.unit {
            groupWeight[d].withUnsafeBufferPointer { gw in
                for j in 0..<m { sums[j] = 0 }
                for b in 0..<periods {
                    let o = b * m
                    for j in 0..<m { sums[j] += w[o + j] * v[o + j] }
                }
                for j in 0..<m { sums[j] /= gw[j] }
                for b in 0..<periods {
                    let o = b * m
                    for j in 0..<m { v[o + j] -= sums[j] }
                }
                for j in 0..<m { change = max(change, abs(sums[j])) }
            }
            d += 1
        }
        if g.time {
            groupWeight[d].withUnsafeBufferPointer { gw in
                var b = 0
                while b + 4 <= periods {
                    let o0 = b * m, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m
                    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                    for j in 0..<m {
                        s0 += w[o0 + j] * v[o0 + j]; s1 += w[o1 + j] * v[o1 + j]
                        s2 += w[o2 + j] * v[o2 + j]; s3 += w[o3 + j] * v[o3 + j]
                    }
                    sums[b] = s0; sums[b + 1] = s1; sums[b + 2] = s2; sums[b + 3] = s3
                    b += 4
                }
                while b < periods {
                    let o = b * m
                    var s = 0.0
                    for j in 0..<m { s += w[o + j] * v[o + j] }
                    sums[b] = s
                    b += 1
                }
                for b in 0..<periods { sums[b] /= gw[b] }
                for b in 0..<periods {
                    let o = b * m, mean = sums[b]
                    for j in 0..<m { v[o + j] -= mean }
                }
                for b in 0..<periods { change = max(change, abs(sums[b])) }
            }
        }
        return change
    }
}
