import Foundation
import Numerics

/// The performance measures of one estimand over R replications, each with its
/// Monte Carlo standard error (MODEL.md §7; Morris, White & Crowther 2019,
/// Stat. Med. 38:2074, Table 6).
///
/// Replications whose fit failed, or whose estimate is not finite, are counted
/// in `nFailed` and excluded; they are never redrawn. Replications whose fit gave a
/// finite estimate but whose truth is not finite (λ under errors that are no SAR
/// process on W, the turning point of a curve without one) are counted apart, in
/// `nNoTruth`, and excluded too: the estimand has no true value there, the estimator
/// did not fail. nOK + nFailed + nNoTruth = R. The truth may vary by
/// replication (curve points at the panel's own CA percentiles, a realised ATT),
/// so every measure — EmpSE included — is written in terms of the errors
/// e_r = θ̂_r − θ_r; with a fixed truth this is exactly Morris et al.
/// Which measures apply depends on the estimand's `ScoringRule`; those that do not
/// are NaN (docs/monte-carlo.md).
public struct PerformanceMeasures: Equatable, Sendable {
    public var nOK = 0
    public var nFailed = 0
    /// Replications with a finite estimate from a converged fit but no finite truth; nil
    /// when unknown (a summary read from a file written before the count existed, whose
    /// `n_failed` still holds these replications).
    public var nNoTruth: Int? = 0
    /// Mean of the per-replication truths over the replications used.
    public var truth = Double.nan
    public var mean = Double.nan
    public var bias = Double.nan, mcseBias = Double.nan
    /// Mean of (θ̂ − θ)/θ, a fraction (not per cent); NaN when some θ_r = 0.
    public var relativeBias = Double.nan, mcseRelativeBias = Double.nan
    /// sd(e_r): the spread of the errors (of the estimates when the truth is fixed).
    public var empiricalSE = Double.nan, mcseEmpiricalSE = Double.nan
    /// √mean(s_r²) over replications with a finite model SE.
    public var modelSE = Double.nan, mcseModelSE = Double.nan
    /// 100 (ModSE / EmpSE − 1), in per cent.
    public var relativeErrorModelSE = Double.nan, mcseRelativeErrorModelSE = Double.nan
    public var mse = Double.nan, mcseMSE = Double.nan
    public var rmse = Double.nan, mcseRMSE = Double.nan
    /// Share of 95% intervals that contain θ_r.
    public var coverage = Double.nan, mcseCoverage = Double.nan
    /// Share of intervals containing θ_r + bias (Morris et al.'s bias-eliminated coverage).
    public var biasEliminatedCoverage = Double.nan, mcseBiasEliminatedCoverage = Double.nan
    /// Share of p-values below α (power, or size when the null holds).
    public var rejection = Double.nan, mcseRejection = Double.nan

    // Robust measures (PerformanceMeasures+Robust.swift), bootstrap MCSEs.
    /// median(e_r); its MCSE the exact bootstrap SE of the median (`MedianBootstrap`, B = ∞).
    public var medianBias = Double.nan, mcseMedianBias = Double.nan
    /// median |e_r|; its MCSE the exact bootstrap SE of the median (`MedianBootstrap`, B = ∞).
    public var madError = Double.nan, mcseMADError = Double.nan
    /// 1.4826 · median |e_r − median(e)|: a consistent SD under normality that exists
    /// when the moments do not; its MCSE from `bootstrapResamples` resamples.
    public var robustSE = Double.nan, mcseRobustSE = Double.nan
    public var medianModelSE = Double.nan
    /// 100 (median s_r / robust SE − 1), in per cent.
    public var relativeErrorRobustSE = Double.nan, mcseRelativeErrorRobustSE = Double.nan

    // Wilson 95% intervals for the proportions (informative at 0 and 1, where √(p(1−p)/R) is 0).
    public var coverageLower = Double.nan, coverageUpper = Double.nan
    public var rejectionLower = Double.nan, rejectionUpper = Double.nan

    // Ratio estimands (PerformanceMeasures+Sets.swift).
    /// Share of Fieller sets containing θ_r (a whole-line set always covers).
    public var fiellerCoverage = Double.nan, mcseFiellerCoverage = Double.nan
    public var fiellerCoverageLower = Double.nan, fiellerCoverageUpper = Double.nan
    public var shareBounded = Double.nan, shareDisjoint = Double.nan, shareWholeLine = Double.nan
    public var shareRightShape = Double.nan, shareInsideSupport = Double.nan

