import CitySystem
import Estimators
import Foundation
import Numerics

/// One configured estimator of a city-system scenario bound to its world, and how it
/// is scored. Its settings come typed from `EstimatorRegistry` (the options, their
/// defaults and spellings are listed there and in docs/monte-carlo.md); `make` checks
/// them against the world: the Ws it names, the regressors and covariates, and the
/// estimands the world has a truth for. On a panel with unobserved city-years
/// (`city_system.panel`) a spatial model needs `missing` (exact/drop_cities/drop_years/
/// interpolate, docs/unbalanced.md) and may add `bias_correction: true` with `exact`; the DID
/// family fits the observed city-years as the data-in path does (TWFE drops the unobserved
/// rows like fixest, PSM-DID and Callaway–Sant'Anna keep the cities observed every year like
/// R did); W selection and the dynamic SDM record a failure.
enum CityEstimator {
    case spatial(SpatialModelSpec, weights: String, variance: SpatialVarianceMethod, correction: ClusterCorrection,
                 estimands: [SpatialEstimand], alpha: Double, conley: ConleySettings?)
    case wSelection(WeightSelectionModel, candidates: [String], estimands: [SelectionEstimand])
    /// `sdm_dynamic` (issue 25): the dynamic SDM, two-way effects.
    case dynamic(DurbinVariables, weights: String, correction: DynamicBiasCorrection, estimands: [SpatialEstimand], alpha: Double)
    case psmDiD(PSMDiDSpec, covariates: [String], estimands: [TreatmentEstimand], cluster: DIDCluster, conley: ConleySettings?)
    case did(DIDModel, estimands: [TreatmentEstimand])
    /// `mediation` (issue 26): the three-step mechanism regressions, scored on the mechanism truths.
    case mediation(MediationSettings, covariates: [String], estimands: [MediationEstimand])
    /// `policy_curve` (issue 26): the SDM with the policy interacted into the CA curve.
    case policyCurve(PolicyCurveSettings, estimands: [PolicyCurveEstimand])
    /// `event_study` (issue 24): relative-period effects and the average post effect, on the observed city-years.
    case eventStudy(EventStudySettings, estimands: [EventStudyEstimand])
    /// `spatial_mediation` (issue 26): mediation valid under the generator's interference.
    case spatialMediation(SpatialMediationSettings, estimands: [SpatialMediationEstimand])
    /// A spatial model on a panel with missing city-years, after a workaround (option `missing`).
    case unbalanced(SpatialModelSpec, weights: String, workaround: MissingWorkaround, biasCorrected: Bool, estimands: [SpatialEstimand], alpha: Double)

    static func regressorNames(_ controls: [String]) -> [String] { ["CA", "CA2", "CAxD", "D"] + controls }
    static let cityCovariates = ["CA", "D", "ln_size", "dist_centre", "z"]

    var estimandCount: Range<Int> {
        switch self {
        case .spatial(_, _, _, _, let e, _, _): return 0..<e.count
        case .psmDiD(_, _, let e, _, _): return 0..<e.count
        case .did(_, let e): return 0..<e.count
        case .mediation(_, _, let e): return 0..<e.count
        case .policyCurve(_, let e): return 0..<e.count
        case .eventStudy(_, let e): return 0..<e.count
        case .spatialMediation(_, let e): return 0..<e.count
        case .wSelection(_, _, let e): return 0..<e.count
        case .dynamic(_, _, _, let e, _): return 0..<e.count
        case .unbalanced(_, _, _, _, let e, _): return 0..<e.count
        }
    }

    /// Scores curves, turning points or U-tests of the curve regressor: its cell stores the data
    /// support [p5, p95] that figures shade (static, unbalanced and dynamic spatial fits alike).
    var scoresCurves: Bool {
        switch self {
        case .spatial(_, _, _, _, let e, _, _), .dynamic(_, _, _, let e, _), .unbalanced(_, _, _, _, let e, _): return e.contains(where: \.needsCurves)
        case .wSelection, .psmDiD, .did, .mediation, .policyCurve, .eventStudy, .spatialMediation: return false
        }
    }

