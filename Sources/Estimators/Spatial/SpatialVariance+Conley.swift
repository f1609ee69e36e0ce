import Foundation
import Numerics

extension SpatialVariance {
    /// Conley spatial-HAC sandwich for the QML scores (Conley 1999; for the linear-quadratic ρ
    /// score, Kelejian & Prucha 2007): V = I⁻¹ M I⁻¹ with I⁻¹ the analytic covariance (`bread`),
    ///   M = Σ_a Σ_b K_ab s_a s_bᵀ + Δ e_ρ e_ρᵀ,
    /// where s_a is the score of observation a = (t, i) — the per-observation terms of
    /// `clusterCovariance`'s unit scores (z e/σ², (Wy) e/σ² − (c/T)G*_ii, e²/(2σ⁴) − n*/(2NTσ²)) —
    /// and K_ab the weights of `SpatialHACMeat` (K(d_ij) within a period, the serial kernel's
    /// weights within a city up to `lag`). The ρ score's quadratic part (Gε_t)_i ε_it is correlated
    /// across cities even when the errors are independent across cities: for i ≠ j,
    ///   Cov(s_(t,i), s_(s,j)) ∋ G_ij G_ji E[ε_it ε_is] E[ε_jt ε_js] / σ⁴,
    /// in the same period (t = s) and, with serially correlated errors, across periods. The meat weighs
    /// a pair of different cities by K(d_ij) within a period and by 0 across periods; the HAC's own
    /// weights say what that part should carry — 1 within a period, the serial weight w_|t−s| across
    /// periods up to the lag — so the difference is added (docs/MODEL.md §12, with G for Ĝ and no λ):
    ///   Δ = Σ_{i≠j} G_ij G_ji [(1 − K(d_ij)) Σ_t e_it² e_jt² + Σ_{0<|t−s|≤lag} w_|t−s| e_it e_is e_jt e_js] / σ⁴
    /// (the kernel-weighted analogue of the cluster cross term; G_ij G_ji = S_ij² with S the
    /// symmetric form of G, summed in O(N²) by `SquaredGSeries` to a certified 1e-15 of the term;
    /// the products are symmetric rank-k updates, shared with the SAC's Conley).
    /// With the uniform serial kernel over the whole panel (lag ≥ T − 1) and no pair within the cutoff,
    /// Δ is the cluster sandwich's cross-unit term, so V is `clusterCovariance` without G/(G − 1).
    /// No small-sample factor, as for the linear models.
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
            guard let series = weights.squaredG else {
                throw EstimationError("the Conley variance of ρ needs W's spectrum (a W held sparse has none); use --logdet exact")
            }
            let squares = Matrix(rows: n, cols: t, uncheckedColumnMajor: e.map { $0 * $0 })
            let products = Matrix.product(squares, squares, transposeB: true)   // Σ_t e_it² e_jt²
            // Every pair carries its within-period products and, up to the lag, its weighted serial
            // ones; a pair within the cutoff then loses the K(d_ij) of its within-period part the meat holds.
            var all = products
            addSerialResidualProducts(into: &all, residuals: e, n: n, t: t, conley: conley)
            var taken = 0.0   // Σ of the |entries| taken out: their nuclear norm is at most that
            let nb = conley.neighbours
            for j in 0..<n {
                for q in nb.rowStart[j]..<nb.rowStart[j + 1] {
                    let i = nb.neighbour[q]
                    let x = conley.kernel.weight(distance: nb.distance[q], cutoff: conley.cutoffKm) * products.data[i + j * n]
                    all.data[i + j * n] -= x
                    taken += abs(x)
                }
            }
            // Pair weights Q_ij + Q_ji (i > j); ‖Q off its diagonal‖_* ≤ 2 × the traces of its
            // positive semi-definite parts (the within-period products and each gap's F Fᵀ) + the part taken out.
            let w = SquaredGSeries.packPairSums(all)
            let nu = 2 * (products.trace + serialResidualTrace(e, n: n, t: t, conley: conley)) + taken
            meat[p, p] += series.term(rho: rho, pairWeights: w, nuclearBound: nu).value / (s2 * s2)
        }
        let v = Matrix.product(bread, Matrix.product(meat, bread))
        try checkSandwich(v, bread: bread, names: d.names, clusters: nil, variance: "Conley variance",
                          fix: "use a smaller cutoff or lag, so that not every pair of observations is weighted in, or the cluster or analytic variance")
        return v
    }

    /// Σ_gap |2w_gap| tr(F_gap F_gapᵀ) over the gaps `addSerialResidualProducts` adds: the trace norm of
    /// the serial part of the Conley Δ's pair weights (each F Fᵀ is positive semi-definite).
    static func serialResidualTrace(_ e: [Double], n: Int, t: Int, conley: ConleySpec) -> Double {
        var total = 0.0
        for gap in stride(from: 1, through: min(conley.lag, t - 1), by: 1) {
            let w = abs(2 * conley.serialWeight(gap: gap))
            guard w != 0 else { continue }
            var tr = 0.0
            for s in 0..<(t - gap) { for i in 0..<n { let f = e[s * n + i] * e[(s + gap) * n + i]; tr += f * f } }
            total += w * tr
        }
        return total
    }

    /// F_gap F_gapᵀ with F_gap[i, s] = e_(s,i) e_(s+gap,i): entry (i, j) is Σ_s e_is e_i,s+gap e_js e_j,s+gap,
    /// the cross-unit product of residuals `gap` periods apart (time-major e, N units, T periods).
    static func residualProducts(_ e: [Double], n: Int, t: Int, gap: Int) -> Matrix {
        var f = Matrix(rows: n, cols: t - gap)
        for s in 0..<(t - gap) { for i in 0..<n { f.data[i + s * n] = e[s * n + i] * e[(s + gap) * n + i] } }
        return f.outerProduct()
    }

    /// Adds the serial cross-unit products of the Conley Δ, Σ_{0<|t−s|≤lag} w_|t−s| e_it e_is e_jt e_js,
    /// to `q` (N × N): each gap ℓ ≤ min(lag, T − 1) counted for (t, t + ℓ) and (t + ℓ, t). Nothing with lag 0.
    static func addSerialResidualProducts(into q: inout Matrix, residuals e: [Double], n: Int, t: Int, conley: ConleySpec) {
        for gap in stride(from: 1, through: min(conley.lag, t - 1), by: 1) {
            let w = 2 * conley.serialWeight(gap: gap)
            guard w != 0 else { continue }
            let f = residualProducts(e, n: n, t: t, gap: gap)
            for k in 0..<q.data.count { q.data[k] += w * f.data[k] }
        }
    }
}
