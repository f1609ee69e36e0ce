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
/// `covariates` (default CA, D, ln_size, dist_centre).
enum CityEstimator {
    case spatial(SpatialModelSpec, weights: String, variance: SpatialVarianceMethod, estimands: [SpatialEstimand], alpha: Double)
    case psmDiD(PSMDiDSpec, covariates: [String], estimands: [TreatmentEstimand])

    static func regressorNames(_ controls: [String]) -> [String] { ["CA", "CA2", "CAxD", "D"] + controls }
    static let cityCovariates = ["CA", "D", "ln_size", "dist_centre", "z"]

    var estimandCount: Range<Int> {
        switch self {
        case .spatial(_, _, _, let e, _): return 0..<e.count
        case .psmDiD(_, _, let e): return 0..<e.count
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
        let result: CityEstimator
        if let model = SpatialModel(rawValue: e.model) {
            let effects = try choose("effects", { FixedEffects(userSpelling: $0) }, default: .twoWays, allowed: "none, individual, time, twoways")
            let approach = try choose("approach", { SpatialApproach(rawValue: $0) }, default: .leeYu, allowed: "direct, lee-yu")
            let durbin = try choose("durbin", { ["all": DurbinVariables.all, "none": .none][$0] }, default: model.allowsDurbin ? .all : .none,
                                    allowed: "all, none")
            let weights = try take("weights") ?? "true"
            let variance = try choose("variance", { ["analytic": SpatialVarianceMethod.analytic, "cluster": .cluster][$0] },
                                      default: .analytic, allowed: "analytic, cluster")
            if variance == .cluster && model.hasErrorLag {
                throw reader.error("\(path).variance", "`cluster` is implemented for sdm, sar, slx and ols, not for \(model.rawValue)")
            }
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
            result = .spatial(SpatialModelSpec(model: model, effects: effects, approach: approach, durbin: durbin),
                              weights: weights, variance: variance, estimands: estimands, alpha: alpha)
        } else if e.model == "psm_did" {
            guard let known = treatmentCovariates else {
                throw reader.error("\(path).model", "`psm_did` needs a treatment; this world (an observed design) has none — use a spatial model (sdm, sar, slx, sem, sdem, ols)")
            }
            let mode = try take("matching") ?? "pooled"
            var spec = PSMDiDSpec()
            switch mode {
            case "pooled": spec.mode = .pooled
            case "by-period": spec.mode = .byPeriod
            case "none": spec.matching = nil
            default: throw reader.error("\(path).matching", "`\(mode)` is not one of pooled, by-period, none")
            }
            var covariates = ["CA", "D", "ln_size", "dist_centre"]
            if let node = options.removeValue(forKey: "covariates") {
                guard let list = node.list, !list.isEmpty else { throw reader.error("\(path).covariates", "must be a non-empty list") }
                covariates = try list.enumerated().map { try reader.string($1, "\(path).covariates[\($0)]") }
                for c in covariates where !known.contains(c) {
                    throw reader.error("\(path).covariates", "`\(c)` is not available; choose from \(known.joined(separator: ", "))")
                }
            }
            let estimands = try e.estimands.enumerated().map { k, name -> TreatmentEstimand in
                guard let t = TreatmentEstimand(rawValue: name) else {
                    throw reader.error("\(path).estimands[\(k)]", "unknown estimand `\(name)` for psm_did; use \(TreatmentEstimand.names)")
                }
                return t
            }
            result = .psmDiD(spec, covariates: covariates, estimands: estimands)
        } else {
            throw reader.error("\(path).model", "unknown model `\(e.model)`; use sdm, sar, slx, sem, sdem, ols or psm_did")
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
        case let .spatial(spec, _, variance, estimands, alpha):
            return SpatialScoring.run(spec, weights: weights, variance: variance, panel: panel, truth: truth, estimands: estimands,
                                      alpha: alpha)
        case let .psmDiD(_, _, estimands):
            return FitOutcome(status: FitStatus(.failed, "psm_did needs a treatment"), results: estimands.map { _ in .missing(truth: .nan) })
        }
    }

    func run(on data: PanelData) -> FitOutcome {
        switch self {
        case let .spatial(spec, weights, variance, estimands, alpha):
            return SpatialScoring.run(spec, weights: data.panel.estimatorWeights[weights], variance: variance, panel: data.spatial,
                                      truth: data.truth, estimands: estimands, alpha: alpha)
        case let .psmDiD(spec, covariates, estimands):
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
