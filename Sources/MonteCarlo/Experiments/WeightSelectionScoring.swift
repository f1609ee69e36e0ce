import CitySystem
import Estimators
import Foundation
import Numerics

/// Fits one model with each candidate W of a generated panel and scores whether the
/// selection rules find the true W (LeSage & Pace 2009, ch. 6; `WeightSelection`).
enum WeightSelectionScoring {
    static func run(_ model: WeightSelectionModel, candidates: [String], estimands: [SelectionEstimand], data: PanelData) -> FitOutcome {
        func failed(_ code: FitStatus.Code, _ message: String) -> FitOutcome {
            FitOutcome(status: FitStatus(code, message), results: estimands.map { _ in .missing(truth: 1) })
        }
        let p = data.panel
        var list: [(name: String, weights: SpatialWeights)] = []
        for name in candidates {
            guard let w = p.estimatorWeights[name] else { return failed(.failed, "no weight matrix `\(name)` in the panel") }
            list.append((name, w))
        }
        let isTrue = list.map { sameMatrix($0.weights, p.trueWeights) }
        guard isTrue.contains(true) else {
            return failed(.failed, "no candidate W equals the true W; list the true W (`true`) among the candidates")
        }
        let result: WeightSelectionResult
        do { result = try WeightSelection.compare(model, panel: try data.spatial.get(), candidates: list) } catch {
            return failed(.failed, "\(error)")
        }
        let notConverged = result.candidates.filter { !$0.fit.converged }
        let status = notConverged.isEmpty ? FitStatus.ok
            : FitStatus(.notConverged, notConverged.map { "W `\($0.name)`: \($0.fit.reason)" }.joined(separator: "; "))
        func hit(_ k: Int) -> Double { isTrue[k] ? 1 : 0 }
        let results = estimands.map { e -> EstimandResult in
            switch e {
            case .loglik: return EstimandResult(truth: 1, estimate: hit(result.byLogLikelihood))
            case .aic: return EstimandResult(truth: 1, estimate: hit(result.byAIC))
            case .bic: return EstimandResult(truth: 1, estimate: hit(result.byBIC))
            case .posterior: return EstimandResult(truth: 1, estimate: hit(result.byPosterior))
            case .posteriorTrue:
                let mass = zip(result.candidates, isTrue).reduce(0.0) { $0 + ($1.1 ? $1.0.posterior : 0) }
                return EstimandResult(truth: 1, estimate: mass)
            }
        }
        return FitOutcome(status: status, results: results)
    }

    /// Two weight matrices are the same W when every entry agrees to rounding
    /// (both are built by the same code from the same geography, so equal builders give equal bits;
    /// the tolerance only forgives a different order of summation in a normalisation).
    static func sameMatrix(_ a: SpatialWeights, _ b: SpatialWeights) -> Bool {
        guard a.count == b.count else { return false }
        let x = a.matrix.data, y = b.matrix.data
        for k in x.indices where abs(x[k] - y[k]) > 1e-12 * max(1, abs(x[k])) { return false }
        return true
    }
}
