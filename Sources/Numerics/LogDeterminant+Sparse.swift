import Foundation

/// log det(I − ρS) by a sparse Cholesky factorisation at every ρ (exact to rounding),
/// S = R^{1/2} W R^{-1/2} the symmetric matrix similar to W (same determinant).
///
/// tr(G) and tr(G²) are the first two derivatives of −log det. They come from a Chebyshev
/// interpolant of the exact log-determinant on a short interval [c − h, c + h] around the ρ
/// asked for (cached by canonical centre c on a grid of 0.02), of the smallest degree whose
/// truncation bound (`degree(halfWidth:distance:size:)`) keeps the error of tr(G) below 1e-13·N
/// and that of tr(G²) below 1e-10·N: degree 8 (9 factorisations) for |ρ| ≤ 0.3, 9–10 at
/// 0.5–0.6, 12 at 0.8, up to 16 near the ends of the interval (13 points everywhere before).
/// The derivatives are then limited by rounding: about 1e-8 in tr(G) and 1e-5 in tr(G²) at
/// N = 10⁴, far below what moves ρ̂ (tested against the spectrum at N = 2,000).
final class SparseLogDeterminant: LogDeterminantSource, @unchecked Sendable {
    let method = LogDeterminantMethod.sparse
    let system: SymmetricSparseSystem
    /// Open interval of ρ on which I − ρS is positive definite (the singularities lie at its ends).
    let interval: (lower: Double, upper: Double)
    static let maximumHalfWidth = 0.02
    /// Degrees the truncation bound chooses from (12 was the fixed degree before session 6).
    static let degrees = 4...16
    /// Bounds on the interpolation error of tr(G) and tr(G²), relative to N.
    static let traceGTolerance = 1e-13
    static let traceG2Tolerance = 1e-10

    private let lock = NSLock()
    private var cache: [Interpolant] = []

    /// Chebyshev coefficients (Numerical Recipes convention, f = Σ c_k T_k − c_0/2) of the
    /// first and second derivatives on [centre − halfWidth, centre + halfWidth].
    struct Interpolant {
        let centre: Double
        let halfWidth: Double
        let first: [Double]
        let second: [Double]
    }

    /// S itself and whether W is row-standardised, for the search surrogate (built on first use).
    private let symmetric: SparseMatrix
    private let scale: Double
    private let rowStandardised: Bool
    private let moments: ControlVariateMoments
    private var surrogate: SurrogateLogDeterminant?

    init(system: SymmetricSparseSystem, symmetric: SparseMatrix, scale: Double, rowStandardised: Bool,
         moments: ControlVariateMoments, interval: (lower: Double, upper: Double)) {
        self.system = system
        self.moments = moments
        self.symmetric = symmetric
        self.scale = scale
        self.rowStandardised = rowStandardised
        self.interval = interval
    }

    /// Every factorisation costs O(nnz of the factor) and a search needs about 20 of them, so the
    /// search runs on a stochastic Chebyshev series (`SurrogateLogDeterminant`, q/2 sparse
    /// products per probe, built once per W) and only its end uses the exact value.
    var searchSurrogate: (any LogDeterminantSource)? {
        lock.lock()
        defer { lock.unlock() }
        if let surrogate { return surrogate }
        let s = SurrogateLogDeterminant(symmetric: symmetric, powerTraces: moments.powerTraces(), scale: scale,
                                        unitRoot: rowStandardised)
        surrogate = s
        return s
    }

    func logDeterminant(rho: Double) -> Double {
        guard let v = try? system.logDeterminant(rho: rho) else { return -.infinity }
        return v
    }

    func traceG(rho: Double) -> Double {
        guard let p = interpolant(at: rho) else { return .nan }
        return -Self.evaluate(p.first, (rho - p.centre) / p.halfWidth)
    }

    func traceG2(rho: Double) -> Double {
        guard let p = interpolant(at: rho) else { return .nan }
        return -Self.evaluate(p.second, (rho - p.centre) / p.halfWidth)
    }

    func accuracy(rho: Double) -> LogDeterminantAccuracy { .exact }

    /// Spacing of the canonical centres: the interpolant used at ρ depends on ρ alone (never on
    /// which ρ was asked first), so results are identical whatever the order of the fits or
    /// the number of threads.
    /// 0.02 (0.01 before session 6) with half-widths of 0.02: the cell of a centre lies in the middle
    /// half of its interpolant, and the Newton steps from the surrogate's maximiser leave the cell
    /// of their start (and pay a second interpolant) half as often.
    static let centreSpacing = 0.02

