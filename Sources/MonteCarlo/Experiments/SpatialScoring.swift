import CitySystem
import Estimators
import Foundation
import Numerics

/// Fits a spatial model to a generated panel and scores each estimand against
/// the panel's truth (MODEL.md §3–§5).
enum SpatialScoring {
    static func run(_ spec: SpatialModelSpec, weights: SpatialWeights?, variance: SpatialVarianceMethod = .analytic,
                    clusterCorrection: ClusterCorrection = .standard,
                    conley: Result<ConleySpec?, Error> = .success(nil), panel: Result<SpatialPanel, Error>, truth: SpatialTruth,
                    estimands: [SpatialEstimand], alpha: Double,
                    clock: StageClock? = nil, shared: (fits: SharedSpatialFits, weightsName: String)? = nil) -> FitOutcome {
        let truths = estimands.map { trueValue($0, truth) }
        func failed(_ code: FitStatus.Code, _ message: String) -> FitOutcome {
            FitOutcome(status: FitStatus(code, message), results: truths.map { .missing(truth: $0) })
        }
        guard let w = weights else { return failed(.failed, "no such weight matrix in the panel") }
        let fit: SpatialFitResult
        let impacts: [RegressorImpact]
        let curves: NonlinearEffects?
        var averages: [String: [EffectKind: EstimateWithSE]] = [:]
        do {
            fit = try SpatialEstimator.fit(spec, panel: try panel.get(), weights: w, variance: variance,
                                           clusterCorrection: clusterCorrection, conley: try conley.get(), clock: clock, shared: shared)
            let f = fit
            impacts = try clock.measure("effects") { estimands.contains(where: \.needsImpacts) ? try SpatialImpacts.delta(f, weights: w) : [] }
            if estimands.contains(where: \.needsCurves), let terms = truth.model.terms, let lo = truth.model.grid.first, let hi = truth.model.grid.last {
                // Only the effect curves an estimand scores are formed on the grid, and on them only the
                // points it scores (`curvePoint` finds them by the same kind, moderator value and grid
                // index; a static model's long-run curves are its own).
                let scored = estimands.compactMap { e -> (EffectKind, Double?, Int)? in
                    switch e {
                    case .curve(let k, let label, let j), .curveLongRun(let k, let label, let j): return (k, truth.model.moderatorValue(label), j)
                    default: return nil
                    }
                }
                curves = try clock.measure("curves") {
                    try SpatialCurves.analyse(f, weights: w, terms: terms, grid: truth.model.grid,
                                              moderatorValues: truth.model.moderators.compactMap(\.value), lower: lo, upper: hi,
                                              curvesWanted: { kind, d in scored.contains { $0.0 == kind && $0.1 == d } },
                                              pointsWanted: { kind, d, j in scored.contains { $0.0 == kind && $0.1 == d && $0.2 == j } })
                }
            } else {
                curves = nil
            }
            for x in Set(estimands.compactMap(\.averagedRegressor)) {
                guard let terms = truth.slopeTerms[x] else { continue }
                averages[x] = try clock.measure("ames") { try SpatialAverageEffects.estimate(f, weights: w, terms: terms, units: w.count, shared: shared) }
            }
        } catch {
            return failed(.failed, "\(error)")
        }
        // A profile-likelihood interval that was asked for and could not be found fails the fit (counted
        // in n_failed with its reason), rather than leaving bounds that coverage would skip unseen.
        let status = !fit.converged ? FitStatus(.notConverged, fit.reason)
            : fit.profileFailure.map { FitStatus(.failed, "the profile-likelihood interval: \($0)") } ?? .ok
        let results = clock.measure("scoring") {
            zip(estimands, truths).map { e, t in
                estimate(e, truth: t, fit: fit, impacts: impacts, averages: averages, curves: curves, panelTruth: truth, alpha: alpha)
            }
        }
        return FitOutcome(status: status, results: results)
    }

