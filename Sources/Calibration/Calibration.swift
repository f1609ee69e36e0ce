import CitySystem
import Estimators
import Foundation
import Numerics

/// What a user's panel is calibrated with: the columns, W and the SDM specification
/// (`request.y` … read and write `columns`).
@dynamicMemberLookup
public struct CalibrationRequest: Sendable {
    public var data: String
    public var weights: String
    public var columns: ModelColumns
    public var effects: FixedEffects = .twoWays
    /// nil: `SpatialApproach.standard` on a balanced panel, direct on one with gaps (the only exact form there).
    public var approach: SpatialApproach? = nil
    public var errors: ObservedDesignSpec.Errors = .standard
    public var rowStandardise = true
    /// The merges CSV (city,into,year; docs/unbalanced.md "Merges"), nil without merges.
    public var merges: String? = nil

    public init(data: String, weights: String, id: String, time: String, y: String, x: [String]) {
        self.data = data; self.weights = weights; columns = ModelColumns(id: id, time: time, y: y, x: x)
    }

    public subscript<T>(dynamicMember path: WritableKeyPath<ModelColumns, T>) -> T {
        get { columns[keyPath: path] }
        set { columns[keyPath: path] = newValue }
    }
}

/// An SDM fitted to a user's panel, and the observed design it defines: the fit comes from
/// the same loader and estimator as `spillsim estimate sdm`, so a panel that cannot be
/// fitted there (ids missing from W, collinear) fails here with the same error. A panel with
/// missing city-years (rows absent or model cells empty) is fitted by the unbalanced estimator,
/// and its design keeps the pattern (`ObservedGapDesign`).
public struct Calibration: Sendable {
    /// The data as loaded: balanced, or with gaps (and then the unbalanced fit's report).
    public enum Data: Sendable {
        case balanced(SpatialDataset)
        case gaps(UnbalancedDataset, UnbalancedAnalysis)
    }

    public let request: CalibrationRequest
    public let analysis: SpatialAnalysis
    public let data: Data
    /// The observed design with paths as written in the scenario (relative to it) and resolved.
    public let spec: ObservedDesignSpec

    public var fit: SpatialFitResult { analysis.fit }

    /// The balanced data set; a panel with gaps has none (its data are `data`'s `.gaps`).
    public var dataset: SpatialDataset {
        get throws {
            guard case .balanced(let d) = data else { throw EstimationError("the calibrated panel has gaps: its data are an UnbalancedDataset") }
            return d
        }
    }

    /// The unbalanced fit's report (rows used, city sets, distinct W_t), nil for a balanced panel.
    public var gaps: UnbalancedAnalysis? {
        if case .gaps(_, let u) = data { return u }
        return nil
    }

    /// The ρ interval on which the data's W (every W_t on gaps) is invertible.
    public var stableInterval: (lower: Double, upper: Double) {
        switch data {
        case .balanced(let d): return d.weights.stableInterval
        case .gaps(let d, _): return d.weights.stableInterval
        }
    }

    /// The quadratic regressor and the moderator over the observations used.
    public var quadraticValues: [Double]? {
        switch data {
        case .balanced(let d): return d.quadraticValues
        case .gaps(let d, _): return d.quadraticValues
        }
    }

    public var moderatorValues: [Double]? {
        switch data {
        case .balanced(let d): return d.moderatorValues
        case .gaps(let d, _): return d.moderatorValues
        }
    }

    /// The observed design of this calibration (no file access).
    public func world(source: String) throws -> ObservedWorld {
        switch data {
        case .balanced(let d): return .balanced(try ObservedDesign(spec: spec, source: source, dataset: d))
        case .gaps(let d, _): return .gaps(try ObservedGapDesign(spec: spec, source: source, dataset: d))
        }
    }

