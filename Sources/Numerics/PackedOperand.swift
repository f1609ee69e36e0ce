import CKernels
import CLAPACK
import Foundation

/// A fixed N × N operand of many products op(A)·B — W in the designs' W·[X, y], the eigenvectors V
/// and Vᵀ in G(ρ)·v (`WeightSpectrum.SymmetricForm`) — packed once for `spillsim_gemm_packed_fma`
/// instead of by dgemm in every call (`dgemm_itcopy`/`incopy`: at N = 280 and width 18–36 the copy of
/// A costs a third to a half of the product). The kernel sums each element in the order of OpenBLAS's
/// Haswell/Zen dgemm for an even-width product (`PackedProduct`), so the result is dgemm's bit for bit.
///
/// That is checked, not assumed, once per process and shape (N, K, whether A enters transposed) on
/// fixed pseudo-random A and B (`BitCheckValues`) of widths 2, 6, 10 and 32 against the dgemm call the
/// operand stands in for (`Matrix.product(A, B, transposeA:)`), and again for each width a product is
/// asked for, on its first use (a BLAS may pick its path by width): the kernel's order depends on the
/// shapes, not on the values. On a CPU without AVX2 and FMA, another OpenBLAS or CPU kernel whose bits
/// differ, an odd width (dgemm's one-column tail), or above `maximumUnits`, `product` returns nil and the
/// caller keeps its dgemm call — so every number is the same whichever path runs.
public struct PackedOperand: Sendable {
    /// op(A)'s rows and columns (op(A) is rows × cols).
    public let rows: Int, cols: Int
    /// op(A) in `spillsim_gemm_pack`'s layout (bands of 8 rows, each [cols][8]; a band of 4; single rows).
    let packed: [Double]
    private let splits: [Int]
    /// Whether A enters transposed (the key of the width checks).
    private let transposed: Bool

    /// Above this many rows the operand is not packed: its 8N² bytes would be held beside W's spectrum
    /// for the whole run, and the kernel (no blocking beyond OpenBLAS's K blocks) is tuned to N in the
    /// hundreds — the bound of the outcome's packed operators (`OutcomeOperators.maximumUnits`).
    public static let maximumUnits = 600

    /// op(A) packed, or nil when the kernel does not give dgemm's bits for this shape on this process's
    /// BLAS and CPU (or the shape is empty or too large): the caller then multiplies by dgemm.
    public static func make(_ a: Matrix, transposed: Bool) -> PackedOperand? {
        let rows = transposed ? a.cols : a.rows, cols = transposed ? a.rows : a.cols
        guard rows > 0, cols > 0, rows <= maximumUnits, cols <= maximumUnits,
              ShapeCheck.keepsBits(rows: rows, cols: cols, transposed: transposed) else { return nil }
        return PackedOperand(a, transposed: transposed)
    }

    private init(_ a: Matrix, transposed: Bool) {
        rows = transposed ? a.cols : a.rows
        cols = transposed ? a.rows : a.cols
        self.transposed = transposed
        splits = PackedProduct.blocks(cols)
        let source = transposed ? a.transposed() : a
        var p = [Double](repeating: 0, count: rows * cols)
        spillsim_gemm_pack(source.data, rows, cols, &p)
        packed = p
    }

    /// op(A)·B for the column-major cols × `width` B, dgemm's bits; nil for an odd (or zero) width,
    /// which the caller gives to dgemm.
    public func product(_ b: [Double], width: Int) -> [Double]? {
        precondition(b.count == cols * width, "packed operand: \(b.count) values for \(cols) × \(width)")
        guard width > 0, width % 2 == 0,
              ShapeCheck.keepsBits(rows: rows, cols: cols, transposed: transposed, widths: [width]) else { return nil }
        return Self.fused(packed, rows: rows, cols: cols, splits: splits, b, width: width)
    }

    /// `product` without the width check (the check's own product).
    fileprivate func unchecked(_ b: [Double], width: Int) -> [Double]? {
        guard width > 0, width % 2 == 0 else { return nil }
        return Self.fused(packed, rows: rows, cols: cols, splits: splits, b, width: width)
    }