    /// - Parameters:
    ///   - regressors: the regressor names estimands may refer to.
    ///   - nonlinearRegressors: those whose single effect is refused (they enter with a square or an
    ///     interaction), with the message that says what to use instead.
    ///   - treatmentCovariates: the covariates `psm_did` may use; nil when the world has no treatment (an observed design).
    static func make(_ e: EstimatorSpec, at path: String, weightNames: [String], regressors names: [String],
                     nonlinearRegressors: (names: [String], error: (EffectKind, String) -> String),
                     treatmentCovariates: [String]?, alpha: Double, reader: ScenarioValueReader) throws -> CityEstimator {
        func checkWeights(_ w: String, _ key: String) throws {
            guard weightNames.contains(w) else {
                throw reader.error("\(path).\(key)", "`\(w)` is not in city_system.estimator_weights (\(weightNames.joined(separator: ", ")))")
            }
        }
        /// The DID family needs a world with a treatment; its covariates and estimands checked against it.
        func treatment(_ shared: TreatmentSettings) throws -> (covariates: [String], estimands: [TreatmentEstimand]) {
            guard let known = treatmentCovariates else {
                throw reader.error("\(path).model", "`\(e.model)` needs a treatment; this world (an observed design) has none — use a spatial model (sdm, sar, slx, sem, sdem, ols, sac)")
            }
            let covariates = shared.covariates ?? TreatmentSettings.defaultCovariates
            for c in covariates where !known.contains(c) {
                throw reader.error("\(path).covariates", "`\(c)` is not available; choose from \(known.joined(separator: ", "))")
            }
            let estimands = try e.estimands.enumerated().map { k, name -> TreatmentEstimand in
                guard let t = TreatmentEstimand(rawValue: name), e.model == "psm_did" || t == .att else {
                    // att_matched, att_net and spillover_controls need the matching weights PSM-DID reports.
                    throw reader.error("\(path).estimands[\(k)]", "unknown estimand `\(name)` for \(e.model); use \(e.model == "psm_did" ? TreatmentEstimand.names : "att")")
                }
                return t
            }
            return (covariates, estimands)
        }
        /// A model of the treatment family needs a world with a treatment.
        func requireTreatment(_ model: String) throws {
            guard treatmentCovariates != nil else {
                throw reader.error("\(path).model", "`\(model)` needs a treatment; this world (an observed design) has none")
            }
        }
        /// The listed estimands parsed by `parse`, an unknown one refused with the model's valid forms.
        func listedEstimands<E>(of model: String, forms: String, _ parse: (String) -> E?) throws -> [E] {
            try e.estimands.enumerated().map { k, name -> E in
                guard let m = parse(name) else {
                    throw reader.error("\(path).estimands[\(k)]", "unknown estimand `\(name)` for \(model); use \(forms)")
                }
                return m
            }
        }
        /// The spatial estimands, checked against the model, its Durbin terms and the world's regressors.
        func spatialEstimands(_ model: SpatialModel, _ durbin: DurbinVariables, dynamic: Bool) throws -> [SpatialEstimand] {
            try e.estimands.enumerated().map { k, name -> SpatialEstimand in
                let at = "\(path).estimands[\(k)]"
                guard let s = SpatialEstimand.parse(name) else { throw reader.error(at, "unknown estimand `\(name)`; use \(SpatialEstimand.forms)") }
                if let x = s.regressor, !names.contains(x) {
                    throw reader.error(at, "`\(x)` is not a regressor; regressors are \(names.joined(separator: ", "))")
                }
                if case .effect(let k, let x) = s, nonlinearRegressors.names.contains(x) {
                    throw reader.error(at, nonlinearRegressors.error(k, x))
                }
                if s == .rho && !model.hasLag { throw reader.error(at, "`rho` needs a model with a spatial lag of y (sdm, sar, sac)") }
                if s == .lambda && (!model.hasErrorLag || dynamic) {
                    throw reader.error(at, "`lambda` needs a model with a spatial error process (sac, sem, sdem); \(dynamic ? "sdm_dynamic" : model.rawValue) has no λ")
                }
                if (s == .tau || s == .eta) && !dynamic { throw reader.error(at, "`\(name)` needs model sdm_dynamic") }
                if dynamic, case .averageEffect = s {
                    throw reader.error(at, "average effects are not implemented for sdm_dynamic; use curve.K.L.j or tp.K.L / tp_lr.K.L")
                }
                if case .theta = s, !(model.allowsDurbin && durbin == .all) {
                    throw reader.error(at, "`\(name)` needs W-lags of the regressors (model sdm, slx or sdem with durbin: all)")
                }
                if s.needsCurves && !(model.allowsDurbin && durbin == .all) && model != .sar && model != .ols {
                    throw reader.error(at, "curves need the quadratic terms and their W-lags (durbin: all)")
                }
                return s
            }
        }
        switch e.settings {
        case .wSelection(let s):
            for c in s.candidates { try checkWeights(c, "candidates") }
            let estimands = try listedEstimands(of: "w_selection", forms: SelectionEstimand.forms) { SelectionEstimand(rawValue: $0) }
            return .wSelection(s.model, candidates: s.candidates, estimands: estimands)
        case .spatial(let s):
            try checkWeights(s.weights, "weights")
            let estimands = try spatialEstimands(s.spec.model, s.spec.durbin, dynamic: false)
            if let workaround = s.missing {
                if let k = estimands.firstIndex(where: { $0.averagedRegressor != nil }) {
                    throw reader.error("\(path).estimands[\(k)]", "average marginal effects are not implemented with `missing`")
                }
                return .unbalanced(s.spec, weights: s.weights, workaround: workaround, biasCorrected: s.biasCorrection,
                                   estimands: estimands, alpha: alpha)
            }
            return .spatial(s.spec, weights: s.weights, variance: s.variance, correction: s.clusterCorrection, estimands: estimands,
                            alpha: alpha, conley: s.conley)
        case .dynamic(let s):
            try checkWeights(s.weights, "weights")
            return .dynamic(s.durbin, weights: s.weights, correction: s.correction,
                            estimands: try spatialEstimands(.sdm, s.durbin, dynamic: true), alpha: alpha)
        case .psmDiD(let spec, let shared):
            let (covariates, estimands) = try treatment(shared)
            return .psmDiD(spec, covariates: covariates, estimands: estimands, cluster: shared.cluster, conley: shared.conley)
        case .spilloverDiD(let rings, let shared):
            return .did(.spilloverRings(rings: rings, cluster: shared.cluster), estimands: try treatment(shared).estimands)
        case .twfe(let shared):
            return .did(.twfe(cluster: shared.cluster), estimands: try treatment(shared).estimands)
        case .csDiD(let spec, let shared):
            let (covariates, estimands) = try treatment(shared)
            return .did(.callawaySantAnna(spec, covariates: covariates, entry: "\(reader.source): \(path)"), estimands: estimands)
        case .mediation(let s):
            guard let known = treatmentCovariates else {
                throw reader.error("\(path).model", "`mediation` needs a treatment; this world (an observed design) has none")
            }
            let covariates = s.shared.covariates ?? TreatmentSettings.defaultCovariates
            for c in covariates where !known.contains(c) {
                throw reader.error("\(path).covariates", "`\(c)` is not available; choose from \(known.joined(separator: ", "))")
            }
            let estimands = try listedEstimands(of: "mediation", forms: MediationEstimand.names) { MediationEstimand(rawValue: $0) }
            // `MediationScoring.run` draws the bootstrap only for nie_boot and share_d and the quasi-Bayesian
            // simulations only for acme and ade: without them the keys would be accepted and ignored.
            let bootstrapped = estimands.contains(.nieBoot) || estimands.contains(.share)
            if s.bootstrapGiven, s.bootstrap > 0, !bootstrapped {
                throw reader.error("\(path).bootstrap", "is the cluster bootstrap of `nie_boot` and `share_d`, which this entry does not score; remove `bootstrap` or add one of them to its estimands")
            }
            if bootstrapped, s.bootstrap == 0 {
                throw reader.error("\(path).bootstrap", "`0` draws no bootstrap, so `nie_boot` and `share_d` would be missing in every replication; set bootstrap ≥ 1 (199 is the default) or remove those estimands")
            }
            if s.simulationsGiven, !estimands.contains(.acme), !estimands.contains(.ade) {
                throw reader.error("\(path).simulations", "are the quasi-Bayesian draws of `acme` and `ade`, which this entry does not score; remove `simulations` or add one of them to its estimands")
            }
            return .mediation(s, covariates: covariates, estimands: estimands)
        case .eventStudy(let s):
            try requireTreatment("event_study")
            let estimands = try e.estimands.enumerated().map { k, name -> EventStudyEstimand in
                let at = "\(path).estimands[\(k)]"
                guard let m = EventStudyEstimand(name) else { throw reader.error(at, "unknown estimand `\(name)` for event_study; use \(EventStudyEstimand.forms)") }
                if case .event(let r) = m {
                    if let leads = s.leads, r < -leads { throw reader.error(at, "relative period \(r) is binned into −\(leads) by `leads: \(leads)`; use event.-\(leads) (the bin) or widen the window") }
                    if let lags = s.lags, r > lags { throw reader.error(at, "relative period \(r) is binned into \(lags) by `lags: \(lags)`; use event.\(lags) (the bin) or widen the window") }
                }
                return m
            }
            return .eventStudy(s, estimands: estimands)
        case .policyCurve(let s):
            try requireTreatment("policy_curve")
            try checkWeights(s.weights, "weights")
            let estimands = try listedEstimands(of: "policy_curve", forms: PolicyCurveEstimand.forms) { PolicyCurveEstimand($0) }
            return .policyCurve(s, estimands: estimands)
        case .spatialMediation(let s):
            try requireTreatment("spatial_mediation")
            try checkWeights(s.weights, "weights")
            let estimands = try listedEstimands(of: "spatial_mediation", forms: SpatialMediationEstimand.names) { SpatialMediationEstimand(rawValue: $0) }
            return .spatialMediation(s, estimands: estimands)
        }

    }

