import CitySystem
import Estimators
import Numerics
import Foundation

/// The typed settings of one `estimators:` entry, parsed from its model name and
/// options by `EstimatorRegistry` when the scenario is loaded: every option is
/// checked there (value, spelling, the rules between options) and an error names its
/// key path. What depends on the world — which Ws exist, which regressors and
/// covariates, which estimands the world has a truth for — is checked when a cell
/// binds the settings to its world (`CityEstimator.make`).
enum EstimatorSettings: Sendable {
    case spatial(SpatialSettings)
    case wSelection(WSelectionSettings)
    case dynamic(DynamicSettings)
    case psmDiD(PSMDiDSpec, TreatmentSettings)
    case spilloverDiD(rings: [Double], TreatmentSettings)
    /// Plain TWFE DID (`twfe`): y on the treatment dummy with city and year effects, CR1.
    case twfe(TreatmentSettings)
    case csDiD(CSDiDSpec, TreatmentSettings)
    case mediation(MediationSettings)
    /// `policy_curve` (issue 26): the SDM with the policy interacted into the CA curve.
    case policyCurve(PolicyCurveSettings)
    /// `event_study` (issue 24): the TWFE event study, fixest's `i(rel, treat, ref = -1)`.
    case eventStudy(EventStudySettings)
    /// `spatial_mediation` (issue 26): natural direct/indirect effects through D under interference.
    case spatialMediation(SpatialMediationSettings)

    /// The `weights:` a spatial model uses (nil for the others).
    var weights: String? {
        if case .spatial(let s) = self { return s.weights }
        if case .dynamic(let s) = self { return s.weights }
        if case .policyCurve(let s) = self { return s.weights }
        if case .spatialMediation(let s) = self { return s.weights }
        return nil
    }

    /// Every name of `city_system.estimator_weights` the estimator reads (those `CityEstimator.make`
    /// checks): the cell computes the spectra of these at set-up and leaves the others' to their first use.
    var weightNames: [String] {
        switch self {
        case .spatial(let s): return [s.weights]
        case .dynamic(let s): return [s.weights]
        case .policyCurve(let s): return [s.weights]
        case .spatialMediation(let s): return [s.weights]
        case .wSelection(let s): return s.candidates
        case .psmDiD, .spilloverDiD, .twfe, .csDiD, .mediation, .eventStudy: return []
        }
    }
}

/// A spatial model's settings: `effects`, `approach`, `durbin`, `sigma2` (in `spec`), `weights`, `variance`.
struct SpatialSettings: Sendable {
    var spec: SpatialModelSpec
    /// A name from `city_system.estimator_weights`; `true` is the true W.
    var weights: String
    var variance: SpatialVarianceMethod
    /// `cluster_correction` (cr1, cr2, cr3) with `variance: cluster` or `conley`; cr1 otherwise.
    var clusterCorrection: ClusterCorrection = .standard
    /// `missing`: the workaround for unobserved city-years (`city_system.panel`); nil = none.
    var missing: MissingWorkaround? = nil
    /// `bias_correction: true` (with `missing: exact`): score the bias-corrected fit.
    var biasCorrection = false
    /// `cutoff_km`, `kernel`, `lag` with `variance: conley`, else nil.
    var conley: ConleySettings?
}

/// The dynamic SDM's settings (`sdm_dynamic`, issue 25): `durbin`, `weights`, `bias_correction`.
/// Effects (two-way: time by the Lee–Yu transformation, individual by within) and the analytic
/// variance are fixed; `effects`, `approach` or `variance` with another value are refused.
struct DynamicSettings: Sendable {
    var durbin: DurbinVariables
    var weights: String
    var correction: DynamicBiasCorrection
}

/// W selection's settings: the model `fit` to every candidate (sdm, sar or sdm_dynamic), its
/// `effects`, `approach`, `durbin`.
struct WSelectionSettings: Sendable {
    var model: WeightSelectionModel
    var candidates: [String]

