import Foundation
import Numerics

/// A parsed scenario: the generator's part (`city_system`) plus identification.
/// The Monte Carlo sections (`monte_carlo`, `estimators`, `grid`) are accepted by
/// the parser but not interpreted here.
public struct ScenarioSpec: Sendable {
    public var name: String
    public var description: String
    public var seed: UInt64
    public var citySystem: CitySystemSpec
    /// File or other source name, for messages.
    public var source: String
    /// Set when `city_system` is an observed design (`city_system.observed`, written by
    /// `spillsim calibrate`); `citySystem` then holds defaults and is not used.
    public var observed: ObservedDesignSpec? = nil
    /// Settings written in the file that this world does not use (`ScenarioParser.unusedSettings`):
    /// refused by a command that builds this one world, and by a design when no cell uses them.
    public var unusedSettings: [ScenarioError] = []
}

/// Everything the generator needs. Defaults (see `scenarios/README.md`) give a
/// paper-like system: 280 cities around 15 centres, 2003–2020.
public struct CitySystemSpec: Sendable {
    public var geography = GeographySpec()
    public var sizes = SizeSpec()
    public var sectors = SectorSpec()
    public var digital = DigitalSpec()
    /// The true W.
    public var weights = WeightSpec(name: "true")
    public var outcome = OutcomeSpec()
    public var treatment = TreatmentSpec()
    /// The analysts' choices of W; `name: true` means the true W.
    public var estimatorWeights: [WeightSpec] = [WeightSpec(name: "true")]
    /// How every W of the scenario computes log|I − ρW| (`auto`: the spectrum up to
    /// `SpatialWeights.exactSizeLimit` cities, sparse methods above).
    public var logDeterminant: LogDeterminantMethod = .auto
    /// Which city-years the analyst observes (`city_system.panel`).
    public var panel = PanelSpec()
    public var years: [Int] { Array(geography.firstYear...geography.lastYear) }
    public init() {}
}

/// `city_system.panel`: the observation pattern of the generated panel (issue 24). The world
/// is generated whole; the analyst then sees only some city-years.
public struct PanelSpec: Sendable {
    /// How a city-year goes missing (docs/unbalanced.md):
    /// * mcar: every city-year with probability `rate`;
    /// * mar_size: small cities more often: p_i ∝ exp(−strength·z(ln L_i)), mean `rate`;
    /// * mar_distance: remote cities more often: p_i ∝ exp(strength·z(distance to the nearest centre));
    /// * mnar: low outcomes more often: p_it ∝ exp(−strength·z(y_it)), z standardised over the panel.
    /// Probabilities are capped at 0.95 and rescaled once so their mean is the rate.
    public enum Missingness: String, Sendable, CaseIterable {
        case mcar, marSize = "mar_size", marDistance = "mar_distance", mnar
    }
    public var missing: Missingness = .mcar
    /// Share of city-years missing on average (0 = a balanced panel).
    public var rate = 0.0
    public var strength = 1.0
    /// `entry: {share, year}`: the `share` smallest cities (by ln size) exist only from `year` on —
    /// new prefecture-level cities (`EntryWorld`, docs/unbalanced.md). 0 = every city every year.
    public var entryShare = 0.0
    public var entryYear = 0
    /// `merges: {share, year}`: the `share` smallest cities are absorbed, each by a neighbour, from
    /// `year` on (`MergeWorld`, docs/unbalanced.md). 0 = no merges.
    public var mergeShare = 0.0
    public var mergeYear = 0
    public init() {}
}

public struct GeographySpec: Sendable {
    public enum Source: String, Sendable { case synthetic, csv }
    public var source: Source = .synthetic
    public var centres = 15
    public var cities = 280
    public var squareKm = 2000.0
    public var minSeparationKm = 300.0
    public var peripherySdKm = 130.0
    /// Regions are a rows × cols grid over the square; a city's region is its centre's cell.
    public var regionGrid = [2, 2]
    public var firstYear = 2003
    public var lastYear = 2020
    /// CSV input: path (relative to the scenario file) and coordinate units.
    public var file: String? = nil
    public var units: String = "km"   // km | lonlat
    public init() {}
}

