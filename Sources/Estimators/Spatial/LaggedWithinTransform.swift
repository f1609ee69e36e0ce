import Foundation
import Numerics

/// Z̃ = Q[1?, X, W·X_L] together with Qy and Q(Wy), for a W held sparse, with the spatial lags and
/// the within transformation in one pass over W, and the design's vanished-column check on the way.
///
/// Why: a lag model's design is otherwise three passes — W's block products (`SparseMatrix.multiplyBlocks`,
/// whose periods lie N apart, so every nonzero of W gathers one value from each block), the within
/// transformation (`WithinTransform.apply`, which reads each column twice) and the check (which
/// reads Z̃ and the raw columns once more). Here the lagged columns and y are first laid out unit by
/// unit (unit c's periods of every lagged column side by side), so one nonzero w_ic multiplies a
/// contiguous row of values; each row of W·[X_L, y] is then summed for the within transformation's
/// unit and period means while it is at hand and written into Z̃, and the demeaning runs in place.
///
/// Same bits as the three passes: each W-lag value is the chain 0 + w₁x₁ + w₂x₂ + … over the
/// nonzeros of its row in order (vector lanes are different outputs, each lane the scalar
/// arithmetic, with no fused multiply–add); unit sums run over the periods in order from 0,
/// period sums over the units in order from 0, the grand sum over the period sums in order; and
/// the demeaning is `WithinTransform`'s expression ((v − ū_i) − m̄_t) + ḡ. Only the vanished-column
/// check's sums of squares are ordered differently — they decide a threshold of 1e-20 and enter
/// no result (`SpatialDesign.vanishedColumn`).
enum LaggedWithinTransform {
    struct Output {
        /// Q[1?, X, W·X_L], NT × (intercept + k + L), the lags in the order of `lagged`.
        let z: Matrix
        /// Qy and Q(Wy), when y was given.
        let y: [Double]?
        let wy: [Double]?
        /// The first column of z that the transformation wiped out (`SpatialDesign.vanishedColumn`'s rule), or nil.
        let vanished: Int?
    }

    /// - Parameters:
    ///   - x: the NT × k regressors, time-major (row t·N + i).
    ///   - lagged: the columns of x entered with a W-lag, in the order their lags take in z.
    ///   - y: the outcome, or nil when Qy and Q(Wy) are known already (then not formed).
    ///   - kernel: the kernel of W's row products (the same bits from each; tests run every one the CPU supports).
    static func apply(x: Matrix, intercept: Bool, lagged: [Int], y: [Double]?, weights w: SparseMatrix,
                      n: Int, t: Int, effects: FixedEffects, kernel: SparseRowKernel = .best) -> Output {
        let len = n * t
        precondition(x.rows == len && w.rows == n && w.cols == n && (y?.count ?? len) == len,
                     "lagged within transformation: shapes do not match N = \(n), T = \(t)")
        let plan = Plan(n: n, t: t, k: x.cols, lagged: lagged, hasY: y != nil, intercept: intercept, kernel: kernel)
        var qy: [Double]?, qwy: [Double]?
        var vanished: Int?
        let data = [Double](unsafeUninitializedCapacity: plan.columns * len) { zp, written in
            let z = zp.baseAddress!
            x.data.withUnsafeBufferPointer { xp in
                if let y {
                    y.withUnsafeBufferPointer { yp in
                        qy = [Double](unsafeUninitializedCapacity: len) { a, na in
                            qwy = [Double](unsafeUninitializedCapacity: len) { b, nb in
                                vanished = plan.run(x: xp.baseAddress!, y: yp.baseAddress!, z: z, qy: a.baseAddress!,
                                                    qwy: b.baseAddress!, w: w, effects: effects)
                                nb = len
                            }
                            na = len
                        }
                    }
                } else {
                    vanished = plan.run(x: xp.baseAddress!, y: nil, z: z, qy: nil, qwy: nil, w: w, effects: effects)
                }
            }
            written = plan.columns * len
        }
        return Output(z: Matrix(rows: len, cols: plan.columns, uncheckedColumnMajor: data), y: qy, wy: qwy, vanished: vanished)
    }

    /// The sizes and the scratch layout of one transformation.
    private struct Plan {
        let n: Int, t: Int, k: Int
        let lagged: [Int]
        let hasY: Bool
        let intercept: Bool
        let kernel: SparseRowKernel
        /// Columns of z.
        var columns: Int { (intercept ? 1 : 0) + k + lagged.count }
        /// Sources laid out unit by unit: the lagged columns, then y.
        var slots: Int { lagged.count + (hasY ? 1 : 0) }
        /// Values per unit in that layout, padded to whole SIMD4 vectors.
        var stride: Int { (slots * t + 3) / 4 * 4 }
        /// Transformed columns: z's regressor columns and lags, then Qy and Q(Wy).
        var transformed: Int { k + lagged.count + (hasY ? 2 : 0) }

