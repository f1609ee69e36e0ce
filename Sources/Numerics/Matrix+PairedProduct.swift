import CKernels
import CLAPACK
import Foundation

/// A · x₀ and A · x₁ with one pass over A, bit for bit `multiply(_:into:)`'s two dgemv calls.
///
/// Why: the digital diffusion multiplies its kernel V (280 × 280, 627 kB, in the baseline) by the
/// untreated and the treated world's previous year in every year after the first adoption — two
/// matrix–vector products that each stream V from L2, and are bound by that stream, not by the
/// arithmetic. `spillsim_gemv_n_pair_fma` (CKernels) reads each block of four columns of A once for
/// both vectors and sums in the order of OpenBLAS's Haswell/Zen `dgemv_n` kernel (blocks of four
/// columns, each block's four products as two fused pairs added, then added to y).
///
/// Whether that order is the order of the dgemv this process links is not assumed: it is checked once
/// per process (`PairedProduct.matchesBLAS`) by comparing the kernel with `cblas_dgemv` bit for bit on
/// fixed pseudo-random matrices of several shapes (every column and row remainder mod 4); if any bit
/// differs — another OpenBLAS, another CPU kernel — or the CPU lacks AVX2 and FMA, the products are
/// the two dgemv calls, so the numbers are the same whichever path runs.
public enum PairedProduct {
    /// True when the fused kernel runs (the CPU has AVX2 and FMA and the kernel matched dgemv).
    public static let isFused: Bool = spillsim_cpu_has_avx2_fma() != 0 && matchesBLAS()

    /// The kernel against `cblas_dgemv` on fixed inputs (values of both signs over several binades, so a
    /// different summation order shows in the last bits).
    static func matchesBLAS() -> Bool {
        NumericsRuntime.ensureInitialised()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let u = Double(state >> 11) * 0x1p-53
            return (u - 0.5) * Double(1 << Int(state % 9))
        }
        let shapes = [(4, 1), (4, 2), (4, 3), (4, 4), (8, 5), (12, 6), (16, 7), (20, 9), (64, 61), (280, 280), (284, 283)]
        for (m, n) in shapes {
            let a = (0..<(m * n)).map { _ in next() }
            let x0 = (0..<n).map { _ in next() }, x1 = (0..<n).map { _ in next() }
            var f0 = [Double](repeating: 0, count: m), f1 = f0, b0 = f0, b1 = f0
            spillsim_gemv_n_pair_fma(a, m, n, x0, x1, &f0, &f1)
            for (x, y) in [(x0, 0), (x1, 1)] {
                var b = [Double](repeating: 0, count: m)
                cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(m), Int32(n), 1.0, a, Int32(m), x, 1, 0.0, &b, 1)
                if y == 0 { b0 = b } else { b1 = b }
            }
            var single = [Double](repeating: 0, count: m)
            spillsim_gemv_n_pair_fma(a, m, n, x0, nil, &single, nil)
            for i in 0..<m where f0[i].bitPattern != b0[i].bitPattern || f1[i].bitPattern != b1[i].bitPattern
                || single[i].bitPattern != b0[i].bitPattern {
                return false
            }
        }
        return true
    }
}

extension Matrix {
    /// y₀ = A x₀ and y₁ = A x₁ (each y of length `rows`): `multiply(x₀, into: &y₀)` and `multiply(x₁, into:
    /// &y₁)` bit for bit, with one pass over A when `PairedProduct.isFused` and `rows` is a multiple of 4.
    public func multiply(_ x0: [Double], _ x1: [Double], into y0: inout [Double], _ y1: inout [Double]) {
        precondition(x0.count == cols && x1.count == cols && y0.count == rows && y1.count == rows,
                     "paired matrix-vector product: length mismatch")
        guard PairedProduct.isFused, rows % 4 == 0, rows > 0, cols > 0 else {
            multiply(x0, into: &y0); multiply(x1, into: &y1); return
        }
        data.withUnsafeBufferPointer { pa in
            x0.withUnsafeBufferPointer { p0 in
                x1.withUnsafeBufferPointer { p1 in
                    y0.withUnsafeMutableBufferPointer { q0 in
                        y1.withUnsafeMutableBufferPointer { q1 in
                            spillsim_gemv_n_pair_fma(pa.baseAddress, rows, cols, p0.baseAddress, p1.baseAddress,
                                                     q0.baseAddress, q1.baseAddress)
                        }
                    }
                }
            }
        }
    }
}

