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

/// A fixed matrix A (M × N, M a multiple of 4) held packed in bands of rows for many products A x or
/// (A x₀, A x₁): the digital diffusion multiplies its kernel V (280 × 280) by one or two vectors 17 times a
/// replication. The column-major kernels (`multiply(_:into:)`'s dgemv, `multiply(_:_:into:_:)`'s paired
/// kernel) read V four columns at a time, four streams, and load and store y for every block of four; on
/// bands (`spillsim_gemm_pack`) each band's y stays in registers over all the columns and V is one stream
/// (`spillsim_gemv_banded_fma`, `…_avx512`: eight rows per register, two bands at a time). The sums are
/// dgemv's, element by element in the same order (`PairedProduct`): checked once per process against
/// `cblas_dgemv` on the same shapes as the paired kernel; when no kernel matches (or the CPU lacks AVX2
/// and FMA) `init` returns nil and the caller keeps the matrix's own products.
public struct BandedProduct: Sendable {
    public enum Kernel: Sendable { case avx2, avx512 }
    /// The kernel whose sums matched dgemv's on this machine (AVX-512 first), nil when none did.
    public static let kernel: Kernel? = candidates.first(where: matchesBLAS)
    /// The kernels this CPU can run, AVX-512 first.
    static var candidates: [Kernel] {
        guard spillsim_cpu_has_avx2_fma() != 0 else { return [] }
        return spillsim_cpu_has_avx512f() != 0 ? [.avx512, .avx2] : [.avx2]
    }

    private let packed: [Double]
    public let rows: Int, cols: Int
    private let kernel: Kernel

    /// Nil when no kernel runs here or `matrix` has a row count that is not a multiple of 4.
    public init?(_ matrix: Matrix) {
        guard let kernel = Self.kernel, matrix.rows > 0, matrix.rows % 4 == 0, matrix.cols > 0 else { return nil }
        self.init(matrix, kernel: kernel)
    }

    init(_ matrix: Matrix, kernel: Kernel) {
        rows = matrix.rows; cols = matrix.cols; self.kernel = kernel
        var p = [Double](repeating: 0, count: rows * cols)
        spillsim_gemm_pack(matrix.data, rows, cols, &p)
        packed = p
    }

