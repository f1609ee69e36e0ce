import Foundation

/// (I − ρW)⁻¹ for one fixed ρ, applied in O(N²) per vector: through the cached
/// symmetric form when W has one, otherwise through an LU factorisation of
/// I − ρW made once here. A W held sparse (no spectrum) is solved sparsely instead
/// (`SpatialWeights.sparseSolve`: a sparse Cholesky factorisation kept per ρ). The data generator builds one filter per design cell
/// and reuses it for every replication and period.
public struct SpatialFilter: Sendable {
    public let rho: Double
    public let weights: SpatialWeights
    private let lu: LUDecomposition?
    /// 1/(1 − ρω_i) for the symmetric form.
    private let inverseFactors: [Double]

    public init(weights: SpatialWeights, rho: Double) throws {
        let (lo, hi) = weights.stableInterval
        guard rho > lo, rho < hi else {
            throw NumericsError("rho = \(rho) lies outside the stable interval (\(lo), \(hi)) of this W; choose a value inside it")
        }
        self.rho = rho
        self.weights = weights
        if let spectrum = weights.spectrum, spectrum.symmetricForm != nil {
            lu = nil
            inverseFactors = spectrum.real.map { 1 / (1 - rho * $0) }
        } else if weights.spectrum == nil {
            lu = nil
            inverseFactors = []
        } else {
            var a = Matrix.identity(weights.count)
            for k in 0..<a.data.count { a.data[k] -= rho * weights.matrix.data[k] }
            lu = try LUDecomposition(a)
            inverseFactors = []
        }
    }

    /// Solves (I − ρW) y = b for several right-hand sides at once (columns of b).
    public func solve(_ b: Matrix) throws -> Matrix {
        precondition(b.rows == weights.count)
        if let lu { return try lu.solve(b) }
        guard let f = weights.spectrum?.symmetricForm else {
            return Matrix(rows: b.rows, cols: b.cols, uncheckedColumnMajor: try weights.sparseSolve(rho: rho, b.data))
        }
        var z = b
        Self.scaleRows(&z, by: f.sqrtR)
        var c = Matrix.product(f.vectors, z, transposeA: true)
        Self.scaleRows(&c, by: inverseFactors)
        var y = f.vectors * c
        Self.scaleRows(&y, by: f.invSqrtR)
        return y
    }

    /// m[i, j] *= d[i] for every column j (the diagonal scalings of the symmetric form, by pointer:
    /// the same products as element by element through the subscript).
    private static func scaleRows(_ m: inout Matrix, by d: [Double]) {
        let n = m.rows, k = m.cols
        precondition(d.count == n)
        d.withUnsafeBufferPointer { pd in
            m.data.withUnsafeMutableBufferPointer { pm in
                for j in 0..<k {
                    let column = j * n
                    for i in 0..<n { pm[column + i] *= pd[i] }
                }
            }
        }
    }

    public func solve(_ b: [Double]) throws -> [Double] {
        try solve(Matrix(rows: b.count, cols: 1, columnMajor: b)).data
    }

    /// Solves every period of a time-major panel vector (index t·N + i) in one call.
    public func solvePanel(_ b: [Double]) throws -> [Double] {
        let n = weights.count
        guard b.count % n == 0 else { throw NumericsError("panel length \(b.count) is not a multiple of N = \(n)") }
        return try solve(Matrix(rows: n, cols: b.count / n, columnMajor: b)).data
    }
}