    /// The packed kernel, with 512-bit vectors where the CPU has AVX-512F (`WideKernels`,
    /// `spillsim_gemm_packed_avx512`) or 256-bit ones: each element's sum is the same operations in the same
    /// order either way, so the same bits.
    static func fused(_ packed: [Double], rows m: Int, cols k: Int, splits: [Int], _ b: [Double], width: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: m * width) { out, count in
            // Scratch for B's panels of six columns (written before read; the kernel reads none of the rest).
            withUnsafeTemporaryAllocation(of: Double.self, capacity: k * width) { scratch in
                packed.withUnsafeBufferPointer { pp in
                    b.withUnsafeBufferPointer { pb in
                        splits.withUnsafeBufferPointer { ps in
                            if WideKernels.available {
                                spillsim_gemm_packed_avx512(pp.baseAddress, m, k, pb.baseAddress, width, ps.baseAddress, ps.count - 1,
                                                            out.baseAddress, scratch.baseAddress)
                            } else {
                                spillsim_gemm_packed_fma(pp.baseAddress, m, k, pb.baseAddress, width, ps.baseAddress, ps.count - 1,
                                                         out.baseAddress, scratch.baseAddress)
                            }
                        }
                    }
                }
            }
            count = m * width
        }
    }

    /// Whether the kernel gives dgemm's bits for a shape, checked once per process and remembered.
    enum ShapeCheck {
        private final class Known: @unchecked Sendable {
            let lock = NSLock()
            var byShape: [[Int]: Bool] = [:]
        }
        private static let known = Known()

        /// `widths`: the sampled widths of a new shape, or the one width of a product (checked on its first use).
        static func keepsBits(rows: Int, cols: Int, transposed: Bool, widths: [Int] = [2, 6, 10, 32]) -> Bool {
            let key = [rows, cols, transposed ? 1 : 0] + widths
            known.lock.lock()
            if let k = known.byShape[key] { known.lock.unlock(); return k }
            known.lock.unlock()
            let agrees = spillsim_cpu_has_avx2_fma() != 0 && matchesBLAS(rows: rows, cols: cols, transposed: transposed, widths: widths)
            known.lock.lock(); defer { known.lock.unlock() }
            known.byShape[key] = agrees
            return agrees
        }

        private static func matchesBLAS(rows: Int, cols: Int, transposed: Bool, widths: [Int]) -> Bool {
            NumericsRuntime.ensureInitialised()
            var values = BitCheckValues(seed: 0x2545_F491_4F6C_DD1D)
            let a = Matrix(rows: transposed ? cols : rows, cols: transposed ? rows : cols,
                           uncheckedColumnMajor: (0..<(rows * cols)).map { _ in values.next() })
            let operand = PackedOperand(a, transposed: transposed)
            for width in widths {
                let b = Matrix(rows: cols, cols: width, uncheckedColumnMajor: (0..<(cols * width)).map { _ in values.next() })
                let theirs = Matrix.product(a, b, transposeA: transposed).data
                guard let mine = operand.unchecked(b.data, width: width),
                      !zip(mine, theirs).contains(where: { $0.bitPattern != $1.bitPattern }) else { return false }
            }
            return true
        }
    }
}

/// Packed operands built on first use and kept (`PackedOperand`), by a small integer key; nil results
/// are remembered too. Shared by the threads of a run (under a lock; a build takes about one dgemm's copy).
final class PackedOperands: @unchecked Sendable {
    private let lock = NSLock()
    private var built: [Int: PackedOperand?] = [:]

    func operand(_ key: Int, make: () -> PackedOperand?) -> PackedOperand? {
        lock.lock(); defer { lock.unlock() }
        if let hit = built[key] { return hit }
        let made = make()
        built[key] = made
        return made
    }
}

/// Whether the 512-bit variants of the C kernels run (`spillsim_gemm_packed_avx512`,
/// `spillsim_unit_multipliers_avx512`): on a CPU and OS with AVX-512F (and AVX2, FMA). Each variant gives
/// its 256-bit kernel's bits — a lane computes one element's or one unit's own sums — so this decides speed
/// only.
public enum WideKernels {
    public static let available = spillsim_cpu_has_avx512f() != 0
}