public struct SizeSpec: Sendable {
    public var meanLog = 4.5
    public var centrePremium = 1.0
    /// Change of ln L per 100 km from the nearest centre (negative: smaller further out).
    public var distanceGradient = -0.15
    public var sd = 0.4
    public init() {}
}

public struct SectorSpec: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case reduced, neg }
    /// `reduced`: the log-share equations below; `neg`: the equilibrium of `neg` (NEGSpec).
    public var mode: Mode = .reduced
    public var neg = NEGSpec()
    /// Mean log employment shares of manufacturing and producer services.
    public var manufacturingLogShare = log(0.25)
    public var servicesLogShare = log(0.15)
    /// Gradient per 100 km from the nearest centre (manufacturing rises outward, services fall).
    public var manufacturingGradient = 0.2
    public var servicesGradient = -0.15
    /// Elasticities of the log shares with respect to city size (ln L_i − mean ln L):
    /// manufacturing weighs more in smaller cities, which lifts most cities' LQ above
    /// the size-weighted national mean and puts the CA median near 3.
    public var manufacturingSizeElasticity = -0.8
    public var servicesSizeElasticity = -0.3
    /// Services premium of centres (log points).
    public var servicesCentrePremium = 0.3
    /// Spatially correlated city effects: sd, exponential correlation range (km),
    /// and correlation between the manufacturing and services effects.
    public var effectSd = 0.3
    public var effectRangeKm = 150.0
    public var effectCorrelation = 0.3
    /// AR(1) shocks to log shares.
    public var shockAr = 0.7
    public var shockSd = 0.08
    public init() {}
}

public struct DigitalSpec: Sendable {
    /// National logistic trend D*_t = level / (1 + exp(−rate (year − midYear))).
    public var level = 1.0
    public var rate = 0.35
    public var midYear = 2012.0
    /// Target premium of centres: D*_it = D*_t (1 + premium · exp(−dist_i / decayKm)).
    public var centrePremium = 0.3
    public var convergence = 0.3     // κ_g
    public var diffusion = 0.3       // ψ
    public var decayKm = 150.0       // 1/η_D
    public var shockSd = 0.02
    public var initialSd = 0.03
    /// π_I: diffusion weights among treated cities are multiplied by (1 + π_I) once treated.
    public var integrationBoost = 1.0
    /// π_T: the digital target of an integrated city is D*_it (1 + π_T) once integrated. The boost
    /// π_I alone only averages D among integrated cities (diffusion preserves their mean up to the
    /// asymmetry of the row-standardised kernel), so it barely moves the level of D (MODEL.md §10);
    /// π_T is a level channel. 0 keeps the DGP of earlier sessions.
    public var integrationTarget = 0.0
    /// τ of the truncated diffusion kernel when W is held sparse (large N): pairs whose weight
    /// exp(−d/decay) falls below τ are dropped (docs/large-n.md). Unused on the dense path.
    public var kernelTolerance = 1e-3
    public init() {}
}

/// One weight-matrix recipe (true W or an analyst's choice).
public struct WeightSpec: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case exponential, inverseDistance = "inverse_distance", knn, band, delaunay, economic, block
    }
    public enum Normalisation: String, Sendable, CaseIterable { case row, spectral, none }
    public var name: String
    /// `name: true` in `estimator_weights` stands for the true W; `kind` is then unused.
    public var isTrue: Bool { name == "true" && kindGiven == false }
    var kindGiven = false
    public var kind: Kind = .exponential
    public var decayKm = 150.0          // exponential: δ = 1/decayKm
    public var kappaD = 0.0             // exponential: flattening by D (κ_W)
    public var cutoffKm: Double? = nil  // exponential, inverse_distance
    public var alpha = 1.0              // inverse_distance power
    public var k = 5                    // knn
    public var symmetrise = true        // knn
    public var bandKm = 300.0           // band
    public var normalise: Normalisation = .row
    /// Key path for messages, e.g. `city_system.estimator_weights.1`.
    public var path = "city_system.weights"
    public init(name: String) { self.name = name }
}

public struct ControlSpec: Sendable {
    public var name: String
    public var gamma: Double
    public var theta: Double
    public var mean: Double
    public var sizeLoading: Double
    public var citySd: Double
    public var trend: Double
    public var ar: Double
    public var shockSd: Double
}