    /// The specification of the fitted model (the dynamic SDM's: two-way, Lee–Yu).
    var spec: SpatialModelSpec {
        switch model {
        case .spatial(let spec): return spec
        case .dynamic(let durbin): return SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: durbin)
        }
    }
}

/// The DID family's shared settings.
struct TreatmentSettings: Sendable {
    /// `covariates:` as written; nil takes `TreatmentSettings.defaultCovariates`.
    var covariates: [String]?
    var cluster: DIDCluster
    /// psm_did with `variance: conley`: the Conley settings instead of CR1.
    var conley: ConleySettings? = nil

    static let defaultCovariates = ["CA", "D", "ln_size", "dist_centre"]
}

/// Model name → typed settings. The one list of the models a scenario may name, their
/// options, defaults and spellings (documented in docs/monte-carlo.md). Defaults of the
/// spatial settings are the constants the CLI uses too (`SpatialApproach.standard`,
/// `SpatialVarianceMethod.standard`).
enum EstimatorRegistry {
    /// One family of models and how its options are read.
    struct Family: Sendable {
        let models: [String]
        let parse: @Sendable (String, inout EstimatorOptions) throws -> EstimatorSettings
    }

    static let families: [Family] = [
        Family(models: SpatialModel.allCases.map(\.rawValue)) { name, o in
            guard let model = SpatialModel(rawValue: name) else { throw o.error("model", "`\(name)` is not a spatial model") }
            let missing = try o.choose("missing", default: MissingWorkaround?.none, spellings: MissingWorkaround.allCases.map(\.rawValue)) { s -> MissingWorkaround?? in
                // A bad spelling must be nil here (refused), not .some(nil) (no workaround).
                MissingWorkaround(rawValue: s).map { .some($0) }
            }
            // The unbalanced estimator is the direct approach (Lee–Yu has no exact form with W_t
            // changing across years); every workaround uses it, so the comparison is like for like.
            var spec = try spatialSpec(model, &o, defaultApproach: missing == nil ? SpatialApproach.standard : .direct)
            // ols has no spatial term: another W would be accepted and change nothing.
            if o.has("weights"), !model.usesWeights {
                throw o.error("weights", "`\(model.rawValue)` has no spatial term and never reads W; remove `weights`, or choose a model with W (slx, sar, sem, sdm, sdem, sac)")
            }
            let weights = try o.string("weights") ?? "true"
            let variance = try o.choose("variance", default: SpatialVarianceMethod.standard, spellings: SpatialVarianceMethod.spellings,
                                        aliases: "oim is an alias of analytic") { SpatialVarianceMethod(spelling: $0) }
            if let reason = variance.unsupportedReason(for: model) { throw o.error("variance", reason) }
            if o.has("cluster_correction"), variance != .cluster, variance != .conley {
                throw o.error("cluster_correction", "applies to `variance: cluster` or `conley`; remove it or set the variance")
            }
            let correction = try o.choose("cluster_correction", default: ClusterCorrection.standard, spellings: ClusterCorrection.spellings) {
                ClusterCorrection(spelling: $0)
            }
            let sigma2 = try o.choose("sigma2", default: ResidualVariance.standard, spellings: ResidualVariance.spellings) {
                ResidualVariance(spelling: $0)
            }
            if sigma2 == .dof {
                if variance != .analytic {
                    throw o.error("sigma2", "`dof` is a plug-in for the analytic information matrix; `variance: \(variance.rawValue)` carries its own small-sample correction: remove one of them")
                }
                if model == .sac { throw o.error("sigma2", "`dof` is implemented for the static models other than sac") }
                if missing != nil { throw o.error("sigma2", "`dof` is implemented for balanced panels; the unbalanced estimator (`missing`) reports the QML σ̂²") }
            }
            spec.residualVariance = sigma2
            spec.information = try o.choose("information", default: InformationMatrix.standard, spellings: InformationMatrix.spellings) {
                InformationMatrix(spelling: $0)
            }
            if spec.information == .observed, model != .sac {
                throw o.error("information", "`observed` is implemented for sac only; remove `information` (the expected information is the default)")
            }
            spec.interval = try o.choose("interval", default: SpatialParameterInterval.standard, spellings: SpatialParameterInterval.spellings) {
                SpatialParameterInterval(spelling: $0)
            }
            if spec.interval == .profile {
                if model != .sac {
                    throw o.error("interval", "`profile` (the profile-likelihood interval of ρ and λ) is implemented for sac only; remove `interval` (Wald is the default) or set `model: sac`")
                }
                if variance != .analytic {
                    throw o.error("interval", "`profile` is the likelihood's own interval (it assumes independent errors), so it does not go with `variance: \(variance.rawValue)`; remove `variance` or `interval`")
                }
            }
            let corrected = try o.choose("bias_correction", default: false, spellings: ["true", "false"]) { ["true": true, "false": false][$0] }
            if missing != nil {
                guard (model.hasLag && !model.hasErrorLag) || model == .slx || model == .ols else {
                    throw o.error("missing", "is implemented for sdm, sar, slx and ols, not \(model.rawValue)")
                }
                if spec.approach != .direct {
                    throw o.error("approach", "an estimator with `missing` uses the direct approach (Lee–Yu has no exact form on an unbalanced panel); remove `approach` or set it to direct")
                }
                if variance != .analytic {
                    throw o.error("variance", "`\(variance.rawValue)` is not implemented for the unbalanced estimator (`missing`), whose variance is the analytic one; remove `variance`, or drop `missing` and run the estimator in cells without gaps")
                }
            }
            if corrected && missing != .exact { throw o.error("bias_correction", "applies to `missing: exact` (the unbalanced estimator)") }
            // Without ρ the correction moves only σ², which no estimand scores: it would be accepted and ignored.
            if corrected && !model.hasLag {
                throw o.error("bias_correction", "corrects ρ (and σ²); \(model.rawValue) has no spatial lag and its coefficients are unchanged: remove it")
            }
            let conley = try ConleySettings.read(&o, wanted: variance == .conley)
            return .spatial(SpatialSettings(spec: spec, weights: weights, variance: variance, clusterCorrection: correction, missing: missing,
                                            biasCorrection: corrected, conley: conley))
        },
        Family(models: ["sdm_dynamic"]) { _, o in
            let spec = try dynamicSpec(&o)
            let weights = try o.string("weights") ?? "true"
            let variance = try o.choose("variance", default: SpatialVarianceMethod.analytic, spellings: SpatialVarianceMethod.spellings,
                                        aliases: "oim is an alias of analytic") { SpatialVarianceMethod(spelling: $0) }
            guard variance == .analytic else { throw o.error("variance", "sdm_dynamic has the analytic variance only") }
            let correction = try o.choose("bias_correction", default: DynamicBiasCorrection.ydl, spellings: ["ydl", "none"]) {
                DynamicBiasCorrection(rawValue: $0)
            }
            return .dynamic(DynamicSettings(durbin: spec.durbin, weights: weights, correction: correction))
        },
        Family(models: ["w_selection"]) { _, o in
            let fit = try o.choose("fit", default: "sdm", spellings: ["sdm", "sar", "sdm_dynamic"]) { ["sdm", "sar", "sdm_dynamic"].contains($0) ? $0 : nil }
            let model: WeightSelectionModel = fit == "sdm_dynamic" ? .dynamic(try dynamicSpec(&o).durbin)
                : .spatial(try spatialSpec(fit == "sar" ? .sar : .sdm, &o))
            guard let list = try o.list("candidates"), list.count >= 2 else {
                throw o.error("candidates", "list two or more names from city_system.estimator_weights (e.g. [true, knn5])")
            }
            let candidates = try list.enumerated().map { try o.reader.string($1, o.path("candidates[\($0)]")) }
            if Set(candidates).count != candidates.count { throw o.error("candidates", "lists a weight matrix twice") }
            return .wSelection(WSelectionSettings(model: model, candidates: candidates))
        },
        Family(models: ["psm_did"]) { _, o in
            var spec = PSMDiDSpec()
            // nil: `none`, plain TWFE DID. The value is parsed to a case here, so a misspelling
            // (`by_period`, `nonee`) is refused rather than falling through to pooled matching.
            let mode = try o.choose("matching", default: PSMDiDSpec.MatchingMode?.some(.pooled),
                                    spellings: PSMDiDSpec.MatchingMode.allCases.map(\.rawValue) + ["none"]) { s -> PSMDiDSpec.MatchingMode?? in
                s == "none" ? .some(nil) : PSMDiDSpec.MatchingMode(rawValue: s).map { .some($0) }
            }
            if let mode { spec.mode = mode } else { spec.matching = nil }
            var shared = try treatment(&o)
            // The covariates are the propensity score's; without matching the DID has none.
            if spec.matching == nil, shared.covariates != nil {
                throw o.error("covariates", "feed the propensity score, and `matching: none` fits the DID without one, so they would be ignored; remove `covariates`, or set `matching: pooled` (or by-period)")
            }
            let variances = ["cluster", "conley", "wild_cluster"]
            let variance = try o.choose("variance", default: "cluster", spellings: variances) { variances.contains($0) ? $0 : nil }
            shared.conley = try ConleySettings.read(&o, wanted: variance == "conley", smallSampleApplies: true)
            if shared.conley != nil, shared.cluster != .unit {
                throw o.error("cluster", "`variance: conley` replaces clustering; remove `cluster`")
            }
            spec.wildBootstrap = try wildBootstrap(&o, wanted: variance == "wild_cluster")
            if spec.wildBootstrap?.subclusterByUnit == true, shared.cluster == .unit {
                throw o.error("bootstrap_cluster", "`unit` draws per city, which `cluster: unit` already does; set `cluster: region` (the subcluster bootstrap) or remove it")
            }
            // `cluster_correction` as for the spatial models: cr2 (Bell–McCaffrey, Satterthwaite df) with the cluster variance.
            if o.has("cluster_correction"), variance != "cluster" {
                throw o.error("cluster_correction", "applies to `variance: cluster` (the default); remove it or the `variance`")
            }
            spec.clusterCorrection = try o.choose("cluster_correction", default: ClusterCorrection.standard, spellings: ["cr1", "cr2"]) {
                ["cr1": ClusterCorrection.cr1, "cr2": .cr2][$0.lowercased()]
            }
            return .psmDiD(spec, shared)
        },
        Family(models: ["spillover_did"]) { _, o in
            let shared = try treatment(&o, covariates: false)
            guard let list = try o.list("rings"), !list.isEmpty else {
                throw o.error("rings", "list the outer radii of the exposure rings in km, increasing (e.g. [100, 200])")
            }
            let rings = try list.enumerated().map { try o.reader.double($1, o.path("rings[\($0)]")) }
            guard rings[0] > 0, zip(rings, rings.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw o.error("rings", "radii must be positive and increasing; got \(rings)")
            }
            return .spilloverDiD(rings: rings, shared)
        },
        Family(models: ["twfe"]) { _, o in
            .twfe(try treatment(&o, covariates: false))
        },
        Family(models: ["event_study"]) { _, o in
            let shared = try treatment(&o, covariates: false)
            let leads = try o.node("leads").map { try o.reader.integer($0, o.path("leads"), minimum: 1) }
            let lags = try o.node("lags").map { try o.reader.integer($0, o.path("lags"), minimum: 0) }
            return .eventStudy(EventStudySettings(leads: leads, lags: lags, cluster: shared.cluster))
        },
        Family(models: ["cs_did"]) { _, o in
            let shared = try treatment(&o)
            if shared.cluster != .unit {
                throw o.error("cluster", "cs_did's standard errors come from its influence function (by unit); remove `cluster`")
            }
            let control = try o.choose("control", default: CSDiDSpec.Control.never, spellings: ["never", "notyet"]) {
                ["never": .never, "notyet": .notyet][$0]
            }
            let method = try o.choose("method", default: DiDMethod.dr, spellings: ["dr", "ipw", "reg"]) { DiDMethod(rawValue: $0) }
            return .csDiD(CSDiDSpec(control: control, method: method), shared)
        },
        Family(models: ["mediation"]) { _, o in
            let shared = try treatment(&o)
            let sample = try o.choose("sample", default: MediationSettings.Sample.all, spellings: MediationSettings.Sample.allCases.map(\.rawValue)) {
                MediationSettings.Sample(rawValue: $0)
            }
            if shared.covariates != nil && sample == .all {
                throw o.error("covariates", "are the propensity score's; they apply to `sample: matched` only")
            }
            let (bootstrapGiven, simulationsGiven) = (o.has("bootstrap"), o.has("simulations"))
            let bootstrap = try o.node("bootstrap").map { try o.reader.integer($0, o.path("bootstrap"), minimum: 0) } ?? 199
            // mediate's default sims = 1000.
            let simulations = try o.node("simulations").map { try o.reader.integer($0, o.path("simulations"), minimum: 2) } ?? 1000
            return .mediation(MediationSettings(sample: sample, bootstrap: bootstrap, simulations: simulations, shared: shared,
                                                bootstrapGiven: bootstrapGiven, simulationsGiven: simulationsGiven))
        },
        Family(models: ["policy_curve"]) { _, o in
            let (spec, weights, variance) = try mechanismSDM("policy_curve", &o)
            let interaction = try o.choose("interact", default: PolicyCurveSettings.Interaction.curve,
                                           spellings: PolicyCurveSettings.Interaction.allCases.map(\.rawValue)) {
                PolicyCurveSettings.Interaction(rawValue: $0)
            }
            return .policyCurve(PolicyCurveSettings(spec: spec, weights: weights, variance: variance, interaction: interaction))
        },
        Family(models: ["spatial_mediation"]) { _, o in
            let (spec, weights, variance) = try mechanismSDM("spatial_mediation", &o)
            let exposure = try o.choose("exposure_weights", default: MediatorExposure.weights,
                                        spellings: MediatorExposure.allCases.map(\.rawValue)) { MediatorExposure(rawValue: $0) }
            let zTrend = try o.choose("z_trend", default: false, spellings: ["true", "false"]) { ["true": true, "false": false][$0] }
            let mediator = try o.choose("mediator_model", default: SpatialMediationSettings.Mediator.static,
                                        spellings: SpatialMediationSettings.Mediator.allCases.map(\.rawValue)) {
                SpatialMediationSettings.Mediator(rawValue: $0)
            }
            let hasTarget = o.has("target_factor")
            let targetFactor = try o.choose("target_factor", default: true, spellings: ["true", "false"]) { ["true": true, "false": false][$0] }
            if hasTarget && mediator == .static {
                throw o.error("target_factor", "belongs to the dynamic mediator model; add `mediator_model: dynamic` or drop it")
            }
            return .spatialMediation(SpatialMediationSettings(spec: spec, weights: weights, variance: variance, exposure: exposure,
                                                              zTrend: zTrend, mediator: mediator, targetFactor: targetFactor))
        },
    ]

