import Foundation
import Numerics

/// Average marginal effects (AME) of a regressor that enters with its square or an
/// interaction, so that its effect differs by observation: the LeSage & Pace (2009,
/// §2.7) scalar summaries of ∂y_t/∂x_tᵀ = A[diag(b_t) + W diag(c_t)], A = (I − ρW)⁻¹,
/// averaged over the sample's N·T observations:
///
///     direct = (1/NT) Σ_t tr(A diag(b_t) + AW diag(c_t)) = (1/N) Σ_j (A_jj b̄_j + (AW)_jj c̄_j)
///     total  = (1/NT) Σ_t 1ᵀ(…)1                     = (1/N) Σ_j ((1ᵀA)_j b̄_j + (1ᵀAW)_j c̄_j)
///
/// with b_jt = Σ_terms β_term ∂term/∂x and c_jt the same with θ, and b̄_j, c̄_j their
/// means over time. This is the functional `TrueEstimands.averaged` evaluates at the
/// true parameters. The unit quantities come from `UnitMultipliers` — O(N²) per fit, no
/// inverse. SEs by the delta method with the analytic derivative in ρ.
public enum SpatialAverageEffects {
    /// One term of the regressor's slope: a coefficient name and ∂term/∂x at each
    /// observation (time-major, N·T), e.g. `CA2` with 2·CA.
    public struct SlopeTerm: Sendable {
        public let coefficient: String
        public let derivative: [Double]
        public init(coefficient: String, derivative: [Double]) {
            self.coefficient = coefficient
            self.derivative = derivative
        }
    }

    /// `shared`: the replication's shared fits, whose unit multipliers at the same W and ρ are reused.
    public static func estimate(_ fit: SpatialFitResult, weights: SpatialWeights, terms: [SlopeTerm], units n: Int,
                                shared: (fits: SharedSpatialFits, weightsName: String)? = nil)
        throws -> [EffectKind: EstimateWithSE] {
        let p = fit.parameterCount
        let rho = SpatialImpacts.effectRho(fit)
        let m = try UnitMultipliers.at(rho, weights: weights, purpose: "average marginal effects", shared: shared)
        // Per-unit weights of b̄_j and c̄_j (and their ρ-derivatives): direct, then total.
        let unit = [m.diagA, m.diagG, m.dDiagA, m.dDiagG, m.colA, m.colG, m.dColA, m.dColG]
        var direct = (0.0, [Double](repeating: 0, count: p)), total = direct
        for term in terms {
            guard term.derivative.count % n == 0, !term.derivative.isEmpty else {
                throw EstimationError("average marginal effect: `\(term.coefficient)` has \(term.derivative.count) values, not a multiple of N = \(n)")
            }
            guard let bi = fit.index(of: term.coefficient) else {
                throw EstimationError("average marginal effect: the model has no coefficient `\(term.coefficient)`")
            }
            let ti = fit.index(of: spatialLagName(term.coefficient))
            let t = term.derivative.count / n
            // Period by period (time-major): each unit's sum in the order of k as before, without a
            // division by N per value to find the unit.
            var mean = [Double](repeating: 0, count: n)
            let periods = Double(t)
            term.derivative.withUnsafeBufferPointer { d in
                mean.withUnsafeMutableBufferPointer { m in
                    for p in 0..<t {
                        let row = d.baseAddress! + p * n
                        for i in 0..<n { m[i] += row[i] / periods }
                    }
                }
            }
            // c[q] = (1/N) Σ_j unit[q][j] · mean_j
            let c = unit.map { u in zip(u, mean).reduce(0) { $0 + $1.0 * $1.1 } / Double(n) }
            let b = fit.coefficients[bi], th = ti.map { fit.coefficients[$0] } ?? 0
            func add(_ acc: inout (Double, [Double]), _ q: Int) {
                acc.0 += b * c[q] + th * c[q + 1]
                acc.1[bi] += c[q]
                if let ti { acc.1[ti] += c[q + 1] }
                if let r = fit.spatialIndex, fit.rho != nil { acc.1[r] += b * c[q + 2] + th * c[q + 3] }
            }
            add(&direct, 0)
            add(&total, 4)
        }
        let indirect = (total.0 - direct.0, zip(total.1, direct.1).map { $0 - $1 })
        func se(_ g: [Double]) -> Double { SpatialImpacts.quadraticForm(g, fit.vcov).squareRoot() }
        return [.direct: EstimateWithSE(estimate: direct.0, se: se(direct.1)),
                .indirect: EstimateWithSE(estimate: indirect.0, se: se(indirect.1)),
                .total: EstimateWithSE(estimate: total.0, se: se(total.1))]
    }
}
