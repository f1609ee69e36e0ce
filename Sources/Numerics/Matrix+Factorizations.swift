import Foundation
import CLAPACK

/// Cholesky factor A = LLᵀ of a symmetric positive-definite matrix (LAPACK dpotrf).
public struct Cholesky: Sendable {
    /// Lower-triangular factor, column-major, upper part zero.
    public let lower: Matrix

    public init(_ a: Matrix) throws {
        guard a.isSquare else { throw NumericsError("Cholesky needs a square matrix, got \(a.rows)×\(a.cols)") }
        NumericsRuntime.ensureInitialised()
        var f = a
        let n = Int32(a.rows)
        let info = f.data.withUnsafeMutableBufferPointer {
            LAPACKE_dpotrf(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), n, $0.baseAddress, max(1, n))
        }
        try lapackCheck("dpotrf", info) { "matrix is not positive definite (leading minor \($0))" }
        for j in 0..<a.cols { for i in 0..<j { f[i, j] = 0 } }
        lower = f
    }

    /// log det A = 2 Σ log L_ii.
    public var logDeterminant: Double { 2 * lower.diagonalElements.reduce(0) { $0 + log($1) } }

    /// Solves A X = B.
    public func solve(_ b: Matrix) throws -> Matrix {
        precondition(b.rows == lower.rows)
        var x = b
        let info = lower.data.withUnsafeBufferPointer { pl in
            x.data.withUnsafeMutableBufferPointer { px in
                LAPACKE_dpotrs(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(lower.rows), Int32(b.cols),
                               pl.baseAddress, Int32(max(1, lower.rows)), px.baseAddress, Int32(max(1, b.rows)))
            }
        }
        try lapackCheck("dpotrs", info)
        return x
    }

    public func solve(_ b: [Double]) throws -> [Double] {
        try solve(Matrix(rows: b.count, cols: 1, columnMajor: b)).data
    }

    public func inverse() throws -> Matrix {
        var x = lower
        let n = Int32(lower.rows)
        let info = x.data.withUnsafeMutableBufferPointer {
            LAPACKE_dpotri(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), n, $0.baseAddress, max(1, n))
        }
        try lapackCheck("dpotri", info) { _ in "inverse failed" }
        for j in 0..<x.cols { for i in 0..<j { x[i, j] = x[j, i] } }
        return x
    }
}

/// LU factorisation with partial pivoting, PA = LU (LAPACK dgetrf).
public struct LUDecomposition: Sendable {
    public let factors: Matrix
    public let pivots: [Int32]

    public init(_ a: Matrix) throws {
        guard a.isSquare else { throw NumericsError("LU needs a square matrix, got \(a.rows)×\(a.cols)") }
        NumericsRuntime.ensureInitialised()
        var f = a
        var piv = [Int32](repeating: 0, count: a.rows)
        let n = Int32(a.rows)
        let info = f.data.withUnsafeMutableBufferPointer { pf in
            piv.withUnsafeMutableBufferPointer { pp in
                LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, pf.baseAddress, max(1, n), pp.baseAddress)
            }
        }
        try lapackCheck("dgetrf", info) { "matrix is singular (U[\($0),\($0)] = 0)" }
        factors = f
        pivots = piv
    }

    /// Solves A X = B (or Aᵀ X = B).
    public func solve(_ b: Matrix, transpose: Bool = false) throws -> Matrix {
        precondition(b.rows == factors.rows)
        var x = b
        let info = factors.data.withUnsafeBufferPointer { pf in
            pivots.withUnsafeBufferPointer { pp in
                x.data.withUnsafeMutableBufferPointer { px in
                    LAPACKE_dgetrs(LAPACK_COL_MAJOR, Int8(UInt8(ascii: transpose ? "T" : "N")),
                                   Int32(factors.rows), Int32(b.cols), pf.baseAddress,
                                   Int32(max(1, factors.rows)), pp.baseAddress, px.baseAddress,
                                   Int32(max(1, b.rows)))
                }
            }
        }
        try lapackCheck("dgetrs", info)
        return x
    }

    public func solve(_ b: [Double], transpose: Bool = false) throws -> [Double] {
        try solve(Matrix(rows: b.count, cols: 1, columnMajor: b), transpose: transpose).data
    }

    /// (log |det A|, sign of det A).
    public var logAbsDeterminant: (value: Double, sign: Double) {
        var s = 1.0
        var l = 0.0
        for i in 0..<factors.rows {
            let d = factors[i, i]
            l += log(abs(d))
            if d < 0 { s = -s }
            if pivots[i] != Int32(i + 1) { s = -s }
        }
        return (l, s)
    }

    public func inverse() throws -> Matrix { try solve(Matrix.identity(factors.rows)) }
}

public extension Matrix {
    /// Solves A X = B for square A by LU.
    func solve(_ b: Matrix) throws -> Matrix { try LUDecomposition(self).solve(b) }

    /// Inverse of a square matrix by LU; use `Cholesky` for symmetric positive-definite input.
    func inverse() throws -> Matrix { try LUDecomposition(self).inverse() }
}
