import Foundation

extension ScenarioParser {
    /// The keys of `city_system.sectors` with `mode: neg` (scenarios/README.md); the reduced-mode
    /// keys are then unknown and rejected by the caller's `finish()`.
    static func parseNEGSectors(_ r: inout MappingReader) throws -> NEGSpec {
        var p = NEGSpec()
        try r.numbers([
            "sigma": \.sigma, "sigma_s": \.sigmaS, "mu": \.mu, "mu_s": \.muS, "alpha": \.alpha,
            "eta": \.eta, "site_size_elasticity": \.siteSizeElasticity, "tau_start": \.tauStart,
            "tau_end": \.tauEnd, "services_tau_multiplier": \.servicesTauMultiplier, "kappa": \.kappa,
            "amenity_ar": \.amenityAr, "amenity_sd": \.amenitySd, "endogeneity": \.endogeneity,
            "damping": \.damping, "tolerance": \.tolerance
        ], into: &p)
        p.maxIterations = try r.int("max_iterations", p.maxIterations)
        try r.require(p.sigma > 1, "sigma", "the elasticity of substitution must exceed 1 (CES varieties)")
        try r.require(p.sigmaS > 1, "sigma_s", "the elasticity of substitution must exceed 1 (CES varieties)")
        try r.require(p.mu > 0 && p.mu < 1, "mu", "an expenditure share must lie in (0, 1)")
        try r.require(p.muS >= 0 && p.mu + p.muS < 1, "mu_s", "must be ≥ 0 with mu + mu_s < 1 (the traditional good keeps a share)")
        try r.require(p.alpha >= 0 && p.alpha < 1, "alpha", "a cost share must lie in [0, 1)")
        try r.require(p.alpha > 0 || p.muS > 0, "mu_s", "with alpha = 0 and mu_s = 0 nobody buys producer services",
                      fix: "give mu_s > 0 or alpha > 0")
        try r.require(p.eta >= 0, "eta", "the logit elasticity must be ≥ 0")
        try r.require(p.siteSizeElasticity >= 0, "site_size_elasticity", "must be ≥ 0")
        try r.require(p.tauStart > 0, "tau_start", "a trade cost must be positive")
        try r.require(p.tauEnd > 0, "tau_end", "a trade cost must be positive")
        try r.require(p.servicesTauMultiplier > 0, "services_tau_multiplier", "must be positive")
        try r.require(p.kappa >= 0, "kappa", "must be ≥ 0 (digital technology flattens, never steepens, the decay)")
        try r.require(abs(p.amenityAr) < 1, "amenity_ar", "an AR(1) coefficient must lie in (−1, 1) to be stationary")
        try r.require(p.amenitySd >= 0, "amenity_sd", "negative standard deviation", fix: "use a value ≥ 0")
        try r.require(abs(p.endogeneity) <= 1, "endogeneity", "a correlation must lie in [−1, 1]")
        try r.require(p.damping > 0 && p.damping <= 1, "damping", "must lie in (0, 1]")
        try r.require(p.tolerance > 0 && p.tolerance <= 1e-4, "tolerance", "must lie in (0, 1e-4]",
                      fix: "a looser tolerance is not an equilibrium; use e.g. 1e-10")
        try r.require(p.maxIterations >= 1, "max_iterations", "must be at least 1")
        return p
    }
}
