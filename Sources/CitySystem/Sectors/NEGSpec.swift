import Foundation

/// Parameters of the `neg` sector mode: a multi-city footloose-entrepreneur model with a
/// vertical linkage (MODEL.md §2.3; Forslid & Ottaviano 2003 for the footloose entrepreneur,
/// Venables 1996 / Robert-Nicoud 2005 for the input–output linkage). Every key is documented
/// in scenarios/README.md; the defaults are the calibration that puts CA at p5 ≈ 1.8,
/// median ≈ 2.9, p95 ≈ 4.4 with corr(LQm, LQs) ≈ 0.7 on the baseline geography.
public struct NEGSpec: Sendable, Equatable {
    /// σ > 1: elasticity of substitution among manufacturing varieties (also the trade elasticity σ − 1).
    public var sigma = 5.0
    /// σ_S > 1: elasticity of substitution among producer-service varieties.
    public var sigmaS = 4.0
    /// μ: households' expenditure share on manufactures.
    public var mu = 0.25
    /// μ_S: households' expenditure share on producer services (final demand; manufacturers buy the rest).
    public var muS = 0.04
    /// α: share of producer services in manufacturers' variable cost — the vertical linkage.
    public var alpha = 0.3
    /// η: logit elasticity of a firm's location choice with respect to its log real profit.
    /// Large η approaches the textbook (deterministic) migration; small η spreads firms by taste.
    public var eta = 1.0
    /// ν: elasticity of the number of business sites with respect to city size L
    /// (choice probability ∝ L_i^ν exp(η V_i), McFadden's aggregation of elemental sites).
    /// ν < 1: sites are scarcer per head in big cities, which keeps the CA median near 3.
    public var siteSizeElasticity = 0.7
    /// Manufacturing trade cost per 1000 km in the first and last year; geometric path in between,
    /// φ_ij,t = exp(−(σ − 1) τ_t d_ij / 1000).
    public var tauStart = 0.3
    public var tauEnd = 0.2
    /// Services' trade cost relative to manufacturing's (face-to-face services travel worse).
    public var servicesTauMultiplier = 3.0
    /// κ ≥ 0: digital technology flattens services' decay, φ^S_ij,t = exp(−(σ_S − 1) m τ_t d_ij / (1000 (1 + κ D̄_ij,t))).
    public var kappa = 1.0
    /// Sector-specific amenities in log-real-profit units: AR(1) coefficient and innovation sd.
    public var amenityAr = 0.8
    public var amenitySd = 0.12
    /// The endogeneity channel: the correlation of both sectors' amenity innovations with the
    /// standardised innovation of the outcome's city-year error (0: CA exogenous to ε).
    public var endogeneity = 0.0
    /// Fixed-point controls: initial damping λ ∈ (0, 1] (halved whenever successive steps reverse),
    /// tolerance on the largest log change of any share or income, and the iteration limit.
    public var damping = 0.8
    public var tolerance = 1e-10
    public var maxIterations = 5000

    public init() {}

    /// Manufacturing trade cost in period p of t periods (geometric interpolation).
    public func tau(period p: Int, of t: Int) -> Double {
        t <= 1 ? tauStart : tauStart * pow(tauEnd / tauStart, Double(p) / Double(t - 1))
    }
}
