import Foundation
import Numerics

/// The scalar multipliers of β and θ in the direct and total effects at one ρ, and
/// their derivatives in ρ (MODEL.md §3): direct = a1β + a2θ, total = t1β + t2θ,
/// a1 = tr(A)/N = (1/N)Σ 1/(1 − ρω), a2 = tr(AW)/N = (1/N)Σ ω/(1 − ρω),
/// t1 = 1'A1/N, t2 = 1'AW1/N (both 1/(1 − ρ) for a row-standardised W).
public struct EffectMultipliers: Sendable {
    public let a1, a2, t1, t2: Double
    public let da1, da2, dt1, dt2: Double
    /// True when W is row-standardised, so t1 = t2 = 1/(1 − ρ): the total effect is then
    /// a common positive factor times β + θ.
    public let totalIsCommonFactor: Bool

    /// (m1, m2) and their ρ-derivatives for one effect kind.
    public func weights(_ kind: EffectKind) -> (m1: Double, m2: Double, dm1: Double, dm2: Double) {
        switch kind {
        case .direct: return (a1, a2, da1, da2)
        case .total: return (t1, t2, dt1, dt2)
        case .indirect: return (t1 - a1, t2 - a2, dt1 - da1, dt2 - da2)
        }
    }
}

/// Whatever gives the effect multipliers at a ρ: one W's `ImpactKernel`, or the
/// observation-weighted average over the years of an unbalanced panel (`PeriodWeights`).
public protocol EffectMultiplierSource: Sendable {
    func multipliers(rho: Double) -> EffectMultipliers
}

extension ImpactKernel: EffectMultiplierSource {}

/// Eigenvalue data for effect multipliers, built once per W (O(N²) when W is not
/// row-standardised, O(N) otherwise); for a W held sparse, the traces of its
/// log-determinant method instead.
public struct ImpactKernel: Sendable {
    let re: [Double]
    let im: [Double]
    /// c_k with 1'A1/N = Σ c_k/(1 − ρω_k); nil for a row-standardised W (then 1/(1 − ρ)).
    let totalWeights: [Double]?
    /// Set when W is held sparse: tr(A)/N = Σ_k ρᵏ tr(Wᵏ)/N = 1 + ρ tr(G)/N because
    /// A = (I − ρW)⁻¹ = I + ρG (LeSage & Pace 2009, §4.2), with tr(G), tr(G²) from the method.
    let traces: (any LogDeterminantSource)?
    let count: Int
    /// Units with neither neighbours nor anyone naming them (zero row and column of a W that is
    /// row-standardised elsewhere, as a city alone in a year of an unbalanced panel): A keeps
    /// them at 1, so 1'A1/N = ((N − z)/(1 − ρ) + z)/N and 1'AW1/N = (N − z)/((1 − ρ)N).
    let isolated: Int
    /// W itself when no eigenvalue formula gives the total effect (a W with zero rows but no
    /// symmetric form, e.g. a kNN W restricted to one year's cities): 1'A1 and 1'AW1 are then
    /// formed from the dense inverse at each ρ (O(N³); such W are small in practice).
    let denseW: Matrix?

    public init(weights: SpatialWeights) throws {
        count = weights.count
        guard let sp = weights.spectrum else {
            re = []; im = []; totalWeights = nil; denseW = nil
            traces = weights.logDeterminant
            if weights.isRowStandardised { isolated = 0; return }
            guard let w = weights.sparse, let z = Self.isolatedUnits(w) else {
                throw EstimationError("total and indirect effects with a sparse log-determinant need a row-standardised W; use the exact method for this W")
            }
            isolated = z
            return
        }
        traces = nil
        isolated = 0
        re = sp.real
        im = sp.imaginary
        let n = weights.count
        if weights.isRowStandardised {
            totalWeights = nil; denseW = nil
        } else if sp.symmetricForm == nil, weights.matrix.rowSums().contains(0) {
            totalWeights = nil
            denseW = weights.matrix
        } else if let f = sp.symmetricForm {
            denseW = nil
            // W = R^{-1/2}VΛVᵀR^{1/2}: 1'A1 = Σ_k (1'R^{-1/2}v_k)(v_kᵀR^{1/2}1)/(1 − ρω_k).
            let u = f.onesInvSqrtR, s = f.onesSqrtR
            totalWeights = (0..<n).map { u[$0] * s[$0] / Double(n) }
        } else {
            throw EstimationError("total and indirect effects need a row-standardised W or one similar to a symmetric matrix; this W is neither")
        }
    }