    /// The kernel against `cblas_dgemv` on fixed inputs (values of both signs over several binades).
    static func matchesBLAS(_ kernel: Kernel) -> Bool {
        NumericsRuntime.ensureInitialised()
        var values = BitCheckValues(seed: 0x2545_F491_4F6C_DD1D)
        let shapes = [(4, 1), (4, 2), (4, 3), (4, 4), (8, 5), (12, 6), (16, 7), (20, 9), (24, 13), (36, 37), (64, 61),
                      (280, 280), (284, 283), (600, 601)]
        for (m, n) in shapes {
            var a = Matrix(rows: m, cols: n)
            for k in a.data.indices { a.data[k] = values.next() }
            let x0 = (0..<n).map { _ in values.next() }, x1 = (0..<n).map { _ in values.next() }
            let product = BandedProduct(a, kernel: kernel)
            var f0 = [Double](repeating: 0, count: m), f1 = f0, single = f0
            product.multiply(x0, x1, into: &f0, &f1)
            product.multiply(x0, into: &single)
            for (x, f) in [(x0, f0), (x1, f1), (x0, single)] {
                var b = [Double](repeating: 0, count: m)
                cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(m), Int32(n), 1.0, a.data, Int32(m), x, 1, 0.0, &b, 1)
                if zip(f, b).contains(where: { $0.bitPattern != $1.bitPattern }) { return false }
            }
        }
        return true
    }

    private func run(_ x0: UnsafePointer<Double>?, _ x1: UnsafePointer<Double>?,
                     _ y0: UnsafeMutablePointer<Double>?, _ y1: UnsafeMutablePointer<Double>?) {
        packed.withUnsafeBufferPointer { pa in
            switch kernel {
            case .avx2: spillsim_gemv_banded_fma(pa.baseAddress, rows, cols, x0, x1, y0, y1)
            case .avx512: spillsim_gemv_banded_avx512(pa.baseAddress, rows, cols, x0, x1, y0, y1)
            }
        }
    }

    /// y = A x (`Matrix.multiply(_:into:)`'s numbers).
    public func multiply(_ x: [Double], into y: inout [Double]) {
        precondition(x.count == cols && y.count == rows, "banded matrix-vector product: length mismatch")
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in run(px.baseAddress, nil, py.baseAddress, nil) }
        }
    }

    /// y₀ = A x₀ and y₁ = A x₁ in one pass (`Matrix.multiply(_:_:into:_:)`'s numbers).
    public func multiply(_ x0: [Double], _ x1: [Double], into y0: inout [Double], _ y1: inout [Double]) {
        precondition(x0.count == cols && x1.count == cols && y0.count == rows && y1.count == rows,
                     "banded matrix-vector product: length mismatch")
        x0.withUnsafeBufferPointer { p0 in
            x1.withUnsafeBufferPointer { p1 in
                y0.withUnsafeMutableBufferPointer { q0 in
                    y1.withUnsafeMutableBufferPointer { q1 in run(p0.baseAddress, p1.baseAddress, q0.baseAddress, q1.baseAddress) }
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
/// caller uses dgemm, so the numbers are the same whichever path runs.
///
/// An odd width's last column is OpenBLAS's one-column tail (its 4 × 1 kernel), summed otherwise: per K
/// block four chains over the block's k in turn (the last k mod 8 on the first), then (s₀ + s₁) + (s₂ + s₃)
/// added to the element's sum. The kernel sums that column so too (session 13: the baseline's paper-like
/// cell multiplies 31 distinct columns every replication, which went to dgemm and unpacked A each time),
/// checked in the same way on odd widths; if those bits differ, odd widths alone go to dgemm.
///
/// Where the CPU has AVX-512 (this machine's Zen 5), `spillsim_gemm_packed_avx512` runs instead: the
/// same sums element by element in the same order, eight rows per register (16 × 6 tiles), about half
/// the time of the AVX2 kernel in a micro-benchmark (280 × 560 times 560 × 30: 80 against 150 µs). It
/// is checked against dgemm in the same way; if it does not match, the AVX2 kernel is checked and used.
public struct PackedProduct: Sendable {
    /// The C kernel `product` calls.
    public enum Kernel: Sendable { case avx2, avx512 }
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
    /// Whether an odd width runs the kernel too (its one-column tail matched dgemm's bit for bit).
    public let isFusedOdd: Bool
    /// The kernel that runs when `isFused` (AVX-512 when the CPU has it and it matched dgemm).
    public let kernel: Kernel

    public init(_ matrix: Matrix) { self.init(matrix, allowing: [.avx512, .avx2]) }

    /// As `init(_:)` with only the kernels in `allowing` tried (tests hold each kernel to dgemm's bits).
    init(_ matrix: Matrix, allowing: Set<Kernel>) {
        rows = matrix.rows; cols = matrix.cols
        let splits = Self.blocks(matrix.cols)
        self.splits = splits
        guard rows > 0, cols > 0, spillsim_cpu_has_avx2_fma() != 0 else {
            packed = []; unpacked = matrix; isFusedOdd = false; kernel = .avx2; return
        }
        var p = [Double](repeating: 0, count: rows * cols)
        spillsim_gemm_pack(matrix.data, rows, cols, &p)
        let candidates = (spillsim_cpu_has_avx512f() != 0 ? [Kernel.avx512, .avx2] : [.avx2]).filter(allowing.contains)
        let chosen = candidates.first { Self.matchesBLAS(matrix, packed: p, splits: splits, widths: [2, 6, 10, 32], kernel: $0) }
        packed = chosen == nil ? [] : p
        unpacked = chosen == nil ? matrix : nil
        kernel = chosen ?? .avx2
        isFusedOdd = chosen.map { Self.matchesBLAS(matrix, packed: p, splits: splits, widths: [1, 3, 7, 31], kernel: $0) } ?? false
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

    /// The kernel against dgemm on fixed inputs of the given widths (values of both signs over several
    /// binades, so a different order shows in the last bits): 2, 6, 10 and 32, then for the odd widths'
    /// one-column tail 1, 3, 7 and 31.
    private static func matchesBLAS(_ matrix: Matrix, packed: [Double], splits: [Int], widths: [Int], kernel: Kernel) -> Bool {
        var values = BitCheckValues(seed: 0xD1B5_4A32_D192_ED03)
        func next() -> Double { values.next() }
        let k = matrix.cols
        for width in widths {
            let b = Matrix(rows: k, cols: width, uncheckedColumnMajor: (0..<(k * width)).map { _ in next() })
            let theirs = (matrix * b).data
            let mine = fused(packed, rows: matrix.rows, cols: k, splits: splits, b.data, width: width, kernel: kernel)
            if zip(mine, theirs).contains(where: { $0.bitPattern != $1.bitPattern }) { return false }
        }
        return true
    }

    /// A · B for the column-major K × `width` B: the kernel when it runs (an odd width when its tail
    /// matched too), else dgemm (the same bits either way; see above).
    public func product(_ b: [Double], width: Int) -> [Double] {
        precondition(b.count == cols * width, "packed product: length mismatch")
        if let unpacked { return (unpacked * Matrix(rows: cols, cols: width, uncheckedColumnMajor: b)).data }
        if width % 2 == 1 && !isFusedOdd { return (matrix * Matrix(rows: cols, cols: width, uncheckedColumnMajor: b)).data }
        return Self.fused(packed, rows: rows, cols: cols, splits: splits, b, width: width, kernel: kernel)
    }

    /// A, unpacked again (from `packed` when the kernel runs: an odd-width product whose tail did not match).
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

    private static func fused(_ packed: [Double], rows m: Int, cols k: Int, splits: [Int], _ b: [Double], width: Int,
                              kernel: Kernel) -> [Double] {
        if width == 0 { return [] }
        var panels = [Double](repeating: 0, count: k * width)
        return [Double](unsafeUninitializedCapacity: m * width) { out, count in
            packed.withUnsafeBufferPointer { pp in
                b.withUnsafeBufferPointer { pb in
                    splits.withUnsafeBufferPointer { ps in
                        panels.withUnsafeMutableBufferPointer { scratch in
                            switch kernel {
                            case .avx2:
                                spillsim_gemm_packed_fma(pp.baseAddress, m, k, pb.baseAddress, width, ps.baseAddress, ps.count - 1,
                                                         out.baseAddress, scratch.baseAddress)
                            case .avx512:
                                spillsim_gemm_packed_avx512(pp.baseAddress, m, k, pb.baseAddress, width, ps.baseAddress,
                                                            ps.count - 1, out.baseAddress, scratch.baseAddress)
                            }
                        }
                    }
                }
            }
            count = m * width
        }
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