    static var modelNames: [String] { families.flatMap(\.models) }

    /// The typed settings of a model with its options; errors name `path.key`.
    static func settings(model: String, options: [String: ScenarioValue], at path: String,
                         reader: ScenarioValueReader) throws -> EstimatorSettings {
        guard let family = families.first(where: { $0.models.contains(model) }) else {
            let names = modelNames
            let hint = KeySuggestion.closest(to: model, among: names).map { "did you mean `\($0)`? " } ?? ""
            throw reader.error("\(path).model", "unknown model `\(model)`; \(hint)use \(names.dropLast().joined(separator: ", ")) or \(names.last ?? "")")
        }
        var o = EstimatorOptions(options, at: path, reader: reader)
        let settings = try family.parse(model, &o)
        try o.finish(model: model)
        return settings
    }

    /// The dynamic SDM's `durbin` (`sdm_dynamic`, and W selection fitting it): its effects and
    /// approach are fixed, so another value is refused.
    private static func dynamicSpec(_ o: inout EstimatorOptions) throws -> SpatialModelSpec {
        let spec = try spatialSpec(.sdm, &o)
        guard spec.effects == .twoWays else {
            throw o.error("effects", "sdm_dynamic has twoways effects only (time by the Lee–Yu transformation, individual by within); remove it")
        }
        guard spec.approach == .leeYu else {
            throw o.error("approach", "sdm_dynamic removes time effects by the Lee–Yu transformation; remove `approach`")
        }
        return spec
    }

