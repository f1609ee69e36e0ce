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
/// The fill-reducing ordering and symbolic analysis are done once; each ρ costs a
/// numeric refactorisation. CHOLMOD's workspace is not shareable between threads,
/// so each concurrent caller borrows its own worker from a small pool; every worker
/// uses the same deterministic AMD ordering, so results do not depend on which one ran.
public final class SymmetricSparseSystem: @unchecked Sendable {
    public let size: Int
    /// Column pointers and row indices of the lower triangle of I − ρS (CSC, diagonal first).
    private let columnStart: [Int32]
    private let rowIndex: [Int32]
    /// Position in the CSC arrays of each strictly-lower entry's value s_ij (diagonal slots hold 1).
    private let offDiagonal: [Double]
    private let lock = NSLock()
    private var idle: [CholmodWorker] = []

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

    private func withWorker<R>(_ body: (CholmodWorker) throws -> R) throws -> R {
        lock.lock()
        let w = idle.popLast()
        lock.unlock()
        let worker = try w ?? CholmodWorker(n: size, columnStart: columnStart, rowIndex: rowIndex)
        defer { lock.lock(); idle.append(worker); lock.unlock() }
        worker.offDiagonal = offDiagonal
        return try body(worker)
    }
}

/// One CHOLMOD workspace with the analysed pattern of I − ρS and its factor.
private final class CholmodWorker {
    private let common: UnsafeMutablePointer<cholmod_common>
    private var a: UnsafeMutablePointer<cholmod_sparse>?
    private var l: UnsafeMutablePointer<cholmod_factor>?
    private let n: Int
    var offDiagonal: [Double] = []
    private var factoredRho: Double?

    init(n: Int, columnStart: [Int32], rowIndex: [Int32]) throws {
        self.n = n
        common = .allocate(capacity: 1)
        cholmod_start(common)
        common.pointee.print = 0
        // AMD only: deterministic, and for the planar-like graphs of spatial weights its
        // fill is close to METIS's at a fraction of the analysis time.
        common.pointee.nmethods = 1
        common.pointee.method.0.ordering = CHOLMOD_AMD
        let nnz = rowIndex.count
        a = cholmod_allocate_sparse(n, n, nnz, 1, 1, -1, CHOLMOD_REAL, common)
        try cholmodCheck("cholmod_allocate_sparse", common)
        guard let a else { throw SuiteSparseError(function: "cholmod_allocate_sparse", status: common.pointee.status) }
        let p = a.pointee.p.assumingMemoryBound(to: Int32.self)
        let ix = a.pointee.i.assumingMemoryBound(to: Int32.self)
        let x = a.pointee.x.assumingMemoryBound(to: Double.self)
        for k in 0...n { p[k] = columnStart[k] }
        for k in 0..<nnz { ix[k] = rowIndex[k]; x[k] = 0 }
        for j in 0..<n { x[Int(columnStart[j])] = 1 }
        l = cholmod_analyze(a, common)
        try cholmodCheck("cholmod_analyze", common)
    }

    func release() {
        cholmod_free_factor(&l, common)
        cholmod_free_sparse(&a, common)
        cholmod_finish(common)
        common.deallocate()
    }

    /// Factorises I − ρS (skipped when ρ is the one already factored); false when not positive definite.
    func factor(rho: Double) throws -> Bool {
        guard let a, let l else { throw SuiteSparseError(function: "cholmod_analyze", status: common.pointee.status) }
        if factoredRho != rho {
            let p = a.pointee.p.assumingMemoryBound(to: Int32.self)
            let x = a.pointee.x.assumingMemoryBound(to: Double.self)
            for j in 0..<n {
                for k in Int(p[j])..<Int(p[j + 1]) { x[k] = k == Int(p[j]) ? 1 : -rho * offDiagonal[k] }
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

    func solve(_ b: [Double]) throws -> [Double] {
        let k = b.count / n
        var rhs = cholmod_allocate_dense(n, k, n, CHOLMOD_REAL, common)
        try cholmodCheck("cholmod_allocate_dense", common)
        defer { cholmod_free_dense(&rhs, common) }
        let bx = rhs!.pointee.x.assumingMemoryBound(to: Double.self)
        for t in 0..<b.count { bx[t] = b[t] }
        var sol = cholmod_solve(CHOLMOD_A, l, rhs, common)
        try cholmodCheck("cholmod_solve", common)
        defer { cholmod_free_dense(&sol, common) }
        let sx = sol!.pointee.x.assumingMemoryBound(to: Double.self)
        return (0..<b.count).map { sx[$0] }
    }
}
