import Foundation
import Numerics
// The effect kinds and curve shapes the truth shares with the estimators; users of CitySystem see them.
@_exported import Vocabulary

/// Scalar weights of the closed-form impacts (MODEL.md §3), for A = (I − ρW)⁻¹:
/// a1 = tr(A)/N, a2 = tr(AW)/N (from the eigenvalues), t1 = 1ᵀA1/N, t2 = 1ᵀAW1/N,
/// k1 = t1 − a1, k2 = t2 − a2. For row-standardised W, t1 = t2 = 1/(1 − ρ), the
/// MODEL.md form; the general form also covers spectral or no normalisation.
public struct EffectWeights: Codable, Sendable, Equatable {
    public let a1: Double
    public let a2: Double
    public let k1: Double
    public let k2: Double
    public let t1: Double
    public let t2: Double

    /// The multipliers (m1, m2) of β and θ in effect `kind`: DE = a1β + a2θ, IE = k1β + k2θ, TE = t1β + t2θ.
    public func multipliers(_ kind: EffectKind) -> (m1: Double, m2: Double) {
        switch kind {
        case .direct: return (a1, a2)
        case .indirect: return (k1, k2)
        case .total: return (t1, t2)
        }
    }
}

/// Closed-form direct / indirect / total effects and turning points of the SDM
/// (LeSage & Pace 2009 ch. 2; MODEL.md §3). Kept apart from the generator so the
/// truth can be read on its own.
public enum EffectFormulas {
    /// a1 = (1/N) Σ 1/(1 − ρω_i), a2 = (1/N) Σ ω_i/(1 − ρω_i) (real parts; complex pairs sum to reals),
    /// t1, t2 from one solve each with the cached filter. A W held sparse has no eigenvalues:
    /// a2 = tr(G)/N and a1 = 1 + ρ·tr(G)/N (A = I + ρG) from its log-determinant method.
    public static func weights(filter: SpatialFilter) throws -> EffectWeights {
        let w = filter.weights, rho = filter.rho
        let n = Double(w.count)
        var a1 = 0.0, a2 = 0.0
        if let s = w.spectrum {
            for k in 0..<s.real.count {
                let a = s.real[k], b = s.imaginary[k]
                let re = 1 - rho * a, im = -rho * b
                let den = re * re + im * im
                a1 += re / den                       // Re 1/(1 − ρω)
                a2 += (a * re - rho * b * b) / den   // Re ω/(1 − ρω) = Re (a + ib)(re + iρb)/den
            }
            a1 /= n; a2 /= n
        } else {
            a2 = w.logDeterminant.traceG(rho: rho) / n
            a1 = 1 + rho * a2
        }
        let ones = [Double](repeating: 1, count: w.count)
        let t1 = try filter.solve(ones).reduce(0, +) / n
        let t2 = try filter.solve(w.apply(ones)).reduce(0, +) / n
        return EffectWeights(a1: a1, a2: a2, k1: t1 - a1, k2: t2 - a2, t1: t1, t2: t2)
    }

    /// Marginal own and lagged coefficients of CA at (c, d): b = β1 + 2β2 c + β3 d, t = θ1 + 2θ2 c + θ3 d.
    public static func caSlopes(beta: [Double], theta: [Double], c: Double, d: Double) -> (b: Double, t: Double) {
        (beta[0] + 2 * beta[1] * c + beta[2] * d, theta[0] + 2 * theta[1] * c + theta[2] * d)
    }

    /// Direct a1 b + a2 t, indirect k1 b + k2 t, total t1 b + t2 t.
    public static func effects(b: Double, t: Double, weights w: EffectWeights) -> (direct: Double, indirect: Double, total: Double) {
        (w.a1 * b + w.a2 * t, w.k1 * b + w.k2 * t, w.t1 * b + w.t2 * t)
    }

    /// Turning point of the CA curve with weights (m1, m2):
    /// c*(d) = −[m1(β1 + β3 d) + m2(θ1 + θ3 d)] / [2(m1 β2 + m2 θ2)], U-shaped iff m1β2 + m2θ2 > 0,
    /// dc*/dD = −(m1 β3 + m2 θ3) / [2(m1 β2 + m2 θ2)]. Nil c* when the curve is linear in CA.
    public static func turningPoint(m1: Double, m2: Double, beta: [Double], theta: [Double], d: Double)
        -> (cStar: Double?, uShaped: Bool, shift: Double?) {
        let q = m1 * beta[1] + m2 * theta[1]
        guard q != 0 else { return (nil, false, nil) }
        let c = -(m1 * (beta[0] + beta[2] * d) + m2 * (theta[0] + theta[2] * d)) / (2 * q)
        return (c, q > 0, -(m1 * beta[2] + m2 * theta[2]) / (2 * q))
    }
}

/// What the averaged-effect formulas need from A = (I − ρW)⁻¹ at observed points:
/// diag(A), diag(AW), u = Aᵀ1 and uᵀW. One O(N³) inverse per (W, ρ) — once per
/// design cell when W is fixed.
public struct ObservedEffectCache: Sendable {
    public let weights: EffectWeights
    public let diagA: [Double]
    public let diagAW: [Double]
    public let u: [Double]
    public let uW: [Double]

