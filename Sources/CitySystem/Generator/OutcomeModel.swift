import Foundation
import Numerics

/// The outcome equation of MODEL.md §2.6 as a map from regressors to Mis:
///
///   Mis_t = ρ W Mis_t + β1 CA + β2 CA² + β3 CA∘D + β4 D + W(θ1 CA + θ2 CA² + θ3 CA∘D + θ4 D)
///           + X_t γ + W X_t θ_x + other_t
///
/// where `other` collects μ + α_t + δ_P Treat∘Post + λ_t Z + ε. Note W(CA²), not (W CA)².
/// The generator and the tests call the same map, so the truth is checked against
/// exactly what produced the data.
public struct OutcomeModel: Sendable {
    public let rho: Double
    public let beta: [Double]
    public let theta: [Double]
    public let gamma: [Double]
    public let thetaX: [Double]
    public let weights: SpatialWeights
    public let filter: SpatialFilter
    /// τ (Mis_{t−1}) and η (W·Mis_{t−1}) of the dynamic outcome (issue 25); both 0 for the static one.
    public let tau: Double
    public let eta: Double
    /// (I − ρ_L W)⁻¹ with ρ_L = (ρ + η)/(1 − τ): the steady state ((1 − τ)I − (ρ + η)W)⁻¹ = (I − ρ_L W)⁻¹/(1 − τ)
    /// (Debarsy, Ertur & LeSage 2012); nil for a static outcome.
    public let longRunFilter: SpatialFilter?

    public init(rho: Double, beta: [Double], theta: [Double], gamma: [Double], thetaX: [Double], weights: SpatialWeights,
                tau: Double = 0, eta: Double = 0) throws {
        precondition(beta.count == 4 && theta.count == 4 && gamma.count == thetaX.count)
        self.rho = rho; self.beta = beta; self.theta = theta; self.gamma = gamma; self.thetaX = thetaX
        self.weights = weights
        self.tau = tau; self.eta = eta
        filter = try SpatialFilter(weights: weights, rho: rho)
        longRunFilter = tau != 0 || eta != 0 ? try SpatialFilter(weights: weights, rho: (rho + eta) / (1 - tau)) : nil
    }

    public var isDynamic: Bool { longRunFilter != nil }

    /// The steady state of a constant right-hand side r: ((1 − τ)I − (ρ + η)W)⁻¹ r (one period).
    public func steadyState(_ r: [Double]) throws -> [Double] {
        guard let longRunFilter else { return try filter.solve(r) }
        return try longRunFilter.solve(r).map { $0 / (1 - tau) }
    }

    /// Mis_t = (I − ρW)⁻¹(τ Mis_{t−1} + η W Mis_{t−1} + rhs_t), t = 1…T (time-major), from the state
    /// Mis_0 = `start` before the first period. O(N²) per period through the cached filter.
    public func solveDynamic(rhs: [Double], start: [Double]) throws -> [Double] {
        let n = start.count
        var out = [Double](repeating: 0, count: rhs.count)
        var prev = start
        for p in 0..<(rhs.count / n) {
            let wPrev = weights.apply(prev)
            var b = Array(rhs[(p * n)..<((p + 1) * n)])
            for i in 0..<n { b[i] += tau * prev[i] + eta * wPrev[i] }
            prev = try filter.solve(b)
            for i in 0..<n { out[p * n + i] = prev[i] }
        }
        return out
    }

    /// The right-hand side for time-major panel vectors (length N·T; one period is T = 1).
    public func rightHandSide(ca: [Double], d: [Double], controls: [[Double]], other: [Double]) -> [Double] {
        let parts = rightHandSideParts(ca: ca, d: d, controls: controls, other: other)
        var own = parts.own
        let wl = weights.applyPanel(parts.lagged)
        for k in 0..<own.count { own[k] += wl[k] }
        return own
    }

    /// The right-hand side before W: `own` (other + β and γ terms) and `lagged` (θ terms), so that
    /// the right-hand side is own + W·lagged, added element by element (`rightHandSide`).
    func rightHandSideParts(ca: [Double], d: [Double], controls: [[Double]], other: [Double]) -> (own: [Double], lagged: [Double]) {
        let m = ca.count
        precondition(d.count == m && other.count == m && controls.count == gamma.count && controls.allSatisfy { $0.count == m })
        var own = other
        var lagged = [Double](repeating: 0, count: m)
        // Through buffers, the coefficients in locals (element subscripts of `own` and `lagged` cost a
        // uniqueness check each); the same expressions in the same order.
        let b0 = beta[0], b1 = beta[1], b2 = beta[2], b3 = beta[3]
        let t0 = theta[0], t1 = theta[1], t2 = theta[2], t3 = theta[3]
        own.withUnsafeMutableBufferPointer { own in
            lagged.withUnsafeMutableBufferPointer { lagged in
                ca.withUnsafeBufferPointer { ca in
                    d.withUnsafeBufferPointer { d in
                        for k in 0..<m {
                            let c = ca[k], dd = d[k]
                            own[k] += b0 * c + b1 * c * c + b2 * c * dd + b3 * dd
                            lagged[k] = t0 * c + t1 * c * c + t2 * c * dd + t3 * dd
                        }
                    }
                }
                for (j, x) in controls.enumerated() {
                    let g = gamma[j], tx = thetaX[j]
                    x.withUnsafeBufferPointer { x in
                        for k in 0..<m { own[k] += g * x[k]; lagged[k] += tx * x[k] }
                    }
                }
            }
        }
        return (own, lagged)
    }

    /// Mis = (I − ρW)⁻¹ rhs, period by period, through the cached filter (O(N²T)).
    public func solve(ca: [Double], d: [Double], controls: [[Double]], other: [Double]) throws -> [Double] {
        try filter.solvePanel(rightHandSide(ca: ca, d: d, controls: controls, other: other))
    }

    /// Mis of a second world beside a first one already solved (`first`: its right-hand side and
    /// outcome, time-major): a period whose right-hand side is the first world's bit for bit has the
    /// first world's outcome, so only the other periods are solved. The treated world differs from
    /// the untreated one only from the first adoption on (D and the policy term), so its pre-adoption
    /// periods (7 of the baseline's 18) need no solve. Exact in exact arithmetic; in floating point a
    /// period's solution can differ in the last bit from the one solved among all periods (the
    /// BLAS product's blocking depends on the number of columns) — docs/benchmarks.md, session 9.
    public func solve(ca: [Double], d: [Double], controls: [[Double]], other: [Double],
                      beside first: (rhs: [Double], outcome: [Double])) throws -> [Double] {
        let rhs = rightHandSide(ca: ca, d: d, controls: controls, other: other)
        let n = weights.count
        guard n > 0, rhs.count == first.rhs.count, first.outcome.count == rhs.count, rhs.count % n == 0 else {
            return try filter.solvePanel(rhs)
        }
        let changed = (0..<(rhs.count / n)).filter { p in
            (p * n..<(p + 1) * n).contains { rhs[$0].bitPattern != first.rhs[$0].bitPattern }
        }
        var outcome = first.outcome
        guard !changed.isEmpty else { return outcome }
        var b: [Double] = []
        b.reserveCapacity(changed.count * n)
        for p in changed { b.append(contentsOf: rhs[(p * n)..<((p + 1) * n)]) }
        let solved = try filter.solvePanel(b)
        for (k, p) in changed.enumerated() {
            for i in 0..<n { outcome[p * n + i] = solved[k * n + i] }
        }
        return outcome
    }
}