    /// The 95% Wald interval and two-sided p-value of a coefficient or effect under the fit's
    /// one quantile rule (`SpatialFitResult.tDegreesOfFreedom`: t(G − 1) when clustered,
    /// t(n* − k) otherwise), the same rule as its curves, turning points and U-tests.
    /// A coefficient (`coefficient`: its index in `fit.names`) uses its own t reference, which
    /// under the CR2 cluster variance is its Satterthwaite df (`SpatialFitResult.degreesOfFreedom(coefficient:)`).
    static func wald(_ truth: Double, _ value: EstimateWithSE?, fit: SpatialFitResult, coefficient: Int? = nil) -> EstimandResult {
        guard let v = value else { return .missing(truth: truth) }
        let q = coefficient.map { fit.criticalValue(level: 0.95, coefficient: $0) } ?? fit.criticalValue(level: 0.95)
        let p = coefficient.map { fit.twoSidedPValue(v.estimate / v.se, coefficient: $0) } ?? fit.twoSidedPValue(v.estimate / v.se)
        return EstimandResult(truth: truth, estimate: v.estimate, standardError: v.se,
                              lower: v.estimate - q * v.se, upper: v.estimate + q * v.se, pValue: p)
    }

    /// ρ or λ: the Wald interval, or with `spec.interval == .profile` (the SAC model) the
    /// profile-likelihood interval stored as the estimand's lower/upper (so `summarize`'s coverage
    /// is the profile interval's) with the LR test's p-value; the SE stays the fit's. A profile
    /// interval that was asked for and could not be formed leaves the bounds NaN (the replication
    /// drops out of the coverage), never the Wald bounds in its place.
    static func spatialParameter(_ parameter: SACParameter, truth: Double, fit: SpatialFitResult) -> EstimandResult {
        let value = parameter == .rho ? fit.rhoEstimate : fit.lambdaEstimate
        guard fit.spec.interval == .profile else { return wald(truth, value, fit: fit) }
        guard let v = value else { return .missing(truth: truth) }
        guard let p = fit.profileIntervals[parameter] else {
            return EstimandResult(truth: truth, estimate: v.estimate, standardError: v.se)
        }
        return EstimandResult(truth: truth, estimate: v.estimate, standardError: v.se, lower: p.lower, upper: p.upper,
                              pValue: p.pValueAtZero)
    }

    /// A coefficient by name, scored with its own t reference.
    static func coefficient(_ truth: Double, _ name: String, fit: SpatialFitResult) -> EstimandResult {
        guard let j = fit.index(of: name) else { return .missing(truth: truth) }
        // The table's entry j without forming the whole table (every name and SE) per estimand.
        return wald(truth, EstimateWithSE(estimate: fit.coefficients[j], se: fit.vcov[j, j].squareRoot()), fit: fit, coefficient: j)
    }

    static func interval(_ truth: Double, _ v: IntervalEstimate?) -> EstimandResult {
        guard let v else { return .missing(truth: truth) }
        return EstimandResult(truth: truth, estimate: v.estimate, standardError: v.se, lower: v.lower, upper: v.upper)
    }

    /// What `tp_lr` / `utest_lr` are read from: a static model's own curves, or the dynamic SDM's
    /// long-run analysis (nil when its estimates are not stationary: then they are missing).
    enum LongRun {
        case ownCurves
        case separate(NonlinearEffects?)
    }