    /// The number of isolated units when every other row sums to 1 and isolated units are named
    /// by no one; nil otherwise.
    static func isolatedUnits(_ w: SparseMatrix) -> Int? {
        let rows = w.rowSums(), cols = w.transposed().rowSums()
        var z = 0
        for i in 0..<w.rows {
            if rows[i] == 0 {
                guard cols[i] == 0 else { return nil }
                z += 1
            } else if abs(rows[i] - 1) >= 1e-10 {
                return nil
            }
        }
        return z
    }

    /// 1'A1/N, 1'AW1/N and their ρ-derivatives 1'AWA1/N, 1'AWAW1/N from the dense inverse.
    static func denseTotals(_ w: Matrix, rho: Double) -> (t1: Double, t2: Double, dt1: Double, dt2: Double) {
        let n = w.rows
        var a = Matrix.identity(n)
        for k in 0..<a.data.count { a.data[k] -= rho * w.data[k] }
        guard let inv = try? LUDecomposition(a).inverse() else { return (.nan, .nan, .nan, .nan) }
        let ones = [Double](repeating: 1, count: n)
        let x = inv.multiply(ones)                    // A1
        let y = inv.multiply(ones, transpose: true)   // A'1
        let wx = w.multiply(x), w1 = w.multiply(ones)
        let aw1 = inv.multiply(w1)
        let nd = Double(n)
        return (Vector.dot(ones, x) / nd, Vector.dot(y, w1) / nd, Vector.dot(y, wx) / nd, Vector.dot(y, w.multiply(aw1)) / nd)
    }

    public func multipliers(rho: Double) -> EffectMultipliers {
        let n = Double(count)
        if let traces {
            // d tr(A)/dρ = tr(AWA) = tr(G(I + ρG)); d tr(G)/dρ = tr(G²).
            let g = traces.traceG(rho: rho), g2 = traces.traceG2(rho: rho)
            let t = 1 / (1 - rho), z = Double(isolated)
            return EffectMultipliers(a1: 1 + rho * g / n, a2: g / n, t1: ((n - z) * t + z) / n, t2: (n - z) * t / n,
                                     da1: (g + rho * g2) / n, da2: g2 / n,
                                     dt1: (n - z) * t * t / n, dt2: (n - z) * t * t / n, totalIsCommonFactor: isolated == 0)
        }
        var a1 = 0.0, a2 = 0.0, da1 = 0.0, da2 = 0.0
        var t1 = 0.0, t2 = 0.0, dt1 = 0.0, dt2 = 0.0
        for k in 0..<re.count {
            // 1/(1 − ρω) and powers for complex ω = a + ib, real parts only (pairs are conjugate).
            let zr = 1 - rho * re[k], zi = -rho * im[k]
            let m2 = zr * zr + zi * zi
            let invR = zr / m2, invI = -zi / m2                       // 1/z
            let wr = re[k], wi = im[k]
            let gR = wr * invR - wi * invI, gI = wr * invI + wi * invR // ω/z
            let g2R = gR * invR - gI * invI                            // ω/z²
            let h2R = gR * gR - gI * gI                                // ω²/z²
            a1 += invR; a2 += gR; da1 += g2R; da2 += h2R
            if let c = totalWeights {
                t1 += c[k] * invR; t2 += c[k] * gR; dt1 += c[k] * g2R; dt2 += c[k] * h2R
            }
        }
        if let denseW {
            (t1, t2, dt1, dt2) = Self.denseTotals(denseW, rho: rho)
        } else if totalWeights == nil {
            t1 = 1 / (1 - rho); t2 = t1; dt1 = t1 * t1; dt2 = dt1
        }
        return EffectMultipliers(a1: a1 / n, a2: a2 / n, t1: t1, t2: t2, da1: da1 / n, da2: da2 / n, dt1: dt1, dt2: dt2,
                                 totalIsCommonFactor: totalWeights == nil && denseW == nil)
    }
}

