import CLAPACK
import Foundation

/// Eigen-decomposition A = V diag(λ) Vᵀ of a real symmetric matrix by LAPACK's
/// divide-and-conquer `dsyevd` (about 60× faster than GSL's `gsl_eigen_symmv`
/// at N = 2000). Eigenvalues ascend; the columns of `vectors` are orthonormal.
public struct SymmetricEigen: Sendable {
    public let values: [Double]
    public let vectors: Matrix

    /// - Parameter computeVectors: false computes eigenvalues only (about 3× cheaper).
    public init(_ a: Matrix, computeVectors: Bool = true, symmetryTolerance: Double = 1e-10) throws {
        guard a.isSquare else { throw NumericsError("eigen-decomposition needs a square matrix, got \(a.rows)×\(a.cols)") }
        guard a.isSymmetric(tolerance: symmetryTolerance * max(1, a.data.map(abs).max() ?? 1)) else {
            throw NumericsError("symmetric eigen-decomposition given a non-symmetric matrix")
        }
        guard a.data.allSatisfy({ $0.isFinite }) else { throw NumericsError("eigen-decomposition: matrix has NaN or infinite entries") }
        NumericsRuntime.ensureInitialised()
        var v = a
        let n = Int32(a.rows)
        var w = [Double](repeating: 0, count: a.rows)
        let info = v.data.withUnsafeMutableBufferPointer { pv in
            w.withUnsafeMutableBufferPointer { pw in
                LAPACKE_dsyevd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: computeVectors ? "V" : "N")),
                               Int8(UInt8(ascii: "U")), n, pv.baseAddress, max(1, n), pw.baseAddress)
            }
        }
        try lapackCheck("dsyevd", info) { _ in "eigenvalue algorithm failed to converge" }
        values = w
        vectors = computeVectors ? v : Matrix(rows: 0, cols: 0)
    }
}

/// Eigenvalues of a general real square matrix (LAPACK dgeev), possibly complex.
public struct GeneralEigenvalues: Sendable {
    public let real: [Double]
    public let imaginary: [Double]

    public init(_ a: Matrix) throws {
        guard a.isSquare else { throw NumericsError("eigenvalues need a square matrix, got \(a.rows)×\(a.cols)") }
        guard a.data.allSatisfy({ $0.isFinite }) else { throw NumericsError("eigenvalues: matrix has NaN or infinite entries") }
        NumericsRuntime.ensureInitialised()
        var m = a
        let n = Int32(a.rows)
        var wr = [Double](repeating: 0, count: a.rows)
        var wi = [Double](repeating: 0, count: a.rows)
        var dummy = [Double](repeating: 0, count: 1)
        let info = m.data.withUnsafeMutableBufferPointer { pm in
            wr.withUnsafeMutableBufferPointer { pr in
                wi.withUnsafeMutableBufferPointer { pi in
                    dummy.withUnsafeMutableBufferPointer { pd in
                        LAPACKE_dgeev(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "N")), n,
                                      pm.baseAddress, max(1, n), pr.baseAddress, pi.baseAddress,
                                      pd.baseAddress, 1, pd.baseAddress, 1)
                    }
                }
            }
        }
        try lapackCheck("dgeev", info) { _ in "QR algorithm failed to converge" }
        real = wr
        imaginary = wi
    }

    /// True when every imaginary part is below `tolerance` (then `real` is the spectrum).
    public func isReal(tolerance: Double = 1e-10) -> Bool { imaginary.allSatisfy { abs($0) <= tolerance } }
}