    static func estimate(_ e: SpatialEstimand, truth t: Double, fit: SpatialFitResult, impacts: [RegressorImpact],
                         averages: [String: [EffectKind: EstimateWithSE]], curves: NonlinearEffects?, panelTruth: SpatialTruth,
                         alpha: Double, longRun: LongRun = .ownCurves) -> EstimandResult {
        let longRunCurves: NonlinearEffects?
        switch longRun {
        case .ownCurves: longRunCurves = curves
        case .separate(let lr): longRunCurves = lr
        }
        switch e {
        case .defined(let d): return d.estimate(fit, t)
        case .rho: return spatialParameter(.rho, truth: t, fit: fit)
        // λ̂ and its SE from the same covariance as ρ̂ (every variance of the fit), the same quantile rule;
        // with `interval: profile` its profile-likelihood bounds, as ρ's.
        case .lambda: return spatialParameter(.lambda, truth: t, fit: fit)
        case .tau: return coefficient(t, DynamicSpatialEstimator.lagName, fit: fit)
        case .eta: return coefficient(t, spatialLagName(DynamicSpatialEstimator.lagName), fit: fit)
        case .turningPointLongRun(let k, let label):
            return turningPoint(k, label, truth: t, curves: longRunCurves, truePoint: panelTruth.model.longRunTurningPoint(k, label),
                                panelTruth: panelTruth)
        case .uTestLongRun(let k, let label):
            return uTest(k, label, truth: t, curves: longRunCurves, panelTruth: panelTruth, alpha: alpha, longRun: true)
        case .beta(let x): return coefficient(t, x, fit: fit)
        case .theta(let x): return coefficient(t, spatialLagName(x), fit: fit)
        case .effect(let k, let x): return wald(t, impacts.first { $0.variable == x }?.value(k), fit: fit)
        case .averageEffect(let k, let x): return wald(t, averages[x]?[k], fit: fit)
        case .turningPoint(let k, let label):
            return turningPoint(k, label, truth: t, curves: curves, truePoint: panelTruth.model.turningPoint(k, label), panelTruth: panelTruth)
        case .shift(let k):
            guard let shift = curves?.shifts.first(where: { $0.kind == k }) else { return .missing(truth: t) }
            var r = interval(t, shift.value)
            r.confidenceSet = ConfidenceSet(shift.fieller)
            // The shift's curvature is the curve's at every D: its shape is the p50 turning point's.
            if let estimated = curves?.turningPoints.first(where: { $0.kind == k })?.shape {
                r.rightShape = panelTruth.model.turningPoint(k, "p50").map { $0.uShaped == (estimated == .u) }
            }
            return r
        case .uTest(let k, let label):
            return uTest(k, label, truth: t, curves: curves, panelTruth: panelTruth, alpha: alpha, longRun: false)
        case .curve(let k, let label, let j):
            return curvePoint(k, label, j, truth: t, curves: curves, panelTruth: panelTruth)
        case .curveLongRun(let k, let label, let j):
            return curvePoint(k, label, j, truth: t, curves: longRunCurves, panelTruth: panelTruth)
        }
    }

    static func curvePoint(_ k: EffectKind, _ label: String, _ j: Int, truth t: Double, curves: NonlinearEffects?,
                           panelTruth: SpatialTruth) -> EstimandResult {
        let d = panelTruth.model.moderatorValue(label)
        guard let c = curves?.curves.first(where: { $0.kind == k && $0.moderatorValue == d }), j < c.points.count else {
            return .missing(truth: t)
        }
        return interval(t, c.points[j].effect)
    }

    static func turningPoint(_ k: EffectKind, _ label: String, truth t: Double, curves: NonlinearEffects?,
                             truePoint: SpatialTruth.TurningPoint?, panelTruth: SpatialTruth) -> EstimandResult {
        let d = panelTruth.model.moderatorValue(label)
        guard let tp = curves?.turningPoints.first(where: { $0.kind == k && $0.moderatorValue == d }) else { return .missing(truth: t) }
        var r = interval(t, tp.delta)
        r.confidenceSet = ConfidenceSet(tp.fieller)
        r.rightShape = truePoint.map { $0.uShaped == (tp.shape == .u) }
        if let lo = panelTruth.model.grid.first, let hi = panelTruth.model.grid.last {
            r.insideSupport = tp.delta.estimate >= lo && tp.delta.estimate <= hi
        }
        return r
    }

    /// A rejection counts only for the hypothesis the testbed asks about: a U in the city
    /// system (MODEL.md §1), the calibrated curve's shape in an observed design. The
    /// noncentrality is the short-run curve's (the truth stores short-run curves only).
    static func uTest(_ k: EffectKind, _ label: String, truth t: Double, curves: NonlinearEffects?, panelTruth: SpatialTruth,
                      alpha: Double, longRun: Bool) -> EstimandResult {
        let d = panelTruth.model.moderatorValue(label)
        guard let test = curves?.uTests.first(where: { $0.kind == k && $0.moderatorValue == d }) else { return .missing(truth: t) }
        let p = test.shape == panelTruth.model.testedShape[k] ? test.pValue : 1
        var r = EstimandResult(truth: t, estimate: p < alpha ? 1 : 0, pValue: p)
        if !longRun { r.noncentrality = noncentrality(k, label, d, curves: curves, panelTruth: panelTruth) }
        return r
    }