    /// A covariate column (time-major, N·T) of the generated panel by name.
    static func covariate(_ name: String, of p: SyntheticPanel) throws -> [Double] {
        let perCity: [Double]?
        switch name {
        case "CA": return p.ca
        case "D": return p.d
        case "ln_size": perCity = p.lnSize
        case "dist_centre": perCity = p.distanceToCentre
        case "z": perCity = p.z
        default: perCity = nil
        }
        if let v = perCity {
            // The city's value in every year (time-major).
            var column: [Double] = []
            column.reserveCapacity(p.n * p.t)
            for _ in 0..<p.t { column.append(contentsOf: v) }
            return column
        }
        guard let k = p.controlNames.firstIndex(of: name) else { throw EstimationError("no covariate `\(name)` in the panel") }
        return p.controls[k]
    }

    /// Scores a spatial estimator on a panel of an observed design (no treatment, one W).
    func run(on panel: Result<SpatialPanel, Error>, weights: SpatialWeights, truth: SpatialTruth) -> FitOutcome {
        switch self {
        case let .spatial(spec, _, variance, correction, estimands, alpha, conley):
            guard conley == nil else {
                return FitOutcome(status: FitStatus(.failed, "the Conley variance needs the city system's geography"),
                                  results: estimands.map { _ in .missing(truth: .nan) })
            }
            return SpatialScoring.run(spec, weights: weights, variance: variance, clusterCorrection: correction, panel: panel,
                                      truth: truth, estimands: estimands, alpha: alpha)
        case let .dynamic(durbin, _, correction, estimands, alpha):
            return DynamicScoring.run(durbin: durbin, correction: correction, weights: weights, panel: panel, truth: truth,
                                      estimands: estimands, alpha: alpha)
        case let .psmDiD(_, _, estimands, _, _), let .did(_, estimands):
            return FitOutcome(status: FitStatus(.failed, "the DID family needs a treatment"), results: estimands.map { _ in .missing(truth: .nan) })
        case let .mediation(_, _, estimands):
            return FitOutcome(status: FitStatus(.failed, "mediation needs a treatment"), results: estimands.map { _ in .missing(truth: .nan) })
        case let .policyCurve(_, estimands):
            return FitOutcome(status: FitStatus(.failed, "policy_curve needs a treatment"), results: estimands.map { _ in .missing(truth: .nan) })
        case let .eventStudy(_, estimands):
            return FitOutcome(status: FitStatus(.failed, "event_study needs a treatment"), results: estimands.map { _ in .missing(truth: .nan) })
        case let .spatialMediation(_, estimands):
            return FitOutcome(status: FitStatus(.failed, "spatial_mediation needs a treatment"), results: estimands.map { _ in .missing(truth: .nan) })
        case let .wSelection(_, _, estimands):
            return FitOutcome(status: FitStatus(.failed, "W selection needs candidate Ws of a city system"), results: estimands.map { _ in .missing(truth: .nan) })
        case let .unbalanced(_, _, _, _, estimands, _):
            return FitOutcome(status: FitStatus(.failed, "`missing` applies to a city system with city_system.panel"), results: estimands.map { _ in .missing(truth: .nan) })
        }
    }

