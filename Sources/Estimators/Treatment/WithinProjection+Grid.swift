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
        // Through row pointers (row b = period b's units), so that the loops carry no index arithmetic
        // to check and the unit loops vectorise.
        weights.withUnsafeBufferPointer { w in
            let wp = w.baseAddress!
            if g.unit {
                var s = [Double](repeating: 0, count: m)
                s.withUnsafeMutableBufferPointer { s in
                    let sp = s.baseAddress!
                    for b in 0..<periods {
                        let row = wp + b * m
                        for j in 0..<m { sp[j] += row[j] }
                    }
                }
                sums.append(s)
                constantWithin.append(Self.rowsEqualFirst(wp, m: m, periods: periods))
            }
            if g.time {
                var s = [Double](repeating: 0, count: periods)
                s.withUnsafeMutableBufferPointer { s in
                    Self.rowSums(wp, nil, m: m, periods: periods, into: s.baseAddress!)
                }
                sums.append(s)
                constantWithin.append(Self.rowsConstant(wp, m: m, periods: periods))
            }
        }
        groupWeight = sums
        exactInOneSweep = sums.count == 2 && (constantWithin[0] || constantWithin[1])
    }

    /// Every row equals the first (the weights are constant within each unit).
    private static func rowsEqualFirst(_ w: UnsafePointer<Double>, m: Int, periods: Int) -> Bool {
        for b in 1..<max(periods, 1) {
            let row = w + b * m
            for j in 0..<m where row[j] != w[j] { return false }
        }
        return true
    }

    /// Every row is constant (the weights are constant within each period).
    private static func rowsConstant(_ w: UnsafePointer<Double>, m: Int, periods: Int) -> Bool {
        for b in 0..<periods {
            let row = w + b * m
            for j in 0..<m where row[j] != row[0] { return false }
        }
        return true
    }

    /// out[b] = Σ_j w[b, j] (· v[b, j] when `v` is given), each row's sum over the units in order from 0;
    /// four rows side by side so that their chains of additions overlap.
    private static func rowSums(_ w: UnsafePointer<Double>, _ v: UnsafePointer<Double>?, m: Int, periods: Int,
                                into out: UnsafeMutablePointer<Double>) {
        var b = 0
        while b + 4 <= periods {
            let w0 = w + b * m, w1 = w0 + m, w2 = w1 + m, w3 = w2 + m
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            if let v {
                let v0 = v + b * m, v1 = v0 + m, v2 = v1 + m, v3 = v2 + m
                for j in 0..<m { s0 += w0[j] * v0[j]; s1 += w1[j] * v1[j]; s2 += w2[j] * v2[j]; s3 += w3[j] * v3[j] }
            } else {
                for j in 0..<m { s0 += w0[j]; s1 += w1[j]; s2 += w2[j]; s3 += w3[j] }
            }
            out[b] = s0; out[b + 1] = s1; out[b + 2] = s2; out[b + 3] = s3
            b += 4
        }
        while b < periods {
            let w0 = w + b * m
            var s0 = 0.0
            if let v {
                let v0 = v + b * m
                for j in 0..<m { s0 += w0[j] * v0[j] }
            } else {
                for j in 0..<m { s0 += w0[j] }
            }
            out[b] = s0
            b += 1
        }
    }

    /// `sweep` on the grid: the unit means (each unit's weighted values summed over the periods in
    /// order), subtracted, then the period means (each period's summed over the units in order — four
    /// periods side by side so that their chains of additions overlap), subtracted. Returns the largest
    /// |mean| subtracted, in `sweep`'s order.
    func gridSweep(_ v: UnsafeMutableBufferPointer<Double>, sums: UnsafeMutableBufferPointer<Double>,
                   weights w: UnsafeBufferPointer<Double>, grid g: PanelGrid) -> Double {
        let m = g.units, periods = g.periods
        let vp = v.baseAddress!, wp = w.baseAddress!, sp = sums.baseAddress!
        var change = 0.0
        var d = 0
        if g.unit {
            let gw = groupWeight[d]
            for j in 0..<m { sp[j] = 0 }
            for b in 0..<periods {
                let wr = wp + b * m, vr = vp + b * m
                for j in 0..<m { sp[j] += wr[j] * vr[j] }
            }
            for j in 0..<m { sp[j] /= gw[j] }
            for b in 0..<periods {
                let vr = vp + b * m
                for j in 0..<m { vr[j] -= sp[j] }
            }
            for j in 0..<m { change = max(change, abs(sp[j])) }
            d += 1
        }
        if g.time {
            let gw = groupWeight[d]
            Self.rowSums(wp, vp, m: m, periods: periods, into: sp)
            for b in 0..<periods { sp[b] /= gw[b] }
            for b in 0..<periods {
                let vr = vp + b * m, mean = sp[b]
                for j in 0..<m { vr[j] -= mean }
            }
            for b in 0..<periods { change = max(change, abs(sp[b])) }
        }
        return change
    }
}
