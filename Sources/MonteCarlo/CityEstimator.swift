import CitySystem
import Estimators
import Foundation
import Numerics

/// One configured estimator of a city-system scenario and how it is scored.
///
/// Spatial models (`sdm`, `sar`, `slx`, `sem`, `sdem`, `ols`) take `effects`
/// (none/individual/time/twoways, default twoways), `approach` (direct/lee-yu,
/// default lee-yu: consistent σ² for fixed T), `weights` (a name from
/// `city_system.estimator_weights`, default `true`), `durbin` (all/none) and
/// `variance` (analytic, default, or cluster: the sandwich clustered by city, as
/// xsmle's `vce(cluster)`; sdm, sar, slx and ols).
/// `psm_did` takes `matching` (pooled/by-period/none, default pooled; the
/// applied setting: logit score, 1:1 nearest neighbour, caliper 0.2 SD) and
/// `covariates` (default CA, D, ln_size, dist_centre) and `cluster` (unit/region, default unit),
/// or `variance: conley` with `cutoff_km`, `kernel` (bartlett/uniform) and `lag` (periods, default 0):
/// the Conley spatial-HAC variance on the generator's geography instead of CR1.
/// `spillover_did` takes `rings` (km) and `cluster`; `cs_did` takes `control` (never/notyet),
/// `method` (dr/ipw/reg) and `covariates`.
/// `w_selection` takes `candidates` (two or more names from `city_system.estimator_weights`),
/// `fit` (sdm or sar, default sdm) and the spatial options `effects`, `approach`, `durbin`.
enum CityEstimator {
    case spatial(SpatialModelSpec, weights: String, variance: SpatialVarianceMethod, estimands: [SpatialEstimand], alpha: Double,
                 conley: ConleySettings?)
    case wSelection(SpatialModelSpec, candidates: [String], estimands: [SelectionEstimand])
    case psmDiD(PSMDiDSpec, covariates: [String], estimands: [TreatmentEstimand], cluster: DIDCluster, conley: ConleySettings?)
    case did(DIDModel, estimands: [TreatmentEstimand])

    static func regressorNames(_ controls: [String]) -> [String] { ["CA", "CA2", "CAxD", "D"] + controls }
    static let cityCovariates = ["CA", "D", "ln_size", "dist_centre", "z"]