    /// `effects`, `approach` and `durbin`, shared by the spatial models and W selection.
    /// The mechanism's SDMs (`policy_curve`, `spatial_mediation`): the SDM's spec, `weights` (default
    /// `true`) and `variance` (analytic, or cluster by city).
    private static func mechanismSDM(_ model: String, _ o: inout EstimatorOptions) throws
        -> (SpatialModelSpec, String, SpatialVarianceMethod) {
        let spec = try spatialSpec(.sdm, &o)
        let weights = try o.string("weights") ?? "true"
        let variance = try o.choose("variance", default: SpatialVarianceMethod.standard, spellings: ["analytic", "cluster"],
                                    aliases: "oim is an alias of analytic") { SpatialVarianceMethod(spelling: $0) }
        if variance == .conley { throw o.error("variance", "\(model) takes the analytic or the cluster (by city) variance") }
        return (spec, weights, variance)
    }

    private static func spatialSpec(_ model: SpatialModel, _ o: inout EstimatorOptions,
                                    defaultApproach: SpatialApproach = .standard) throws -> SpatialModelSpec {
        let effects = try o.choose("effects", default: FixedEffects.twoWays, spellings: FixedEffects.spellings,
                                   aliases: "plm/fixest spellings such as twoway, unit, pooled are accepted") { FixedEffects(userSpelling: $0) }
        let approachGiven = o.has("approach")
        let approach = try o.choose("approach", default: defaultApproach, spellings: SpatialApproach.spellings) {
            SpatialApproach(spelling: $0)
        }
        // Without fixed effects Lee–Yu's transformation is the identity: the key would be accepted and ignored.
        if effects == .none && approachGiven {
            throw o.error("approach", "with `effects: none` there are no fixed effects to transform away, so lee_yu and direct are the same likelihood; remove `approach`")
        }
        let durbin = try o.choose("durbin", default: model.allowsDurbin ? DurbinVariables.all : .none, spellings: ["all", "none"]) {
            ["all": DurbinVariables.all, "none": .none][$0]
        }
        // `durbin: all` on a model without W-lagged regressors would be accepted and ignored.
        if durbin == .all && !model.allowsDurbin {
            throw o.error("durbin", "`\(model.rawValue)` has no W-lagged regressors (sdm, slx, sdem and sac add them); remove `durbin` or choose one of those models")
        }
        if durbin == .none && model == .slx {
            throw o.error("durbin", "slx without W-lagged regressors is OLS; remove `durbin: none` or use model: ols")
        }
        return SpatialModelSpec(model: model, effects: effects, approach: approach, durbin: durbin)
    }