    // Tests.
    /// Rejection rate among replications whose null is true (size) and false (power).
    public var rejectionNullTrue = Double.nan, mcseRejectionNullTrue = Double.nan, nNullTrue = Double.nan
    public var rejectionNullFalse = Double.nan, mcseRejectionNullFalse = Double.nan, nNullFalse = Double.nan
    /// The null-true rejection rate by distance from the least-favourable null (issue 20): the
    /// noncentrality is ≤ 0 when the null is true and 0 when the true turning point sits at an end
    /// of the test interval, so `boundary` holds the replications with −1 ≤ nc ≤ 0 (within one SE
    /// of the boundary, where a size is measured) and `interior` those with nc < −1.
    public var rejectionNullBoundary = Double.nan, mcseRejectionNullBoundary = Double.nan, nNullBoundary = Double.nan
    public var rejectionNullInterior = Double.nan, mcseRejectionNullInterior = Double.nan, nNullInterior = Double.nan
    /// Mean noncentrality of the true shape (see `EstimandResult.noncentrality`).
    public var noncentrality = Double.nan, mcseNoncentrality = Double.nan

    /// 1 when the truth is the parameter the estimator targets, 0 when not (`ScoringRule`).
    public var comparable = 1.0

    public init() {}

    /// Computes all measures that apply to the estimand from its per-replication results.
    /// `ok[r]` says whether replication r's fit converged; `bootstrap` names the random
    /// stream of the robust measures' resampled MCSEs (robust SE and its relative error).
    public init(results: [EstimandResult], ok: [Bool], alpha: Double = 0.05, rule: ScoringRule = ScoringRule(role: .parameter),
                bootstrap: StreamID = StreamID(seed: 0)) {
        self.init(results: results, ok: ok, alpha: alpha, rule: rule) { BootstrapResamples(n: $0, stream: bootstrap) }
    }

    /// The same with the resamples of n used replications given by `resamples` (a run shares
    /// one set among an estimator's estimands, `CellResults.measures`).
    init(results: [EstimandResult], ok: [Bool], alpha: Double, rule: ScoringRule, resamples: (Int) -> BootstrapResamples) {
        precondition(results.count == ok.count, "one status per result")   // programming error, not user input
        let fitted = zip(results, ok).filter { $0.1 && $0.0.estimate.isFinite }.map(\.0)
        let used = fitted.filter(\.truth.isFinite)
        nOK = used.count
        nFailed = results.count - fitted.count
        nNoTruth = fitted.count - used.count
        comparable = rule.comparable ? 1 : 0
        guard nOK > 0 else { return }
        truth = Self.mean(used.map(\.truth))
        mean = Self.mean(used.map(\.estimate))
        switch rule.role {
        case .test:
            setRejection(used, alpha: alpha)
            setTestMeasures(used, alpha: alpha)
            return
        case .selection:
            // mean = the rate; bias = rate − 1 with the MCSE of a mean; no SEs, intervals or tests.
            setMoments(used, comparable: true)
            return
        case .parameter:
            setMoments(used, comparable: rule.comparable)
            setRobust(used, comparable: rule.comparable, resamples: resamples)
            if rule.comparable { setCoverage(used) }
            setRejection(used, alpha: alpha)
            // A parameter scored with a confidence set besides its interval (the mediated share's
            // Fieller set, `spatial_mediation`): its coverage and set types too; a no-op without sets.
            setSets(used, comparable: rule.comparable)
        case .ratio:
            // No finite moments (EstimandRole.ratio): the mean-based measures — mean, bias, EmpSE,
            // √mean(s²), MSE and the delta-method (and bias-eliminated) coverage — are left blank
            // (NaN, written NA) in the summary, the CSV and the figures; the robust measures and
            // the Fieller sets are what a ratio row reports (issue 20).
            mean = .nan
            setRobust(used, comparable: rule.comparable, resamples: resamples)
            setRejection(used, alpha: alpha)
            setSets(used, comparable: rule.comparable)
        }
    }