    var estimandCount: Range<Int> {
        switch self {
        case .spatial(_, _, _, let e, _, _): return 0..<e.count
        case .psmDiD(_, _, let e, _, _): return 0..<e.count
        case .did(_, let e): return 0..<e.count
        case .wSelection(_, _, let e): return 0..<e.count
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
        var options = e.options
        func take(_ key: String) throws -> String? {
            guard let node = options.removeValue(forKey: key) else { return nil }
            return try reader.string(node, "\(path).\(key)")
        }
        func choose<T>(_ key: String, _ parse: (String) -> T?, default value: T, allowed: String) throws -> T {
            guard let s = try take(key) else { return value }
            guard let v = parse(s) else { throw reader.error("\(path).\(key)", "`\(s)` is not one of \(allowed)") }
            return v
        }
        func spatialSpec(_ model: SpatialModel) throws -> SpatialModelSpec {
            let effects = try choose("effects", { FixedEffects(userSpelling: $0) }, default: .twoWays, allowed: "none, individual, time, twoways")
            let approach = try choose("approach", { SpatialApproach(rawValue: $0) }, default: .leeYu, allowed: "direct, lee-yu")
            let durbin = try choose("durbin", { ["all": DurbinVariables.all, "none": .none][$0] }, default: model.allowsDurbin ? .all : .none,
                                    allowed: "all, none")
            return SpatialModelSpec(model: model, effects: effects, approach: approach, durbin: durbin)
        }
        let result: CityEstimator
        if e.model == "w_selection" {
            let model = try choose("fit", { ["sdm": SpatialModel.sdm, "sar": .sar][$0] }, default: .sdm, allowed: "sdm, sar")
            let spec = try spatialSpec(model)
            guard let node = options.removeValue(forKey: "candidates"), let list = node.list, list.count >= 2 else {
                throw reader.error("\(path).candidates", "list two or more names from city_system.estimator_weights (e.g. [true, knn5])")
            }
            let candidates = try list.enumerated().map { try reader.string($1, "\(path).candidates[\($0)]") }
            for c in candidates where !weightNames.contains(c) {
                throw reader.error("\(path).candidates", "`\(c)` is not in city_system.estimator_weights (\(weightNames.joined(separator: ", ")))")
            }
            if Set(candidates).count != candidates.count { throw reader.error("\(path).candidates", "lists a weight matrix twice") }
            let estimands = try e.estimands.enumerated().map { k, name -> SelectionEstimand in
                guard let s = SelectionEstimand(rawValue: name) else {
                    throw reader.error("\(path).estimands[\(k)]", "unknown estimand `\(name)` for w_selection; use \(SelectionEstimand.forms)")
                }
                return s
            }
            result = .wSelection(spec, candidates: candidates, estimands: estimands)
        } else if let model = SpatialModel(rawValue: e.model) {
            let spec = try spatialSpec(model)
            let durbin = spec.durbin
            let weights = try take("weights") ?? "true"
            let variance = try choose("variance", { ["analytic": SpatialVarianceMethod.analytic, "cluster": .cluster, "conley": .conley][$0] },
                                      default: .analytic, allowed: "analytic, cluster, conley")
            if variance != .analytic && model.hasErrorLag {
                throw reader.error("\(path).variance", "`\(variance.rawValue)` is implemented for sdm, sar, slx and ols, not for \(model.rawValue)")
            }
            let conley = try ConleySettings.parseKeys(options: &options, at: path, reader: reader, wanted: variance == .conley)
            guard weightNames.contains(weights) else {
                throw reader.error("\(path).weights", "`\(weights)` is not in city_system.estimator_weights (\(weightNames.joined(separator: ", ")))")
            }
            let estimands = try e.estimands.enumerated().map { k, name -> SpatialEstimand in
                let at = "\(path).estimands[\(k)]"
                guard let s = SpatialEstimand.parse(name) else { throw reader.error(at, "unknown estimand `\(name)`; use \(SpatialEstimand.forms)") }
                if let x = s.regressor, !names.contains(x) {
                    throw reader.error(at, "`\(x)` is not a regressor; regressors are \(names.joined(separator: ", "))")
                }
                if case .effect(let k, let x) = s, nonlinearRegressors.names.contains(x) {
                    throw reader.error(at, nonlinearRegressors.error(k, x))
                }
                if s == .rho && !model.hasLag { throw reader.error(at, "`rho` needs a model with a spatial lag of y (sdm, sar)") }
                if case .theta = s, !(model.allowsDurbin && durbin == .all) {
                    throw reader.error(at, "`\(name)` needs W-lags of the regressors (model sdm, slx or sdem with durbin: all)")
                }
                if s.needsCurves && !(model.allowsDurbin && durbin == .all) && model != .sar && model != .ols {
                    throw reader.error(at, "curves need the quadratic terms and their W-lags (durbin: all)")
                }
                return s
            }
            result = .spatial(spec, weights: weights, variance: variance, estimands: estimands, alpha: alpha, conley: conley)
        } else if ["psm_did", "spillover_did", "cs_did"].contains(e.model) {
            guard let known = treatmentCovariates else {
                throw reader.error("\(path).model", "`\(e.model)` needs a treatment; this world (an observed design) has none — use a spatial model (sdm, sar, slx, sem, sdem, ols)")
            }
            let cluster = try choose("cluster", { DIDCluster(rawValue: $0) }, default: .unit, allowed: DIDCluster.allowed)
            func covariateList() throws -> [String] {
                guard let node = options.removeValue(forKey: "covariates") else { return ["CA", "D", "ln_size", "dist_centre"] }
                guard let list = node.list, !list.isEmpty else { throw reader.error("\(path).covariates", "must be a non-empty list") }
                let covariates = try list.enumerated().map { try reader.string($1, "\(path).covariates[\($0)]") }
                for c in covariates where !known.contains(c) {
                    throw reader.error("\(path).covariates", "`\(c)` is not available; choose from \(known.joined(separator: ", "))")
                }
                return covariates
            }
            let estimands = try e.estimands.enumerated().map { k, name -> TreatmentEstimand in
                guard let t = TreatmentEstimand(rawValue: name), e.model == "psm_did" || t == .att else {
                    // att_matched, att_net and spillover_controls need the matching weights PSM-DID reports.
                    throw reader.error("\(path).estimands[\(k)]", "unknown estimand `\(name)` for \(e.model); use \(e.model == "psm_did" ? TreatmentEstimand.names : "att")")
                }
                return t
            }
            switch e.model {
            case "psm_did":
                let mode = try take("matching") ?? "pooled"
                var spec = PSMDiDSpec()
                switch mode {
                case "pooled": spec.mode = .pooled
                case "by-period": spec.mode = .byPeriod
                case "none": spec.matching = nil
                default: throw reader.error("\(path).matching", "`\(mode)` is not one of pooled, by-period, none")
                }
                let conley = try ConleySettings.parse(options: &options, at: path, reader: reader)
                if conley != nil, cluster != .unit {
                    throw reader.error("\(path).cluster", "`variance: conley` replaces clustering; remove `cluster`")
                }
                result = .psmDiD(spec, covariates: try covariateList(), estimands: estimands, cluster: cluster, conley: conley)
            case "spillover_did":
                guard let node = options.removeValue(forKey: "rings"), let list = node.list, !list.isEmpty else {
                    throw reader.error("\(path).rings", "list the outer radii of the exposure rings in km, increasing (e.g. [100, 200])")
                }
                let rings = try list.enumerated().map { try reader.double($1, "\(path).rings[\($0)]") }
                guard rings[0] > 0, zip(rings, rings.dropFirst()).allSatisfy({ $0 < $1 }) else {
                    throw reader.error("\(path).rings", "radii must be positive and increasing; got \(rings)")
                }
                result = .did(.spilloverRings(rings: rings, cluster: cluster), estimands: estimands)
            default:
                if cluster != .unit {
                    throw reader.error("\(path).cluster", "cs_did's standard errors come from its influence function (by unit); remove `cluster`")
                }
                let control = try choose("control", { ["never": CSDiDSpec.Control.never, "notyet": .notyet][$0] }, default: .never,
                                         allowed: "never, notyet")
                let method = try choose("method", { DiDMethod(rawValue: $0) }, default: .dr, allowed: "dr, ipw, reg")
                result = .did(.callawaySantAnna(CSDiDSpec(control: control, method: method), covariates: try covariateList()),
                              estimands: estimands)
            }
        } else {
            throw reader.error("\(path).model", "unknown model `\(e.model)`; use sdm, sar, slx, sem, sdem, ols, psm_did, spillover_did, cs_did or w_selection")
        }
        if let extra = options.keys.sorted().first {
            throw reader.error("\(path).\(extra)", "unknown option for model `\(e.model)`")
        }
        return result
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
        if let v = perCity { return (0..<(p.n * p.t)).map { v[$0 % p.n] } }
        guard let k = p.controlNames.firstIndex(of: name) else { throw EstimationError("no covariate `\(name)` in the panel") }
        return p.controls[k]
    }

    /// Scores a spatial estimator on a panel of an observed design (no treatment, one W).
    func run(on panel: Result<SpatialPanel, Error>, weights: SpatialWeights, truth: SpatialTruth) -> FitOutcome {
        switch self {
        case let .spatial(spec, _, variance, estimands, alpha, conley):
            guard conley == nil else {
                return FitOutcome(status: FitStatus(.failed, "the Conley variance needs the city system's geography"),
                                  results: estimands.map { _ in .missing(truth: .nan) })
            }
            return SpatialScoring.run(spec, weights: weights, variance: variance, panel: panel, truth: truth, estimands: estimands,
                                      alpha: alpha)
        case let .psmDiD(_, _, estimands, _, _), let .did(_, estimands):
            return FitOutcome(status: FitStatus(.failed, "the DID family needs a treatment"), results: estimands.map { _ in .missing(truth: .nan) })
        case let .wSelection(_, _, estimands):
            return FitOutcome(status: FitStatus(.failed, "W selection needs candidate Ws of a city system"), results: estimands.map { _ in .missing(truth: .nan) })
        }
    }

    func run(on data: PanelData) -> FitOutcome {
        switch self {
        case let .spatial(spec, weights, variance, estimands, alpha, conley):
            return SpatialScoring.run(spec, weights: data.panel.estimatorWeights[weights], variance: variance,
                                      conley: Result { try conley?.spec(for: data.panel) }, panel: data.spatial,
                                      truth: data.truth, estimands: estimands, alpha: alpha)
        case let .wSelection(spec, candidates, estimands):
            return WeightSelectionScoring.run(spec, candidates: candidates, estimands: estimands, data: data)
        case let .did(model, estimands):
            return model.run(estimands: estimands, data: data)
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
                spec.unitClusters = cluster.codes(data.panel)
                spec.conley = try conley?.spec(for: data.panel)
                let r = try PSMDiD.estimate(panel: try data.treatment(covariates: covariates), spec: spec)
                let used = TreatmentTruth(data.panel, weights: r.observationWeights)
                return FitOutcome(status: .ok, results: zip(estimands, truths(used)).map { e, t in
                    guard e == .spilloverControls else {
                        return EstimandResult(truth: t, estimate: r.att, standardError: r.standardError,
                                              lower: r.ciLower, upper: r.ciUpper, pValue: r.pValue)
                    }
                    return EstimandResult(truth: t, estimate: used.att - r.att, standardError: r.standardError,
                                          lower: used.att - r.ciUpper, upper: used.att - r.ciLower)
                })
            } catch {
                return FitOutcome(status: FitStatus(.failed, "\(error)"), results: truths(nil).map { .missing(truth: $0) })
            }
        }
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
        var sa = 0.0, wa = 0.0, ss = 0.0, ws = 0.0
        for period in 0..<p.t {
            for i in 0..<p.n {
                let k = p.index(period: period, city: i)
                let w = weights?[k] ?? 1
                guard w > 0 else { continue }
                let diff = p.mis[k] - p.misNoIntegration[k]
                if p.treat[i] == 1 {
                    if p.post[k] == 1 { sa += w * diff; wa += w }
                } else if p.years[period] >= first {
                    ss += w * diff; ws += w
                }
            }
        }
        if wa > 0 { att = sa / wa }
        if ws > 0 { spillover = ss / ws }
    }
}