    /// Why this estimator cannot fit a panel with unobserved city-years; nil when it can.
    var gapRefusal: String? {
        switch self {
        case .unbalanced, .psmDiD, .did, .eventStudy: return nil
        case .spatial: return "the panel has unobserved city-years (city_system.panel); give a spatial estimator `missing: \(MissingWorkaround.allowed)`"
        case .dynamic: return "the dynamic SDM does not take unobserved city-years (city_system.panel)"
        case .wSelection: return "W selection does not take unobserved city-years (city_system.panel)"
        case .mediation: return "the mediation regressions do not take unobserved city-years (city_system.panel)"
        case .policyCurve: return "policy_curve does not take unobserved city-years (city_system.panel)"
        case .spatialMediation: return "spatial_mediation does not take unobserved city-years (city_system.panel)"
        }
    }

    /// Fits and scores on one replication's panel; `clock` (benchmarks only) times the stages.
    func run(on data: PanelData, clock: StageClock? = nil) -> FitOutcome {
        // A panel with unobserved city-years is never fitted as if it were complete.
        if data.panel.observed != nil, let refusal = gapRefusal {
            return FitOutcome(status: FitStatus(.failed, refusal), results: estimandCount.map { _ in .missing(truth: .nan) })
        }
        switch self {
        case let .unbalanced(spec, weights, workaround, biasCorrected, estimands, alpha):
            return clock.measure("fit+scoring") {
                UnbalancedScoring.run(spec, workaround: workaround, biasCorrected: biasCorrected, weights: data.panel.estimatorWeights[weights],
                                      data: data, estimands: estimands, alpha: alpha)
            }
        case let .spatial(spec, weights, variance, correction, estimands, alpha, conley):
            return SpatialScoring.run(spec, weights: data.panel.estimatorWeights[weights], variance: variance, clusterCorrection: correction,
                                      conley: Result { try conley?.spec(for: data.panel) }, panel: data.spatial,
                                      truth: data.truth, estimands: estimands, alpha: alpha, clock: clock,
                                      shared: (data.sharedFits, weights))
        case let .dynamic(durbin, weights, correction, estimands, alpha):
            return clock.measure("fit+scoring") {
                DynamicScoring.run(durbin: durbin, correction: correction, weights: data.panel.estimatorWeights[weights],
                                   panel: data.spatial, truth: data.truth, estimands: estimands, alpha: alpha)
            }
        case let .wSelection(model, candidates, estimands):
            return clock.measure("fit+scoring") { WeightSelectionScoring.run(model, candidates: candidates, estimands: estimands, data: data) }
        case let .did(model, estimands):
            return clock.measure("fit+scoring") { model.run(estimands: estimands, data: data) }
        case let .mediation(settings, covariates, estimands):
            return clock.measure("fit+scoring") { MediationScoring.run(settings, covariates: covariates, estimands: estimands, data: data) }
        case let .policyCurve(settings, estimands):
            return clock.measure("fit+scoring") { PolicyCurveScoring.run(settings, estimands: estimands, data: data) }
        case let .eventStudy(settings, estimands):
            return clock.measure("fit+scoring") { EventStudyScoring.run(settings, estimands: estimands, data: data) }
        case let .spatialMediation(settings, estimands):
            return clock.measure("fit+scoring") { SpatialMediationScoring.run(settings, estimands: estimands, data: data) }
        case let .psmDiD(spec, covariates, estimands, cluster, conley):
            let all = data.panel.truth.integration
            func truths(_ used: TreatmentTruth?) -> [Double] {
                estimands.map { e in
                    switch e {
                    case .att: return all.meanAtt ?? .nan
                    case .attMatched: return used?.att ?? .nan
                    case .attNet: return used.map { $0.att - $0.spillover } ?? .nan
                    case .spilloverControls: return used?.spillover ?? .nan
                    }
                }
            }
            do {
                var spec = spec
                // On gaps PSM-DID keeps the cities observed every year (R did's panel = TRUE).
                let cities = data.completeCities
                spec.unitClusters = cluster.codes(data.panel).map { c in cities.map { c[$0] } }
                spec.conley = try conley?.spec(for: data.panel, cities: cities)
                spec.balanceTable = false   // no balance statistic is scored
                if var wb = spec.wildBootstrap {
                    // The replication's own stream; every other setting (B, weights, subcluster) as read.
                    let id = data.panel.stream
                    wb.stream = StreamID(seed: id.seed, cell: Int(id.cell), replication: Int(id.replication),
                                         purpose: EstimatorStreamPurpose.wildBootstrap.rawValue)
                    spec.wildBootstrap = wb
                }
                let treatment = try clock.measure("data") { try data.treatment(covariates: covariates, balanced: true) }
                let r = try clock.measure("fit") { try PSMDiD.estimate(panel: treatment, spec: spec) }
                return clock.measure("scoring") { scorePSMDiD(r, estimands: estimands, data: data, truths: truths) }
            } catch {
                return FitOutcome(status: FitStatus(.failed, "\(error)"), results: truths(nil).map { .missing(truth: $0) })
            }
        }
    }

