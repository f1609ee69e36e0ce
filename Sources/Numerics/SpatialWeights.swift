import Foundation

/// A spatial weight matrix W (N × N, zero diagonal, non-negative) together with what every
/// fit and replication that uses it needs: its log-determinant method, products and solves.
///
/// Two representations, chosen by the log-determinant method (`auto` by size):
/// * exact — the spectrum of W is computed once (the one O(N³) step, MODEL.md §4); most W
///   are similar to a symmetric S = R^{1/2} W R^{-1/2} (R = diag(r), r_i w_ij = r_j w_ji),
///   and S = VΛVᵀ then gives log|I − ρW|, (I − ρW)⁻¹b and the traces of G in O(N²);
/// * sparse, chebyshev, mc — W is kept in compressed rows only; log|I − ρW| comes from a
///   sparse Cholesky factorisation of I − ρS or a series approximation, solves from the
///   same factorisation, and no N × N array exists anywhere.
public struct SpatialWeights: Sendable {
    /// Compressed rows of W when at most a quarter of its entries are nonzero (always for
    /// the sparse methods): products then cost O(nnz) instead of O(N²).
    public let sparse: SparseMatrix?
    private let denseMatrix: Matrix?
    /// The eigen-structure; nil unless the method is `exact`.
    public var spectrum: WeightSpectrum? { sharedSpectrum?.spectrum }
    /// Σ_{i>j} G_ij G_ji w_ij in O(N²) through the spectrum (`SquaredGSeries`); nil without a symmetric form.
    public var squaredG: SquaredGSeries? { sharedSpectrum?.squaredG }
    /// Shared with every other `SpatialWeights` of the same W in the process (`SpectrumCache`); computed
    /// on first use when deferred (`deferringSpectrum`).
    private let spectrumHolding: SpectrumHolding
    private var sharedSpectrum: SharedSpectrum? {
        switch spectrumHolding {
        case .none: return nil
        case .ready(let s): return s
        case .deferred(let d): return d.resolved
        }
    }
    /// The spectrum when it is already there (never computes a deferred one): what a product with W reads
    /// for its packed copy of W, so multiplying by a W never needs, or waits for, its eigendecomposition.
    private var readySharedSpectrum: SharedSpectrum? {
        switch spectrumHolding {
        case .none: return nil
        case .ready(let s): return s
        case .deferred(let d): return d.ifResolved
        }
    }
    /// The sparse methods' source; nil with the exact method (the spectrum is the source).
    private let sparseLogDeterminant: (any LogDeterminantSource)?
    public var logDeterminant: any LogDeterminantSource { sparseLogDeterminant ?? sharedSpectrum!.source }
    /// r^{1/2}, r^{-1/2} and the factorisable S for the sparse methods when W has a symmetric form.
    let symmetricSystem: (sqrtR: [Double], invSqrtR: [Double], system: SymmetricSparseSystem)?
    /// True when every row sums to 1 (to 1e-10): ω_max = 1, the Lee–Yu transformation with
    /// time effects applies, and total effects are 1/(1 − ρ) times β + θ. Cached because the
    /// estimators ask on every fit.
    public let isRowStandardised: Bool
    /// Interval of ρ (or λ) on which I − ρW is invertible with a positive determinant path
    /// from ρ = 0. Exact: (1/ω_min, 1/ω_max) over the real eigenvalues. Other methods compute
    /// no eigenvalues and use (−1/r, 1/r) with r = min(‖W‖_∞, ‖W‖₁) ≥ spectral radius: for a
    /// row-standardised W that is (−1, 1), exact at the top and spatialreg's default below.
    public var stableInterval: (lower: Double, upper: Double) { storedInterval ?? sharedSpectrum!.spectrum.stableInterval }
    private let storedInterval: (lower: Double, upper: Double)?
    public let count: Int
    /// The control variate of the Hutchinson tr(GᵀG) (sparse methods), computed on first use.
    let sparseMoments: ControlVariateMoments

