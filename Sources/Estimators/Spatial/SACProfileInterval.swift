import Foundation
import Numerics

/// How the 95% interval of a spatial parameter of the SAC model (ρ, λ) is formed.
public enum SpatialParameterInterval: String, Sendable, Codable, CaseIterable {
    /// estimate ± t·SE from the fit's variance: the default, and the only interval of every
    /// other estimand.
    case wald
    /// The likelihood-ratio (profile-likelihood) interval of `SACProfile`: it does not use the
    /// curvature at the estimate, which the Wald interval relies on and which misleads where ρ
    /// and λ are weakly identified apart (docs/design-results.md, "Session 9: the SAC's ρ").
    case profile

    /// The interval used when none is given.
    public static let standard: SpatialParameterInterval = .wald

    /// `wald` or `profile`, in any case.
    public init?(spelling s: String) { self.init(rawValue: s.lowercased()) }

    public static var spellings: [String] { allCases.map(\.rawValue) }
}

/// A spatial parameter of the SAC model: the lag's ρ (on W) or the error process's λ (on M).
public enum SACParameter: String, Sendable, Hashable, CaseIterable, Codable {
    case rho
    case lambda
}

/// The profile-likelihood 95% interval of ρ or λ (`SACProfile.interval`): the set
/// {θ0 : 2[ℓ(θ̂) − max over the other spatial parameter, β, σ² of ℓ(θ0, …)] ≤ χ²₁(0.95)}.
public struct ProfileLikelihoodInterval: Sendable, Equatable {
    /// How an end of the interval was found.
    public enum End: String, Sendable, Equatable {
        /// A root of LR(θ0) = χ²₁(0.95), found by bisection to `SACProfile.rootTolerance`.
        case root
        /// The statistic stays below the critical value up to the bound of the stable interval:
        /// the set reaches the boundary, and the end is the bound itself (an open end of the
        /// parameter space, not a root).
        case boundary
    }

    public let parameter: SACParameter
    public let estimate: Double
    public let lower: Double
    public let upper: Double
    public let lowerEnd: End
    public let upperEnd: End
    /// True when the scan found the statistic below the critical value again beyond an end (a
    /// second piece of the acceptance set, out along the ρ–λ ridge): the interval reported is
    /// the piece that contains the estimate, so the set is larger than [lower, upper].
    public let disconnected: Bool
    /// χ²₁ quantile the statistic is compared with.
    public let critical: Double
    /// The likelihood-ratio test of θ = 0 (χ²₁ reference); NaN when 0 is outside the stable interval.
    public let pValueAtZero: Double
    /// The maximised log-likelihood the statistic is measured from; a profile value above it (a
    /// second, higher optimum the fit missed) makes the statistic negative and is reported here
    /// as the largest such excess, 0 otherwise.
    public let excessOverMaximum: Double

    public func contains(_ x: Double) -> Bool { lower <= x && x <= upper }
}

/// The profile-likelihood (likelihood-ratio inversion) interval of the SAC's ρ or λ.
///
/// The concentrated objective f(ρ, λ) = (n*/2) ln(e'e/n*) − J_W(ρ) − J_M(λ) of `SACSearch` (β and σ²
/// concentrated out, e'e from the Gram matrix, the Jacobians from the cached spectra) is −ℓ up to
/// a constant, so LR(ρ0) = 2[min_λ f(ρ0, λ) − f(ρ̂, λ̂)]. Each profile value is one Brent search over
/// the other parameter's stable interval, seeded by a grid as in the fit (a second mode along the
/// ridge is not missed); each evaluation is O(p³), no N × N operator.
///
/// The ends: LR is scanned on `scanPoints` points from θ̂ to each bound of the stable interval; the
/// first point where LR exceeds the critical value brackets the end with the point before it, and
/// bisection takes it to `rootTolerance`. If no scan point exceeds it, the end is the bound itself
/// (`End.boundary`). Scan points beyond the first crossing that fall below the critical value again
/// set `disconnected`.
public enum SACProfile {
    /// Scan points per side between θ̂ and the bound (the interval's ends are found to
    /// `rootTolerance` whatever this is; it sets how narrow a dip of LR between two points may go unseen).
    public static let scanPoints = 40
    /// Bisection stops when the bracket is narrower than this.
    public static let rootTolerance = 1e-10
    /// The scan's last point lies this fraction of the interval's width inside the open bound
    /// (the Jacobian may diverge at the bound itself).
    static let boundaryInset = 1e-9

