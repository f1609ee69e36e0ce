import CSuiteSparse
import Foundation

/// A failure reported by CHOLMOD (`Common->status < 0`), naming the routine.
public struct SuiteSparseError: Error, CustomStringConvertible, Equatable {
    public let function: String
    public let status: Int32
    public var description: String { "\(function) failed (CHOLMOD status \(status))" }
}

/// The one check every CHOLMOD call goes through: a negative status is an error;
/// CHOLMOD_NOT_POSDEF (a warning) is reported by the factor's `minor`, not here.
@inline(__always)
private func cholmodCheck(_ function: String, _ common: UnsafeMutablePointer<cholmod_common>) throws {
    if common.pointee.status < 0 { throw SuiteSparseError(function: function, status: common.pointee.status) }
}

/// log det(I − ρS) and solves with I − ρS for a sparse symmetric S (zero diagonal),
/// by CHOLMOD's sparse Cholesky factorisation — what R's Matrix package uses.
///
/// The fill-reducing ordering (AMD, with CHOLMOD's postordering of the elimination tree) is
/// computed once per S, and CHOLMOD is handed the permuted matrix P(I − ρS)Pᵀ in the natural
/// order and in the triangle its factorisation reads (the lower one for a supernodal factor, the
/// upper one for a simplicial factor): `cholmod_factorize` then factorises it as given instead of
/// forming one or two permuted transposes at every ρ (≈ 8 % of a fit at N = 50,000), and solves
/// permute the right-hand sides here. The factor, its pivots and every solve are the same
/// arithmetic as CHOLMOD's own permuted path (same ordering, same matrix, same elimination
/// tree), so the results are the same bits. Each ρ costs a numeric refactorisation only.
/// CHOLMOD's workspace is not shareable between threads, so each concurrent caller borrows its
/// own worker from a small pool; every worker factorises the same permuted matrix, so results do
/// not depend on which one ran.
public final class SymmetricSparseSystem: @unchecked Sendable {
    public let size: Int
    /// Column pointers and row indices of the lower triangle of I − ρS (CSC, diagonal first).
    private let columnStart: [Int32]
    private let rowIndex: [Int32]
    /// s_ij of each lower-triangle entry (0 in the diagonal slots, which hold 1).
    private let offDiagonal: [Double]
    private let lock = NSLock()
    private var idle: [CholmodWorker] = []
    /// The permuted upper triangle, computed by the first worker (under `lock`).
    private var permuted: PermutedPattern?

    /// - Parameter s: symmetric, zero diagonal (checked to 1e-12 relative).
    public init(_ s: SparseMatrix) throws {
        guard s.rows == s.cols else { throw NumericsError("sparse Cholesky needs a square matrix, got \(s.rows)×\(s.cols)") }
        // CHOLMOD's supernodal factorisation calls BLAS: pin OpenBLAS to one thread first.
        NumericsRuntime.ensureInitialised()
        let n = s.rows
        var cp: [Int32] = [0], ri: [Int32] = [], off: [Double] = []
        for j in 0..<n {
            ri.append(Int32(j)); off.append(0)
            for k in s.rowStart[j]..<s.rowStart[j + 1] where s.columns[k] >= j {
                let i = s.columns[k]
                guard i != j else { throw NumericsError("sparse symmetric system: S has a nonzero diagonal entry at \(j + 1)") }
                let v = s.values[k], vt = s[i, j]
                guard abs(v - vt) <= 1e-12 * max(abs(v), abs(vt)) else {
                    throw NumericsError("sparse symmetric system: S is not symmetric at (\(j + 1), \(i + 1))")
                }
                ri.append(Int32(i)); off.append(0.5 * (v + vt))
            }
            cp.append(Int32(ri.count))
        }
        size = n
        columnStart = cp
        rowIndex = ri
        offDiagonal = off
    }

    deinit { for w in idle { w.release() } }