    /// Above this many units `auto` leaves the spectrum for the sparse methods: the
    /// eigen-decomposition costs 5 s at N = 2,000 and grows as N³.
    public static let exactSizeLimit = 2_000

    /// W as a dense matrix (O(N²) memory when W is stored sparse: output and small N only).
    public var matrix: Matrix { denseMatrix ?? sparse!.dense() }

    /// Validates W and computes its spectrum (the exact method).
    public init(_ w: Matrix) throws { try self.init(w, logDeterminant: .exact) }

    /// - Parameter allowIsolated: keep units whose row is all zeros (no neighbour) instead of
    ///   refusing them. Such a unit contributes a zero eigenvalue (ln 1 = 0 to log|I − ρW|); the
    ///   unbalanced-panel estimator needs it for a year in which a city has no neighbour present.
    ///
    /// - Parameter deferringSpectrum: with the exact method, compute the spectrum on first use instead of
    ///   now (every check above still runs now): for a W that may never be used (an estimator W no
    ///   estimator of the run names). `resolveSpectrum()` computes it and throws what computing it now
    ///   would have thrown; a caller that defers must call it before anything reads the spectrum, the
    ///   log-determinant or the stable interval.
    public init(_ w: Matrix, logDeterminant method: LogDeterminantMethod, allowIsolated: Bool = false,
                deferringSpectrum: Bool = false) throws {
        guard w.isSquare else { throw NumericsError("weight matrix is \(w.rows)×\(w.cols); it must be square") }
        guard w.rows >= 2 else { throw NumericsError("weight matrix needs at least 2 units, got \(w.rows)") }
        guard w.data.allSatisfy({ $0.isFinite }) else { throw NumericsError("weight matrix has NaN or infinite entries") }
        for i in 0..<w.rows where w[i, i] != 0 {
            throw NumericsError("weight matrix has a nonzero diagonal entry at unit \(i + 1) (w_ii = \(w[i, i])); a unit is not its own neighbour")
        }
        if let i = w.data.firstIndex(where: { $0 < 0 }) {
            throw NumericsError("weight matrix has a negative entry at row \(i % w.rows + 1), column \(i / w.rows + 1)")
        }
        let sums = w.rowSums()
        if !allowIsolated, let i = sums.firstIndex(where: { $0 == 0 }) {
            throw NumericsError("unit \(i + 1) has no neighbours (an island: its row of W is all zeros); connect it or drop it")
        }
        let sp = SparseMatrix(dense: w, maximumDensity: 0.25)
        // A dense W has no sparse method; `auto` then keeps the spectrum whatever the size.
        let resolved = sp == nil && method == .auto
            ? .exact : try Self.resolve(method, count: w.rows, symmetrisable: { sp.map { Self.similarityScaling($0) != nil } ?? true })
        guard resolved != .exact else {
            if deferringSpectrum {
                self.init(sparse: sp, dense: w, spectrum: .deferred(DeferredSpectrum(w)), logDeterminant: nil,
                          symmetricSystem: sp.flatMap(Self.symmetricSystem),
                          rowStandardised: sums.allSatisfy { abs($0 - 1) < 1e-10 }, interval: nil)
                return
            }
            let shared = try SpectrumCache.spectrum(of: w)
            self.init(sparse: sp, dense: w, spectrum: .ready(shared), logDeterminant: nil, symmetricSystem: sp.flatMap(Self.symmetricSystem),
                      rowStandardised: sums.allSatisfy { abs($0 - 1) < 1e-10 }, interval: shared.spectrum.stableInterval)
            return
        }
        guard let sp else {
            throw NumericsError("W has more than a quarter of its entries nonzero; the \(resolved.rawValue) log-determinant needs a sparse W (use exact)")
        }
        try self.init(validatedSparse: sp, method: resolved)
    }