    /// How detectable a true U is to the Lind–Mehlum test: min(−s_l/se_l, s_h/se_h) with
    /// s the true slope the test is about at the ends of the test interval and se the test's
    /// own SE of the estimated slope there — the same weights as the test: the effect curve
    /// (direct, indirect), or β + θ for the total effect when the test leaves out its common
    /// factor 1/(1 − ρ) (`UShapeTest.unweighted`; issue 20: the curve's 1/(1 − ρ̂)-weighted SE
    /// was used before). Positive when the true curve is a U inside the interval; the test's
    /// power rises with it (about Φ(nc − 1.645) per end). In an observed design whose
    /// calibrated curve is an inverted U the signs are reversed.
    static func noncentrality(_ k: EffectKind, _ label: String, _ d: Double?, curves: NonlinearEffects?,
                              panelTruth: SpatialTruth) -> Double {
        guard let test = curves?.uTests.first(where: { $0.kind == k && $0.moderatorValue == d }) else { return .nan }
        let sl: Double, sh: Double
        if test.unweighted {
            guard let l = panelTruth.model.unweightedSlope(at: test.lower, d: d), let h = panelTruth.model.unweightedSlope(at: test.upper, d: d) else {
                return .nan
            }
            (sl, sh) = (l, h)
        } else {
            guard let c = panelTruth.model.curve(k, label), let l = c.values.first, let h = c.values.last else { return .nan }
            (sl, sh) = (l, h)
        }
        // Signed towards the tested shape: a U needs s_l < 0 < s_h, an inverted U the reverse.
        let sign: Double = panelTruth.model.testedShape[k] == .invertedU ? -1 : 1
        return min(-sign * sl / test.slopeAtLower.se, sign * sh / test.slopeAtUpper.se)
    }

    /// The truth of an estimand in this replication (NaN when it does not exist,
    /// e.g. the turning point of a curve with zero curvature; a curve that is not
    /// U-shaped still has its extremum as the turning point).
    static func trueValue(_ e: SpatialEstimand, _ t: SpatialTruth) -> Double {
        func builtIn(_ name: String) -> SpatialEstimand? { SpatialEstimand.builtIn(name) }
        func regressor(_ x: String) -> SpatialTruth.Regressor? { t.model.regressors.first { $0.name == x } }
        switch e {
        case .defined(let d): return d.truth { name in builtIn(name).map { trueValue($0, t) } ?? .nan }
        case .rho: return t.model.rho
        // No truth (NaN) when the world's errors have a spatial dependence no λ describes.
        case .lambda: return t.model.lambda ?? .nan
        case .tau: return t.model.tau
        case .eta: return t.model.eta
        case .turningPointLongRun(let k, let label): return t.model.longRunTurningPoint(k, label)?.cStar ?? .nan
        case .uTestLongRun(let k, let label):
            guard let p = t.model.longRunTurningPoint(k, label) else { return .nan }
            return p.testedShapeInside ? 1 : 0
        case .beta(let x): return regressor(x)?.beta ?? .nan
        case .theta(let x): return regressor(x)?.theta ?? .nan
        case .effect(let k, let x):
            guard let r = regressor(x) else { return .nan }
            switch k {
            case .direct: return r.direct
            case .indirect: return r.indirect
            case .total: return r.total
            }
        case .averageEffect(let k, let x): return t.model.averaged[x]?[k] ?? .nan
        case .turningPoint(let k, let label): return t.model.turningPoint(k, label)?.cStar ?? .nan
        case .shift(let k): return t.model.turningPoint(k, "p50")?.shift ?? .nan
        case .uTest(let k, let label):
            // 1 when the true curve has the tested shape with its extremum inside the test interval [p5, p95].
            guard let p = t.model.turningPoint(k, label) else { return .nan }
            return p.testedShapeInside ? 1 : 0
        case .curve(let k, let label, let j):
            guard let c = t.model.curve(k, label), j < c.values.count else { return .nan }
            return c.values[j]
        case .curveLongRun(let k, let label, let j):
            guard let c = t.model.longRunCurve(k, label), j < c.values.count else { return .nan }
            return c.values[j]
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
