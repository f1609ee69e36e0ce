import CitySystem
import Estimators
import Foundation
import Numerics

/// Fits a spatial model to a generated panel and scores each estimand against
/// the panel's truth (MODEL.md §3–§5).
enum SpatialScoring {
    /// Normal quantile for the 95% intervals of coefficients and effects (QML is
    /// asymptotically normal; curves and turning points use the estimator's own t intervals).
    static let z975 = 1.959963984540054

    static func run(_ spec: SpatialModelSpec, weights name: String, variance: SpatialVarianceMethod = .analytic,
                    estimands: [SpatialEstimand], alpha: Double, data: PanelData) -> FitOutcome {
        let truth = data.panel.truth
        let truths = estimands.map { trueValue($0, truth) }
        func failed(_ code: FitStatus.Code, _ message: String) -> FitOutcome {
            FitOutcome(status: FitStatus(code, message), results: truths.map { .missing(truth: $0) })
        }
        guard let w = data.panel.estimatorWeights[name] else { return failed(.failed, "no weight matrix `\(name)` in the panel") }
        let fit: SpatialFitResult
        let impacts: [RegressorImpact]
        let curves: NonlinearEffects?
        var averages: [String: [EffectKind: EstimateWithSE]] = [:]
        do {
            let panel = try data.spatial.get()
            fit = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: variance)
            impacts = estimands.contains(where: \.needsImpacts) ? try SpatialImpacts.delta(fit, weights: w) : []
            if estimands.contains(where: \.needsCurves), let grid = truth.curves.first?.ca, let lo = grid.first, let hi = grid.last {
                curves = try SpatialCurves.analyse(fit, weights: w, terms: QuadraticTerms(linear: "CA", square: "CA2", interaction: "CAxD", moderator: "D"),
                                                   grid: grid, moderatorValues: truth.curves.map(\.d), lower: lo, upper: hi)
            } else {
                curves = nil
            }
            for x in Set(estimands.compactMap(\.averagedRegressor)) {
                averages[x] = try SpatialAverageEffects.estimate(fit, weights: w, terms: slopeTerms(of: x, data.panel), units: data.panel.n)
            }
        } catch {
            return failed(.failed, "\(error)")
        }
        let status = fit.converged ? FitStatus.ok : FitStatus(.notConverged, fit.reason)
        let results = zip(estimands, truths).map { e, t in
            estimate(e, truth: t, fit: fit, impacts: impacts, averages: averages, curves: curves, panelTruth: truth, alpha: alpha)
        }
        return FitOutcome(status: status, results: results)
    }

    /// ∂(term)/∂x per observation for the terms through which x = CA or D enters.
    static func slopeTerms(of x: String, _ p: SyntheticPanel) -> [SpatialAverageEffects.SlopeTerm] {
        let ones = [Double](repeating: 1, count: p.ca.count)
        switch x {
        case "CA": return [.init(coefficient: "CA", derivative: ones), .init(coefficient: "CA2", derivative: p.ca.map { 2 * $0 }),
                           .init(coefficient: "CAxD", derivative: p.d)]
        default: return [.init(coefficient: "D", derivative: ones), .init(coefficient: "CAxD", derivative: p.ca)]
        }
    }

    static func normal(_ truth: Double, _ value: EstimateWithSE?) -> EstimandResult {
        guard let v = value else { return .missing(truth: truth) }
        let z = v.estimate / v.se
        return EstimandResult(truth: truth, estimate: v.estimate, standardError: v.se,
                              lower: v.estimate - z975 * v.se, upper: v.estimate + z975 * v.se,
                              pValue: z.isFinite ? 2 * Normal.survival(abs(z)) : .nan)
    }

    static func interval(_ truth: Double, _ v: IntervalEstimate?) -> EstimandResult {
        guard let v else { return .missing(truth: truth) }
        return EstimandResult(truth: truth, estimate: v.estimate, standardError: v.se, lower: v.lower, upper: v.upper)
    }

    static func quantileValue(_ label: String, _ truth: TrueEstimands) -> Double? {
        truth.curves.first { $0.dLabel == label }?.d
    }

    static func estimate(_ e: SpatialEstimand, truth t: Double, fit: SpatialFitResult, impacts: [RegressorImpact],
                         averages: [String: [EffectKind: EstimateWithSE]], curves: NonlinearEffects?, panelTruth: TrueEstimands,
                         alpha: Double) -> EstimandResult {
        switch e {
        case .rho: return normal(t, fit.rhoEstimate)
        case .beta(let x): return normal(t, fit.coefficientTable.first { $0.name == x }?.value)
        case .theta(let x): return normal(t, fit.coefficientTable.first { $0.name == spatialLagName(x) }?.value)
        case .effect(let k, let x): return normal(t, impacts.first { $0.variable == x }?.value(k))
        case .averageEffect(let k, let x): return normal(t, averages[x]?[k])
        case .turningPoint(let k, let label):
            let d = quantileValue(label, panelTruth)
            guard let tp = curves?.turningPoints.first(where: { $0.kind == k && $0.moderatorValue == d }) else { return .missing(truth: t) }
            var r = interval(t, tp.delta)
            r.confidenceSet = ConfidenceSet(tp.fieller)
            r.rightShape = trueTurningPoint(k, label, panelTruth).map { $0.uShaped == (tp.shape == .u) }
            if let grid = panelTruth.curves.first?.ca, let lo = grid.first, let hi = grid.last {
                r.insideSupport = tp.delta.estimate >= lo && tp.delta.estimate <= hi
            }
            return r
        case .shift(let k):
            guard let shift = curves?.shifts.first(where: { $0.kind == k }) else { return .missing(truth: t) }
            var r = interval(t, shift.value)
            r.confidenceSet = ConfidenceSet(shift.fieller)
            // The shift's curvature is the curve's at every D: its shape is the p50 turning point's.
            if let estimated = curves?.turningPoints.first(where: { $0.kind == k })?.shape {
                r.rightShape = trueTurningPoint(k, "p50", panelTruth).map { $0.uShaped == (estimated == .u) }
            }
            return r
        case .uTest(let k, let label):
            let d = quantileValue(label, panelTruth)
            guard let test = curves?.uTests.first(where: { $0.kind == k && $0.moderatorValue == d }) else { return .missing(truth: t) }
            // A rejection counts only for the hypothesis the testbed asks about: a U (MODEL.md §1).
            let p = test.shape == .u ? test.pValue : 1
            var r = EstimandResult(truth: t, estimate: p < alpha ? 1 : 0, pValue: p)
            r.noncentrality = noncentrality(k, label, d, curves: curves, panelTruth: panelTruth)
            return r
        case .curve(let k, let label, let j):
            let d = quantileValue(label, panelTruth)
            guard let c = curves?.curves.first(where: { $0.kind == k && $0.moderatorValue == d }), j < c.points.count else {
                return .missing(truth: t)
            }
            return interval(t, c.points[j].effect)
        }
    }

    static func trueTurningPoint(_ k: EffectKind, _ label: String, _ t: TrueEstimands) -> TrueEstimands.TurningPoint? {
        t.turningPoints.first { $0.effect == k.rawValue && $0.dLabel == label }
    }

    /// How detectable a true U is to the Lind–Mehlum test: min(−s_l/se_l, s_h/se_h) with
    /// s the true effect curve (the slope of the outcome in CA) at the ends of the test
    /// interval and se the estimated curve's SE there. Positive when the true curve is a U
    /// inside the interval; the test's power rises with it (about Φ(nc − 1.645) per end).
    static func noncentrality(_ k: EffectKind, _ label: String, _ d: Double?, curves: NonlinearEffects?,
                              panelTruth: TrueEstimands) -> Double {
        guard let c = panelTruth.curves.first(where: { $0.dLabel == label }),
              let est = curves?.curves.first(where: { $0.kind == k && $0.moderatorValue == d }),
              let first = est.points.first, let last = est.points.last, est.points.count == c.ca.count else { return .nan }
        let truth: [Double]
        switch k {
        case .direct: truth = c.direct
        case .indirect: truth = c.indirect
        case .total: truth = c.total
        }
        guard let sl = truth.first, let sh = truth.last else { return .nan }
        return min(-sl / first.effect.se, sh / last.effect.se)
    }

    /// The truth of an estimand in this replication (NaN when it does not exist,
    /// e.g. the turning point of a curve with zero curvature; a curve that is not
    /// U-shaped still has its extremum as the turning point).
    static func trueValue(_ e: SpatialEstimand, _ t: TrueEstimands) -> Double {
        let names = CityEstimator.regressorNames(t.controlNames)
        func tp(_ k: EffectKind, _ label: String) -> TrueEstimands.TurningPoint? { trueTurningPoint(k, label, t) }
        switch e {
        case .rho: return t.rho
        case .beta(let x): return names.firstIndex(of: x).map { (t.beta + t.gamma)[$0] } ?? .nan
        case .theta(let x): return names.firstIndex(of: x).map { (t.theta + t.thetaX)[$0] } ?? .nan
        case .effect(let k, let x):
            guard let r = t.regressorEffects.first(where: { $0.name == x }) else { return .nan }
            switch k {
            case .direct: return r.direct
            case .indirect: return r.indirect
            case .total: return r.total
            }
        case .averageEffect(let k, let x):
            guard let a = t.averaged.first(where: { $0.regressor == x }) else { return .nan }
            switch k {
            case .direct: return a.direct
            case .indirect: return a.indirect
            case .total: return a.total
            }
        case .turningPoint(let k, let label): return tp(k, label)?.cStar ?? .nan
        case .shift(let k): return tp(k, "p50")?.dcStarDD ?? .nan
        case .uTest(let k, let label):
            // 1 when the true curve is a U with its minimum inside the test interval [CA p5, CA p95].
            guard let p = tp(k, label), let grid = t.curves.first?.ca, let lo = grid.first, let hi = grid.last else { return .nan }
            return p.uShaped && (p.cStar.map { $0 > lo && $0 < hi } ?? false) ? 1 : 0
        case .curve(let k, let label, let j):
            guard let c = t.curves.first(where: { $0.dLabel == label }), j < c.ca.count else { return .nan }
            switch k {
            case .direct: return c.direct[j]
            case .indirect: return c.indirect[j]
            case .total: return c.total[j]
            }
        }
    }
}

extension ConfidenceSet {
    /// The stored form of a Fieller set.
    init(_ f: FiellerInterval) {
        switch f {
        case .bounded(let lo, let hi): self.init(Kind.bounded, lower: lo, upper: hi)
        case .disjoint(let lo, let hi): self.init(Kind.disjoint, lower: lo, upper: hi)
        case .unboundedBelow(let hi): self.init(Kind.halfLine, upper: hi)
        case .unboundedAbove(let lo): self.init(Kind.halfLine, lower: lo)
        case .wholeLine: self.init(Kind.wholeLine)
        case .empty: self.init(Kind.empty, lower: .nan, upper: .nan)
        }
    }
}