    /// W given in compressed rows; the exact method densifies it (small N only).
    /// - Parameter allowIsolated: as for a dense W.
    public init(sparse w: SparseMatrix, logDeterminant method: LogDeterminantMethod, allowIsolated: Bool = false) throws {
        guard w.rows == w.cols else { throw NumericsError("weight matrix is \(w.rows)×\(w.cols); it must be square") }
        guard w.rows >= 2 else { throw NumericsError("weight matrix needs at least 2 units, got \(w.rows)") }
        guard w.values.allSatisfy({ $0.isFinite }) else { throw NumericsError("weight matrix has NaN or infinite entries") }
        for i in 0..<w.rows {
            for k in w.rowStart[i]..<w.rowStart[i + 1] {
                if w.columns[k] == i {
                    throw NumericsError("weight matrix has a nonzero diagonal entry at unit \(i + 1) (w_ii = \(w.values[k])); a unit is not its own neighbour")
                }
                if w.values[k] < 0 { throw NumericsError("weight matrix has a negative entry at row \(i + 1), column \(w.columns[k] + 1)") }
            }
        }
        if !allowIsolated, let i = w.rowSums().firstIndex(where: { $0 == 0 }) {
            throw NumericsError("unit \(i + 1) has no neighbours (an island: its row of W is all zeros); connect it or drop it")
        }
        // As for a dense W: `auto` keeps the spectrum when more than a quarter of W is nonzero.
        let dense = Double(w.nonzeroCount) > 0.25 * Double(w.rows * w.rows)
        let resolved = dense && method == .auto
            ? .exact : try Self.resolve(method, count: w.rows, symmetrisable: { Self.similarityScaling(w) != nil })
        if resolved == .exact { try self.init(w.dense(), logDeterminant: .exact, allowIsolated: allowIsolated); return }
        try self.init(validatedSparse: w, method: resolved)
    }

    private init(sparse: SparseMatrix?, dense: Matrix?, spectrum: SpectrumHolding, logDeterminant: (any LogDeterminantSource)?,
                 symmetricSystem: (sqrtR: [Double], invSqrtR: [Double], system: SymmetricSparseSystem)?,
                 rowStandardised: Bool, interval: (lower: Double, upper: Double)?, moments: ControlVariateMoments? = nil) {
        self.sparse = sparse
        sparseMoments = moments ?? ControlVariateMoments(w: sparse)
        denseMatrix = dense
        spectrumHolding = spectrum
        sparseLogDeterminant = logDeterminant
        self.symmetricSystem = symmetricSystem
        isRowStandardised = rowStandardised
        storedInterval = interval
        count = sparse?.rows ?? dense!.rows
    }

    private init(validatedSparse w: SparseMatrix, method: LogDeterminantMethod) throws {
        let rowSums = w.rowSums()
        let colSums = w.transposed().rowSums()
        let rowStandardised = rowSums.allSatisfy { abs($0 - 1) < 1e-10 }
        // A row-standardised W has spectral radius exactly 1 (a positive eigenvector, 1).
        let radius = rowStandardised ? 1 : min(rowSums.max()!, colSums.max()!)
        var sym: (sqrtR: [Double], invSqrtR: [Double], system: SymmetricSparseSystem)?
        var symmetricForm: SparseMatrix?
        let scaling = Self.similarityScaling(w)
        if let r = scaling {
            let sq = r.map { $0.squareRoot() }, isq = sq.map { 1 / $0 }
            let s = w.scaled(left: sq, right: isq)
            sym = (sq, isq, try SymmetricSparseSystem(s))
            symmetricForm = s
        }
        let interval = (lower: -1 / radius, upper: 1 / radius)
        let moments = ControlVariateMoments(w: w, scaling: scaling)
        let source: any LogDeterminantSource
        switch method {
        case .sparse:
            guard let sym, let symmetricForm else {
                throw NumericsError("the sparse log-determinant needs a W similar to a symmetric matrix (r_i w_ij = r_j w_ji, e.g. a row-standardised symmetric connectivity); this W is not — use chebyshev or mc")
            }
            source = SparseLogDeterminant(system: sym.system, symmetric: symmetricForm, scale: radius,
                                          rowStandardised: rowStandardised, moments: moments, interval: interval)
        case .chebyshev: source = ChebyshevLogDeterminant(w: w, scale: radius, realSpectrum: sym != nil || w == w.transposed())
        case .mc: source = MonteCarloLogDeterminant(w: w, scale: radius)
        case .exact, .auto: throw NumericsError("internal: unresolved log-determinant method \(method.rawValue)")
        }
        self.init(sparse: w, dense: nil, spectrum: .none, logDeterminant: source, symmetricSystem: sym,
                  rowStandardised: rowStandardised, interval: interval, moments: moments)
    }

