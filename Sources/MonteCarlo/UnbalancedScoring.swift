import CitySystem
import Estimators
import Foundation
import Numerics

/// What an estimator does with the city-years the analyst does not observe
/// (`city_system.panel`; estimator option `missing`, docs/unbalanced.md).
enum MissingWorkaround: String, CaseIterable, Sendable {
    /// The unbalanced estimator: every observed city-year, W_t restricted to the cities present.
    case exact
    /// Balance by dropping every city with a gap (W restricted to the complete cities, re-standardised).
    case dropCities = "drop_cities"
    /// Balance by dropping every year with a gap.
    case dropYears = "drop_years"
    /// Fill each city's gaps by linear interpolation over years (constant before its first and
    /// after its last observed year; the outcome and the raw regressors CA, D and controls are
    /// interpolated, CA² and CA·D rebuilt) and fit the balanced panel with the full W.
    case interpolate

    static var allowed: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The panel this workaround fits: which rows it keeps and, for `interpolate`, the filled values.
    func apply(_ p: SyntheticPanel, full: SpatialPanel) throws -> UnbalancedPanel {
        let n = p.n, t = p.t
        let o = p.observed ?? [Bool](repeating: true, count: n * t)
        switch self {
        case .exact:
            guard let m = p.merges else { return try UnbalancedPanel(full) { i, q in o[q * n + i] } }
            // The merged city is a new unit (index n + g) from the merge year on, as the data-in path
            // relabels the absorbing city's rows (docs/unbalanced.md "Merges").
            var mergedUnit = [Int: Int]()
            for (g, i) in m.into.enumerated() { mergedUnit[i] = n + g }
            let rows = (0..<(n * t)).filter { o[$0] }
            var x = Matrix(rows: rows.count, cols: full.x.cols)
            for j in 0..<x.cols { for (r, k) in rows.enumerated() { x[r, j] = full.x[k, j] } }
            let unit = rows.map { k in k / n >= m.firstPeriod ? mergedUnit[k % n] ?? k % n : k % n }
            return try UnbalancedPanel(y: rows.map { full.y[$0] }, x: x, names: full.names, n: n + m.into.count, t: t,
                                       unit: unit, period: rows.map { $0 / n })
        case .dropCities:
            // A merging city (absorbing or absorbed) is not the same unit every year: dropped too.
            let merging = Set((p.merges?.into ?? []) + (p.merges?.absorbed ?? []))
            let complete = (0..<n).map { i in !merging.contains(i) && (0..<t).allSatisfy { o[$0 * n + i] } }
            guard complete.filter({ $0 }).count >= 2 else { throw EstimationError("drop_cities: fewer than 2 cities are observed in every year") }
            return try UnbalancedPanel(full) { i, _ in complete[i] }
        case .dropYears:
            // A balanced panel of the complete years only (their periods renumbered): an empty year
            // left in the index would be a period without cities.
            let years = (0..<t).filter { q in (0..<n).allSatisfy { o[q * n + $0] } }
            guard years.count >= 2 else { throw EstimationError("drop_years: fewer than 2 years have every city observed") }
            let rows = years.flatMap { q in (0..<n).map { q * n + $0 } }
            var x = Matrix(rows: rows.count, cols: full.x.cols)
            for j in 0..<x.cols { for (r, k) in rows.enumerated() { x[r, j] = full.x[k, j] } }
            return try UnbalancedPanel(y: rows.map { full.y[$0] }, x: x, names: full.names, n: n, t: years.count,
                                       unit: rows.map { $0 % n }, period: rows.indices.map { $0 / n })
        case .interpolate:
            let seen = (0..<n).map { i in (0..<t).contains { o[$0 * n + i] } }
            func fill(_ v: [Double]) -> [Double] {
                var out = v
                for i in 0..<n where seen[i] {
                    let obs = (0..<t).filter { o[$0 * n + i] }
                    for q in 0..<t where !o[q * n + i] {
                        let before = obs.last { $0 < q }, after = obs.first { $0 > q }
                        switch (before, after) {
                        case let (b?, a?):
                            let w = Double(q - b) / Double(a - b)
                            out[q * n + i] = (1 - w) * v[b * n + i] + w * v[a * n + i]
                        case let (b?, nil): out[q * n + i] = v[b * n + i]
                        case let (nil, a?): out[q * n + i] = v[a * n + i]
                        case (nil, nil): break
                        }
                    }
                }
                return out
            }
            let ca = fill(p.ca), d = fill(p.d)
            let x = try Matrix(columns: [ca, ca.map { $0 * $0 }, zip(ca, d).map { $0 * $1 }, d] + p.controls.map(fill))
            let filled = try SpatialPanel(y: fill(p.mis), x: x, names: full.names, n: n, t: t)
            return try UnbalancedPanel(filled) { i, _ in seen[i] }
        }
    }
}