    public init(filter: SpatialFilter) throws {
        (diagA, diagAW, u, uW) = filter.weights.spectrum != nil ? try Self.dense(filter) : try Self.sparse(filter)
        weights = try EffectFormulas.weights(filter: filter)
    }

    typealias Parts = (diagA: [Double], diagAW: [Double], u: [Double], uW: [Double])

    /// One dense inverse (the spectrum is there, so N is small).
    static func dense(_ filter: SpatialFilter) throws -> Parts {
        let w = filter.weights.matrix, n = w.rows
        let a = try filter.solve(Matrix.identity(n))
        var da = [Double](repeating: 0, count: n), daw = da, u = da
        for j in 0..<n {
            da[j] = a[j, j]
            var s = 0.0
            for k in 0..<n { s += a[j, k] * w[k, j] }
            daw[j] = s
            for i in 0..<n { u[j] += a[i, j] }
        }
        return (da, daw, u, w.multiply(u, transpose: true))
    }

    /// W held sparse: row j of A is column j of Aᵀ = (I − ρWᵀ)⁻¹e_j, which gives a_jj and
    /// (AW)_jj = Σ_k a_jk w_kj over the neighbours k of j only. The N transposed solves go in
    /// blocks of 256 columns (O(256·N) memory, O(N·nnz(L)) time, once per design cell);
    /// u = Aᵀ1 is one more solve.
    static func sparse(_ filter: SpatialFilter) throws -> Parts {
        let weights = filter.weights, n = weights.count, rho = filter.rho
        let wt = weights.sparse!.transposed()   // row j of Wᵀ = column j of W
        var da = [Double](repeating: 0, count: n), daw = da
        let block = 256
        var start = 0
        while start < n {
            let m = min(block, n - start)
            var e = [Double](repeating: 0, count: n * m)
            for c in 0..<m { e[c * n + start + c] = 1 }
            let rows = try weights.sparseSolve(rho: rho, e, transpose: true)
            for c in 0..<m {
                let j = start + c
                da[j] = rows[c * n + j]
                var s = 0.0
                for k in wt.rowStart[j]..<wt.rowStart[j + 1] { s += rows[c * n + wt.columns[k]] * wt.values[k] }
                daw[j] = s
            }
            start += m
        }
        let u = try weights.sparseSolve(rho: rho, [Double](repeating: 1, count: n), transpose: true)
        return (da, daw, u, wt.multiply(u))
    }

    /// Mean over observations of the direct and total effects of a regressor whose own and lagged
    /// marginal coefficients at observation (t, j) are b[t·N + j] and t[t·N + j]:
    /// tr(S_t)/N and 1ᵀS_t1/N with S_t = A[diag(b_t) + W diag(t_t)], averaged over t.
    public func averaged(b: [Double], t: [Double]) -> (direct: Double, indirect: Double, total: Double) {
        let n = diagA.count
        var dir = 0.0, tot = 0.0
        // j = k mod N carried along rather than divided out per observation (same terms, same order).
        var j = 0
        for k in 0..<b.count {
            dir += diagA[j] * b[k] + diagAW[j] * t[k]
            tot += u[j] * b[k] + uW[j] * t[k]
            j += 1
            if j == n { j = 0 }
        }
        let m = Double(b.count)
        return (dir / m, (tot - dir) / m, tot / m)
    }

    /// `averaged(b:t:)` of CA and of D (`TrueEstimands`) in one pass, their marginal coefficients
    /// formed per observation instead of held in four arrays: for CA b = β₁ + 2β₂ CA + β₃ D and
    /// t = θ₁ + 2θ₂ CA + θ₃ D, for D b = β₄ + β₃ CA and t = θ₄ + θ₃ CA — the same expressions, the same
    /// sums in the same order, so the same numbers as the four arrays and two calls.
    func averagedCAandD(beta: [Double], theta: [Double], ca: [Double], d: [Double])
        -> (ca: (direct: Double, indirect: Double, total: Double), d: (direct: Double, indirect: Double, total: Double)) {
        let n = diagA.count
        precondition(beta.count == 4 && theta.count == 4 && ca.count == d.count)
        let b0 = beta[0], b1 = beta[1], b2 = beta[2], b3 = beta[3]
        let t0 = theta[0], t1 = theta[1], t2 = theta[2], t3 = theta[3]
        var dirCA = 0.0, totCA = 0.0, dirD = 0.0, totD = 0.0
        var j = 0
        for k in 0..<ca.count {
            let c = ca[k], dd = d[k]
            let bCA = b0 + 2 * b1 * c + b2 * dd, tCA = t0 + 2 * t1 * c + t2 * dd
            let bD = b3 + b2 * c, tD = t3 + t2 * c
            dirCA += diagA[j] * bCA + diagAW[j] * tCA
            totCA += u[j] * bCA + uW[j] * tCA
            dirD += diagA[j] * bD + diagAW[j] * tD
            totD += u[j] * bD + uW[j] * tD
            j += 1
            if j == n { j = 0 }
        }
        let m = Double(ca.count)
        return ((dirCA / m, (totCA - dirCA) / m, totCA / m), (dirD / m, (totD - dirD) / m, totD / m))
    }
}
