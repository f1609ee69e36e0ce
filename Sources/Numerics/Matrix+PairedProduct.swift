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
        var values = BitCheckValues(seed: 0x9E37_79B9_7F4A_7C15)
        func next() -> Double { values.next() }
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

/// A fixed matrix A (M × K) held for many products A · B with B of even width, without OpenBLAS's copy of A
/// per call: the outcome's [S | SW] (280 × 560, 1.25 MB in the baseline) is multiplied once per
/// replication by its right-hand sides, and dgemm packed it again every time (`dgemm_itcopy`, ≈ a tenth
/// of the generator's CPU in `perf`). Here A is packed once (`spillsim_gemm_pack`), B per call in panels
/// of six columns, and `spillsim_gemm_packed_fma` (8 × 6 tiles: twelve chains) sums each element as
/// OpenBLAS's Haswell/Zen dgemm does for an even-width product: over K in the blocks of its level-3
/// driver (Q = 256, a remainder between Q and 2Q halved to a multiple of 4), each block a chain of fused
/// multiply-adds added to the element's sum.
///
/// That this is the linked dgemm's order is checked, not assumed: `init` multiplies A by fixed
/// pseudo-random B of several even widths both ways and compares every bit; if any differs — another
/// OpenBLAS, CPU kernel or block size — or the CPU lacks AVX2 and FMA, `product` returns nil and the
/// caller uses dgemm, so the numbers are the same whichever path runs. An odd width always goes to
/// dgemm (its last column is OpenBLAS's one-column tail, summed otherwise).
public struct PackedProduct: Sendable {
    /// A itself, held only when the kernel does not run (else `packed` holds the same numbers, so a cell
    /// keeps one copy).
    private let unpacked: Matrix?
    /// A in bands of rows (`spillsim_gemm_pack`); empty when the kernel does not run.
    private let packed: [Double]
    public let rows: Int, cols: Int
    /// The K blocks' bounds, [0, …, K].
    private let splits: [Int]
    /// Whether `product` runs the kernel (the CPU has it and the check matched dgemm bit for bit).
    public var isFused: Bool { unpacked == nil }

    public init(_ matrix: Matrix) {
        rows = matrix.rows; cols = matrix.cols
        let splits = Self.blocks(matrix.cols)
        self.splits = splits
        guard rows > 0, cols > 0, spillsim_cpu_has_avx2_fma() != 0 else { packed = []; unpacked = matrix; return }
        var p = [Double](repeating: 0, count: rows * cols)
        spillsim_gemm_pack(matrix.data, rows, cols, &p)
        let matches = Self.matchesBLAS(matrix, packed: p, splits: splits)
        packed = matches ? p : []
        unpacked = matches ? nil : matrix
    }

    /// OpenBLAS's level-3 K blocks (driver/level3.c with GEMM_Q = 256 and GEMM_UNROLL_M = 4, Zen's): a
    /// remainder of at least 2Q takes Q, one between Q and 2Q half of it rounded up to a multiple of 4.
    static func blocks(_ k: Int) -> [Int] {
        var bounds = [0], done = 0
        while done < k {
            var step = k - done
            if step >= 512 { step = 256 } else if step > 256 { step = (step / 2 + 3) / 4 * 4 }
            done += step
            bounds.append(done)
        }
        return bounds
    }

    /// The kernel against dgemm on fixed inputs of widths 2, 6, 10 and 32 (values of both signs over
    /// several binades, so a different order shows in the last bits).
    private static func matchesBLAS(_ matrix: Matrix, packed: [Double], splits: [Int]) -> Bool {
        var values = BitCheckValues(seed: 0xD1B5_4A32_D192_ED03)
        func next() -> Double { values.next() }
        let k = matrix.cols
        for width in [2, 6, 10, 32] {
            let b = Matrix(rows: k, cols: width, uncheckedColumnMajor: (0..<(k * width)).map { _ in next() })
            let theirs = (matrix * b).data
            let mine = fused(packed, rows: matrix.rows, cols: k, splits: splits, b.data, width: width)
            if zip(mine, theirs).contains(where: { $0.bitPattern != $1.bitPattern }) { return false }
        }
        return true
    }

    /// A · B for the column-major K × `width` B: the kernel for an even width when it runs, else dgemm
    /// (the same bits either way; see above).
    public func product(_ b: [Double], width: Int) -> [Double] {
        precondition(b.count == cols * width, "packed product: length mismatch")
        if let unpacked { return (unpacked * Matrix(rows: cols, cols: width, uncheckedColumnMajor: b)).data }
        if width % 2 == 1 { return (matrix * Matrix(rows: cols, cols: width, uncheckedColumnMajor: b)).data }
        return Self.fused(packed, rows: rows, cols: cols, splits: splits, b, width: width)
    }

    /// A, unpacked again (from `packed` when the kernel runs: an odd-width product, rare).
    public var matrix: Matrix {
        if let unpacked { return unpacked }
        var a = Matrix(rows: rows, cols: cols)
        let banded = rows - rows % 4
        var at = 0, r = 0
        while r < banded {
            let height = banded - r >= 8 ? 8 : 4
            for q in 0..<cols { for l in 0..<height { a.data[q * rows + r + l] = packed[at]; at += 1 } }
            r += height
        }
        for row in banded..<rows { for q in 0..<cols { a.data[q * rows + row] = packed[at]; at += 1 } }
        return a
    }

    /// The packed kernel (`PackedOperand.fused`: with 512-bit vectors where the CPU has AVX-512F, the same
    /// operations per element either way, so the same bits).
    private static func fused(_ packed: [Double], rows m: Int, cols k: Int, splits: [Int], _ b: [Double], width: Int) -> [Double] {
        if width == 0 { return [] }
        return PackedOperand.fused(packed, rows: m, cols: k, splits: splits, b, width: width)
    }
}

/// Fixed pseudo-random inputs for the once-per-process checks that a kernel or a batched product gives
/// the bits of the BLAS call it stands in for (`PairedProduct`, `PackedProduct`, the spatial variances'
/// side-by-side products): values of both signs over nine binades, so a different summation order shows
/// in the last bits. Xorshift64 from `seed`; the same values on every machine.
public struct BitCheckValues {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> Double {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return (Double(state >> 11) * 0x1p-53 - 0.5) * Double(1 << Int(state % 9))
    }
}