        /// Runs the three phases; returns the vanished column.
        func run(x: UnsafePointer<Double>, y: UnsafePointer<Double>?, z: UnsafeMutablePointer<Double>,
                 qy: UnsafeMutablePointer<Double>?, qwy: UnsafeMutablePointer<Double>?, w: SparseMatrix,
                 effects: FixedEffects) -> Int? {
            let len = n * t, offset = intercept ? 1 : 0, lc = lagged.count
            if intercept { z.initialize(repeating: 1, count: len) }
            // Each transformed column: where its raw values are, where Q of them goes.
            var sources: [UnsafePointer<Double>] = [], targets: [UnsafeMutablePointer<Double>] = []
            for j in 0..<k { sources.append(x + j * len); targets.append(z + (offset + j) * len) }
            for s in 0..<lc { let d = z + (offset + k + s) * len; sources.append(UnsafePointer(d)); targets.append(d) }
            if let y, let qy, let qwy {
                sources.append(y); targets.append(qy)
                sources.append(UnsafePointer(qwy)); targets.append(qwy)
            }
            let m = transformed, width = stride
            // Scratch: unit sums (m × N), period sums (m × T), the unit-major sources (N × stride), one row
            // of lags, the lags' period sums and sums of squares by position in the row (stride each).
            let size = m * n + m * t + n * width + 3 * width
            return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(size, 1)) { buffer in
                let units = buffer.baseAddress!, periods = units + m * n, unitMajor = periods + m * t
                let row = unitMajor + n * width, lagPeriods = row + width, lagSquares = lagPeriods + width
                var rawSquares = [Double](repeating: 0, count: m), squares = [Double](repeating: 0, count: m)
                // Phase 1: sums of the sources (x, y), and the lagged ones and y laid out unit by unit.
                for j in 0..<k {
                    let slot = lagged.firstIndex(of: j)
                    rawSquares[j] = sumSource(sources[j], units: units + j * n, periods: periods + j * t,
                                              unitMajor: slot.map { unitMajor + $0 * t }, width: width)
                }
                // A column lagged twice (a Durbin variable listed twice): its second slot copies the first.
                for (s, j) in lagged.enumerated() {
                    guard let first = lagged.firstIndex(of: j), first != s else { continue }
                    for c in 0..<n { (unitMajor + c * width + s * t).update(from: unitMajor + c * width + first * t, count: t) }
                }
                if hasY {
                    rawSquares[k + lc] = sumSource(sources[k + lc], units: units + (k + lc) * n, periods: periods + (k + lc) * t,
                                                   unitMajor: unitMajor + lc * t, width: width)
                }
                // Phase 2: W times the unit-major rows, written into the targets with their sums.
                if slots > 0 {
                    // Slot s's raw lag goes into its target column, its unit sums beside its sources'.
                    let lagColumns = (0..<slots).map { k + $0 + (hasY && $0 == lc ? 1 : 0) }
                    let lagTargets = lagColumns.map { targets[$0] }, lagUnits = lagColumns.map { units + $0 * n }
                    lagPeriods.initialize(repeating: 0, count: 2 * width)
                    if width > slots * t {   // the padding, so that its lanes compute on zeros
                        for c in 0..<n { (unitMajor + c * width + slots * t).initialize(repeating: 0, count: width - slots * t) }
                    }
                    w.multiplyRows(unitMajor: UnsafePointer(unitMajor), width: width, kernel: kernel) { i, row in
                        scatter(row, unit: i, targets: lagTargets, units: lagUnits)
                        var b = 0
                        while b < width {
                            let r = load(row + b)
                            store(load(lagPeriods + b) + r, lagPeriods + b)
                            store(load(lagSquares + b) + r * r, lagSquares + b)
                            b += 4
                        }
                    }
                    for (s, col) in lagColumns.enumerated() {
                        (periods + col * t).update(from: lagPeriods + s * t, count: t)
                        var q = 0.0
                        for p in 0..<t { q += lagSquares[s * t + p] }
                        rawSquares[col] = q
                    }
                }
                // Phase 3: the demeaning, each column from its sums.
                for col in 0..<m {
                    squares[col] = demean(sources[col], targets[col], units: units + col * n, periods: periods + col * t,
                                          effects: effects)
                }
                // The first regressor column (intercept never) whose transform vanished.
                for col in 0..<(k + lc) where squares[col] <= 1e-20 * max(rawSquares[col], .leastNormalMagnitude) {
                    return offset + col
                }
                return nil
            }
        }

