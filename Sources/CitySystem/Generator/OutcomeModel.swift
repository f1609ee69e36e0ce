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

    public init(rho: Double, beta: [Double], theta: [Double], gamma: [Double], thetaX: [Double], weights: SpatialWeights) throws {
        precondition(beta.count == 4 && theta.count == 4 && gamma.count == thetaX.count)
        self.rho = rho; self.beta = beta; self.theta = theta; self.gamma = gamma; self.thetaX = thetaX
        self.weights = weights
        filter = try SpatialFilter(weights: weights, rho: rho)
    }

    /// The right-hand side for time-major panel vectors (length N·T; one period is T = 1).
    public func rightHandSide(ca: [Double], d: [Double], controls: [[Double]], other: [Double]) -> [Double] {
        let m = ca.count
        precondition(d.count == m && other.count == m && controls.count == gamma.count)
        var own = other
        var lagged = [Double](repeating: 0, count: m)
        for k in 0..<m {
            let c = ca[k], dd = d[k]
            own[k] += beta[0] * c + beta[1] * c * c + beta[2] * c * dd + beta[3] * dd
            lagged[k] = theta[0] * c + theta[1] * c * c + theta[2] * c * dd + theta[3] * dd
        }
        for (j, x) in controls.enumerated() {
            for k in 0..<m { own[k] += gamma[j] * x[k]; lagged[k] += thetaX[j] * x[k] }
        }
        let wl = weights.applyPanel(lagged)
        for k in 0..<m { own[k] += wl[k] }
        return own
    }

    /// Mis = (I − ρW)⁻¹ rhs, period by period, through the cached filter (O(N²T)).
    public func solve(ca: [Double], d: [Double], controls: [[Double]], other: [Double]) throws -> [Double] {
        try filter.solvePanel(rightHandSide(ca: ca, d: d, controls: controls, other: other))
    }
}