    /// The 95% profile-likelihood interval of `parameter` at the fit `point`.
    static func interval(_ parameter: SACParameter, design d: SACDesign, point: SACPoint,
                         weights: SpatialWeights, errorWeights m: SpatialWeights, level: Double = 0.95) throws -> ProfileLikelihoodInterval {
        let objective = SACSearch.objective(d, weights: weights, errorWeights: m)
        let f: (Double, Double) -> Double = { rho, lam in
            let v = objective(rho, lam)
            return v.isNaN ? .infinity : v
        }
        let fHat = f(point.rho, point.lambda)
        guard fHat.isFinite else { throw EstimationError("the profile likelihood is not finite at the estimates (ρ = \(point.rho), λ = \(point.lambda))") }
        let own = parameter == .rho ? weights.stableInterval : m.stableInterval
        let other = parameter == .rho ? m.stableInterval : weights.stableInterval
        let estimate = parameter == .rho ? point.rho : point.lambda
        let critical = ChiSquared.quantile(level, df: 1)
        var excess = 0.0
        var failure: String?
        /// LR(θ0): the other parameter maximised out.
        func lr(_ x: Double) -> Double {
            let g: (Double) -> Double = parameter == .rho ? { f(x, $0) } : { f($0, x) }
            do {
                let s = try Brent.minimizeOnInterval(g, lower: other.lower, upper: other.upper, gridPoints: SACSearch.gridPoints)
                let value = 2 * (s.minimum - fHat)
                if value < 0 { excess = max(excess, -value / 2) }
                return value
            } catch {
                failure = "the profile at \(parameter.rawValue) = \(x) failed: \(error)"
                return .nan
            }
        }
        func end(towards bound: Double) throws -> (value: Double, end: ProfileLikelihoodInterval.End, disconnected: Bool) {
            let edge = bound - (bound - estimate) * boundaryInset
            let h = (edge - estimate) / Double(scanPoints)
            var inside = estimate
            var crossing: Double?
            var disconnected = false
            for i in 1...scanPoints {
                let x = i == scanPoints ? edge : estimate + Double(i) * h
                let v = lr(x)
                if let failure { throw EstimationError(failure) }
                if crossing == nil {
                    if v > critical { crossing = x } else { inside = x }
                } else if v <= critical {
                    disconnected = true
                    break
                }
            }
            guard var outside = crossing else { return (bound, .boundary, false) }
            // Bisection on LR − critical between the last accepted and the first rejected point.
            while abs(outside - inside) > rootTolerance {
                let mid = 0.5 * (inside + outside)
                let v = lr(mid)
                if let failure { throw EstimationError(failure) }
                if v > critical { outside = mid } else { inside = mid }
            }
            return (0.5 * (inside + outside), .root, disconnected)
        }
        let lo = try end(towards: own.lower)
        let hi = try end(towards: own.upper)
        var p = Double.nan
        if own.lower < 0, 0 < own.upper {
            let v = lr(0)
            if let failure { throw EstimationError(failure) }
            p = ChiSquared.survival(max(v, 0), df: 1)
        }
        return ProfileLikelihoodInterval(parameter: parameter, estimate: estimate, lower: lo.value, upper: hi.value,
                                         lowerEnd: lo.end, upperEnd: hi.end, disconnected: lo.disconnected || hi.disconnected,
                                         critical: critical, pValueAtZero: p, excessOverMaximum: excess)
    }
}