        /// Writes unit i's lags (`row`, slot s's periods at s·T) into the slots' target columns and their
        /// unit sums over the periods in order from 0; four slots side by side, so that their sums'
        /// chains run in parallel.
        private func scatter(_ row: UnsafeMutablePointer<Double>, unit i: Int, targets: [UnsafeMutablePointer<Double>],
                             units: [UnsafeMutablePointer<Double>]) {
            var s = 0
            while s + 4 <= slots {
                let d0 = targets[s], d1 = targets[s + 1], d2 = targets[s + 2], d3 = targets[s + 3]
                let r0 = row + s * t, r1 = r0 + t, r2 = r1 + t, r3 = r2 + t
                var u0 = 0.0, u1 = 0.0, u2 = 0.0, u3 = 0.0
                for p in 0..<t {
                    let v0 = r0[p], v1 = r1[p], v2 = r2[p], v3 = r3[p], q = p * n + i
                    d0[q] = v0; d1[q] = v1; d2[q] = v2; d3[q] = v3
                    u0 += v0; u1 += v1; u2 += v2; u3 += v3
                }
                units[s][i] = u0; units[s + 1][i] = u1; units[s + 2][i] = u2; units[s + 3][i] = u3
                s += 4
            }
            while s + 2 <= slots {
                let d0 = targets[s], d1 = targets[s + 1], r0 = row + s * t, r1 = r0 + t
                var u0 = 0.0, u1 = 0.0
                for p in 0..<t {
                    let v0 = r0[p], v1 = r1[p], q = p * n + i
                    d0[q] = v0; d1[q] = v1
                    u0 += v0; u1 += v1
                }
                units[s][i] = u0; units[s + 1][i] = u1
                s += 2
            }
            if s < slots {
                let d0 = targets[s], r0 = row + s * t
                var u0 = 0.0
                for p in 0..<t { d0[p * n + i] = r0[p]; u0 += r0[p] }
                units[s][i] = u0
            }
        }

        /// Unit sums (over the periods in order) and period sums (over the units in order) of one
        /// NT source column, four periods at a time so that their sums' chains run in parallel (the
        /// same additions as `WithinTransform`'s); writes the column unit by unit into `unitMajor`
        /// (unit c's period p at c·width + p) when given. Returns the column's sum of squares.
        private func sumSource(_ src: UnsafePointer<Double>, units um: UnsafeMutablePointer<Double>,
                               periods tm: UnsafeMutablePointer<Double>, unitMajor: UnsafeMutablePointer<Double>?,
                               width: Int) -> Double {
            um.initialize(repeating: 0, count: n)
            var squares = SIMD4<Double>(), tail = 0.0
            var p = 0
            while p + 4 <= t {
                let r0 = src + p * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                for i in 0..<n {
                    let v0 = r0[i], v1 = r1[i], v2 = r2[i], v3 = r3[i]
                    um[i] = um[i] + v0 + v1 + v2 + v3
                    s0 += v0; s1 += v1; s2 += v2; s3 += v3
                    let v = SIMD4(v0, v1, v2, v3)
                    squares += v * v
                    if let unitMajor { store(v, unitMajor + i * width + p) }
                }
                tm[p] = s0; tm[p + 1] = s1; tm[p + 2] = s2; tm[p + 3] = s3
                p += 4
            }
            while p < t {
                var s = 0.0
                for i in 0..<n {
                    let v = src[p * n + i]
                    um[i] += v
                    s += v
                    tail += v * v
                    unitMajor?[i * width + p] = v
                }
                tm[p] = s
                p += 1
            }
            return squares.sum() + tail
        }

        /// dst = Q src from the column's raw sums (`WithinTransform`'s means and expression); may be in
        /// place. Returns the sum of squares of dst.
        private func demean(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>,
                            units um: UnsafeMutablePointer<Double>, periods tm: UnsafeMutablePointer<Double>,
                            effects: FixedEffects) -> Double {
            var grand = 0.0
            for p in 0..<t { grand += tm[p]; tm[p] /= Double(n) }
            for i in 0..<n { um[i] /= Double(t) }
            grand /= Double(n * t)
            var squares = SIMD4<Double>(), tail = 0.0
            // One loop per kind of effects (the switch out of the element loop).
            for p in 0..<t {
                let s = src + p * n, d = dst + p * n, m = tm[p], g = grand
                switch effects {
                case .none: pass(s, d, &squares, &tail) { v, _ in v } scalar: { v, _ in v }
                case .individual: pass(s, d, &squares, &tail) { v, i in v - load(um + i) } scalar: { v, i in v - um[i] }
                case .time: pass(s, d, &squares, &tail) { v, _ in v - SIMD4(repeating: m) } scalar: { v, _ in v - m }
                case .twoWays:
                    pass(s, d, &squares, &tail) { v, i in v - load(um + i) - SIMD4(repeating: m) + SIMD4(repeating: g) }
                        scalar: { v, i in v - um[i] - m + g }
                }
            }
            return squares.sum() + tail
        }

        /// d[i] = f(s[i], i) for i < N, four at a time then the tail by `scalar`, adding the squares of d.
        @inline(__always)
        private func pass(_ s: UnsafePointer<Double>, _ d: UnsafeMutablePointer<Double>, _ squares: inout SIMD4<Double>,
                          _ tail: inout Double, _ f: (SIMD4<Double>, Int) -> SIMD4<Double>, scalar: (Double, Int) -> Double) {
            var i = 0
            while i + 4 <= n {
                let r = f(load(s + i), i)
                store(r, d + i)
                squares += r * r
                i += 4
            }
            while i < n {
                let r = scalar(s[i], i)
                d[i] = r
                tail += r * r
                i += 1
            }
        }
    }
}

@inline(__always)
private func load(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
private func load(_ p: UnsafeMutablePointer<Double>) -> SIMD4<Double> { load(UnsafePointer(p)) }

@inline(__always)
private func store(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
}
