import Foundation
import Numerics

extension SpatialVariance {
    /// Conley spatial-HAC sandwich for the QML scores (Conley 1999; for the linear-quadratic ρ
    /// score, Kelejian & Prucha 2007): V = I⁻¹ M I⁻¹ with I⁻¹ the analytic covariance (`bread`),
    ///   M = Σ_a Σ_b K_ab s_a s_bᵀ + Δ e_ρ e_ρᵀ,
    /// where s_a is the score of observation a = (t, i) — the per-observation terms of
    /// `clusterCovariance`'s unit scores (z e/σ², (Wy) e/σ² − (c/T)G*_ii, e²/(2σ⁴) − n*/(2NTσ²)) —
    /// and K_ab the weights of `SpatialHACMeat` (K(d_ij) within a period, Bartlett serial
    /// weights within a city up to `lag`). The ρ score's quadratic part ε_t'Gε_t has covariance
    /// σ⁴ G_ij G_ji between cities i ≠ j in the same period even when the errors are independent;
    /// a pair inside the cutoff carries K_ij of it through s_a s_bᵀ, so the rest is added:
    ///   Δ = Σ_t Σ_{i≠j} (1 − K(d_ij)) G_ij G_ji e_it² e_jt² / σ⁴
    /// (the kernel-weighted analogue of the cluster cross term; G_ij G_ji = S_ij² with S the
    /// symmetric form of G, two symmetric rank-k updates). No small-sample factor, as for the linear models.
    /// Robust to errors correlated within the cutoff (and, with a lag, within a city over time).
    ///
    /// `correction` cr2/cr3 is the leverage correction of the cluster sandwich carried over: each
    /// city's residual vector is replaced by A_g e_g (`adjustedResiduals`, Bell & McCaffrey 2002)
    /// in every score and in Δ, as `clusterCovariance` does. With every within-city pair in the
    /// meat (lag ≥ T − 1, uniform serial kernel) its within-city part is then exactly the CR2/CR3
    /// cluster meat, and the cross-city pairs are built from the same adjusted residuals. It
    /// corrects the downward bias the residuals' leverage gives the sandwich (the CR1-type meat
    /// of the city-clustered Conley under-covers like CR1 does); it is not a correction for the
    /// spatial pairs' own leverage, which has no closed form.
    static func conleyCovariance(_ d: SpatialDesign, point: PointEstimate, weights: SpatialWeights, bread: Matrix,
                                 conley: ConleySpec, correction: ClusterCorrection = .cr1,
                                 shared: (fits: SharedSpatialFits, weightsName: String)? = nil) throws -> Matrix {
        guard !d.spec.model.hasErrorLag else {
            throw EstimationError("the Conley variance is implemented for sdm, sar, slx and ols, not for models with a spatial error (\(d.spec.model.rawValue))")
        }
        guard conley.smallSample == .none else {
            throw EstimationError("the Conley variance of the spatial (QML) models has no small-sample factor: `small_sample: \(conley.smallSample.rawValue)` (fixest's (n − 1)/(n − K)) applies to the linear panel estimators (twfe, psm-did, event study); remove it")
        }
        let n = d.n, t = d.t, p = d.p
        guard conley.neighbours.count == n else {
            throw EstimationError("Conley variance: the neighbour list has \(conley.neighbours.count) locations for \(n) units")
        }
        let s2 = point.sigma2, rho = point.spatial
        let (k, raw, jacobianShare, sigmaShare) = try scoreParts(d, point: point, weights: weights, bread: bread, variance: "Conley variance",
                                                               purpose: "Conley standard errors", shared: shared)
        let e = correction == .cr1 ? raw : try adjustedResiduals(d, residuals: raw, correction: correction)
        let obs = n * t
        var scores = Matrix(rows: obs, cols: k)
        for r in 0..<obs {
            let i = r % n
            for j in 0..<p { scores.data[r + j * obs] = d.z.data[r + j * d.z.rows] * e[r] / s2 }
            if rho != nil { scores.data[r + p * obs] = d.wy[r] * e[r] / s2 - jacobianShare[i] }
            scores.data[r + (k - 1) * obs] = e[r] * e[r] / (2 * s2 * s2) - sigmaShare
        }
        let units = (0..<obs).map { $0 % n }
        var meat = try SpatialHACMeat.meat(scores: scores, location: units, period: (0..<obs).map { $0 / n }, unit: units, spec: conley)
        if let rho {
            guard let spectrum = weights.spectrum, let f = spectrum.symmetricForm else {
                throw EstimationError("the Conley variance of ρ needs W's spectrum (a W held sparse has none); use --logdet exact")
            }
            let sym = symmetricG(spectrum, form: f, rho: rho)
            let squares = Matrix(rows: n, cols: t, uncheckedColumnMajor: e.map { $0 * $0 })
            let products = Matrix.product(squares, squares, transposeB: true)   // Σ_t e_it² e_jt²
            // 1 − K(d_ij) for every pair: 1 outside the cutoff, reduced inside.
            var cross = 0.0
            for j in 0..<n {
                for i in 0..<n where i != j {
                    let a = sym.data[i + j * n]
                    cross += a * a * products.data[i + j * n]
                }
                let nb = conley.neighbours
                for q in nb.rowStart[j]..<nb.rowStart[j + 1] {
                    let i = nb.neighbour[q], a = sym.data[i + j * n]
                    cross -= conley.kernel.weight(distance: nb.distance[q], cutoff: conley.cutoffKm) * a * a * products.data[i + j * n]
                }
            }
            meat[p, p] += cross / (s2 * s2)
        }
        let v = Matrix.product(bread, Matrix.product(meat, bread))
        try checkSandwich(v, bread: bread, names: d.names, clusters: nil, variance: "Conley variance",
                          fix: "use a smaller cutoff or lag, so that not every pair of observations is weighted in, or the cluster or analytic variance")
        return v
    }
}