    /// r^{1/2}, r^{-1/2} and the sparse system of S = R^{1/2}WR^{-1/2}, when W has a symmetric form.
    /// With the exact method it serves products with G = W(I − ρW)⁻¹ (`factorisesG`): one sparse
    /// Cholesky factorisation and solve cost O(nnz of the factor) against O(N²) per column through
    /// the spectrum. Nil when W has no symmetric form (or CHOLMOD refuses it; the spectrum serves).
    static func symmetricSystem(_ w: SparseMatrix) -> (sqrtR: [Double], invSqrtR: [Double], system: SymmetricSparseSystem)? {
        guard let r = similarityScaling(w) else { return nil }
        let sq = r.map { $0.squareRoot() }, isq = sq.map { 1 / $0 }
        guard let system = try? SymmetricSparseSystem(w.scaled(left: sq, right: isq)) else { return nil }
        return (sq, isq, system)
    }

    /// True when products with G go through a sparse factorisation of I − ρS (`sparseApplyG`) even
    /// though the spectrum is held: W is sparse and similar to a symmetric matrix.
    public var factorisesG: Bool { spectrum != nil && symmetricSystem != nil }

    /// Computes a deferred spectrum (`deferringSpectrum`), throwing what computing it at construction would
    /// have thrown; does nothing when the spectrum was computed then or the method has none.
    public func resolveSpectrum() throws {
        if case .deferred(let d) = spectrumHolding { _ = try d.get() }
    }

    /// True while the spectrum is deferred and not yet computed.
    public var spectrumIsPending: Bool {
        if case .deferred(let d) = spectrumHolding { return !d.isResolved }
        return false
    }

    /// `auto` → exact up to `exactSizeLimit` units, else sparse (chebyshev without a symmetric form).
    static func resolve(_ m: LogDeterminantMethod, count: Int, symmetrisable: () -> Bool) throws -> LogDeterminantMethod {
        guard m == .auto else { return m }
        if count <= exactSizeLimit { return .exact }
        return symmetrisable() ? .sparse : .chebyshev
    }

    /// Divides each row by its sum (the usual normalisation; ω_max = 1).
    public static func rowStandardised(_ c: Matrix) throws -> SpatialWeights {
        var w = c
        let s = c.rowSums()
        for i in 0..<c.rows where s[i] == 0 {
            throw NumericsError("unit \(i + 1) has no neighbours (an island: its row of W is all zeros); connect it or drop it")
        }
        for j in 0..<c.cols { for i in 0..<c.rows { w[i, j] /= s[i] } }
        return try SpatialWeights(w)
    }

    /// Wx for one cross-section.
    public func apply(_ x: [Double]) -> [Double] {
        if let sparse { return sparse.multiplyBlocks(x) }
        return matrix.multiply(x)
    }

