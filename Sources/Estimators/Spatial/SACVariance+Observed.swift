import Foundation
import Numerics

/// Which information matrix a SAC variance inverts (and the sandwiches use as their bread).
public enum InformationMatrix: String, Sendable, Codable, CaseIterable {
    /// The expected information evaluated at the estimates (spatialreg `sacsarlm(method = "eigen")`,
    /// Anselin 1988 §6.2): the default.
    case expected
    /// The observed information, −∂²ℓ/∂θ∂θ' at the estimates, from the analytic Hessian of the
    /// full log-likelihood (what `sacsarlm` reports with `control = list(fdHess = TRUE)` from finite
    /// differences, and Stata's `vce(oim)`): it carries the curvature the data have, not the one the
    /// model would have if (ρ̂, λ̂, β̂) were the truth.
    case observed

    /// The information used when none is given.
    public static let standard: InformationMatrix = .expected

    /// `expected` or `observed`, in any case.
    public init?(spelling s: String) { self.init(rawValue: s.lowercased()) }

    public static var spellings: [String] { allCases.map(\.rawValue) }
}

extension SACVariance {
    /// The observed information of the SAC log-likelihood (`SACDesign.logLikelihood`) at (β, ρ, λ, σ²),
    /// the negative of its analytic Hessian. With e = r − λ·mr, r = y − ρWy − Zβ, mr = My − ρMWy − MZβ
    /// (all transformed), X* = Z − λMZ, a = Wy − λMWy, b = mr, S = e'e and J the Jacobians
    /// (J'' = −c·tr(G²) effective, `LikelihoodShape.traceG2`), from ∂e/∂β = −X*, ∂e/∂ρ = −a,
    /// ∂e/∂λ = −b, ∂²e/∂β∂λ = MZ, ∂²e/∂ρ∂λ = MWy (the other second derivatives of e vanish):
    ///   −H_ββ = X*'X*/σ²,  −H_βρ = X*'a/σ²,  −H_βλ = (X*'b + MZ'e)/σ²,
    ///   −H_ρρ = a'a/σ² + c·trG²_W(ρ),  −H_λλ = b'b/σ² + c·trG²_M(λ),  −H_ρλ = (a'b + MWy'e)/σ²,
    ///   −H_θσ² = (∂e/∂θ)'e·(−1/σ⁴) → X*'e/σ⁴, a'e/σ⁴, b'e/σ⁴,  −H_σ²σ² = S/σ⁶ − n*/(2σ⁴).
    /// O(n*p²): no N × N operator. Checked against central differences of the log-likelihood
    /// (SACObservedInformationTests) and against sacsarlm's finite-difference Hessian.
    static func observedInformation(_ d: SACDesign, coefficients beta: [Double], rho: Double, lambda: Double, sigma2 s2: Double,
                                    weights: SpatialWeights, errorWeights m: SpatialWeights) -> Matrix {
        let p = d.p, k = p + 3, rows = d.base.y.count
        let e = d.residuals(rho: rho, lambda: lambda, beta: beta)
        let mzb = d.mz.multiply(beta)
        var xs = d.base.z
        for q in 0..<xs.data.count { xs.data[q] -= lambda * d.mz.data[q] }
        let a = (0..<rows).map { d.base.wy[$0] - lambda * d.mwy[$0] }
        let b = (0..<rows).map { d.my[$0] - rho * d.mwy[$0] - mzb[$0] }
        let s4 = s2 * s2
        let r = p, l = p + 1, s = p + 2
        var info = Matrix(rows: k, cols: k)
        let xtx = xs.crossProduct()
        let xa = xs.multiply(a, transpose: true), xb = xs.multiply(b, transpose: true)
        let xe = xs.multiply(e, transpose: true), mze = d.mz.multiply(e, transpose: true)
        for j in 0..<p {
            for i in 0..<p { info[i, j] = xtx[i, j] / s2 }
            info[j, r] = xa[j] / s2
            info[j, l] = (xb[j] + mze[j]) / s2
            info[j, s] = xe[j] / s4
        }
        let c = d.shape.periods
        info[r, r] = Vector.dot(a, a) / s2 + c * d.shape.traceG2(rho, spectrum: weights.logDeterminant)
        info[l, l] = Vector.dot(b, b) / s2 + c * d.shape.traceG2(lambda, spectrum: m.logDeterminant)
        info[r, l] = (Vector.dot(a, b) + Vector.dot(d.mwy, e)) / s2
        info[r, s] = Vector.dot(a, e) / s4
        info[l, s] = Vector.dot(b, e) / s4
        info[s, s] = Vector.dot(e, e) / (s4 * s2) - d.shape.nStar / (2 * s4)
        for j in 0..<k { for i in (j + 1)..<k { info[i, j] = info[j, i] } }
        return info
    }

    /// The inverse observed information at the estimates (`observedInformation`); not positive
    /// definite (a saddle or a ridge of the likelihood) is an error, so the fit is recorded with
    /// `varianceUnavailable` and its reason.
    static func observedCovariance(_ d: SACDesign, point: SACPoint, weights: SpatialWeights,
                                   errorWeights m: SpatialWeights) throws -> Matrix {
        let info = observedInformation(d, coefficients: point.coefficients, rho: point.rho, lambda: point.lambda,
                                       sigma2: point.sigma2, weights: weights, errorWeights: m)
        return try SpatialVariance.invertInformation(info)
    }
}
