import Foundation

// The `estimate mediation --json` report (keys documented in docs/cli-json.md); numbers follow
// the one NaN policy of `FiniteOrNull`.

public struct MediationCoefficientJSON: Encodable, Sendable {
    @FiniteOrNull public var estimate: Double
    @FiniteOrNull public var se: Double
    @FiniteOrNull public var p: Double
    @FiniteOrNull public var ci_lower: Double
    @FiniteOrNull public var ci_upper: Double

    init(_ c: MediationResult.Coefficient) {
        estimate = c.estimate; se = c.standardError; p = c.pValue; ci_lower = c.lower; ci_upper = c.upper
    }
}

/// ACME, ADE and total effect with quasi-Bayesian intervals (`se` is the draws' SD).
public struct CausalMediationJSON: Encodable, Sendable {
    public let simulations: Int
    public let acme, ade, total: MediationCoefficientJSON

    init(_ c: CausalMediationResult) {
        simulations = c.simulations; acme = .init(c.acme); ade = .init(c.ade); total = .init(c.total)
    }
}

public struct MediationBootstrapJSON: Encodable, Sendable {
    public let replications: Int
    public let failed: Int
    @FiniteOrNull public var se: Double
    @FiniteOrNull public var ci_lower: Double
    @FiniteOrNull public var ci_upper: Double
    @FiniteOrNull public var p: Double
    @FiniteOrNull public var share_ci_lower: Double
    @FiniteOrNull public var share_ci_upper: Double

    init(_ b: MediationResult.Bootstrap) {
        replications = b.replications; failed = b.failed; se = b.standardError; ci_lower = b.lower; ci_upper = b.upper
        p = b.pValue; share_ci_lower = b.shareLower; share_ci_upper = b.shareUpper
    }
}

/// `total` (c), `first_stage` (a), `direct` (c′), `mediator` (b), `indirect` (a·b with the Sobel
/// SE), `share` (a·b/c), `bootstrap` (null without), `interaction` (TP × moderator, null without),
/// `causal` (ACME/ADE/total with quasi-Bayesian intervals, null without).
public struct MediationReportJSON: Encodable, Sendable {
    public let total, first_stage, direct, mediator, indirect: MediationCoefficientJSON
    @FiniteOrNull public var share: Double
    public let bootstrap: MediationBootstrapJSON?
    public let interaction: MediationCoefficientJSON?
    public let causal: CausalMediationJSON?
    /// With `--spatial-weights`: natural effects under interference (`SpatialMediation`); absent otherwise.
    public var spatial: SpatialMediationJSON?
    public let observations: Int
    public let clusters: Int

    public init(_ r: MediationResult) {
        total = .init(r.total); first_stage = .init(r.firstStage); direct = .init(r.direct); mediator = .init(r.mediator)
        indirect = .init(r.indirect); share = r.share
        bootstrap = r.bootstrap.map(MediationBootstrapJSON.init)
        interaction = r.interaction.map(MediationCoefficientJSON.init)
        causal = r.causal.map(CausalMediationJSON.init)
        observations = r.observations; clusters = r.clusters
    }
}

/// `estimate mediation --spatial-weights`: natural direct and indirect effects under interference
/// (`SpatialMediation`, docs/MODEL.md §10), each `{estimate, se, p, ci_lower, ci_upper}` (delta method, normal).
public struct SpatialMediationJSON: Encodable, Sendable {
    /// What was fitted, so a report can be read without the command line that made it.
    public struct Specification: Encodable, Sendable {
        /// `static` (the exposure model, MODEL.md §10 A2) or `dynamic` (the diffusion recursion, A2′).
        public let mediator_model: String
        /// The outcome model's W file (`--spatial-weights`).
        public let spatial_weights: String
        /// `W` when the mediator model's exposure is the outcome's W, `E` with `--exposure-weights`.
        public let exposure_matrix: String
        /// The file of the exposure matrix actually used (the `--spatial-weights` file when `exposure_matrix` is `W`).
        public let exposure_weights: String
        /// The `--target-factor` column (dynamic model only); null: c_i = 1 for every unit, no year × c terms.
        public let target_factor: String?

        /// - Parameter exposureWeights: the `--exposure-weights` file, nil for W.
        public init(mediatorModel: MediatorModel, spatialWeights: String, exposureWeights: String?, targetFactor: String?) {
            mediator_model = mediatorModel.word
            spatial_weights = spatialWeights
            exposure_matrix = exposureWeights == nil ? "W" : "E"
            exposure_weights = exposureWeights ?? spatialWeights
            if case .dynamic = mediatorModel { target_factor = targetFactor } else { target_factor = nil }
        }

        enum CodingKeys: String, CodingKey { case mediator_model, spatial_weights, exposure_matrix, exposure_weights, target_factor }

        /// `target_factor` written as null when absent (a missing key and a null read differently in some clients).
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(mediator_model, forKey: .mediator_model)
            try c.encode(spatial_weights, forKey: .spatial_weights)
            try c.encode(exposure_matrix, forKey: .exposure_matrix)
            try c.encode(exposure_weights, forKey: .exposure_weights)
            try c.encode(target_factor, forKey: .target_factor)
        }
    }

    public let specification: Specification
    public let indirect, direct, total, share, first_stage, spillover_mediator: MediationCoefficientJSON
    @FiniteOrNull public var rho: Double
    public let mediator_model: [String: MediationCoefficientJSON]
    /// Fieller's set for `share` (unbounded when NIE + NDE is not distinguishable from 0).
    public let share_fieller: SpatialAnalysisJSON.Fieller
    public let treated_observations: Int
    public let converged: Bool

    public init(_ r: SpatialMediationResult, specification: Specification) {
        self.specification = specification
        func q(_ x: SpatialMediationResult.Quantity) -> MediationCoefficientJSON {
            MediationCoefficientJSON(estimate: x.estimate, se: x.se, p: x.pValue, ci_lower: x.lower, ci_upper: x.upper)
        }
        indirect = q(r.indirect); direct = q(r.direct); total = q(r.total); share = q(r.share)
        first_stage = q(r.firstStage); spillover_mediator = q(r.spilloverMediator)
        rho = r.outcomeFit.rho ?? .nan
        let f = r.mediatorFit
        var m: [String: MediationCoefficientJSON] = [:]
        for (j, name) in f.names.enumerated() {
            let ci = f.confidenceInterval(j, level: 0.95)
            m[name] = MediationCoefficientJSON(estimate: f.coefficients[j], se: f.standardErrors[j], p: f.pValues[j],
                                               ci_lower: ci.lower, ci_upper: ci.upper)
        }
        mediator_model = m
        share_fieller = SpatialAnalysisJSON.Fieller(r.shareFieller)
        treated_observations = r.treatedObservations
        converged = r.outcomeFit.converged
    }
}

extension MediationCoefficientJSON {
    init(estimate: Double, se: Double, p: Double, ci_lower: Double, ci_upper: Double) {
        self.estimate = estimate; self.se = se; self.p = p; self.ci_lower = ci_lower; self.ci_upper = ci_upper
    }
}