/// Direct, indirect and total effects of one regressor.
public struct RegressorImpact: Sendable, Codable {
    public let variable: String
    public let direct: EstimateWithSE
    public let indirect: EstimateWithSE
    public let total: EstimateWithSE

    public func value(_ kind: EffectKind) -> EstimateWithSE {
        switch kind { case .direct: direct; case .indirect: indirect; case .total: total }
    }
}

/// Simulation summary of one effect: mean, SD and percentile interval over the kept draws.
public struct SimulatedEffect: Sendable, Codable {
    public let mean: Double
    public let sd: Double
    public let lower: Double
    public let upper: Double
}

public struct SimulatedImpact: Sendable, Codable {
    public let variable: String
    public let direct: SimulatedEffect
    public let indirect: SimulatedEffect
    public let total: SimulatedEffect
}

/// Simulation inference on the effects (draws from N(θ̂, V̂)).
public struct ImpactSimulation: Sendable {
    public let requested: Int
    /// Draws kept; `dropped` draws had ρ outside (1/ω_min, 1/ω_max) and were discarded (counted, not redrawn).
    public let used: Int
    public let dropped: Int
    public let impacts: [SimulatedImpact]
}

/// Effects of a fitted model with delta-method and simulation inference (MODEL.md §3–§4).
public enum SpatialImpacts {
    /// The effect m1(ρ)·(l1'b) + m2(ρ)·(l2'b) and its gradient over the full parameter vector
    /// (coefficients, spatial parameter, σ²). For models without ρ the multipliers are taken at ρ = 0.
    static func linearEffect(_ fit: SpatialFitResult, multipliers m: EffectMultipliers, kind: EffectKind,
                             l1: [Double], l2: [Double]) -> (value: Double, gradient: [Double]) {
        let b = fit.coefficients
        let (m1, m2, dm1, dm2) = m.weights(kind)
        let c1 = Vector.dot(l1, b), c2 = Vector.dot(l2, b)
        var grad = [Double](repeating: 0, count: fit.parameterCount)
        for k in 0..<b.count { grad[k] = m1 * l1[k] + m2 * l2[k] }
        if fit.rho != nil, let r = fit.spatialIndex { grad[r] = dm1 * c1 + dm2 * c2 }
        return (m1 * c1 + m2 * c2, grad)
    }

    /// The ρ at which effects are evaluated: ρ̂ for SAR/SDM, 0 for models without a lag of y.
    static func effectRho(_ fit: SpatialFitResult) -> Double { fit.rho ?? 0 }

    /// gᵀ V g: `Vector.dot(g, v.multiply(g))` bit for bit, without a BLAS call (`Matrix.quadraticForm`).
    static func quadraticForm(_ g: [Double], _ v: Matrix) -> Double { v.quadraticForm(g) }

    /// Delta-method effects for every regressor (analytic gradient including ∂m/∂ρ).
    public static func delta(_ fit: SpatialFitResult, weights: SpatialWeights) throws -> [RegressorImpact] {
        try delta(fit, kernel: ImpactKernel(weights: weights))
    }