    /// log det(I − ρS), or nil when I − ρS is not positive definite (ρ outside the stable interval).
    public func logDeterminant(rho: Double) throws -> Double? {
        try withWorker { w in try w.factor(rho: rho) ? w.logDeterminant() : nil }
    }

    /// Solves (I − ρS) X = B for the columns of a column-major size × k array.
    public func solve(rho: Double, _ b: [Double]) throws -> [Double] {
        try withWorker { w in
            guard try w.factor(rho: rho) else {
                throw NumericsError("I − ρS is not positive definite at ρ = \(rho) (outside the stable interval)")
            }
            return try w.solve(b)
        }
    }

    /// True when CHOLMOD chose its supernodal factor for this S (by its flop count per entry of L).
    var factorIsSupernodal: Bool {
        get throws { try withWorker { _ in permuted?.storage == -1 } }
    }

    private func withWorker<R>(_ body: (CholmodWorker) throws -> R) throws -> R {
        lock.lock()
        let w = idle.popLast()
        let pattern: PermutedPattern
        do {
            if let permuted { pattern = permuted } else {
                pattern = try PermutedPattern(n: size, columnStart: columnStart, rowIndex: rowIndex, offDiagonal: offDiagonal)
                permuted = pattern
            }
        } catch { lock.unlock(); throw error }
        lock.unlock()
        let worker = try w ?? CholmodWorker(pattern)
        defer { lock.lock(); idle.append(worker); lock.unlock() }
        return try body(worker)
    }
}

/// The matrix `cholmod_factorize` forms from the lower triangle of I − ρS at every ρ — for the
/// fill-reducing permutation P of CHOLMOD's AMD analysis (with its postordering), the upper
/// triangle of P(I − ρS)Pᵀ for a simplicial factor, its transpose for a supernodal one — formed
/// once, by the same `cholmod_ptranspose` calls, on the positions of the entries instead of their
/// values: the result is the same pattern in the same entry order (so the same factor, bit for
/// bit) and says which entry of the lower triangle each of its entries holds.
private struct PermutedPattern {
    let n: Int
    /// CHOLMOD's stype of the permuted matrix: −1 lower triangle stored (supernodal), +1 upper.
    let storage: Int32
    /// perm[k] = the original index of permuted row/column k.
    let perm: [Int32]
    let columnStart: [Int32]
    let rowIndex: [Int32]
    /// s of each entry (the diagonal entries, which hold 1, are marked by `isDiagonal`).
    let values: [Double]
    let isDiagonal: [Bool]

