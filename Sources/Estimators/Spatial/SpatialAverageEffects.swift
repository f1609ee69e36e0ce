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
        /// The derivative's per-unit means over time, formed by the first estimate that needs them and
        /// kept for the next: a replication's sdm, sdm_cluster and sdm_knn5 average the same terms (the
        /// same loop, so the same bits, once instead of per fit).
        let means = UnitMeans()
        public init(coefficient: String, derivative: [Double]) {
            self.coefficient = coefficient
            self.derivative = derivative
        }
    }

    /// A term's per-unit means for one N (the first N asked for; another N is formed afresh, not kept).
    final class UnitMeans: @unchecked Sendable {
        private let lock = NSLock()
        private var units = 0
        private var values: [Double] = []

        func values(units n: Int, _ make: () -> [Double]) -> [Double] {
            lock.lock()
            defer { lock.unlock() }
            if units == n { return values }
            let made = make()
            if units == 0 { (units, values) = (n, made) }
            return made
        }
    }

    /// `shared`: the replication's shared fits, whose unit multipliers at the same W and ρ are reused.
    public static func estimate(_ fit: SpatialFitResult, weights: SpatialWeights, terms: [SlopeTerm], units n: Int,
                                shared: (fits: SharedSpatialFits, weightsName: String)? = nil)
        throws -> [EffectKind: EstimateWithSE] {
        let p = fit.parameterCount
        let rho = SpatialImpacts.effectRho(fit)
        let m = try UnitMultipliers.at(rho, weights: weights, purpose: "average marginal effects", shared: shared)
        // Per-unit weights of b̄_j and c̄_j (and their ρ-derivatives): direct, then total, side by side in
        // `m.all` (diagA, diagG, dDiagA, dDiagG, colA, colG, dColA, dColG).
        guard m.all.count == 8 * n else {
            throw EstimationError("average marginal effect: W has \(m.all.count / 8) units, not N = \(n)")
        }
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
            // division by N per value to find the unit; once per term and N (`SlopeTerm.means`).
            let mean = term.means.values(units: n) {
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
                return mean
            }
            // c[q] = (1/N) Σ_j unit[q][j] · mean_j: the eight sums in one pass over j (eight chains side by
            // side instead of one after another), each from 0 in the order of j as before.
            let c = m.all.withUnsafeBufferPointer { u in
                mean.withUnsafeBufferPointer { mp in
                    var a = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
                    for j in 0..<n {
                        let x = mp[j]
                        a.0 = a.0 + u[j] * x; a.1 = a.1 + u[n + j] * x; a.2 = a.2 + u[2 * n + j] * x; a.3 = a.3 + u[3 * n + j] * x
                        a.4 = a.4 + u[4 * n + j] * x; a.5 = a.5 + u[5 * n + j] * x; a.6 = a.6 + u[6 * n + j] * x; a.7 = a.7 + u[7 * n + j] * x
                    }
                    let count = Double(n)
                    return [a.0 / count, a.1 / count, a.2 / count, a.3 / count, a.4 / count, a.5 / count, a.6 / count, a.7 / count]
                }
            }
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
