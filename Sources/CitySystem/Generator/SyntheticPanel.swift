import Foundation
import Numerics

/// One generated city panel. Time-major: observation (t, i) is at index t·N + i.
public struct SyntheticPanel: Sendable {
    public let stream: StreamID
    public let n: Int
    public let t: Int
    public let years: [Int]
    public let cityIds: [String]
    /// City coordinates: planar km, or lon/lat degrees when `isLonLat` (not
    /// regressors: `SpatialPanel.x` is the design matrix).
    public let coordinateX: [Double]
    public let coordinateY: [Double]
    public let isLonLat: Bool
    public let region: [Int]
    public let isCentre: [Bool]
    public let lnSize: [Double]
    public let distanceToCentre: [Double]

    public let mis: [Double]
    public let ca: [Double]
    public let d: [Double]
    public let lqm: [Double]
    public let lqs: [Double]
    public let controlNames: [String]
    /// One time-major column per control, in `controlNames` order.
    public let controls: [[Double]]
    /// 1 for cities that join the integration at some point.
    public let treat: [Int]
    /// Adoption year per city, 0 for never-treated.
    public let cohort: [Int]
    /// Per observation: year ≥ the city's adoption year (treated), or year ≥ t0 (never-treated).
    public let post: [Int]
    /// The confounder Z_i (parallel trends hold only conditional on it when z_slope ≠ 0).
    public let z: [Double]

    /// The world without integration, with common random numbers (MODEL.md §3).
    public let misNoIntegration: [Double]
    public let dNoIntegration: [Double]

    public let trueWeights: SpatialWeights
    /// The analysts' W choices by name (`true` is the true W), and their order in the scenario.
    public let estimatorWeights: [String: SpatialWeights]
    public let estimatorWeightNames: [String]
    public let truth: TrueEstimands
    /// The `neg` mode's equilibrium quantities (nil in the reduced mode).
    public let equilibrium: NEGPath?
    /// Time-major: whether the analyst observes each city-year (`city_system.panel`); nil when all are.
    public let observed: [Bool]?
    /// Cities merged in pairs from a year (`city_system.panel.merges`); nil without merges.
    public var merges: PanelMerges? = nil
    /// The mechanism decomposition per city-year (MODEL.md §10): Mis(1) − Mis(0) split into the
    /// part through D and the policy's own term, for truths over a subset (e.g. a matched sample).
    public var mechanismPaths: MechanismTruth.Paths? = nil
    /// The generator's diffusion kernel V of D (MODEL.md §2.4: v_ij ∝ exp(−d_ij / decay_km), zero
    /// diagonal, row-standardised; truncated in the large-N generator), the exposure matrix of
    /// `spatial_mediation`'s `exposure_weights: diffusion`. nil for panels not from the city system.
    public var diffusionKernel: DiffusionKernel? = nil
    /// Each city's factor c_i = 1 + premium · exp(−dist_i / decay_km) on the national digital trend
    /// (MODEL.md §2.4: its target D*_it = D*_t c_i), the target factor of `spatial_mediation`'s
    /// `mediator_model: dynamic`. nil for panels not from the city system.
    public var targetFactor: [Double]? = nil

    /// City i's value of a time-major column in period p.
    @inline(__always) public func index(period p: Int, city i: Int) -> Int { p * n + i }
}

/// The merges of a generated panel: from `year` (period index `firstPeriod`) city `absorbed[g]`
/// no longer exists and city `into[g]`'s row holds the merged city (`MergeWorld`).
public struct PanelMerges: Sendable, Equatable {
    public let year: Int
    public let firstPeriod: Int
    public let into: [Int]
    public let absorbed: [Int]
}