public struct ErrorSpec: Sendable {
    public enum Law: String, Sendable, CaseIterable { case normal, heteroskedastic, ar1, spatial, t }
    public var law: Law = .normal
    public var sigma = 0.1
    public var ar = 0.5          // ar1
    public var lambda = 0.3      // spatial (SEM) component through the true W
    public var df = 5.0          // t
    public var sizePower = 0.25  // heteroskedastic: σ_i ∝ L_i^(−sizePower)
    public var shocks = ShockSpec()
    public init() {}

    /// The true λ of the error's spatial process through the true W (`ModelTruth.lambda`): `lambda`
    /// under the spatial law, 0 under the laws that are independent across cities (normal, t,
    /// ar1, heteroskedastic), nil with shocks: a Gaussian field with correlation exp(−d²/range²)
    /// is not an SAR process on W, so no λ is its true value (issue 23).
    public var trueLambda: Double? {
        guard shocks.share == 0 else { return nil }
        return law == .spatial ? lambda : 0
    }
}

/// Spatially correlated shocks added to the outcome error (issue 23): ε = √(1 − share) ε_law
/// + √share σ f_t, with f_t a unit-variance Gaussian field per year, corr(f_it, f_jt) =
/// exp(−d_ij²/range²), AR(1) across years with coefficient `ar`. share = 0: no shocks.
public struct ShockSpec: Sendable {
    public var share = 0.0
    public var rangeKm = 150.0
    public var ar = 0.0
    public init() {}

    /// Correlation of two cities' errors at distance d implied by the shocks (the
    /// idiosyncratic part is independent across cities for the normal, ar1, t and
    /// heteroskedastic laws).
    public func impliedCorrelation(atKm d: Double) -> Double { share * exp(-(d * d) / (rangeKm * rangeKm)) }
}

public struct OutcomeSpec: Sendable {
    public var rho = 0.3
    /// Time lag τ of Mis and space-time lag η of W·Mis (the dynamic SDM, issue 25); 0 = static.
    public var tau = 0.0
    public var eta = 0.0
    /// Years simulated before the first observed one when the outcome is dynamic (from the
    /// steady state of the first year's systematic part), so the first observed year is a draw
    /// from (near) the stationary process rather than a fixed start.
    public var burnIn = 50
    public var beta = [-0.30, 0.06, -0.03, -0.02]
    public var theta = [-0.10, 0.03, -0.02, 0.0]
    public var intercept = 1.0
    public var cityEffectSd = 0.1
    /// City effects correlated with the city's mean CA (so pooled OLS is biased and FE matter).
    public var cityEffectCaLoading = 0.05
    public var yearEffectSd = 0.05
    public var yearTrend = -0.005
    public var controls: [ControlSpec] = [
        ControlSpec(name: "lngdppc", gamma: -0.05, theta: 0.0, mean: 10.0, sizeLoading: 0.3, citySd: 0.3,
                    trend: 0.08, ar: 0.8, shockSd: 0.05),
        ControlSpec(name: "gov", gamma: 0.10, theta: 0.05, mean: 0.15, sizeLoading: -0.02, citySd: 0.04,
                    trend: 0.0, ar: 0.6, shockSd: 0.02),
    ]
    public var error = ErrorSpec()
    public init() {}
}

public struct TreatmentSpec: Sendable {
    public var enabled = true
    public var regions = [0]
    public var t0 = 2010
    /// Cohort adoption years for staggered adoption (empty: everyone at t0).
    public var staggered: [Int] = []
    /// Logit coefficients on standardised pre-period covariates; intercept separately.
    public var selectionIntercept = 0.0
    public var selection: [String: Double] = ["ln_size": 0.8, "D": 0.5, "CA": 0.3, "dist_centre": -0.5, "Z": 0.5]
    /// δ_P and its growth per year since adoption.
    public var effect = -0.05
    public var effectGrowth = 0.0
    /// λ_t = zSlope · (year − first year): trends that differ by Z. Applied only when `enabled`
    /// (the confounder belongs to the policy world; a disabled treatment adds no Z·t trend).
    public var zSlope = 0.01
    public init() {}
}
