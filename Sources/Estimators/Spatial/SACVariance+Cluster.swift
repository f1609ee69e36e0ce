import Foundation
import Numerics

extension SACVariance {
    /// Scores of the SAC log-likelihood (`SACDesign.logLikelihood`) at (β, ρ, λ, σ²), one row per
    /// observation (t, i) in the panel's time-major order, with e = QB(λ)(y − ρWy − Zβ) (docs/MODEL.md §12):
    ///   s_β = x*_it e_it/σ²,  X* = Z − λMZ;
    ///   s_ρ = (Wy − λMWy)_it e_it/σ² − (c/T)·(PĜP)_ii,  Ĝ = BGB⁻¹;
    ///   s_λ = (My − ρMWy − MZβ)_it e_it/σ² − (c/T)·(PHP)_ii,  H = MB⁻¹;
    ///   s_σ² = e_it²/(2σ⁴) − n*/(2NTσ²),
    /// where P = I − 11'/N when the Lee–Yu transformation removes time effects (else I), so that
    /// Σ_i of the non-random parts is c·tr(PĜP) = −∂J_W/∂ρ (and likewise for λ), and each unit's part
    /// is the mean of its random part: with Ay − Zβ = B⁻¹ε, B(Wy) = BGZβ + Ĝε and M(Ay − Zβ) = Hε,
    /// so unit i's quadratic terms are (Ĝε)_i ε_i and (Hε)_i ε_i, with means σ²Ĝ_ii and σ²H_ii.
    /// The scores sum to the gradient of the log-likelihood at any point (checked by central differences).
    /// Shared by the cluster sandwich (summed per unit, `unitScores`) and the Conley sandwich.
    /// CR2 and CR3 (`correction`) replace each unit's residuals e_g by A_g e_g in the random parts of
    /// every score (and so in the cross-unit term the callers form from the returned residuals), as
    /// the SDM's (`SpatialVariance.adjustedResiduals`): A_g from unit g's block of the hat matrix of the
    /// regression the SAC runs given (ρ̂, λ̂) — B(λ̂)(y − ρ̂Wy) on X* = B(λ̂)Z̃ and the fixed effects,
    /// whose filtered dummies span the dummies' own space (B is invertible, and B1 = (1 − λ)1 with M
    /// row-standardised), so H = H_FE + X*(X*'X*)⁻¹X*' with X* = Z̃ − λ̂MZ̃ (`sandwichRegressors`).
    /// `adjustments` (CR2/CR3) supplies the A_g when the caller keeps them for CR2's Satterthwaite df
    /// (`SACEstimator.fit`); nil builds them here.
    static func observationScores(_ d: SACDesign, coefficients b: [Double], rho: Double, lambda: Double, sigma2 s2: Double,
                                  weights: SpatialWeights, errorWeights m: SpatialWeights, correction: ClusterCorrection = .cr1,
                                  adjustments: (() throws -> SpatialVariance.UnitAdjustments)? = nil) throws
        -> (scores: Matrix, residuals: [Double], gHat: Matrix, h: Matrix) {
        let n = d.base.n, t = d.base.t, p = d.p, k = p + 3, obs = n * t
        let (gHat, h, _) = try operators(rho: rho, lambda: lambda, weights: weights, errorWeights: m)
        let project = d.shape.dropsUnitRoot > 0
        let gp = project ? centred(gHat) : gHat, hp = project ? centred(h) : h
        let c = d.shape.periods
        var e = d.residuals(rho: rho, lambda: lambda, beta: b)
        if correction != .cr1 {
            let made = try adjustments?() ?? unitAdjustments(d, lambda: lambda, correction: correction).adjustments
            e = SpatialVariance.adjustedResiduals(e, adjustments: made, n: n, t: t)
        }
        let mzb = d.mz.multiply(b)
        let sigmaShare = d.shape.nStar / Double(obs) / (2 * s2)
        var scores = Matrix(rows: obs, cols: k)
        for r in 0..<obs {
            let i = r % n
            for j in 0..<p {
                let xs = d.base.z.data[r + j * d.base.z.rows] - lambda * d.mz.data[r + j * d.mz.rows]
                scores.data[r + j * obs] = xs * e[r] / s2
            }
            scores.data[r + p * obs] = (d.base.wy[r] - lambda * d.mwy[r]) * e[r] / s2 - c * gp[i, i] / Double(t)
            scores.data[r + (p + 1) * obs] = (d.my[r] - rho * d.mwy[r] - mzb[r]) * e[r] / s2 - c * hp[i, i] / Double(t)
            scores.data[r + (p + 2) * obs] = e[r] * e[r] / (2 * s2 * s2) - sigmaShare
        }
        return (scores, e, gHat, h)
    }

    /// The leverage adjustments A_g of CR2/CR3 for the regression given (ρ̂, λ̂), with the regressors
    /// X* (`sandwichRegressors`) they are of — which CR2's Satterthwaite df reads too.
    static func unitAdjustments(_ d: SACDesign, lambda: Double, correction: ClusterCorrection) throws
        -> (regressors: Matrix, adjustments: SpatialVariance.UnitAdjustments) {
        let xs = sandwichRegressors(d, lambda: lambda)
        return (xs, try SpatialVariance.UnitAdjustments(regressors: xs, n: d.base.n, t: d.base.t, effects: d.base.spec.effects,
                                                       correction: correction))
    }

    /// X* = Z̃ − λMZ̃, the within regressors of the SAC's regression given (ρ̂, λ̂).
    static func sandwichRegressors(_ d: SACDesign, lambda: Double) -> Matrix {
        var xs = d.base.z
        for q in 0..<xs.data.count { xs.data[q] -= lambda * d.mz.data[q] }
        return xs
    }