    init(n: Int, columnStart: [Int32], rowIndex: [Int32], offDiagonal: [Double]) throws {
        self.n = n
        let common = UnsafeMutablePointer<cholmod_common>.allocate(capacity: 1)
        cholmod_start(common)
        defer { cholmod_finish(common); common.deallocate() }
        common.pointee.print = 0
        // AMD only: deterministic, and for the planar-like graphs of spatial weights its
        // fill is close to METIS's at a fraction of the analysis time.
        common.pointee.nmethods = 1
        common.pointee.method.0.ordering = CHOLMOD_AMD
        let nnz = rowIndex.count
        var a = cholmod_allocate_sparse(n, n, nnz, 1, 1, -1, CHOLMOD_REAL, common)
        try cholmodCheck("cholmod_allocate_sparse", common)
        defer { cholmod_free_sparse(&a, common) }
        guard let a else { throw SuiteSparseError(function: "cholmod_allocate_sparse", status: common.pointee.status) }
        let p = a.pointee.p.assumingMemoryBound(to: Int32.self)
        let ix = a.pointee.i.assumingMemoryBound(to: Int32.self)
        let x = a.pointee.x.assumingMemoryBound(to: Double.self)
        // Each entry carries its own position (exact in a Double), so the transposes say where it went.
        for k in 0...n { p[k] = columnStart[k] }
        for k in 0..<nnz { ix[k] = rowIndex[k]; x[k] = Double(k) }
        var l = cholmod_analyze(a, common)
        try cholmodCheck("cholmod_analyze", common)
        defer { cholmod_free_factor(&l, common) }
        guard let l else { throw SuiteSparseError(function: "cholmod_analyze", status: common.pointee.status) }
        let supernodal = l.pointee.is_super != 0
        let lp = l.pointee.Perm.assumingMemoryBound(to: Int32.self)
        var perm = (0..<n).map { lp[$0] }
        // cholmod_factorize_p on a lower-triangle input with a permuted factor: upper = A(p,p)ᵀ, and
        // for a supernodal factor its transpose again.
        var upper = perm.withUnsafeMutableBufferPointer { cholmod_ptranspose(a, 1, $0.baseAddress, nil, 0, common) }
        try cholmodCheck("cholmod_ptranspose", common)
        defer { cholmod_free_sparse(&upper, common) }
        var lower = supernodal ? cholmod_ptranspose(upper, 1, nil, nil, 0, common) : nil
        try cholmodCheck("cholmod_ptranspose", common)
        defer { cholmod_free_sparse(&lower, common) }
        guard let b = supernodal ? lower : upper else { throw SuiteSparseError(function: "cholmod_ptranspose", status: common.pointee.status) }
        let bp = b.pointee.p.assumingMemoryBound(to: Int32.self)
        let bi = b.pointee.i.assumingMemoryBound(to: Int32.self)
        let bx = b.pointee.x.assumingMemoryBound(to: Double.self)
        guard b.pointee.packed != 0, Int(bp[n]) == nnz else { throw NumericsError("internal: the permuted matrix lost entries") }
        var source = [Int](repeating: 0, count: nnz)
        for k in 0..<nnz { source[k] = Int(bx[k]) }
        self.perm = perm
        storage = supernodal ? -1 : 1
        self.columnStart = (0...n).map { bp[$0] }
        self.rowIndex = (0..<nnz).map { bi[$0] }
        values = source.map { offDiagonal[$0] }
        // The diagonal of the lower triangle is the first entry of each of its columns (1 in I − ρS).
        var diagonalSource = [Bool](repeating: false, count: nnz)
        for j in 0..<n { diagonalSource[Int(columnStart[j])] = true }
        isDiagonal = source.map { diagonalSource[$0] }
    }
}

/// One CHOLMOD workspace with the analysed pattern of P(I − ρS)Pᵀ (natural order) and its factor.
private final class CholmodWorker {
    private let common: UnsafeMutablePointer<cholmod_common>
    private var a: UnsafeMutablePointer<cholmod_sparse>?
    private var l: UnsafeMutablePointer<cholmod_factor>?
    private let pattern: PermutedPattern
    private var n: Int { pattern.n }
    private var factoredRho: Double?

    init(_ pattern: PermutedPattern) throws {
        self.pattern = pattern
        let n = pattern.n
        common = .allocate(capacity: 1)
        cholmod_start(common)
        common.pointee.print = 0
        // The matrix is already in the fill-reducing (and postordered) order: keep it.
        common.pointee.nmethods = 1
        common.pointee.method.0.ordering = CHOLMOD_NATURAL
        common.pointee.postorder = 0
        let nnz = pattern.rowIndex.count
        a = cholmod_allocate_sparse(n, n, nnz, 1, 1, pattern.storage, CHOLMOD_REAL, common)
        try cholmodCheck("cholmod_allocate_sparse", common)
        guard let a else { throw SuiteSparseError(function: "cholmod_allocate_sparse", status: common.pointee.status) }
        let p = a.pointee.p.assumingMemoryBound(to: Int32.self)
        let ix = a.pointee.i.assumingMemoryBound(to: Int32.self)
        let x = a.pointee.x.assumingMemoryBound(to: Double.self)
        for k in 0...n { p[k] = pattern.columnStart[k] }
        for k in 0..<nnz { ix[k] = pattern.rowIndex[k]; x[k] = pattern.isDiagonal[k] ? 1 : 0 }
        l = cholmod_analyze(a, common)
        try cholmodCheck("cholmod_analyze", common)
        guard l?.pointee.is_super == (pattern.storage < 0 ? 1 : 0) else {
            throw NumericsError("internal: CHOLMOD chose a different factor kind for the permuted matrix")
        }
    }