    /// Bias, EmpSE, ModSE, MSE and their MCSEs (Morris et al. Table 6), on the errors.
    private mutating func setMoments(_ used: [EstimandResult], comparable: Bool) {
        let r = Double(nOK)
        let errors = used.map { $0.estimate - $0.truth }
        empiricalSE = Self.variance(errors).squareRoot()
        mcseEmpiricalSE = nOK > 1 ? empiricalSE / (2 * (r - 1)).squareRoot() : .nan

        let variances = used.map(\.standardError).filter(\.isFinite).map { $0 * $0 }
        if !variances.isEmpty {
            let rs = Double(variances.count)
            let meanVariance = Self.mean(variances)
            let varOfVariances = Self.variance(variances)
            modelSE = meanVariance.squareRoot()
            mcseModelSE = (varOfVariances / (4 * rs * meanVariance)).squareRoot()
            if empiricalSE > 0 && nOK > 1 {
                let ratio = modelSE / empiricalSE
                relativeErrorModelSE = 100 * (ratio - 1)
                mcseRelativeErrorModelSE = 100 * ratio
                    * (varOfVariances / (4 * rs * meanVariance * meanVariance) + 1 / (2 * (r - 1))).squareRoot()
            }
        }
        guard comparable else { return }
        bias = Self.mean(errors)
        mcseBias = (Self.variance(errors) / r).squareRoot()
        if used.allSatisfy({ $0.truth != 0 }) {
            let rel = used.map { ($0.estimate - $0.truth) / $0.truth }
            relativeBias = Self.mean(rel)
            mcseRelativeBias = (Self.variance(rel) / r).squareRoot()
        }
        let squaredErrors = errors.map { $0 * $0 }
        mse = Self.mean(squaredErrors)
        mcseMSE = nOK > 1 ? (squaredErrors.map { ($0 - mse) * ($0 - mse) }.reduce(0, +) / (r * (r - 1))).squareRoot() : .nan
        rmse = mse.squareRoot()
        // Delta method: d√x/dx = 1/(2√x).
        mcseRMSE = rmse > 0 ? mcseMSE / (2 * rmse) : .nan
    }

    /// Coverage of the intervals. An interval with an infinite bound is kept (it can
    /// cover); only intervals with a NaN bound are left out.
    private mutating func setCoverage(_ used: [EstimandResult]) {
        let intervals = used.filter { !$0.lower.isNaN && !$0.upper.isNaN }
        guard !intervals.isEmpty else { return }
        let p = Proportion(intervals.map { $0.lower <= $0.truth && $0.truth <= $0.upper })
        (coverage, mcseCoverage, coverageLower, coverageUpper) = (p.value, p.mcse, p.wilson.lower, p.wilson.upper)
        let b = bias
        let be = Proportion(intervals.map { $0.lower <= $0.truth + b && $0.truth + b <= $0.upper })
        (biasEliminatedCoverage, mcseBiasEliminatedCoverage) = (be.value, be.mcse)
    }

    private mutating func setRejection(_ used: [EstimandResult], alpha: Double) {
        let tested = used.filter { $0.pValue.isFinite }
        guard !tested.isEmpty else { return }
        let p = Proportion(tested.map { $0.pValue < alpha })
        (rejection, mcseRejection, rejectionLower, rejectionUpper) = (p.value, p.mcse, p.wilson.lower, p.wilson.upper)
    }

    static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

    /// Sample variance with divisor R − 1 (NaN for R < 2).
    static func variance(_ x: [Double]) -> Double {
        guard x.count > 1 else { return .nan }
        let m = mean(x)
        return x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)
    }

    public static func == (a: PerformanceMeasures, b: PerformanceMeasures) -> Bool {
        a.nOK == b.nOK && a.nFailed == b.nFailed && a.nNoTruth == b.nNoTruth && a.allValues.map(\.bitPattern) == b.allValues.map(\.bitPattern)
    }
}

/// A proportion of R Bernoulli outcomes with its MCSE √(p(1−p)/R) (Morris et al.
/// Table 6) and its Wilson (1927) score interval, which, unlike p ± 1.96·MCSE, has
/// positive width when p is 0 or 1.
struct Proportion {
    let value: Double
    let mcse: Double
    let wilson: (lower: Double, upper: Double)

    init(_ hits: [Bool]) {
        let n = Double(hits.count)
        let p = Double(hits.filter { $0 }.count) / n
        value = p
        mcse = (p * (1 - p) / n).squareRoot()
        wilson = Self.wilson(p, n)
    }

    /// (p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n), z = Φ⁻¹(0.975).
    static func wilson(_ p: Double, _ n: Double, z: Double = 1.959963984540054) -> (lower: Double, upper: Double) {
        let z2 = z * z
        let centre = p + z2 / (2 * n)
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        let d = 1 + z2 / n
        return (max(0, (centre - half) / d), min(1, (centre + half) / d))
    }
}