    /// Fits the SDM (all regressors W-lagged) and records the file hashes.
    /// - Parameter scenarioDirectory: where the scenario will be written; the data and W
    ///   paths are stored relative to it, as the scenario reader resolves them.
    public static func run(_ request: CalibrationRequest, scenarioDirectory: String) throws -> Calibration {
        let loaded = try UnbalancedDataLoader.load(
            data: URL(fileURLWithPath: request.data), weights: URL(fileURLWithPath: request.weights), id: request.id,
            time: request.time, y: request.y, x: request.x, quadratic: request.quadratic, moderator: request.moderator,
            rowStandardise: request.rowStandardise, merges: try request.merges.map { try CityMerges.read(csv: URL(fileURLWithPath: $0)) })
        let analysis: SpatialAnalysis, data: Data, approach: SpatialApproach, sigma2: Double
        switch loaded {
        case .unbalanced(let gappy):
            // The unbalanced estimator's direct approach: the Lee–Yu transformation has no exact form when W_t changes.
            if request.approach == .leeYu { throw CalibrationError.leeYuOnGaps(path: request.data) }
            if let refusal = ObservedGapDesign.unsupported(request.errors) {
                throw CalibrationError.errorLawNeedsBalancedPanel(scenario: request.data, law: request.errors.rawValue, reason: refusal)
            }
            approach = .direct
            let model = SpatialModelSpec(model: .sdm, effects: request.effects, approach: approach, durbin: .all)
            let u = try UnbalancedAnalysis.run(model, dataset: gappy)
            analysis = u.analysis
            data = .gaps(gappy, u)
            // e'e/(n − rank(D) − p) over the observed rows, as `worldSigma2` on a balanced panel.
            let rows = Double(u.unbalanced.pattern.rowsUsed)
            sigma2 = u.analysis.fit.sigma2 * rows / (rows - Double(u.unbalanced.pattern.fixedEffectRank + u.analysis.fit.coefficients.count))
        case .balanced:
            let dataset = try SpatialDataLoader.load(
                data: URL(fileURLWithPath: request.data), weights: URL(fileURLWithPath: request.weights), id: request.id,
                time: request.time, y: request.y, x: request.x, quadratic: request.quadratic, moderator: request.moderator,
                rowStandardise: request.rowStandardise)
            approach = request.approach ?? .standard
            let model = SpatialModelSpec(model: .sdm, effects: request.effects, approach: approach, durbin: .all)
            analysis = try SpatialAnalysis.run(model, dataset: dataset)
            data = .balanced(dataset)
            sigma2 = worldSigma2(analysis.fit)
        }
        let fit = analysis.fit
        guard fit.converged, let rho = fit.rho else { throw CalibrationError.notConverged(reason: fit.reason) }
        let beta = fit.regressors.enumerated().map { (name: $1, value: fit.coefficients[fit.durbinIndex[$0].beta]) }
        let theta = fit.regressors.enumerated().map { k, name in
            (name: name, value: fit.durbinIndex[k].theta.map { fit.coefficients[$0] } ?? 0)
        }
        let parameters = ObservedDesignSpec.Parameters(rho: rho, sigma2: sigma2, beta: beta, theta: theta)
        let dataPath = URL(fileURLWithPath: request.data).standardized.path
        let weightsPath = URL(fileURLWithPath: request.weights).standardized.path
        var spec = ObservedDesignSpec(
            data: RelativePath.from(directory: scenarioDirectory, to: dataPath), dataPath: dataPath,
            dataHash: try ContentHash.label(ofFile: dataPath),
            weights: RelativePath.from(directory: scenarioDirectory, to: weightsPath), weightsPath: weightsPath,
            weightsHash: try ContentHash.label(ofFile: weightsPath), rowStandardise: request.rowStandardise,
            columns: request.columns, effects: request.effects.rawValue, approach: approach.rawValue,
            errors: request.errors, fit: parameters, outcome: parameters)
        if let m = request.merges {
            let path = URL(fileURLWithPath: m).standardized.path
            spec.merges = ObservedDesignSpec.HashedFile(path: RelativePath.from(directory: scenarioDirectory, to: path), resolvedPath: path,
                                                        hash: try ContentHash.label(ofFile: path))
        }
        return Calibration(request: request, analysis: analysis, data: data, spec: spec)
    }

    /// The error variance of the calibrated world: e'e/(n − f − p), the fitted residuals' sum of squares
    /// over the observations left after the f absorbed fixed effects and the p coefficients — the same
    /// under either approach (issue 20). The QML σ̂² = e'e/n* is biased down by the coefficients and,
    /// under the direct approach (n* = NT), by the fixed effects too (× 0.946 on cigarette).
    public static func worldSigma2(_ fit: SpatialFitResult) -> Double {
        if let s = fit.sigma2DOF { return s }
        let left = Double(FixedEffects.observationsLeft(fit.spec.effects, n: fit.n, t: fit.t))
        let ee = fit.sigma2 * Double(fit.nObservations)   // σ̂² = e'e/n* (Lee–Yu residuals have the within e'e)
        return ee / (left - Double(fit.coefficients.count))
    }

    /// The 95% Wald interval of ρ̂ under the fit's quantile rule (t(n* − k), or t(G − 1)
    /// when clustered), as the Monte Carlo scoring uses.
    public var rhoInterval: (lower: Double, upper: Double)? {
        guard let r = fit.rhoEstimate, r.se.isFinite else { return nil }
        let z = fit.criticalValue(level: 0.95)
        return (r.estimate - z * r.se, r.estimate + z * r.se)
    }
}

/// A path written relative to a directory, as a scenario stores its data files.
public enum RelativePath {
    /// `target` relative to `directory` (both made absolute and standardised); `..` steps up.
    public static func from(directory: String, to target: String) -> String {
        let base = URL(fileURLWithPath: directory).standardized.pathComponents
        let goal = URL(fileURLWithPath: target).standardized.pathComponents
        var common = 0
        while common < min(base.count, goal.count), base[common] == goal[common] { common += 1 }
        let up = Array(repeating: "..", count: base.count - common)
        let parts = up + goal[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}