    /// Delta-method effects with the multipliers of `kernel` (e.g. averaged over the years of an unbalanced panel).
    public static func delta(_ fit: SpatialFitResult, kernel: some EffectMultiplierSource) throws -> [RegressorImpact] {
        let m = kernel.multipliers(rho: effectRho(fit))
        guard [m.a1, m.a2, m.t1, m.t2].allSatisfy({ $0.isFinite }) else {
            throw EstimationError("effect multipliers are not finite at ρ = \(effectRho(fit)) (I − ρW singular)")
        }
        let p = fit.coefficients.count
        return fit.regressors.enumerated().map { r, name in
            let (bi, ti) = fit.durbinIndex[r]
            var l1 = [Double](repeating: 0, count: p), l2 = l1
            l1[bi] = 1
            if let ti { l2[ti] = 1 }
            func one(_ kind: EffectKind) -> EstimateWithSE {
                let (v, g) = linearEffect(fit, multipliers: m, kind: kind, l1: l1, l2: l2)
                return EstimateWithSE(estimate: v, se: quadraticForm(g, fit.vcov).squareRoot())
            }
            return RegressorImpact(variable: name, direct: one(.direct), indirect: one(.indirect), total: one(.total))
        }
    }

    /// Simulation inference: `draws` vectors (coefficients, ρ) from N(θ̂, V̂) with the given stream;
    /// draws with ρ outside the admissible interval are dropped and counted. Percentile
    /// interval at `level` (type-7 quantiles).
    public static func simulate(_ fit: SpatialFitResult, weights: SpatialWeights, draws: Int = 1000,
                                stream: RandomStream, level: Double = 0.95) throws -> ImpactSimulation {
        try simulate(fit, kernel: ImpactKernel(weights: weights), draws: draws, stream: stream, level: level)
    }

    /// Simulation inference with the multipliers of `kernel`.
    public static func simulate(_ fit: SpatialFitResult, kernel: some EffectMultiplierSource, draws: Int = 1000,
                                stream: RandomStream, level: Double = 0.95) throws -> ImpactSimulation {
        let p = fit.coefficients.count
        let idx = Array(0..<p) + (fit.rho != nil ? [fit.spatialIndex!] : [])
        var sub = Matrix(rows: idx.count, cols: idx.count)
        for (j, b) in idx.enumerated() { for (i, a) in idx.enumerated() { sub[i, j] = fit.vcov[a, b] } }
        let chol = try Cholesky(sub)
        let mean = idx.map { fit.parameters[$0] }
        let nr = fit.regressors.count
        var values = [[Double]](repeating: [], count: nr * 3)
        var dropped = 0
        let (lo, hi) = fit.interval
        for _ in 0..<draws {
            let d = stream.multivariateNormal(mean: mean, choleskyLower: chol.lower)
            let rho = fit.rho != nil ? d[p] : 0
            if fit.rho != nil, !(rho > lo && rho < hi) { dropped += 1; continue }
            let m = kernel.multipliers(rho: rho)
            for r in 0..<nr {
                let (bi, ti) = fit.durbinIndex[r]
                let b = d[bi], th = ti.map { d[$0] } ?? 0
                let de = m.a1 * b + m.a2 * th
                let te = m.t1 * b + m.t2 * th
                values[3 * r].append(de)
                values[3 * r + 1].append(te - de)
                values[3 * r + 2].append(te)
            }
        }
        let alpha = (1 - level) / 2
        func summary(_ v: [Double]) -> SimulatedEffect {
            let s = v.sorted()
            return SimulatedEffect(mean: Statistics.mean(v), sd: Statistics.standardDeviation(v),
                                   lower: Statistics.quantile(sorted: s, alpha), upper: Statistics.quantile(sorted: s, 1 - alpha))
        }
        let impacts = fit.regressors.enumerated().map { r, name in
            SimulatedImpact(variable: name, direct: summary(values[3 * r]), indirect: summary(values[3 * r + 1]),
                            total: summary(values[3 * r + 2]))
        }
        return ImpactSimulation(requested: draws, used: draws - dropped, dropped: dropped, impacts: impacts)
    }
}
