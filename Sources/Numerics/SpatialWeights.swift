import Foundation

/// A spatial weight matrix W (N × N, zero diagonal) together with its spectrum,
/// computed once and shared by every fit and every replication that uses W.
///
/// Most weight matrices in use are W = D⁻¹C with C symmetric (row-standardised
/// contiguity, distance decay, symmetrised kNN) or W symmetric itself. Such a W
/// is similar to the symmetric S = R^{1/2} W R^{-1/2} with R = diag(r) and
/// r_i w_ij = r_j w_ji; its eigenvalues are real and S = VΛVᵀ gives every
/// quantity the estimators need in O(N²) per evaluation (MODEL.md §4):
/// log|I − ρW|, (I − ρW)⁻¹b and the traces of G = W(I − ρW)⁻¹.
/// Other matrices (non-symmetrised kNN) fall back to general eigenvalues
/// (possibly complex) and an LU factorisation per ρ.
public struct SpatialWeights: Sendable {
    public let matrix: Matrix
    public let spectrum: WeightSpectrum
    /// Compressed rows of W when at most a quarter of its entries are nonzero
    /// (contiguity, kNN, distance bands): products then cost O(nnz) per column
    /// instead of O(N²), which is most of an SDM fit's time at N = 280.
    let sparseRows: SparseRows?
    /// True when every row sums to 1 (to 1e-10): ω_max = 1, the Lee–Yu transformation with
    /// time effects applies, and total effects are 1/(1 − ρ) times β + θ. Cached because the
    /// estimators ask on every fit.
    public let isRowStandardised: Bool

    public var count: Int { matrix.rows }

    /// Validates W and computes its spectrum (the one O(N³) step).
    public init(_ w: Matrix) throws {
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
        if let i = sums.firstIndex(where: { $0 == 0 }) {
            throw NumericsError("unit \(i + 1) has no neighbours (an island: its row of W is all zeros); connect it or drop it")
        }
        matrix = w
        spectrum = try WeightSpectrum(w)
        sparseRows = SparseRows(w, maximumDensity: 0.25)
        isRowStandardised = sums.allSatisfy { abs($0 - 1) < 1e-10 }
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

    /// Interval of ρ (or λ) for which I − ρW is invertible with a positive
    /// determinant path from ρ = 0: (1/ω_min, 1/ω_max) over the real eigenvalues.
    public var stableInterval: (lower: Double, upper: Double) { spectrum.stableInterval }

    /// Wx for one cross-section.
    public func apply(_ x: [Double]) -> [Double] {
        if let sparseRows { return sparseRows.multiplyBlocks(x, blockLength: count) }
        return matrix.multiply(x)
    }

    /// W applied period by period to a time-major panel vector (index t·N + i):
    /// the vector read column-major is the N × T matrix whose column t is period t,
    /// so the whole panel is one matrix product.
    public func applyPanel(_ y: [Double]) -> [Double] {
        let n = count
        precondition(y.count % n == 0, "panel length \(y.count) is not a multiple of N = \(n)")
        if let sparseRows { return sparseRows.multiplyBlocks(y, blockLength: n) }
        let ymat = Matrix(rows: n, cols: y.count / n, uncheckedColumnMajor: y)
        return (matrix * ymat).data
    }

    /// W applied to each column of a time-major panel design matrix (NT × k).
    public func applyPanel(_ x: Matrix) -> Matrix {
        let n = count
        precondition(x.rows % n == 0, "panel rows \(x.rows) are not a multiple of N = \(n)")
        // Column-major NT × k is exactly N × (T·k) column-major.
        if let sparseRows {
            return Matrix(rows: x.rows, cols: x.cols, uncheckedColumnMajor: sparseRows.multiplyBlocks(x.data, blockLength: n))
        }
        let xm = Matrix(rows: n, cols: x.rows / n * x.cols, uncheckedColumnMajor: x.data)
        return Matrix(rows: x.rows, cols: x.cols, uncheckedColumnMajor: (matrix * xm).data)
    }
}

/// Compressed sparse rows of a square matrix.
struct SparseRows: Sendable {
    let n: Int
    let rowStart: [Int]
    let columns: [Int]
    let values: [Double]