    /// W applied period by period to a time-major panel vector (index t·N + i):
    /// the vector read column-major is the N × T matrix whose column t is period t,
    /// so the whole panel is one matrix product.
    public func applyPanel(_ y: [Double]) -> [Double] {
        let n = count
        precondition(y.count % n == 0, "panel length \(y.count) is not a multiple of N = \(n)")
        if let sparse { return sparse.multiplyBlocks(y) }
        if let product = readySharedSpectrum?.packedW?.product(y, width: y.count / n) { return product }
        let ymat = Matrix(rows: n, cols: y.count / n, uncheckedColumnMajor: y)
        return (matrix * ymat).data
    }

    /// W applied to each column of a time-major panel design matrix (NT × k).
    public func applyPanel(_ x: Matrix) -> Matrix {
        let n = count
        precondition(x.rows % n == 0, "panel rows \(x.rows) are not a multiple of N = \(n)")
        // Column-major NT × k is exactly N × (T·k) column-major.
        if let sparse {
            return Matrix(rows: x.rows, cols: x.cols, uncheckedColumnMajor: sparse.multiplyBlocks(x.data))
        }
        let width = x.rows / n * x.cols
        if let product = readySharedSpectrum?.packedW?.product(x.data, width: width) {
            return Matrix(rows: x.rows, cols: x.cols, uncheckedColumnMajor: product)
        }
        let xm = Matrix(rows: n, cols: width, uncheckedColumnMajor: x.data)
        return Matrix(rows: x.rows, cols: x.cols, uncheckedColumnMajor: (matrix * xm).data)
    }

    /// The per-unit multipliers of A = (I − ρW)⁻¹ and G = WA at ρ (`WeightSpectrum.unitMultipliers(rho:)`, its
    /// bits), reading V's packed copy (`PackedOperand`, the one G(ρ)·v's product reads and leaves in cache)
    /// where the 512-bit kernel runs; nil without a spectrum or a symmetric form.
    public func unitMultipliers(rho: Double) -> [Double]? {
        guard let spectrum else { return nil }
        return spectrum.unitMultipliers(rho: rho, packed: WideKernels.available ? sharedSpectrum?.packedVectors(transposed: false) : nil)
    }

    /// V·B, or Vᵀ·B when `transposed`, for the eigenvectors V of W's symmetric form and the column-major
    /// N × `width` B, through V packed once per W (`PackedOperand`): `Matrix.product(V, B, transposeA:)`'s
    /// bits. Nil when W has no symmetric form or the packed product does not apply (odd width, another
    /// BLAS or CPU, N above `PackedOperand.maximumUnits`): the caller multiplies by dgemm.
    public func symmetricFormProduct(_ b: [Double], width: Int, transposed: Bool) -> [Double]? {
        sharedSpectrum?.packedVectors(transposed: transposed)?.product(b, width: width)
    }

    /// Finds r > 0 with r_i w_ij = r_j w_ji for all i, j, or nil if none exists: walks the
    /// graph of W from each unvisited unit fixing r_j = r_i w_ij / w_ji, then verifies every
    /// nonzero pair (O(nnz log N)).
    static func similarityScaling(_ w: SparseMatrix) -> [Double]? {
        let n = w.rows
        var r = [Double](repeating: 0, count: n)
        var queue: [Int] = []
        for start in 0..<n where r[start] == 0 {
            r[start] = 1
            queue.append(start)
            while let i = queue.popLast() {
                for k in w.rowStart[i]..<w.rowStart[i + 1] {
                    let j = w.columns[k], wji = w[j, i]
                    guard wji != 0 else { return nil }   // asymmetric sparsity pattern
                    if r[j] == 0 { r[j] = r[i] * w.values[k] / wji; queue.append(j) }
                }
            }
        }
        for i in 0..<n {
            for k in w.rowStart[i]..<w.rowStart[i + 1] {
                let j = w.columns[k]
                let a = r[i] * w.values[k], b = r[j] * w[j, i]
                if abs(a - b) > 1e-10 * max(abs(a), abs(b), 1e-300) { return nil }
            }
        }
        let lg = r.reduce(0) { $0 + log($1) } / Double(n)
        return r.map { $0 / exp(lg) }
    }
}
