import Foundation
import Numerics

/// Robust measures: they exist whether or not the estimator has finite moments
/// (turning points and shifts, ratios of coefficients, have none), and resist the
/// few wild replications a near-flat curve produces. Their MCSEs come from a
/// nonparametric bootstrap over replications (Morris et al. 2019 §5.2 suggest
/// resampling when no formula exists), drawn from a stream derived from the run's
/// seed, so a run and its merged shards report the same values.
extension PerformanceMeasures {
    /// Bootstrap resamples: the MCSE of an MCSE from B resamples has relative error
    /// ≈ 1/√(2B) ≈ 3%, ample for a standard error, at a cost of milliseconds per estimand.
    public static let bootstrapResamples = 500

    /// 1/Φ⁻¹(0.75): makes the MAD a consistent estimator of σ under normality.
    static let madScale = 1.482602218505602

    struct RobustSummary {
        var medianError = Double.nan, medianAbsoluteError = Double.nan, robustSE = Double.nan
        var medianModelSE = Double.nan, relativeError = Double.nan

        /// `errors` and `ses` are scratch: reordered in place (a median by selection, O(n)).
        init(errors: inout [Double], ses: inout [Double], scratch: inout [Double]) {
            guard !errors.isEmpty else { return }
            scratch.removeAll(keepingCapacity: true)
            for e in errors { scratch.append(abs(e)) }
            medianAbsoluteError = Statistics.median(selectingIn: &scratch)
            medianError = Statistics.median(selectingIn: &errors)
            let m = medianError
            scratch.removeAll(keepingCapacity: true)
            for e in errors { scratch.append(abs(e - m)) }
            robustSE = madScale * Statistics.median(selectingIn: &scratch)
            scratch.removeAll(keepingCapacity: true)
            for s in ses where s.isFinite { scratch.append(s) }
            guard !scratch.isEmpty else { return }
            medianModelSE = Statistics.median(selectingIn: &scratch)
            if robustSE > 0 { relativeError = 100 * (medianModelSE / robustSE - 1) }
        }

        var values: [Double] { [medianError, medianAbsoluteError, robustSE, relativeError] }
    }

    /// median_bias, mad_error, robust_se (1.4826·MAD of the errors, which is the MAD of
    /// the estimates when the truth is fixed), rel_error_robust_se and their bootstrap MCSEs.
    mutating func setRobust(_ used: [EstimandResult], comparable: Bool, bootstrap: StreamID) {
        let errors = used.map { $0.estimate - $0.truth }
        let ses = used.map(\.standardError)
        var e = errors, s = ses, scratch: [Double] = []
        scratch.reserveCapacity(errors.count)
        let point = RobustSummary(errors: &e, ses: &s, scratch: &scratch)
        robustSE = point.robustSE
        medianModelSE = point.medianModelSE
        relativeErrorRobustSE = point.relativeError
        if comparable {
            medianBias = point.medianError
            madError = point.medianAbsoluteError
        }
        let n = errors.count
        guard n > 1 else { return }
        let stream = RandomStream(bootstrap)
        var draws = [[Double]](repeating: [], count: 4)
        for _ in 0..<Self.bootstrapResamples {
            for i in 0..<n {
                let j = stream.integer(below: n)
                e[i] = errors[j]
                s[i] = ses[j]
            }
            for (k, v) in RobustSummary(errors: &e, ses: &s, scratch: &scratch).values.enumerated() where v.isFinite { draws[k].append(v) }
        }
        let mcse = draws.map { Statistics.standardDeviation($0) }
        mcseRobustSE = mcse[2]
        mcseRelativeErrorRobustSE = relativeErrorRobustSE.isFinite ? mcse[3] : .nan
        if comparable {
            mcseMedianBias = mcse[0]
            mcseMADError = mcse[1]
        }
    }
}