    /// psm_did's `variance: wild_cluster` options: `bootstrap` (B, default 999),
    /// `bootstrap_weights` (webb, the default, or rademacher — enumerated when 2^G ≤ B) and
    /// `bootstrap_cluster` (cluster, the default, or unit: the subcluster bootstrap). The
    /// stream is a placeholder: each replication draws from (seed, cell, replication, wildBootstrap).
    private static func wildBootstrap(_ o: inout EstimatorOptions, wanted: Bool) throws -> WildBootstrapSpec? {
        guard wanted else {
            if let stray = ["bootstrap", "bootstrap_weights", "bootstrap_cluster"].first(where: { o.has($0) }) {
                throw o.error(stray, "belongs to the wild cluster bootstrap; add `variance: wild_cluster` or remove it")
            }
            return nil
        }
        let b = try o.node("bootstrap").map { try o.reader.integer($0, o.path("bootstrap"), minimum: 99) } ?? 999
        let weights = try o.choose("bootstrap_weights", default: WildWeights.webb, spellings: WildWeights.allCases.map(\.rawValue)) {
            WildWeights(rawValue: $0)
        }
        var spec = WildBootstrapSpec(replications: b, weights: weights, stream: StreamID(seed: 0, purpose: .wildBootstrap))
        // `bootstrap_cluster: unit` draws one multiplier per city while t* stays clustered by `cluster`
        // (the subcluster bootstrap); `cluster` (the default) draws one per cluster.
        spec.subclusterByUnit = try o.choose("bootstrap_cluster", default: false, spellings: ["cluster", "unit"]) {
            ["cluster": false, "unit": true][$0]
        }
        return spec
    }

