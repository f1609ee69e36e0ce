import CLAPACK

/// Products through OpenBLAS. Dimensions are checked before the C call, so a
/// mismatch is a precondition failure in the caller's code, not a BLAS abort.
public extension Matrix {
    /// C = op(A) op(B), with op the identity or the transpose.
    static func product(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
        NumericsRuntime.ensureInitialised()
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let kb = transposeB ? b.cols : b.rows
        let n = transposeB ? b.rows : b.cols
        precondition(k == kb, "matrix product: inner dimensions \(k) and \(kb) differ")
        if m == 0 || n == 0 || k == 0 { return Matrix(rows: m, cols: n) }
        // C is not zeroed first: with β = 0 dgemm does not read C ("when BETA is supplied as zero then
        // C need not be set on input", BLAS; OpenBLAS sets it to zero itself), so a memset of C would be
        // a second pass over it for nothing. The same bits.
        let data = [Double](unsafeUninitializedCapacity: m * n) { pc, written in
            a.data.withUnsafeBufferPointer { pa in
                b.data.withUnsafeBufferPointer { pb in
                    cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans,
                                transposeB ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), 1.0,
                                pa.baseAddress, Int32(max(1, a.rows)),
                                pb.baseAddress, Int32(max(1, b.rows)), 0.0,
                                pc.baseAddress, Int32(max(1, m)))
                }
            }
            written = m * n
        }
        return Matrix(rows: m, cols: n, uncheckedColumnMajor: data)
    }

    static func * (a: Matrix, b: Matrix) -> Matrix { product(a, b) }

    /// y = op(A) x.
    func multiply(_ x: [Double], transpose: Bool = false) -> [Double] {
        NumericsRuntime.ensureInitialised()
        precondition(x.count == (transpose ? rows : cols), "matrix-vector product: length mismatch")
        var y = [Double](repeating: 0, count: transpose ? cols : rows)
        if rows == 0 || cols == 0 { return y }
        data.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    cblas_dgemv(CblasColMajor, transpose ? CblasTrans : CblasNoTrans,
                                Int32(rows), Int32(cols), 1.0, pa.baseAddress, Int32(max(1, rows)),
                                px.baseAddress, 1, 0.0, py.baseAddress, 1)
                }
            }
        }
        return y
    }

    /// y = A x into `y` (its length must be `rows`): the same dgemv as `multiply`, without
    /// allocating the result (for many small products in a loop).
    func multiply(_ x: [Double], into y: inout [Double]) {
        NumericsRuntime.ensureInitialised()
        precondition(x.count == cols && y.count == rows, "matrix-vector product: length mismatch")
        if rows == 0 || cols == 0 { for i in y.indices { y[i] = 0 }; return }
        data.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(rows), Int32(cols), 1.0, pa.baseAddress, Int32(max(1, rows)),
                                px.baseAddress, 1, 0.0, py.baseAddress, 1)
                }
            }
        }
    }

    /// A'A, symmetric, computed with one rank-k update (half the work of a general product).
    func crossProduct() -> Matrix { symmetricRankK(transposed: true) }
}

/// Vector helpers on `[Double]`, kept small and allocation-aware.
public enum Vector {
    public static func dot(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        var s = 0.0
        for i in 0..<a.count { s += a[i] * b[i] }
        return s
    }

    public static func sum(_ a: [Double]) -> Double { a.reduce(0, +) }

    public static func mean(_ a: [Double]) -> Double { a.isEmpty ? .nan : sum(a) / Double(a.count) }

    /// a + s b
    public static func axpy(_ a: [Double], _ s: Double, _ b: [Double]) -> [Double] {
        precondition(a.count == b.count)
        var c = a
        for i in 0..<c.count { c[i] += s * b[i] }
        return c
    }

    public static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
}
