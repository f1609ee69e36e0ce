import CKernels
import CLAPACK

/// Bilinear and quadratic forms gᵀ(A h) of a small square matrix — a fit's parameter covariance in the
/// delta method — bit for bit `Vector.dot(g, A.multiply(h))`, without a BLAS call per form.
///
/// Why: the effects, the curves' points, the turning points and the U-tests of a spatial fit each take
/// one such form; as `Vector.dot(g, V.multiply(h))` they were ≈ 170 000 dgemv calls per 600-replication
/// baseline run (14 × 14 and 8 × 8), each with a result array and the wrapper's closures around ≈ 35 ns
/// of BLAS (measured directly; a counting shim's clock reads had made it look like 0.5 µs). `spillsim_bilinear_forms_fma`
/// (CKernels) forms A h in the order of OpenBLAS's Haswell/Zen `dgemv_n` (blocks of four rows as
/// `PairedProduct`'s kernel, the last rows mod 4 as scalar chains) and the dot product in the order of
/// `Vector.dot`, for any number of vectors in one call.
///
/// Whether that order is the order of the dgemv this process links is not assumed: it is checked once per
/// process (`SmallForms.tailMode`) by comparing the kernel with `cblas_dgemv` and `Vector.dot` bit for bit
/// on fixed pseudo-random matrices of every order 4 … `maxOrder` (every element of A h, then the form),
/// for both ways of summing the last rows (plain or fused multiply–adds: OpenBLAS compiles that loop from
/// C, and its compiler's choice decides; this machine's 0.3.21 sums plainly); if no way matches every bit —
/// another OpenBLAS, another CPU kernel — or the CPU lacks AVX2 and FMA, the forms are the dgemv calls,
/// so the numbers are the same whichever path runs. Orders outside 4 … `maxOrder` always take dgemv.
public enum SmallForms {
    /// The largest order the kernel serves (and the check covers).
    public static let maxOrder = 40

    /// The kernel's way of summing the last rows (0 plain, 1 fused) that matched dgemv, or nil when the
    /// kernel does not run.
    public static let tailMode: Int32? = {
        guard spillsim_cpu_has_avx2_fma() != 0 else { return nil }
        return [Int32(1), 0].first(where: matchesBLAS)
    }()

    /// True when the kernel runs.
    public static var isFused: Bool { tailMode != nil }

    /// The kernel with `mode` against dgemv and `Vector.dot` on fixed inputs of every order 4 … `maxOrder`
    /// (values of both signs over nine binades, some exact zeros, so a different order shows in the last bits).
    static func matchesBLAS(_ mode: Int32) -> Bool {
        NumericsRuntime.ensureInitialised()
        var values = BitCheckValues(seed: 0x2545_F491_4F6C_DD1D)
        for m in 4...maxOrder {
            let a = Matrix(rows: m, cols: m, uncheckedColumnMajor: (0..<(m * m)).map { _ in values.next() })
            // Two pairs (g, h) and one quadratic form, one vector in three with zeros.
            var g = (0..<(3 * m)).map { _ in values.next() }, h = (0..<(3 * m)).map { _ in values.next() }
            for i in stride(from: 0, to: 3 * m, by: 3) { g[i] = 0; h[i + 1] = 0 }
            for i in 0..<m { h[2 * m + i] = g[2 * m + i] }
            var mine = [Double](repeating: 0, count: 3), y = [Double](repeating: 0, count: m)
            spillsim_bilinear_forms_fma(a.data, m, g, h, 3, m, mode, &y, &mine)
            for j in 0..<3 {
                let gj = Array(g[(j * m)..<((j + 1) * m)]), hj = Array(h[(j * m)..<((j + 1) * m)])
                // Every element of A h (a last bit that the dot product's rounding would hide shows here),
                // then the form.
                let theirs = a.multiply(hj)
                spillsim_gemv_small_fma(a.data, m, hj, mode, &y)
                if zip(y, theirs).contains(where: { $0.bitPattern != $1.bitPattern }) { return false }
                if Vector.dot(gj, theirs).bitPattern != mine[j].bitPattern { return false }
            }
        }
        return true
    }
}

extension Matrix {
    /// gᵀ(A h) for a square A: `Vector.dot(g, multiply(h))` bit for bit (`SmallForms`).
    public func bilinearForm(_ g: [Double], _ h: [Double]) -> Double {
        precondition(rows == cols && g.count == rows && h.count == rows, "bilinear form: length mismatch")
        guard let mode = SmallForms.tailMode, rows >= 4, rows <= SmallForms.maxOrder else {
            return Vector.dot(g, multiply(h))
        }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: rows) { y in
            var out = 0.0
            spillsim_bilinear_forms_fma(data, rows, g, h, 1, rows, mode, y.baseAddress!, &out)
            return out
        }
    }

    /// gᵀ A g for a square A: `Vector.dot(g, multiply(g))` bit for bit.
    public func quadraticForm(_ g: [Double]) -> Double { bilinearForm(g, g) }

    /// gⱼᵀ A gⱼ for the `count` vectors stored one after another in `g` (each of length `rows`), in one call:
    /// each `quadraticForm(gⱼ)` bit for bit.
    public func quadraticForms(_ g: [Double], count: Int) -> [Double] {
        precondition(rows == cols && g.count == rows * count, "quadratic forms: length mismatch")
        if count == 0 { return [] }
        guard let mode = SmallForms.tailMode, rows >= 4, rows <= SmallForms.maxOrder else {
            return (0..<count).map { j in
                let gj = Array(g[(j * rows)..<((j + 1) * rows)])
                return Vector.dot(gj, multiply(gj))
            }
        }
        return [Double](unsafeUninitializedCapacity: count) { out, written in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: rows) { y in
                g.withUnsafeBufferPointer { pg in
                    spillsim_bilinear_forms_fma(data, rows, pg.baseAddress, pg.baseAddress, count, rows, mode,
                                                y.baseAddress!, out.baseAddress!)
                }
            }
            written = count
        }
    }
}
