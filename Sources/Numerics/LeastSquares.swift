import CLAPACK
import Foundation

/// Ordinary least squares through a Householder QR factorisation (LAPACK dgeqrf),
/// which is better conditioned than solving the normal equations.
///
/// Rank deficiency is detected from the diagonal of R: a column whose |R_jj| is
/// below `rankTolerance × max|R_ii|` is (numerically) a combination of earlier
/// columns and the fit throws, naming that column.
public struct LeastSquares: Sendable {
    public let coefficients: [Double]
    public let residuals: [Double]
    /// The upper-triangular factor R (p × p); (XᵀX)⁻¹ = R⁻¹R⁻ᵀ.
    public let r: Matrix

    public static let defaultRankTolerance = 1e-10

    public init(x: Matrix, y: [Double], rankTolerance: Double = LeastSquares.defaultRankTolerance) throws {
        self = try Self.fits(x: x, ys: [y], rankTolerance: rankTolerance)[0]
    }

    private init(coefficients: [Double], residuals: [Double], r: Matrix) {
        self.coefficients = coefficients
        self.residuals = residuals
        self.r = r
    }

    /// One fit per outcome in `ys`, all on the same X: X is factorised once and each outcome
    /// solved exactly as `init(x:y:)` solves it (the same LAPACK calls on the same factor), so
    /// every fit is bit for bit the one `init(x:y:)` returns.
    public static func fits(x: Matrix, ys: [[Double]], rankTolerance: Double = LeastSquares.defaultRankTolerance) throws -> [LeastSquares] {
        let n = x.rows, p = x.cols
        for y in ys {
            guard y.count == n else { throw NumericsError("least squares: X has \(n) rows, y has \(y.count)") }
        }
        guard n >= p else { throw NumericsError("least squares: \(p) regressors but only \(n) observations") }
        guard ys.allSatisfy({ $0.allSatisfy { $0.isFinite } }), x.data.allSatisfy({ $0.isFinite }) else {
            throw NumericsError("least squares: the data contain NaN or infinite values")
        }
        NumericsRuntime.ensureInitialised()
        var qr = x
        var tau = [Double](repeating: 0, count: max(1, p))
        if p > 0 {
            let info = qr.data.withUnsafeMutableBufferPointer { pq in
                tau.withUnsafeMutableBufferPointer { pt in
                    LAPACKE_dgeqrf(LAPACK_COL_MAJOR, Int32(n), Int32(p), pq.baseAddress, Int32(max(1, n)), pt.baseAddress)
                }
            }
            try lapackCheck("dgeqrf", info)
        }
        var rr = Matrix(rows: p, cols: p)
        for j in 0..<p { for i in 0...j { rr[i, j] = qr[i, j] } }
        let scale = (0..<p).map { abs(rr[$0, $0]) }.max() ?? 0
        for j in 0..<p where abs(rr[j, j]) <= rankTolerance * max(scale, .leastNormalMagnitude) {
            throw CollinearColumnError(column: j)
        }
        return try ys.map { y in
            // Qᵀy, then back-substitution R b = (Qᵀy)[0..<p].
            var qty = y
            if p > 0 {
                let info = qr.data.withUnsafeBufferPointer { pq in
                    tau.withUnsafeBufferPointer { pt in
                        qty.withUnsafeMutableBufferPointer { py in
                            LAPACKE_dormqr(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int8(UInt8(ascii: "T")),
                                           Int32(n), 1, Int32(p), pq.baseAddress, Int32(max(1, n)), pt.baseAddress,
                                           py.baseAddress, Int32(max(1, n)))
                        }
                    }
                }
                try lapackCheck("dormqr", info)
            }
            var b = Array(qty[0..<p])
            for i in stride(from: p - 1, through: 0, by: -1) {
                var s = b[i]
                for j in (i + 1)..<max(i + 1, p) { s -= rr[i, j] * b[j] }
                b[i] = s / rr[i, i]
            }
            let fitted = x.multiply(b)
            return LeastSquares(coefficients: b, residuals: zip(y, fitted).map { $0 - $1 }, r: rr)
        }
    }

    public var residualSumOfSquares: Double { Vector.dot(residuals, residuals) }

    /// (XᵀX)⁻¹ from the triangular factor: R⁻¹ R⁻ᵀ.
    public func xtxInverse() throws -> Matrix {
        let p = r.rows
        var rinv = r
        if p == 0 { return rinv }
        let info = rinv.data.withUnsafeMutableBufferPointer {
            LAPACKE_dtrtri(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int8(UInt8(ascii: "N")), Int32(p), $0.baseAddress, Int32(p))
        }
        try lapackCheck("dtrtri", info) { _ in "singular triangular factor" }
        return Matrix.product(rinv, rinv, transposeB: true)
    }
}

/// A design whose column `column` (0-based) is a linear combination of the earlier
/// columns. Callers name the column (`SpatialEstimator` maps it to the regressor).
public struct CollinearColumnError: Error, CustomStringConvertible, Equatable {
    public let column: Int
    public init(column: Int) { self.column = column }
    public var description: String { "least squares: regressor column \(column) is collinear with earlier columns (rank deficient design)" }
}