    /// `cluster` and (unless `covariates` is false) `covariates`, shared by the DID family.
    private static func treatment(_ o: inout EstimatorOptions, covariates: Bool = true) throws -> TreatmentSettings {
        let cluster = try o.choose("cluster", default: DIDCluster.unit, spellings: DIDCluster.allCases.map(\.rawValue)) {
            DIDCluster(rawValue: $0)
        }
        guard covariates, let list = try o.list("covariates") else { return TreatmentSettings(covariates: nil, cluster: cluster) }
        guard !list.isEmpty else { throw o.error("covariates", "must be a non-empty list") }
        let names = try list.enumerated().map { try o.reader.string($1, o.path("covariates[\($0)]")) }
        return TreatmentSettings(covariates: names, cluster: cluster)
    }
}

/// The options of one estimator entry, each taken once; `finish` refuses the rest by key path.
struct EstimatorOptions {
    private var remaining: [String: ScenarioValue]
    /// The keys the model asked for, in order: the candidates of a did-you-mean for an unknown one.
    private var asked: [String] = []
    private let at: String
    let reader: ScenarioValueReader

    init(_ options: [String: ScenarioValue], at path: String, reader: ScenarioValueReader) {
        remaining = options
        at = path
        self.reader = reader
    }

    func path(_ key: String) -> String { "\(at).\(key)" }