    /// nil when more than `maximumDensity` of the entries are nonzero (dense BLAS is then faster).
    init?(_ w: Matrix, maximumDensity: Double) {
        let n = w.rows
        var nnz = 0
        for v in w.data where v != 0 { nnz += 1 }
        guard Double(nnz) <= maximumDensity * Double(n * n) else { return nil }
        var start = [Int](repeating: 0, count: n + 1)
        var cols: [Int] = [], vals: [Double] = []
        cols.reserveCapacity(nnz); vals.reserveCapacity(nnz)
        for i in 0..<n {
            for j in 0..<n where w[i, j] != 0 { cols.append(j); vals.append(w[i, j]) }
            start[i + 1] = cols.count
        }
        self.n = n
        rowStart = start
        columns = cols
        values = vals
    }

    /// Applies the matrix to each consecutive block of `blockLength` (= N) values.
    func multiplyBlocks(_ x: [Double], blockLength: Int) -> [Double] {
        precondition(blockLength == n && x.count % n == 0)
        var out = [Double](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                rowStart.withUnsafeBufferPointer { rs in
                    columns.withUnsafeBufferPointer { cs in
                        values.withUnsafeBufferPointer { vs in
                            var base = 0
                            while base < x.count {
                                for i in 0..<n {
                                    var acc = 0.0
                                    for k in rs[i]..<rs[i + 1] { acc += vs[k] * px[base + cs[k]] }
                                    po[base + i] = acc
                                }
                                base += n
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// Eigen-structure of W, cached with it.
public struct WeightSpectrum: Sendable {
    /// Real parts of the eigenvalues, ascending.
    public let real: [Double]
    /// Imaginary parts in the same order (all zero for a symmetrisable W).
    public let imaginary: [Double]
    /// Present when W is similar to a symmetric matrix: W = R^{-1/2} V Λ Vᵀ R^{1/2}.
    public let symmetricForm: SymmetricForm?

    public struct SymmetricForm: Sendable {
        /// r^{1/2} and r^{-1/2}, the similarity scaling.
        public let sqrtR: [Double]
        public let invSqrtR: [Double]
        /// Orthonormal eigenvectors of S, columns in the order of `real`.
        public let vectors: Matrix
        /// H = (VᵀR⁻¹V) ∘ (VᵀRV): tr(GᵀG) = Σ_ij g_i g_j H_ij with g = ω/(1 − ρω).
        public let traceKernel: Matrix
    }

    public var isReal: Bool { imaginary.allSatisfy { $0 == 0 } }
    public var minimum: Double { real.first! }
    public var maximum: Double { real.last! }

    /// (1/ω_min, 1/ω_max) using the real eigenvalues' extremes; for complex spectra
    /// the interval is the real-axis one, a standard and conservative choice.
    public var stableInterval: (lower: Double, upper: Double) {
        (1 / min(minimum, -1e-12), 1 / max(maximum, 1e-12))
    }

    init(_ w: Matrix) throws {
        if let r = WeightSpectrum.similarityScaling(w) {
            let n = w.rows
            let sq = r.map { $0.squareRoot() }
            let isq = sq.map { 1 / $0 }
            var s = Matrix(rows: n, cols: n)
            for j in 0..<n { for i in 0..<n { s[i, j] = sq[i] * w[i, j] * isq[j] } }
            // Symmetrise away rounding so dsyevd sees an exactly symmetric matrix.
            for j in 0..<n { for i in 0..<j { let m = 0.5 * (s[i, j] + s[j, i]); s[i, j] = m; s[j, i] = m } }
            let e = try SymmetricEigen(s)
            real = e.values
            imaginary = [Double](repeating: 0, count: n)
            let v = e.vectors
            var vr = v, vri = v
            for j in 0..<n { for i in 0..<n { vr[i, j] = v[i, j] * r[i]; vri[i, j] = v[i, j] / r[i] } }
            let q = Matrix.product(v, vr, transposeA: true)   // VᵀRV
            let p = Matrix.product(v, vri, transposeA: true)  // VᵀR⁻¹V
            var h = Matrix(rows: n, cols: n)
            for k in 0..<(n * n) { h.data[k] = p.data[k] * q.data[k] }
            symmetricForm = SymmetricForm(sqrtR: sq, invSqrtR: isq, vectors: v, traceKernel: h)
        } else {
            let e = try GeneralEigenvalues(w)
            let order = (0..<w.rows).sorted { e.real[$0] < e.real[$1] }
            real = order.map { e.real[$0] }
            imaginary = order.map { abs(e.imaginary[$0]) < 1e-12 ? 0 : e.imaginary[$0] }
            symmetricForm = nil
        }
    }

    /// Finds r > 0 with r_i w_ij = r_j w_ji for all i, j, or nil if none exists.
    /// Walks the graph of W from each unvisited unit fixing r_j = r_i w_ij / w_ji,
    /// then verifies every pair (O(N²)).
    static func similarityScaling(_ w: Matrix) -> [Double]? {
        let n = w.rows
        var r = [Double](repeating: 0, count: n)
        var queue: [Int] = []
        for start in 0..<n where r[start] == 0 {
            r[start] = 1
            queue.append(start)
            while let i = queue.popLast() {
                for j in 0..<n where w[i, j] != 0 {
                    guard w[j, i] != 0 else { return nil }   // asymmetric sparsity pattern
                    if r[j] == 0 { r[j] = r[i] * w[i, j] / w[j, i]; queue.append(j) }
                }
            }
        }
        let tol = 1e-10
        for j in 0..<n {
            for i in 0..<j {
                let a = r[i] * w[i, j], b = r[j] * w[j, i]
                if abs(a - b) > tol * max(abs(a), abs(b), 1e-300) { return nil }
            }
        }
        // Normalise so the scaling is well conditioned (geometric mean 1).
        let lg = r.reduce(0) { $0 + log($1) } / Double(n)
        return r.map { $0 / exp(lg) }
    }

    /// log|det(I − ρW)| = Σ ln|1 − ρω_i| (complex pairs contribute their modulus).
    public func logDeterminant(rho: Double) -> Double {
        var s = 0.0
        for k in 0..<real.count {
            let a = 1 - rho * real[k], b = rho * imaginary[k]
            s += b == 0 ? log(abs(a)) : 0.5 * log(a * a + b * b)
        }
        return s
    }

    /// tr(G) = Σ ω/(1 − ρω) = −d/dρ log|I − ρW|. Complex eigenvalues come in
    /// conjugate pairs, so the sum is real: each term contributes its real part.
    public func traceG(rho: Double) -> Double {
        var s = 0.0
        for k in 0..<real.count { s += gTerm(k, rho).re }
        return s
    }

    /// tr(G²) = Σ (ω/(1 − ρω))², real parts summed as for `traceG`.
    public func traceG2(rho: Double) -> Double {
        var s = 0.0
        for k in 0..<real.count { let g = gTerm(k, rho); s += g.re * g.re - g.im * g.im }
        return s
    }

    /// g = ω/(1 − ρω) for ω = a + bi: with d = |1 − ρω|², g = (a − ρ|ω|²)/d + i·b/d.
    @inline(__always) private func gTerm(_ k: Int, _ rho: Double) -> (re: Double, im: Double) {
        let a = real[k], b = imaginary[k]
        if b == 0 { return (a / (1 - rho * a), 0) }
        let c = 1 - rho * a, d = c * c + rho * rho * b * b
        return ((a - rho * (a * a + b * b)) / d, b / d)
    }

    /// tr(GᵀG) in O(N²) through the cached kernel; nil when W has no symmetric form.
    public func traceGtG(rho: Double) -> Double? {
        guard let f = symmetricForm else { return nil }
        let n = real.count
        let g = real.map { $0 / (1 - rho * $0) }
        var s = 0.0
        let h = f.traceKernel
        for j in 0..<n {
            var c = 0.0
            for i in 0..<n { c += g[i] * h.data[i + j * n] }
            s += c * g[j]
        }
        return s
    }
}
