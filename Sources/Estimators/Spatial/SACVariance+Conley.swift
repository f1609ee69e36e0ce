import Foundation
import Numerics

extension SACVariance {
    /// Conley spatial-HAC sandwich of the SAC model (docs/MODEL.md §12; Conley 1999; for the
    /// linear-quadratic ρ and λ scores, Kelejian & Prucha 2007, 2010): V = I⁻¹ M I⁻¹ with I⁻¹ the
    /// analytic covariance (`bread`) and
    ///   M = Σ_a Σ_b K_ab s_a s_bᵀ + Δ  (Δ on the (ρ, λ) block),
    /// s_a the score of observation a = (t, i) (`observationScores`) and K_ab the weights of
    /// `SpatialHACMeat` (K(d_ij) within a period, the serial kernel within a unit up to `lag`).
    /// The quadratic parts of the ρ and λ scores, (Ĝε_t)_i ε_it and (Hε_t)_i ε_it, are correlated
    /// across units even when the errors are independent across units: for i ≠ j,
    ///   Cov(s_a,(t,i), s_b,(s,j)) ∋ P^a_ij P^b_ji E[ε_it ε_is] E[ε_jt ε_js] / σ⁴,  P^ρ = Ĝ, P^λ = H.
    /// The meat weighs a pair of observations of different units by K(d_ij) within a period and by 0
    /// across periods; the HAC's own weights say what that part should carry — 1 within a period, the
    /// serial weight w_|t−s| across periods up to the lag — so the difference is added:
    ///   Δ_ab = Σ_{i≠j} P^a_ij P^b_ji [(1 − K(d_ij)) Σ_t e_it² e_jt² + Σ_{0<|t−s|≤lag} w_|t−s| e_it e_is e_jt e_js] / σ⁴.
    /// It is the SDM's Δ (`SpatialVariance.conleyCovariance`, the same serial products) with Ĝ and H for G; with
    /// the uniform serial kernel over the whole panel (lag ≥ T − 1) and no pair within the cutoff it is
    /// the cluster sandwich's Δ, so V is then `clusterCovariance` without G/(G − 1). No small-sample
    /// factor (as the family's Conley). CR2/CR3 (`correction`) use the leverage-adjusted residuals of
    /// `observationScores` in the meat and Δ (the SDM's `cluster_correction` with `variance: conley`). Δ as the
    /// cluster sandwich's: O(N²) from W's spectrum when M = W (`CrossUnitTerm`), else the dense Ĝ and H
    /// (`denseOperators` forces them, with the scores' diagonals); the bread likewise from the spectrum when M = W; the pairs within the cutoff come from the neighbour list (no N × N distance matrix), the
    /// serial products cost O(N²T·lag).
    static func conleyCovariance(_ d: SACDesign, point: SACPoint, weights: SpatialWeights, errorWeights m: SpatialWeights,
                                 bread: Matrix, conley: ConleySpec, correction: ClusterCorrection = .cr1, denseOperators: Bool = false) throws -> Matrix {
        let n = d.base.n, t = d.base.t, p = d.p, obs = n * t
        let s2 = point.sigma2
        guard conley.smallSample == .none else {
            throw EstimationError("the Conley variance of the SAC model has no small-sample factor: `small_sample: \(conley.smallSample.rawValue)` (fixest's (n − 1)/(n − K)) applies to the linear panel estimators (twfe, psm-did, event study); remove it")
        }
        guard conley.neighbours.count == n else {
            throw EstimationError("Conley variance: the neighbour list has \(conley.neighbours.count) locations for \(n) units")
        }
        let (scores, e, operators) = try observationScores(d, coefficients: point.coefficients, rho: point.rho, lambda: point.lambda,
                                                       sigma2: s2, weights: weights, errorWeights: m, correction: correction,
                                                       denseOperators: denseOperators)
        guard bread.rows == scores.cols else {
            throw EstimationError("SAC Conley variance: the information matrix has \(bread.rows) rows, expected \(scores.cols)")
        }
        let units = (0..<obs).map { $0 % n }
        var meat = try SpatialHACMeat.meat(scores: scores, location: units, period: (0..<obs).map { $0 / n }, unit: units, spec: conley)

        // Q_ij = Σ_{t,s} ω_ts e_it e_is e_jt e_js with ω_tt = 1 and ω_ts = w_|t−s| (the product of each
        // gap ℓ counted for (t, t + ℓ) and (t + ℓ, t)); Q0_ij = Σ_t e_it² e_jt², the part the meat
        // already carries at K(d_ij) for a pair within the cutoff.
        let q0 = SpatialVariance.residualProducts(e, n: n, t: t, gap: 0)
        var q = q0
        SpatialVariance.addSerialResidualProducts(into: &q, residuals: e, n: n, t: t, conley: conley)
        let nb = conley.neighbours
        let delta: CrossUnitTerm
        switch operators {
        case .series(let series):
            // x_ij = Q_ij − K(d_ij) Q0_ij; pair weights x_ij + x_ji; ν as the SDM's Conley Δ: twice the traces of
            // the positive semi-definite parts (Q0 and each gap's F Fᵀ) plus Σ|x| of the part taken out.
            var all = q, taken = 0.0
            for j in 0..<n {
                for k in nb.rowStart[j]..<nb.rowStart[j + 1] {
                    let i = nb.neighbour[k]
                    let x = conley.kernel.weight(distance: nb.distance[k], cutoff: conley.cutoffKm) * q0.data[i + j * n]
                    guard x != 0, i != j else { continue }
                    all.data[i + j * n] -= x
                    taken += abs(x)
                }
            }
            let w = SquaredGSeries.packPairSums(all)
            let nu = 2 * (q0.trace + SpatialVariance.serialResidualTrace(e, n: n, t: t, conley: conley)) + taken
            delta = CrossUnitTerm(series: series, rho: point.rho, lambda: point.lambda, pairWeights: w, nuclearBound: nu)
        case .dense(let gHat, let h):
            var pairs = CrossUnitTerm(gHat: gHat, h: h)
            for j in 0..<n {
                for i in 0..<n where i != j { pairs.add(i, j, weight: q.data[i + j * n]) }
                for k in nb.rowStart[j]..<nb.rowStart[j + 1] {
                    let i = nb.neighbour[k]
                    let x = conley.kernel.weight(distance: nb.distance[k], cutoff: conley.cutoffKm) * q0.data[i + j * n]
                    guard x != 0 else { continue }
                    pairs.add(i, j, weight: -x)
                }
            }
            delta = pairs
        }
        delta.add(to: &meat, at: p, sigma2: s2)
        let v = Matrix.product(bread, Matrix.product(meat, bread))
        try SpatialVariance.checkSandwich(v, bread: bread, names: d.base.names + ["rho", "lambda"], clusters: nil, variance: "Conley variance",
                                          fix: "use a smaller cutoff or lag, so that not every pair of observations is weighted in, or the cluster or analytic variance")
        return v
    }
}