extension WideKernels {
    /// The N × k unit scores of the SDM's cluster sandwich (Estimators' `SpatialVariance.unitScores`, which
    /// documents them) by `spillsim_unit_scores_avx512`: each a chain over the periods in order of the Swift
    /// loop's terms, rounded as written, so its bits; nil where the 512-bit kernels do not run (the caller's
    /// loop then forms them). `z` holds the p regressor columns (N·T rows each), `wy` and `jacobianShare`
    /// the ρ column's parts (both or neither), `two` = 2σ⁴ as the caller forms it.
    public static func unitScores(z: Matrix, residuals e: [Double], wy: [Double]?, jacobianShare: [Double]?, n: Int, t: Int,
                                  sigma2: Double, two: Double, sigmaShare: Double) -> Matrix? {
        guard available, n > 0, t > 0, (wy == nil) == (jacobianShare == nil) else { return nil }
        let rows = n * t, p = z.cols
        precondition(z.rows == rows && e.count == rows && (wy?.count ?? rows) == rows && (jacobianShare?.count ?? n) == n,
                     "unit scores: lengths do not match N = \(n), T = \(t)")
        let k = p + (wy == nil ? 0 : 1) + 1
        let data = [Double](unsafeUninitializedCapacity: n * k) { out, written in
            z.data.withUnsafeBufferPointer { pz in
                e.withUnsafeBufferPointer { pe in
                    func run(_ w: UnsafePointer<Double>?, _ j: UnsafePointer<Double>?) {
                        spillsim_unit_scores_avx512(pz.baseAddress, p, pe.baseAddress, w, j, n, t, sigma2, two, sigmaShare, out.baseAddress)
                    }
                    if let wy, let jacobianShare {
                        wy.withUnsafeBufferPointer { pw in jacobianShare.withUnsafeBufferPointer { pj in run(pw.baseAddress, pj.baseAddress) } }
                    } else {
                        run(nil, nil)
                    }
                }
            }
            written = n * k
        }
        return Matrix(rows: n, cols: k, uncheckedColumnMajor: data)
    }
}

extension PackedOperand {
    /// The lower triangle, diagonal included, of P = E Eᵀ for the column-major n × t E, written into `c`
    /// (n × n, leading dimension n; the strict upper triangle is left partly unwritten) by the 512-bit packed
    /// kernel on the tiles the lower triangle needs: `cblas_dsyrk(lower, no transpose, α = 1, β = 0)`'s bits,
    /// checked once per process and shape (n, t) against dsyrk on fixed inputs (each element of both is one
    /// chain of fused multiply-adds over t per K block; dsyrk's copies of E and its diagonal-block path are
    /// what the check rules on). Returns false, `c` untouched, where the check fails, the wide kernels do not
    /// run or the shape is empty or above `maximumUnits`: the caller calls dsyrk.
    static func lowerGram(_ e: UnsafePointer<Double>, n: Int, t: Int, into c: UnsafeMutablePointer<Double>) -> Bool {
        guard WideKernels.available, n > 0, t > 0, n <= maximumUnits, t <= maximumUnits, GramCheck.keepsBits(n: n, t: t) else {
            return false
        }
        runLowerGram(e, n: n, t: t, into: c)
        return true
    }

    private static func runLowerGram(_ e: UnsafePointer<Double>, n: Int, t: Int, into c: UnsafeMutablePointer<Double>) {
        let splits = PackedProduct.blocks(t)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * n * t) { scratch in
            let packed = scratch.baseAddress!, transposed = packed + n * t, panels = transposed + n * t
            spillsim_gemm_pack(e, n, t, packed)
            for j in 0..<n { for q in 0..<t { transposed[j * t + q] = e[q * n + j] } }   // Eᵀ, t × n
            splits.withUnsafeBufferPointer { ps in
                spillsim_gemm_packed_avx512_lower(packed, n, t, transposed, n, ps.baseAddress, ps.count - 1, c, panels)
            }
        }
    }

    /// Whether `lowerGram` gives dsyrk's bits for a shape (n, t), checked once per process and remembered.
    enum GramCheck {
        private final class Known: @unchecked Sendable {
            let lock = NSLock()
            var byShape: [[Int]: Bool] = [:]
        }
        private static let known = Known()

        static func keepsBits(n: Int, t: Int) -> Bool {
            let key = [n, t]
            known.lock.lock()
            if let k = known.byShape[key] { known.lock.unlock(); return k }
            known.lock.unlock()
            let agrees = matchesBLAS(n: n, t: t)
            known.lock.lock(); defer { known.lock.unlock() }
            known.byShape[key] = agrees
            return agrees
        }

        private static func matchesBLAS(n: Int, t: Int) -> Bool {
            NumericsRuntime.ensureInitialised()
            var values = BitCheckValues(seed: 0x94D0_49BB_1331_11EB)
            let e = (0..<(n * t)).map { _ in values.next() }
            var theirs = [Double](repeating: 0, count: n * n), mine = theirs
            e.withUnsafeBufferPointer { pe in
                theirs.withUnsafeMutableBufferPointer { pc in
                    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, Int32(n), Int32(t), 1.0, pe.baseAddress, Int32(n),
                                0.0, pc.baseAddress, Int32(n))
                }
                mine.withUnsafeMutableBufferPointer { pc in runLowerGram(pe.baseAddress!, n: n, t: t, into: pc.baseAddress!) }
            }
            for j in 0..<n { for i in j..<n where mine[i + j * n].bitPattern != theirs[i + j * n].bitPattern { return false } }
            return true
        }
    }
}
