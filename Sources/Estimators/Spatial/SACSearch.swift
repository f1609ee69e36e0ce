import Foundation
import Numerics

/// The two-dimensional likelihood search of the SAC model (`SACEstimator`).
///
/// f(ρ, λ) = (n*/2) ln(e'e/n*) − J_W(ρ) − J_M(λ) is minimised by profiling: Brent over λ on
/// M's stable interval of min_ρ f(ρ, λ), itself a Brent search over ρ on W's interval (each
/// seeded by a grid, so a second local optimum along either axis is not missed). The profile
/// is only as exact as the inner tolerance, so Newton steps on the analytic gradient
/// (envelope theorem: β̂ is held fixed when differentiating e'e) with a central-difference
/// Hessian of that gradient then take (ρ, λ) to rounding level, as for the one-parameter
/// models (`SpatialEstimator.certify`).
enum SACSearch {
    /// Seed points per axis (each evaluation is O(p³ + N), so the nested search costs a few
    /// thousand of them).
    static let gridPoints = 21
    /// A Newton step below this in both parameters certifies the optimum: e'e is formed from the
    /// Gram matrix with a relative error of a few ulps, so the gradient is exact to about
    /// 1e-12·n*, and the step (gradient over a Hessian of order n*) to about 1e-12.
    static let certificate = 1e-11

    /// f(ρ, λ), the negative concentrated log-likelihood (constants dropped); +∞ where e'e is not positive.
    /// The search minimises it and the profile-likelihood interval (`SACProfile`) reads its differences.
    static func objective(_ d: SACDesign, weights: SpatialWeights, errorWeights m: SpatialWeights) -> (Double, Double) -> Double {
        let shape = d.shape, nStar = shape.nStar
        let jw = weights.logDeterminant, jm = m.logDeterminant
        return { rho, lam in
            guard let c = d.concentrated(rho: rho, lambda: lam), c.ee > 0 else { return .infinity }
            return 0.5 * nStar * log(c.ee / nStar) - shape.jacobian(rho, spectrum: jw) - shape.jacobian(lam, spectrum: jm)
        }
    }

    static func maximise(_ d: SACDesign, weights: SpatialWeights, errorWeights m: SpatialWeights) throws -> SACPoint {
        let shape = d.shape, nStar = shape.nStar
        let jw = weights.logDeterminant, jm = m.logDeterminant
        let f = objective(d, weights: weights, errorWeights: m)
        let (rlo, rhi) = weights.stableInterval, (llo, lhi) = m.stableInterval
        final class Counter { var evaluations = 0 }
        let counter = Counter()
        let profile: (Double) -> (rho: Double, value: Double, failed: Bool) = { lam in
            let s = SpatialEstimator.search({ f($0, lam) }, lower: rlo, upper: rhi, gridPoints: gridPoints)
            counter.evaluations += s.iterations
            return (s.argmin[0], f(s.argmin[0], lam), s.termination == .searchFailed)
        }
        let outer = SpatialEstimator.search({ profile($0).value }, lower: llo, upper: lhi, gridPoints: gridPoints)
        var lam = outer.argmin[0]
        let inner = profile(lam)
        var rho = inner.rho

        // Newton polish on ∇f.
        let gradient: (Double, Double) -> (Double, Double)? = { rho, lam in
            guard let c = d.concentrated(rho: rho, lambda: lam), c.ee > 0 else { return nil }
            let w = d.residualWeights(rho: rho, lambda: lam, beta: c.beta)
            let gw = d.gram.multiply(w)
            let dRho = gw[3] * lam - gw[1]
            var dLam = gw[3] * rho - gw[2]
            for j in 0..<d.p { dLam += gw[4 + d.p + j] * c.beta[j] }
            return (nStar * dRho / c.ee + shape.periods * shape.traceG(rho, spectrum: jw),
                    nStar * dLam / c.ee + shape.periods * shape.traceG(lam, spectrum: jm))
        }
        var steps = 0
        var polished = false
        if outer.termination != .searchFailed, !inner.failed {
            for _ in 0..<20 {
                let h = 1e-5
                guard let g = gradient(rho, lam), let rp = gradient(rho + h, lam), let rm = gradient(rho - h, lam),
                      let lp = gradient(rho, lam + h), let lm = gradient(rho, lam - h) else { break }
                let hrr = (rp.0 - rm.0) / (2 * h), hll = (lp.1 - lm.1) / (2 * h)
                let hrl = 0.5 * ((rp.1 - rm.1) + (lp.0 - lm.0)) / (2 * h)
                let det = hrr * hll - hrl * hrl
                guard g.0.isFinite, g.1.isFinite, hrr > 0, det > 0 else { break }
                let sr = -(hll * g.0 - hrl * g.1) / det
                let sl = -(hrr * g.1 - hrl * g.0) / det
                guard max(abs(sr), abs(sl)) < 1e-2, rho + sr > rlo, rho + sr < rhi, lam + sl > llo, lam + sl < lhi else { break }
                rho += sr
                lam += sl
                steps += 1
                if max(abs(sr), abs(sl)) < certificate { polished = true; break }
            }
        }
        let termination: FitTermination
        let reason: String
        if polished {
            (termination, reason) = (.converged, "converged")
        } else if outer.termination == .searchFailed || inner.failed {
            (termination, reason) = (.searchFailed, outer.termination == .searchFailed ? outer.message : "the search over ρ failed at λ = \(lam)")
        } else if Brent.isNearBound(rho, lower: rlo, upper: rhi, absoluteTolerance: SpatialEstimator.brentTolerance)
                    || Brent.isNearBound(lam, lower: llo, upper: lhi, absoluteTolerance: SpatialEstimator.brentTolerance) {
            (termination, reason) = (.boundary, "maximum on the boundary of the stable interval of ρ or λ (the likelihood rises towards the bound)")
        } else {
            (termination, reason) = (.iterationLimit, "the Newton polish of (ρ, λ) did not reach a step below \(certificate) (flat or non-concave likelihood at ρ = \(rho), λ = \(lam))")
        }
        // Final β by QR on the filtered data, for accuracy.
        var zs = d.base.z
        for k in 0..<zs.data.count { zs.data[k] -= lam * d.mz.data[k] }
        let ys = (0..<d.base.y.count).map { k in (d.base.y[k] - rho * d.base.wy[k]) - lam * (d.my[k] - rho * d.mwy[k]) }
        let ls = try LeastSquares(x: zs, y: ys)
        return SACPoint(coefficients: ls.coefficients, rho: rho, lambda: lam, sigma2: ls.residualSumOfSquares / nStar,
                        iterations: outer.iterations + counter.evaluations + steps, termination: termination, reason: reason)
    }
}
