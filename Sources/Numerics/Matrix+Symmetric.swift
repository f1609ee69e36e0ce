import CLAPACK

/// Symmetric products through OpenBLAS rank-k updates and symmetric matrix–vector products:
/// half the arithmetic of the general product, the same value to rounding.
public extension Matrix {
    /// A Aᵀ (rows × rows), one rank-k update of the lower triangle mirrored to the upper.
    func outerProduct() -> Matrix { symmetricRankK(transposed: false) }

    /// AᵀA (`transposed`, cols × cols, from the upper triangle) or A Aᵀ (rows × rows, from the
    /// lower): one `dsyrk` of one triangle, copied onto the other. The triangles are the ones
    /// each product has always used, so results keep their last bits.
    internal func symmetricRankK(transposed: Bool) -> Matrix {
        NumericsRuntime.ensureInitialised()
        let n = transposed ? cols : rows, k = transposed ? rows : cols
        var c = Matrix(rows: n, cols: n)
        if n == 0 || k == 0 { return c }
        data.withUnsafeBufferPointer { pa in
            c.data.withUnsafeMutableBufferPointer { pc in
                cblas_dsyrk(CblasColMajor, transposed ? CblasUpper : CblasLower, transposed ? CblasTrans : CblasNoTrans,
                            Int32(n), Int32(k), 1.0, pa.baseAddress, Int32(max(1, rows)), 0.0, pc.baseAddress, Int32(max(1, n)))
            }
        }
        c.mirrorTriangle(upper: transposed)
        return c
    }

    /// V diag(d) Vᵀ for a square V whose columns are scaled by d of either sign: the columns with
    /// d > 0 enter one rank-k update with weights √d, those with d < 0 a second with √−d and
    /// coefficient −1 (N³ multiply–adds instead of the general product's 2N³). Symmetric; with
    /// `mirrored: false` only the lower triangle (and diagonal) is set and the strict upper one is zero,
    /// for callers that read the lower triangle alone (`SquaredGSeries`' pairs): the strided copy onto the
    /// upper triangle is skipped, the lower triangle's values are the same.
    static func scaledGram(_ v: Matrix, weights d: [Double], mirrored: Bool = true) -> Matrix {
        NumericsRuntime.ensureInitialised()
        precondition(d.count == v.cols, "scaledGram: \(d.count) weights for \(v.cols) columns")
        let n = v.rows
        var c = Matrix(rows: n, cols: n)
        if n == 0 { return c }
        var first = true
        for sign in [1.0, -1.0] {
            let picked = (0..<d.count).filter { sign * d[$0] > 0 }
            if picked.isEmpty { continue }
            var a = Matrix(rows: n, cols: picked.count)
            for (k, q) in picked.enumerated() {
                let s = (sign * d[q]).squareRoot()
                for i in 0..<n { a.data[i + k * n] = v.data[i + q * n] * s }
            }
            a.data.withUnsafeBufferPointer { pa in
                c.data.withUnsafeMutableBufferPointer { pc in
                    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, Int32(n), Int32(picked.count), sign,
                                pa.baseAddress, Int32(n), first ? 0.0 : 1.0, pc.baseAddress, Int32(n))
                }
            }
            first = false
        }
        if mirrored { c.mirrorTriangle(upper: false) }
        return c
    }

    /// xᵀ A x for a symmetric A, reading its lower triangle only (one symmetric matrix–vector
    /// product and a dot: `symmetricBilinearForm(x, x)`, the same calls in the same order).
    func symmetricQuadraticForm(_ x: [Double]) -> Double {
        precondition(rows == cols && x.count == rows, "symmetricQuadraticForm: \(rows)×\(cols) matrix, vector of \(x.count)")
        return symmetricBilinearForm(x, x)
    }

    /// xᵀ A y for a symmetric A, reading its lower triangle only: one symmetric matrix–vector product
    /// A y (dsymv) and a dot with x.
    func symmetricBilinearForm(_ x: [Double], _ y: [Double]) -> Double {
        NumericsRuntime.ensureInitialised()
        precondition(rows == cols && x.count == rows && y.count == rows, "symmetricBilinearForm: \(rows)×\(cols) matrix, vectors of \(x.count) and \(y.count)")
        if rows == 0 { return 0 }
        var z = [Double](repeating: 0, count: rows)
        data.withUnsafeBufferPointer { pa in
            y.withUnsafeBufferPointer { py in
                z.withUnsafeMutableBufferPointer { pz in
                    cblas_dsymv(CblasColMajor, CblasLower, Int32(rows), 1.0, pa.baseAddress, Int32(rows),
                                py.baseAddress, 1, 0.0, pz.baseAddress, 1)
                }
            }
        }
        return x.withUnsafeBufferPointer { px in
            z.withUnsafeBufferPointer { pz in cblas_ddot(Int32(rows), px.baseAddress, 1, pz.baseAddress, 1) }
        }
    }

    /// Copies the upper triangle onto the lower (`upper`) or the lower onto the upper.
    private mutating func mirrorTriangle(upper: Bool) {
        let n = rows
        data.withUnsafeMutableBufferPointer { p in
            for j in 0..<n {
                for i in 0..<j {
                    if upper { p[j + i * n] = p[i + j * n] } else { p[i + j * n] = p[j + i * n] }
                }
            }
        }
    }
}