    /// The scores of `observationScores` summed over each unit's periods (one row per unit).
    static func unitScores(_ d: SACDesign, coefficients b: [Double], rho: Double, lambda: Double, sigma2 s2: Double,
                           weights: SpatialWeights, errorWeights m: SpatialWeights, correction: ClusterCorrection = .cr1,
                           adjustments: (() throws -> SpatialVariance.UnitAdjustments)? = nil) throws
        -> (scores: Matrix, residuals: [Double], gHat: Matrix, h: Matrix) {
        let n = d.base.n
        let o = try observationScores(d, coefficients: b, rho: rho, lambda: lambda, sigma2: s2, weights: weights, errorWeights: m,
                                      correction: correction, adjustments: adjustments)
        var scores = Matrix(rows: n, cols: o.scores.cols)
        for j in 0..<o.scores.cols {
            for r in 0..<o.scores.rows { scores.data[r % n + j * n] += o.scores.data[r + j * o.scores.rows] }
        }
        return (scores, o.residuals, o.gHat, o.h)
    }

    /// Cluster-robust sandwich of the SAC model, clustered by unit (CR1, as xsmle's `vce(cluster)`):
    /// V = G/(G − 1) · I⁻¹ (Σ_i s_i s_iᵀ + Δ) I⁻¹ with I⁻¹ the analytic covariance (`bread`) and s_i
    /// the unit scores of `unitScores` (White 1982; Wooldridge 2010 §13.8.2). As for the SDM
    /// (`SpatialVariance.clusterCovariance`), the linear-quadratic ρ and λ scores are correlated
    /// across units even with independent errors: Cov(s_a,i, s_b,j) = P^a_ij P^b_ji Σ_{t,s} E[ε_it ε_is]E[ε_jt ε_js]
    /// for i ≠ j, with P^ρ = Ĝ and P^λ = H, which Σ_i s_i s_iᵀ drops; it is added to the (ρ, λ) block as
    ///   Δ_ab = Σ_{i≠j} P^a_ij P^b_ji (Σ_t e_it e_jt)² / σ⁴
    /// (Kelejian & Prucha 2010 for the linear-quadratic form). Robust to serial correlation and
    /// heteroskedasticity within a unit, not to error correlation across units. Dense: O(N²T + N³).
    /// CR2/CR3 (`correction`): the leverage-adjusted residuals of `observationScores` in the scores and
    /// in Δ, and no G/(G − 1) (as the SDM's).
    static func clusterCovariance(_ d: SACDesign, point: SACPoint, weights: SpatialWeights, errorWeights m: SpatialWeights,
                                  bread: Matrix, correction: ClusterCorrection = .cr1,
                                  adjustments: (() throws -> SpatialVariance.UnitAdjustments)? = nil) throws -> Matrix {
        let n = d.base.n, t = d.base.t, p = d.p
        let s2 = point.sigma2
        let (scores, e, gHat, h) = try unitScores(d, coefficients: point.coefficients, rho: point.rho, lambda: point.lambda,
                                                  sigma2: s2, weights: weights, errorWeights: m, correction: correction,
                                                  adjustments: adjustments)
        guard bread.rows == scores.cols else {
            throw EstimationError("SAC cluster variance: the information matrix has \(bread.rows) rows, expected \(scores.cols)")
        }
        var meat = scores.crossProduct()
        let products = Matrix(rows: n, cols: t, uncheckedColumnMajor: e).outerProduct()   // Σ_t e_it e_jt
        var delta = CrossUnitTerm(gHat: gHat, h: h)
        for j in 0..<n {
            for i in 0..<n where i != j {
                let q = products.data[i + j * n]
                delta.add(i, j, weight: q * q)
            }
        }
        delta.add(to: &meat, at: p, sigma2: s2)
        var v = Matrix.product(bread, Matrix.product(meat, bread))
        let g = Double(n)
        if correction == .cr1 { for q in 0..<v.data.count { v.data[q] *= g / (g - 1) } }
        return v
    }
}

/// The cross-unit term Δ of the SAC sandwiches' (ρ, λ) block, Δ_ab = Σ_{i≠j} P^a_ij P^b_ji x_ij / σ⁴
/// with P^ρ = Ĝ and P^λ = H, summed pair by pair as the caller visits them (x_ij: the residual
/// products the sandwich gives the pair, negative to take a part back out).
struct CrossUnitTerm {
    let gHat: Matrix, h: Matrix
    private var rr = 0.0, ll = 0.0, rl = 0.0

    init(gHat: Matrix, h: Matrix) { self.gHat = gHat; self.h = h }

    mutating func add(_ i: Int, _ j: Int, weight x: Double) {
        let n = gHat.rows
        let gij = gHat.data[i + j * n], gji = gHat.data[j + i * n]
        let hij = h.data[i + j * n], hji = h.data[j + i * n]
        rr += gij * gji * x
        ll += hij * hji * x
        rl += gij * hji * x
    }

    /// Adds Δ to the meat's (ρ, λ) block at rows and columns p (ρ) and p + 1 (λ).
    func add(to meat: inout Matrix, at p: Int, sigma2 s2: Double) {
        let r = p, l = p + 1
        meat[r, r] += rr / (s2 * s2)
        meat[l, l] += ll / (s2 * s2)
        meat[r, l] += rl / (s2 * s2)
        meat[l, r] += rl / (s2 * s2)
    }
}
