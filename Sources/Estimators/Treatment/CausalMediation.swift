import Foundation
import Numerics

/// The causal-mediation estimates of Imai, Keele & Tingley (2010) for the linear mediator and
/// outcome models of `Mediation` (steps 2 and 3), with quasi-Bayesian intervals (King, Tomz &
/// Wittenberg 2000), as R `mediation::mediate(model.m, model.y, boot = FALSE)` computes them:
/// draw the two models' coefficients from N(θ̂, V̂) (here the CR1 covariances, independently for
/// the two regressions), evaluate ACME and ADE on every draw, and report percentile intervals and
/// mediate's p-value 2·min(#{draw > 0}, #{draw < 0})/sims.
///
/// Identification (IKT 2010, Theorem 1): sequential ignorability — the policy is as good as random
/// given the fixed effects and controls (the DID's parallel trends), and D is as good as random
/// given the policy, the fixed effects and controls — plus no interference between cities (SUTVA).
/// With linear models and no policy × D term in the outcome model, ACME(0) = ACME(1) = a·b and
/// ADE(0) = ADE(1) = c′; the point estimates are these plug-in values (mediate reports the mean of
/// the draws, equal in expectation). The generator violates SUTVA on purpose (the diffusion of D and
/// W carry a city's policy and D to its neighbours), so the estimator is what an applied paper runs,
/// not one valid in the generator's world.
public struct CausalMediationResult: Sendable {
    /// An estimate with its p-value and percentile interval, as `Mediation`'s coefficients;
    /// `standardError` is the standard deviation of the draws.
    public typealias Quantity = MediationResult.Coefficient
    public let acme: Quantity
    public let ade: Quantity
    public let total: Quantity
    public let simulations: Int
}

public enum CausalMediation {
    /// - Parameters:
    ///   - a, varianceA: the policy's coefficient in the mediator model and its variance;
    ///   - direct, b, covariance: c′ and b of the outcome model and their 2 × 2 covariance (c′ first).
    public static func quasiBayesian(a: Double, varianceA: Double, direct: Double, b: Double, covariance: [[Double]],
                                     simulations: Int, stream: StreamID, level: Double = 0.95) throws -> CausalMediationResult {
        guard simulations >= 2 else { throw TreatmentError("causal mediation: simulations must be ≥ 2 (got \(simulations))") }
        guard varianceA >= 0, covariance.count == 2, covariance.allSatisfy({ $0.count == 2 }) else {
            throw TreatmentError("causal mediation: the coefficient variances must be a non-negative number and a 2 × 2 matrix")
        }
        // Cholesky of the 2 × 2 block by hand; a singular block (b or c′ without variance) keeps the
        // draw's other component exact.
        let l11 = max(covariance[0][0], 0).squareRoot()
        let l21 = l11 > 0 ? covariance[1][0] / l11 : 0
        let l22 = max(covariance[1][1] - l21 * l21, 0).squareRoot()
        let sa = varianceA.squareRoot()
        let rng = RandomStream(stream)
        var acme = [Double](), ade = [Double](), total = [Double]()
        acme.reserveCapacity(simulations); ade.reserveCapacity(simulations); total.reserveCapacity(simulations)
        for _ in 0..<simulations {
            let za = rng.normal(), z1 = rng.normal(), z2 = rng.normal()
            let aStar = a + sa * za, cStar = direct + l11 * z1, bStar = b + l21 * z1 + l22 * z2
            acme.append(aStar * bStar); ade.append(cStar); total.append(aStar * bStar + cStar)
        }
        let alpha = 1 - level
        func summary(_ draws: [Double], _ estimate: Double) -> CausalMediationResult.Quantity {
            let sorted = draws.sorted()
            let above = Double(draws.filter { $0 > 0 }.count), below = Double(draws.filter { $0 < 0 }.count)
            return .init(estimate: estimate, standardError: Statistics.standardDeviation(draws),
                         pValue: estimate == 0 ? 1 : min(1, 2 * min(above, below) / Double(draws.count)),
                         lower: Statistics.quantile(sorted: sorted, alpha / 2), upper: Statistics.quantile(sorted: sorted, 1 - alpha / 2))
        }
        return CausalMediationResult(acme: summary(acme, a * b), ade: summary(ade, direct), total: summary(total, a * b + direct),
                                     simulations: simulations)
    }
}