    func release() {
        cholmod_free_factor(&l, common)
        cholmod_free_sparse(&a, common)
        cholmod_finish(common)
        common.deallocate()
    }

    /// Factorises P(I − ρS)Pᵀ (skipped when ρ is the one already factored); false when not positive definite.
    func factor(rho: Double) throws -> Bool {
        guard let a, let l else { throw SuiteSparseError(function: "cholmod_analyze", status: common.pointee.status) }
        if factoredRho != rho {
            let x = a.pointee.x.assumingMemoryBound(to: Double.self)
            pattern.values.withUnsafeBufferPointer { v in
                pattern.isDiagonal.withUnsafeBufferPointer { d in
                    for k in 0..<v.count { x[k] = d[k] ? 1 : -rho * v[k] }
                }
            }
            factoredRho = nil
            cholmod_factorize(a, l, common)
            try cholmodCheck("cholmod_factorize", common)
            factoredRho = rho
            positiveDefinite = l.pointee.minor == n && diagonalSum(log).isFinite
        }
        return positiveDefinite
    }
    private var positiveDefinite = false

    /// log det = Σ log d_j (LDLᵀ) or 2 Σ log l_jj (LLᵀ, supernodal or simplicial).
    func logDeterminant() -> Double { diagonalSum(log) }

    /// Σ f(d_j) over the pivots (d_j of LDLᵀ, or l_jj² of LLᵀ). A simplicial LDLᵀ goes through an
    /// indefinite matrix without failing (only a zero pivot stops it), so positive definiteness is
    /// read from the pivots: log of a negative one is NaN.
    private func diagonalSum(_ f: (Double) -> Double) -> Double {
        let fac = l!.pointee
        let x = fac.x.assumingMemoryBound(to: Double.self)
        var s = 0.0
        if fac.is_super != 0 {
            let sup = fac.super.assumingMemoryBound(to: Int32.self)
            let pi = fac.pi.assumingMemoryBound(to: Int32.self)
            let px = fac.px.assumingMemoryBound(to: Int32.self)
            for k in 0..<Int(fac.nsuper) {
                let ncols = Int(sup[k + 1] - sup[k]), nrows = Int(pi[k + 1] - pi[k]), base = Int(px[k])
                for jj in 0..<ncols { let d = x[base + jj + jj * nrows]; s += f(d * d) }
            }
            return s
        }
        let p = fac.p.assumingMemoryBound(to: Int32.self)
        for j in 0..<n { let d = x[Int(p[j])]; s += fac.is_ll != 0 ? f(d * d) : f(d) }
        return s
    }

    /// X = Pᵀ (L D Lᵀ)⁻¹ P B: the permutation CHOLMOD would apply inside `cholmod_solve`, applied here.
    func solve(_ b: [Double]) throws -> [Double] {
        let k = b.count / n
        var rhs = cholmod_allocate_dense(n, k, n, CHOLMOD_REAL, common)
        try cholmodCheck("cholmod_allocate_dense", common)
        defer { cholmod_free_dense(&rhs, common) }
        let bx = rhs!.pointee.x.assumingMemoryBound(to: Double.self)
        let perm = pattern.perm
        for c in 0..<k { for i in 0..<n { bx[c * n + i] = b[c * n + Int(perm[i])] } }
        var sol = cholmod_solve(CHOLMOD_A, l, rhs, common)
        try cholmodCheck("cholmod_solve", common)
        defer { cholmod_free_dense(&sol, common) }
        let sx = sol!.pointee.x.assumingMemoryBound(to: Double.self)
        var out = [Double](repeating: 0, count: b.count)
        for c in 0..<k { for i in 0..<n { out[c * n + Int(perm[i])] = sx[c * n + i] } }
        return out
    }
}
