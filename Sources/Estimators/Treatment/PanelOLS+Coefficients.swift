import Foundation
import Numerics

extension PanelOLS {
    /// The coefficients alone of several regressions on one sample, one set of weights and one set
    /// of fixed effects — a cluster bootstrap draw's refits (`Mediation.bootstrap`). The weighted
    /// within projection is set up once and each column demeaned once, however many regressions
    /// use it, and no variance is formed. Each demeaned column, each least-squares problem and so
    /// each coefficient vector is bit for bit `fit`'s on the same inputs (`fit` demeans every
    /// column on its own), and `fit`'s errors are raised alike: weights, no variation left,
    /// collinearity, and with `clusters` fewer than 2 clusters (else too few observations).
    ///
    /// - Parameters:
    ///   - columns: the variables (outcomes and regressors), one value per observation each.
    ///   - models: per regression, the outcome's index into `columns` and its regressors' indices,
    ///     in `fit`'s column order (an intercept is put first when `effects == .none`, as `fit` does).
    ///   - names: one name per column, for the error messages.
    static func coefficients(columns: [[Double]], models: [(y: Int, x: [Int])], names: [String], unit: [Int], time: [Int],
                             effects: FixedEffects = .twoWays, weights: [Double]? = nil, clusters: [Int]? = nil,
                             tolerance: Double = defaultTolerance) throws -> [[Double]] {
        let n0 = unit.count
        guard columns.allSatisfy({ $0.count == n0 }), time.count == n0, clusters.map({ $0.count == n0 }) ?? true else {
            throw TreatmentError("panel OLS: every column, unit, time and cluster code needs \(n0) values")
        }
        let (keep, w) = try weightedSample(weights, count: n0)
        let n = keep.count
        let dims = absorbedDimensions(effects, unit: unit, time: time, keep: keep)
        let proj = dims.isEmpty ? nil : WithinProjection(dims: dims, weights: w)
        let used = Set(models.flatMap { [$0.y] + $0.x })
        var kept: [Int: [Double]] = [:], demeaned: [Int: [Double]] = [:]
        for c in used.sorted() {
            kept[c] = keep.map { columns[c][$0] }
            var v = kept[c]!
            proj?.demean(&v, tolerance: tolerance)
            demeaned[c] = v
        }
        let feCount = dims.isEmpty ? 0 : dims.map { Set($0).count }.reduce(0, +) - (dims.count - 1)
        return try models.map { model in
            var regressors = model.x.map { demeaned[$0]! }
            var regressorNames = model.x.map { names[$0] }
            let rawNorms = model.x.map { Vector.dot(kept[$0]!, kept[$0]!) }
            if dims.isEmpty { regressors.insert([Double](repeating: 1, count: n), at: 0); regressorNames.insert("(Intercept)", at: 0) }
            let p = regressors.count, offset = p - model.x.count
            for j in offset..<p where Vector.dot(regressors[j], regressors[j]) <= 1e-20 * rawNorms[j - offset] {
                throw TreatmentError("panel OLS: regressor '\(regressorNames[j])' has no variation left after removing the \(effects.rawValue) fixed effects (it is constant within units or periods); drop it")
            }
            // `fit`'s solve and bread (`leastSquares`): the same coefficients, and it fails exactly when fit's would.
            let (coefficients, _) = try leastSquares(columns: regressors, y: demeaned[model.y]!, weights: w)
            if let clusters {
                let gCount = (recode(keep.map { clusters[$0] }).max() ?? -1) + 1
                guard gCount >= 2 else { throw TreatmentError("panel OLS: clustering needs at least 2 clusters (found \(gCount))") }
            } else {
                guard n > p + feCount else { throw TreatmentError("panel OLS: \(n) observations for \(p + feCount) parameters") }
            }
            return coefficients
        }
    }
}