    func error(_ key: String, _ reason: String) -> ScenarioError { reader.error(path(key), reason) }

    mutating func string(_ key: String) throws -> String? {
        ScenarioKeyRecorder.note(path(key))
        asked.append(key)
        guard let node = remaining.removeValue(forKey: key) else { return nil }
        return try reader.string(node, path(key))
    }

    /// A raw option node (nil when absent), for readers with their own conversion.
    mutating func node(_ key: String) -> ScenarioValue? {
        ScenarioKeyRecorder.note(path(key))
        asked.append(key)
        return remaining.removeValue(forKey: key)
    }

    /// Whether the option is present (not taken).
    func has(_ key: String) -> Bool { remaining[key] != nil }

    mutating func list(_ key: String) throws -> [ScenarioValue]? {
        ScenarioKeyRecorder.note(path(key))
        asked.append(key)
        guard let node = remaining.removeValue(forKey: key) else { return nil }
        guard let list = node.list else { throw error(key, "must be a list") }
        return list
    }

    /// The option parsed by `parse`, or `value` when absent; a bad value is refused naming the valid spellings.
    mutating func choose<T>(_ key: String, default value: T, spellings: [String], aliases: String? = nil,
                            parse: (String) -> T?) throws -> T {
        guard let s = try string(key) else { return value }
        guard let v = parse(s) else {
            let hint = KeySuggestion.closest(to: s, among: spellings).map { "did you mean `\($0)`? " } ?? ""
            throw reader.error(path(key), "`\(s)` is not one of \(spellings.joined(separator: ", "))" + (aliases.map { " (\($0))" } ?? ""),
                               fix: "\(hint)choose one of the listed values (docs/monte-carlo.md)")
        }
        return v
    }

    func finish(model: String) throws {
        if let extra = remaining.keys.sorted().first {
            let hint = KeySuggestion.closest(to: extra, among: asked).map { "did you mean `\($0)`? " } ?? ""
            throw reader.error(path(extra), "unknown option for model `\(model)`",
                               fix: "\(hint)its options here are \(asked.joined(separator: ", ")) (docs/monte-carlo.md)")
        }
    }
}
