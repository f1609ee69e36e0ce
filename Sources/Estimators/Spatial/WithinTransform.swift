import Foundation
import Numerics

/// The within transformation Q on time-major panel vectors (index t·N + i).
///
/// Applied after forming spatial lags (MODEL.md §4): the regressors are
/// Q(Wy), Q(X), Q(WX), never W(Qy).
public enum WithinTransform {
    /// Q v for one panel vector of length N·T.
    public static func apply(_ v: [Double], n: Int, t: Int, effects: FixedEffects) -> [Double] {
        v.withUnsafeBufferPointer { src in
            [Double](unsafeUninitializedCapacity: v.count) { dst, written in
                demean(src.baseAddress!, dst.baseAddress!, n: n, t: t, effects: effects)
                written = v.count
            }
        }
    }

    /// Q applied to every column of an NT × k matrix.
    static func apply(_ m: Matrix, n: Int, t: Int, effects: FixedEffects) -> Matrix {
        let len = n * t
        let data = m.data.withUnsafeBufferPointer { src in
            [Double](unsafeUninitializedCapacity: m.data.count) { dst, written in
                for j in 0..<m.cols {
                    demean(src.baseAddress! + j * len, dst.baseAddress! + j * len, n: n, t: t, effects: effects)
                }
                written = m.data.count
            }
        }
        return Matrix(rows: m.rows, cols: m.cols, uncheckedColumnMajor: data)
    }

    /// Q applied to every column of several NT-row matrices, written side by side into one
    /// NT × Σk matrix (each column exactly as `apply` transforms it, without first copying the
    /// parts together).
    static func apply(concatenating parts: [Matrix], n: Int, t: Int, effects: FixedEffects) -> Matrix {
        apply(concatenating: parts, after: [], n: n, t: t, effects: effects)
    }

    /// The same after columns already transformed (`prefix`, whole NT-row columns, copied as they are).
    static func apply(concatenating parts: [Matrix], after prefix: ArraySlice<Double>, n: Int, t: Int,
                      effects: FixedEffects) -> Matrix {
        transform(concatenating: parts, after: prefix, n: n, t: t, effects: effects).matrix
    }

    /// `apply(concatenating:after:n:t:effects:)` with the first column of the parts that the
    /// transformation wiped out (`SpatialDesign.vanishedColumn`'s rule: its sum of squares at most
    /// 1e-20 of the raw column's), by its index among the parts' columns, or nil. The sums of squares
    /// are taken in the transformation's own passes (no pass over the columns again); they decide the
    /// threshold alone and enter no result.
    static func transform(concatenating parts: [Matrix], after prefix: ArraySlice<Double>, n: Int, t: Int,
                          effects: FixedEffects) -> (matrix: Matrix, vanished: Int?) {
        let len = n * t
        precondition(prefix.isEmpty || (len > 0 && prefix.count % len == 0),
                     "within transformation: a prefix of \(prefix.count) values for N·T = \(len)")
        let first = prefix.isEmpty ? 0 : prefix.count / len
        let cols = first + parts.reduce(0) { $0 + $1.cols }
        var vanished: Int?
        let data = [Double](unsafeUninitializedCapacity: cols * len) { dst, written in
            if !prefix.isEmpty {
                prefix.withUnsafeBufferPointer { dst.baseAddress!.initialize(from: $0.baseAddress!, count: $0.count) }
            }
            var j = first
            for part in parts {
                precondition(part.rows == len, "within transformation: \(part.rows) rows for N·T = \(len)")
                part.data.withUnsafeBufferPointer { src in
                    for k in 0..<part.cols {
                        let (raw, transformed) = demean(src.baseAddress! + k * len, dst.baseAddress! + (j + k) * len,
                                                        n: n, t: t, effects: effects)
                        if vanished == nil, transformed <= 1e-20 * max(raw, .leastNormalMagnitude) { vanished = j + k - first }
                    }
                }
                j += part.cols
            }
            written = cols * len
        }
        return (Matrix(rows: len, cols: cols, uncheckedColumnMajor: data), vanished)
    }