    private func scorePSMDiD(_ r: PSMDiDResult, estimands: [TreatmentEstimand], data: PanelData,
                             truths: (TreatmentTruth?) -> [Double]) -> FitOutcome {
        let used = TreatmentTruth(data.panel, weights: data.fullPanelWeights(r.observationWeights))
        return FitOutcome(status: .ok, results: zip(estimands, truths(used)).map { e, t in
            // With `variance: wild_cluster` the interval and p-value are the WCR bootstrap's (test
            // inversion); the standard error stays CR1, the statistic the bootstrap studentises.
            let ci = r.bootstrapInterval ?? (r.ciLower, r.ciUpper)
            guard e == .spilloverControls else {
                return EstimandResult(truth: t, estimate: r.att, standardError: r.standardError,
                                      lower: ci.lower, upper: ci.upper, pValue: r.bootstrapPValue ?? r.pValue)
            }
            return EstimandResult(truth: t, estimate: used.att - r.att, standardError: r.standardError,
                                  lower: used.att - ci.upper, upper: used.att - ci.lower)
        })
    }
}

/// The treatment truths on the city-years an estimator uses (weights from
/// `PSMDiDResult.observationWeights`; all weight 1 without matching).
struct TreatmentTruth {
    /// Weighted mean of Mis(1) − Mis(0) over treated post city-years.
    var att = Double.nan
    /// Weighted mean of Mis(1) − Mis(0) over never-treated city-years from the first adoption.
    var spillover = Double.nan

