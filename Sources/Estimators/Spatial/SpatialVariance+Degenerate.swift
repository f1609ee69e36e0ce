import Numerics

extension SpatialVariance {
    /// Refuses a sandwich covariance that cannot be estimated, by the rule of the DID family's
    /// `PanelOLS.checkClusterVariance`. Clustered by city, the G = N unit scores sum to zero at the
    /// estimates (first-order conditions), so the meat has rank at most G − 1 and G ≤ k clusters
    /// leave some combination of the k parameters (coefficients, ρ, σ²) with variance 0. And a
    /// standard error that is 0 up to rounding next to the analytic one (e.g. a Conley kernel
    /// that puts every pair of observations in one cluster, whose scores then sum to zero) is no
    /// standard error. Either would report a p-value of 0 for a fit that says nothing; the fit
    /// records it as `varianceUnavailable` with this message.
    static func checkSandwich(_ v: Matrix, bread: Matrix, names: [String], clusters: Int?, variance: String, fix: String) throws {
        let k = v.rows
        let all = names + (k == names.count + 2 ? ["rho"] : []) + ["sigma2"]
        if let g = clusters, g <= k {
            throw EstimationError(.degenerateVariance, "\(variance): \(g) clusters cannot identify the sandwich of \(k) parameters (\(all.joined(separator: ", "))): the meat has rank at most G − 1 = \(g - 1); \(fix)")
        }
        for j in 0..<k {
            let se = max(v[j, j], 0).squareRoot()
            // 1e-8 relative to the analytic standard error: far above rounding (~1e-16
            // relative), far below any robust SE that carries information.
            let reference = max(bread[j, j], 0).squareRoot()
            if !se.isFinite || !(se > 1e-8 * reference) {
                let name = j < all.count ? all[j] : "parameter \(j)"
                throw EstimationError(.degenerateVariance, "\(variance): the standard error of \(name) is \(se), 0 up to rounding (degenerate: the scores cancel); \(fix)")
            }
        }
    }
}