    /// Writes Q src (all N·T values) to dst. The unit means sum the periods in order, each period's
    /// sum runs over the units in order and the grand sum over the periods' sums in order; four
    /// periods go through the units together only so that their sums' chains run in parallel
    /// (the same additions in the same order, so the same bits as one period at a time).
    ///
    /// Returns the sums of squares of src and of dst (taken in the same passes, four partial sums
    /// each, for `transform`'s vanished-column rule only).
    @discardableResult
    private static func demean(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, n: Int, t: Int,
                               effects: FixedEffects) -> (raw: Double, transformed: Double) {
        let len = n * t
        if effects == .none {
            dst.update(from: src, count: len)
            var q = 0.0
            for k in 0..<len { q += src[k] * src[k] }
            return (q, q)
        }
        // The sums of squares live inside the closure (a variable captured from outside it is kept in
        // memory, and its additions then chain through stores and loads).
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: n + t) { buffer in
            var rawSquares = SIMD4<Double>(), rawTail = 0.0
            var squares = SIMD4<Double>(), tail = 0.0
            let um = buffer.baseAddress!, tm = um + n
            um.initialize(repeating: 0, count: n)
            var grand = 0.0
            var p = 0
            while p + 4 <= t {
                let r0 = src + p * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                for i in 0..<n {
                    let v0 = r0[i], v1 = r1[i], v2 = r2[i], v3 = r3[i]
                    um[i] = um[i] + v0 + v1 + v2 + v3
                    s0 += v0; s1 += v1; s2 += v2; s3 += v3
                    let v = SIMD4(v0, v1, v2, v3)
                    rawSquares += v * v
                }
                tm[p] = s0 / Double(n); tm[p + 1] = s1 / Double(n); tm[p + 2] = s2 / Double(n); tm[p + 3] = s3 / Double(n)
                grand += s0; grand += s1; grand += s2; grand += s3
                p += 4
            }
            while p < t {
                var s = 0.0
                for i in 0..<n {
                    let v = src[p * n + i]
                    um[i] += v
                    s += v
                    rawTail += v * v
                }
                tm[p] = s / Double(n)
                grand += s
                p += 1
            }
            for i in 0..<n { um[i] /= Double(t) }
            grand /= Double(len)
            // One loop per kind of effects (the switch out of the element loop), four values per
            // SIMD step with each lane's arithmetic that of the scalar expression.
            switch effects {
            case .individual:
                for p in 0..<t {
                    subtract(src + p * n, dst + p * n, n: n, &squares, &tail) { s, i in s - loadVector(um, i) } scalar: { s, i in s - um[i] }
                }
            case .time:
                for p in 0..<t {
                    let m = tm[p]
                    subtract(src + p * n, dst + p * n, n: n, &squares, &tail) { s, _ in s - SIMD4(repeating: m) } scalar: { s, _ in s - m }
                }
            case .twoWays:
                for p in 0..<t {
                    let m = SIMD4(repeating: tm[p]), g = SIMD4(repeating: grand), ms = tm[p]
                    subtract(src + p * n, dst + p * n, n: n, &squares, &tail) { s, i in s - loadVector(um, i) - m + g }
                        scalar: { s, i in s - um[i] - ms + grand }
                }
            case .none:
                dst.update(from: src, count: len)
            }
            return (rawSquares.sum() + rawTail, squares.sum() + tail)
        }
    }

    @inline(__always)
    private static func loadVector(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> SIMD4<Double> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
    }

    /// dst[i] = f(src[i], i) for i < n, four at a time then the tail by `scalar`, adding the squares of dst.
    @inline(__always)
    private static func subtract(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, n: Int,
                                 _ squares: inout SIMD4<Double>, _ tail: inout Double,
                                 _ f: (SIMD4<Double>, Int) -> SIMD4<Double>, scalar: (Double, Int) -> Double) {
        var i = 0
        while i + 4 <= n {
            let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD4<Double>.self)
            let r = f(v, i)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: r, as: SIMD4<Double>.self)
            squares += r * r
            i += 4
        }
        while i < n { let r = scalar(src[i], i); dst[i] = r; tail += r * r; i += 1 }
    }
}

/// The effective sample size n* and Jacobian of the (transformed) likelihood,
/// MODEL.md §4 table: ln L_c = −(n*/2) ln(e'e/n*) + c·[Σ ln(1 − ρω) − u·ln(1 − ρ)].
struct LikelihoodShape: Sendable {
    let nStar: Double
    /// c: T for the direct approach, T − 1 for Lee–Yu with individual or two-way effects.
    let periods: Double
    /// u: 1 when Lee–Yu removes the time dimension (time or two-way effects),
    /// whose transformation drops the unit eigenvalue of a row-standardised W.
    let dropsUnitRoot: Double

    /// The direct likelihood of an unbalanced panel: n* = number of observed city-years and
    /// the Jacobian Σ_t ln|I − ρW_t| carried whole by its log-determinant source (c = 1, u = 0).
    init(observations: Int) {
        nStar = Double(observations); periods = 1; dropsUnitRoot = 0
    }

    init(effects: FixedEffects, approach: SpatialApproach, n: Int, t: Int) {
        let nd = Double(n), td = Double(t)
        switch (approach, effects) {
        case (.direct, _), (.leeYu, .none):
            nStar = nd * td; periods = td; dropsUnitRoot = 0
        case (.leeYu, .individual):
            nStar = nd * (td - 1); periods = td - 1; dropsUnitRoot = 0
        case (.leeYu, .time):
            nStar = (nd - 1) * td; periods = td; dropsUnitRoot = 1
        case (.leeYu, .twoWays):
            nStar = (nd - 1) * (td - 1); periods = td - 1; dropsUnitRoot = 1
        }
    }

    /// A shape given directly (the dynamic SDM, whose time effects are removed by the
    /// Lee–Yu transformation and individual effects by the within transformation).
    init(nStar: Double, periods: Double, dropsUnitRoot: Double) {
        self.nStar = nStar
        self.periods = periods
        self.dropsUnitRoot = dropsUnitRoot
    }

    /// J(ρ) = c·[Σ ln(1 − ρω) − u·ln(1 − ρ)].
    func jacobian(_ rho: Double, spectrum: any LogDeterminantSource) -> Double {
        jacobian(rho, logDeterminant: spectrum.logDeterminant(rho: rho))
    }

    /// J(ρ) from a given value of Σ ln(1 − ρω).
    func jacobian(_ rho: Double, logDeterminant: Double) -> Double {
        periods * (logDeterminant - dropsUnitRoot * log(1 - rho))
    }

    /// −dJ/dρ·(1/c) = tr(G) − u/(1 − ρ): the effective trace of G.
    func traceG(_ rho: Double, spectrum: any LogDeterminantSource) -> Double {
        spectrum.traceG(rho: rho) - dropsUnitRoot / (1 - rho)
    }

    /// Effective tr(G²).
    func traceG2(_ rho: Double, spectrum: any LogDeterminantSource) -> Double {
        spectrum.traceG2(rho: rho) - dropsUnitRoot / ((1 - rho) * (1 - rho))
    }

}