    init(_ p: SyntheticPanel, weights: [Double]?) {
        let first = p.cohort.filter { $0 > 0 }.min() ?? Int.max
        let n = p.n, t = p.t
        precondition(p.mis.count >= n * t && p.misNoIntegration.count >= n * t && p.post.count >= n * t && p.treat.count >= n
                     && p.years.count >= t && (weights?.count ?? n * t) >= n * t, "treatment truth: panel arrays shorter than N·T")
        var sa = 0.0, wa = 0.0, ss = 0.0, ws = 0.0
        // The same sums in the same order (period by period, cities in order), through the arrays' buffers:
        // no bounds check or optional per city-year.
        func accumulate(_ weights: UnsafeBufferPointer<Double>?) {
            p.mis.withUnsafeBufferPointer { mis in
                p.misNoIntegration.withUnsafeBufferPointer { mis0 in
                    p.treat.withUnsafeBufferPointer { treat in
                        p.post.withUnsafeBufferPointer { post in
                            for period in 0..<t {
                                let late = p.years[period] >= first
                                for i in 0..<n {
                                    let k = p.index(period: period, city: i)
                                    let w = weights?[k] ?? 1
                                    guard w > 0 else { continue }
                                    let diff = mis[k] - mis0[k]
                                    if treat[i] == 1 {
                                        if post[k] == 1 { sa += w * diff; wa += w }
                                    } else if late {
                                        ss += w * diff; ws += w
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let weights { weights.withUnsafeBufferPointer { accumulate($0) } } else { accumulate(nil) }
        if wa > 0 { att = sa / wa }
        if ws > 0 { spillover = ss / ws }
    }
}
