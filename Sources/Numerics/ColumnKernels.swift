import CKernels
import Foundation

/// One-pass products over the columns of a tall matrix, for the lag models' normal equations
/// (`LagLeastSquares`): the Gram matrix of the design with the outcomes beside it, and the residual sums
/// of squares of two fits without storing the residuals.
///
/// Why not BLAS: at N = 280, T = 18 the design Z̃ is 5,040 × 8 (323 kB). Forming Z̃ᵀZ̃ by dsyrk,
/// Z̃ᵀy and Z̃ᵀ(Wy) by two dgemv and the residuals by two more read Z̃ five times, and dsyrk packs a
/// copy of it first; with the trace kernel and the raw data beside it a fit streamed more than the
/// core's 1 MB L2 (docs/benchmarks.md, "Session 9 (issue 22, per fit)"). Here each product is one pass.
///
/// Determinism: each sum runs in four lanes (rows 4g + l, g in order) and a tail chain, combined as
/// ((l₀ + l₁) + (l₂ + l₃)) + tail, one multiplication and one addition per term, whichever kernel runs
/// (`SparseRowKernel`: the C functions compiled for baseline x86-64 or for AVX2 give the same bits).
/// The order differs from OpenBLAS's, so the results differ from dsyrk's in the last bits.
public enum ColumnKernels {
    /// The (p + k) × (p + k) Gram matrix of [`m`, `extra`…] (both triangles): `extra` are further
    /// columns of m.rows values each (the outcomes), so Z̃ᵀy and Z̃ᵀ(Wy) come with Z̃ᵀZ̃ in one pass.
    public static func gram(_ m: Matrix, extra: [[Double]] = [], kernel: SparseRowKernel = .best) -> Matrix {
        let n = m.rows, width = m.cols + extra.count
        precondition(extra.allSatisfy { $0.count == n }, "gram: an extra column's length is not \(n)")
        var out = Matrix(rows: width, cols: width)
        guard width > 0 else { return out }
        withColumnPointers(m, extra: extra) { cols in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: width * width * 4) { scratch in
                out.data.withUnsafeMutableBufferPointer { o in
                    switch kernel {
                    case .avx2: spillsim_gram_avx2(cols, width, n, scratch.baseAddress!, o.baseAddress!)
                    case .generic: spillsim_gram(cols, width, n, scratch.baseAddress!, o.baseAddress!)
                    }
                }
            }
        }
        return out
    }

    /// e0ᵀe0, e0ᵀed and edᵀed for e0 = y − Z b0 and ed = wy − Z bd, in one pass over Z, y and wy
    /// (each fitted value the chain 0 + z₀b₀ + z₁b₁ + … in column order); the residuals are not stored.
    public static func residualProducts(_ z: Matrix, y: [Double], wy: [Double], b0: [Double], bd: [Double],
                                        kernel: SparseRowKernel = .best) -> (Double, Double, Double) {
        let n = z.rows, p = z.cols
        precondition(y.count == n && wy.count == n && b0.count == p && bd.count == p,
                     "residualProducts: \(n) × \(p) design, outcomes of \(y.count) and \(wy.count), coefficients of \(b0.count) and \(bd.count)")
        var out = [0.0, 0.0, 0.0]
        withColumnPointers(z, extra: []) { cols in
            y.withUnsafeBufferPointer { yp in
                wy.withUnsafeBufferPointer { wp in
                    b0.withUnsafeBufferPointer { a in
                        bd.withUnsafeBufferPointer { b in
                            out.withUnsafeMutableBufferPointer { o in
                                switch kernel {
                                case .avx2:
                                    spillsim_residual_products_avx2(cols, p, n, yp.baseAddress, wp.baseAddress, a.baseAddress,
                                                                    b.baseAddress, o.baseAddress!)
                                case .generic:
                                    spillsim_residual_products(cols, p, n, yp.baseAddress, wp.baseAddress, a.baseAddress,
                                                               b.baseAddress, o.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
        }
        return (out[0], out[1], out[2])
    }

    /// The columns of `m` and then `extra` as an array of C pointers, valid inside `body`.
    private static func withColumnPointers<R>(_ m: Matrix, extra: [[Double]],
                                              _ body: (UnsafePointer<UnsafePointer<Double>?>) -> R) -> R {
        m.data.withUnsafeBufferPointer { mp in
            var pointers: [UnsafePointer<Double>?] = (0..<m.cols).map { j in mp.baseAddress.map { $0 + j * m.rows } }
            return withExtra(extra, index: 0, pointers: &pointers, body)
        }
    }

    /// Pins each extra column in turn (nested, so every pointer stays valid) and runs `body` on all of them.
    private static func withExtra<R>(_ extra: [[Double]], index: Int, pointers: inout [UnsafePointer<Double>?],
                                     _ body: (UnsafePointer<UnsafePointer<Double>?>) -> R) -> R {
        guard index < extra.count else { return pointers.withUnsafeBufferPointer { body($0.baseAddress!) } }
        return extra[index].withUnsafeBufferPointer { e in
            pointers.append(e.baseAddress)
            return withExtra(extra, index: index + 1, pointers: &pointers, body)
        }
    }
}