    private func interpolant(at rho: Double) -> Interpolant? {
        let grid = (rho / Self.centreSpacing).rounded() * Self.centreSpacing
        let gridDistance = min(grid - interval.lower, interval.upper - grid)
        // On the grid when the interval around the grid point still covers ρ; closer to a
        // singularity, an interpolant centred at ρ itself (not cached: fits rarely go there).
        let onGrid = 0.1 * gridDistance >= Self.centreSpacing
        let centre = onGrid ? grid : rho
        if onGrid {
            lock.lock()
            defer { lock.unlock() }
            if let hit = cache.first(where: { $0.centre == centre }) { return hit }
        }
        let distance = min(centre - interval.lower, interval.upper - centre)
        guard distance > 0 else { return nil }
        let h = min(Self.maximumHalfWidth, 0.1 * distance)
        let m = Self.degree(halfWidth: h, distance: distance, size: system.size) + 1
        // Values at the Chebyshev points of the first kind x_k = cos(π(k + ½)/m).
        var f = [Double](repeating: 0, count: m)
        for k in 0..<m {
            let x = cos(Double.pi * (Double(k) + 0.5) / Double(m))
            guard let v = try? system.logDeterminant(rho: centre + h * x) else { return nil }
            f[k] = v
        }
        var c = [Double](repeating: 0, count: m)
        for j in 0..<m {
            var s = 0.0
            for k in 0..<m { s += f[k] * cos(Double.pi * Double(j) * (Double(k) + 0.5) / Double(m)) }
            c[j] = 2 / Double(m) * s
        }
        let d1 = Self.derivative(c, halfWidth: h)
        let p = Interpolant(centre: centre, halfWidth: h, first: d1, second: Self.derivative(d1, halfWidth: h))
        if onGrid {
            lock.lock()
            if !cache.contains(where: { $0.centre == centre }) { cache.append(p) }
            if cache.count > 64 { cache.removeFirst() }
            lock.unlock()
        }
        return p
    }

    /// The smallest degree n in `degrees` whose interpolant on [c − h, c + h] has tr(G) and tr(G²)
    /// within `traceGTolerance`·N and `traceG2Tolerance`·N of the exact ones (the largest if none),
    /// d the distance from c to the nearer end of the stable interval (−1/r, 1/r), r ≥ |ω| for
    /// every eigenvalue ω of S.
    ///
    /// Bound: with ρ = c + hx, ln(1 − ρω) = ln(1 − cω) + ln(1 − a x), a = hω/(1 − cω), |a| ≤ h/d,
    /// and ln(1 − a x) = −ln(1 + b²) − 2 Σ_j (bʲ/j) T_j(x), b = a/(1 + √(1 − a²)) (the expansion of
    /// `ChebyshevLogDeterminant`), so log det's Chebyshev coefficients on the interval satisfy
    /// |C_j| ≤ 2N b̄ʲ/j, b̄ the largest |b|. Interpolation in n + 1 Chebyshev points aliases each
    /// T_j, j > n, onto a T_k, k ≤ n, so the error of the ν-th derivative is at most
    /// 2 Σ_{j>n} |C_j| max|T_j^{(ν)}| / h^ν, with max|T_j′| = j² and max|T_j″| = j²(j² − 1)/3
    /// (Markov; Trefethen, *Approximation Theory and Practice*, ch. 4 and 8):
    ///   |Δ tr G| ≤ (4N/h) Σ_{j>n} j b̄ʲ,  |Δ tr G²| ≤ (4N/(3h²)) Σ_{j>n} j(j² − 1) b̄ʲ.
    /// It depends on c, h and N only, so the interpolant at ρ still depends on ρ alone.
    static func degree(halfWidth h: Double, distance d: Double, size: Int) -> Int {
        let a = min(h / d, 0.5)
        let b = a / (1 + (1 - a * a).squareRoot())
        let nn = Double(size)
        for n in degrees {
            var first = 0.0, second = 0.0
            var power = pow(b, Double(n + 1))
            var j = Double(n + 1)
            // The terms fall geometrically (b̄ ≤ 0.27); stop once they no longer change the sums.
            while power > 0, j < Double(n + 400) {
                first += j * power
                second += j * (j * j - 1) * power
                power *= b
                j += 1
            }
            if 4 * nn / h * first <= traceGTolerance * nn, 4 * nn / (3 * h * h) * second <= traceG2Tolerance * nn { return n }
        }
        return degrees.upperBound
    }

    /// Coefficients of the derivative of a Chebyshev series (Numerical Recipes `chder`).
    static func derivative(_ c: [Double], halfWidth: Double) -> [Double] {
        let n = c.count
        var d = [Double](repeating: 0, count: n)
        if n >= 2 { d[n - 2] = 2 * Double(n - 1) * c[n - 1] }
        if n >= 3 { for j in stride(from: n - 3, through: 0, by: -1) { d[j] = d[j + 2] + 2 * Double(j + 1) * c[j + 1] } }
        return d.map { $0 / halfWidth }
    }

    /// Clenshaw evaluation of Σ c_k T_k(x) − c_0/2 (Numerical Recipes `chebev`).
    static func evaluate(_ c: [Double], _ x: Double) -> Double {
        var d = 0.0, dd = 0.0
        for j in stride(from: c.count - 1, through: 1, by: -1) {
            let sv = d
            d = 2 * x * d - dd + c[j]
            dd = sv
        }
        return x * d - dd + 0.5 * c[0]
    }
}