/// Fits a spatial model after a missing-data workaround and scores it like `SpatialScoring`.
enum UnbalancedScoring {
    /// - Parameter biasCorrected: score the Lee–Yu-adapted bias-corrected estimates (same SEs).
    static func run(_ spec: SpatialModelSpec, workaround: MissingWorkaround, biasCorrected: Bool = false, weights: SpatialWeights?,
                    data: PanelData, estimands: [SpatialEstimand], alpha: Double) -> FitOutcome {
        let truth = data.truth
        let truths = estimands.map { SpatialScoring.trueValue($0, truth) }
        func failed(_ message: String) -> FitOutcome {
            FitOutcome(status: FitStatus(.failed, message), results: truths.map { .missing(truth: $0) })
        }
        guard let w = weights else { return failed("no such weight matrix in the panel") }
        let panel: UnbalancedPanel, pw: PeriodWeights
        do {
            panel = try workaround.apply(data.panel, full: try data.spatial.get())
            guard var sparse = w.sparse ?? SparseMatrix(dense: w.matrix) else { return failed("W has no sparse form") }
            if workaround == .exact, let m = data.panel.merges {
                // W of the merged geography: the merged cities appended by aggregating their parts.
                sparse = try sparse.symmetricFormForMerging().appendingMergedUnits(zip(m.into, m.absorbed).map { [$0, $1] })
            }
            pw = try PeriodWeights(w: sparse, panel: panel, restandardise: true, logDeterminant: w.logDeterminant.method,
                                   fullWeights: w)
        } catch {
            return failed("\(error)")
        }
        return score(spec, panel: panel, weights: pw, biasCorrected: biasCorrected, truth: truth, estimands: estimands, alpha: alpha)
    }

    /// Fits the unbalanced estimator on a panel (after its workaround) with its year weights and
    /// scores it: the city system's panels and an observed design's with the data's gaps alike.
    static func score(_ spec: SpatialModelSpec, panel: UnbalancedPanel, weights pw: PeriodWeights, biasCorrected: Bool,
                      truth: SpatialTruth, estimands: [SpatialEstimand], alpha: Double) -> FitOutcome {
        let truths = estimands.map { SpatialScoring.trueValue($0, truth) }
        func failed(_ message: String) -> FitOutcome {
            FitOutcome(status: FitStatus(.failed, message), results: truths.map { .missing(truth: $0) })
        }
        let fit: SpatialFitResult
        let impacts: [RegressorImpact]
        let curves: NonlinearEffects?
        do {
            let u = try UnbalancedEstimator.fit(spec, panel: panel, weights: pw)
            if biasCorrected {
                guard let bc = u.biasCorrected else { return failed("bias correction unavailable: \(u.biasCorrectionUnavailable ?? "")") }
                fit = bc
            } else {
                fit = u.fit
            }
            let kernel = try pw.effectKernel()
            impacts = estimands.contains(where: \.needsImpacts) ? try SpatialImpacts.delta(fit, kernel: kernel) : []
            if estimands.contains(where: \.needsCurves), let terms = truth.terms, let lo = truth.grid.first, let hi = truth.grid.last {
                curves = try SpatialCurves.analyse(fit, kernel: kernel, terms: terms, grid: truth.grid,
                                                   moderatorValues: truth.moderators.compactMap(\.value), lower: lo, upper: hi)
            } else {
                curves = nil
            }
        } catch {
            return failed("\(error)")
        }
        let status = fit.converged ? FitStatus.ok : FitStatus(.notConverged, fit.reason)
        let results = zip(estimands, truths).map { e, t in
            SpatialScoring.estimate(e, truth: t, fit: fit, impacts: impacts, averages: [:], curves: curves, panelTruth: truth, alpha: alpha)
        }
        return FitOutcome(status: status, results: results)
    }
}
