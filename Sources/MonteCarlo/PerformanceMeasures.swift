import Foundation

/// The performance measures of one estimand over R replications, each with its
/// Monte Carlo standard error (MODEL.md §7; Morris, White & Crowther 2019,
/// Stat. Med. 38:2074, Table 6).
///
/// Replications whose fit failed, or whose estimate is not finite, are counted
/// in `nFailed` and excluded; they are never redrawn. The truth may vary by
/// replication (e.g. a realised ATT), so every measure is written in terms of
/// the errors e_r = θ̂_r − θ_r; with a fixed truth this is exactly Morris et al.
public struct PerformanceMeasures: Equatable, Sendable {
    public var nOK = 0
    public var nFailed = 0
    /// Mean of the per-replication truths over the replications used.
    public var truth = Double.nan
    public var mean = Double.nan
    public var bias = Double.nan, mcseBias = Double.nan
    /// Mean of (θ̂ − θ)/θ, a fraction (not per cent); NaN when some θ_r = 0.
    public var relativeBias = Double.nan, mcseRelativeBias = Double.nan
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

    public init() {}

    /// Computes all measures from the per-replication results of one estimand.
    /// `ok[r]` says whether replication r's fit converged.
    public init(results: [EstimandResult], ok: [Bool], alpha: Double = 0.05) {
        precondition(results.count == ok.count, "one status per result")   // programming error, not user input
        let used = zip(results, ok).filter { $0.1 && $0.0.estimate.isFinite && $0.0.truth.isFinite }.map(\.0)
        nOK = used.count
        nFailed = results.count - used.count
        guard nOK > 0 else { return }
        let r = Double(nOK)
        let estimates = used.map(\.estimate)
        let errors = used.map { $0.estimate - $0.truth }
        truth = PerformanceMeasures.mean(used.map(\.truth))
        mean = PerformanceMeasures.mean(estimates)
        bias = PerformanceMeasures.mean(errors)
        mcseBias = (PerformanceMeasures.variance(errors) / r).squareRoot()

        if used.allSatisfy({ $0.truth != 0 }) {
            let rel = used.map { ($0.estimate - $0.truth) / $0.truth }
            relativeBias = PerformanceMeasures.mean(rel)
            mcseRelativeBias = (PerformanceMeasures.variance(rel) / r).squareRoot()
        }

        empiricalSE = PerformanceMeasures.variance(estimates).squareRoot()
        mcseEmpiricalSE = nOK > 1 ? empiricalSE / (2 * (r - 1)).squareRoot() : .nan

        let squaredErrors = errors.map { $0 * $0 }
        mse = PerformanceMeasures.mean(squaredErrors)
        mcseMSE = nOK > 1 ? (squaredErrors.map { ($0 - mse) * ($0 - mse) }.reduce(0, +) / (r * (r - 1))).squareRoot() : .nan
        rmse = mse.squareRoot()
        // Delta method: d√x/dx = 1/(2√x).
        mcseRMSE = rmse > 0 ? mcseMSE / (2 * rmse) : .nan

        let variances = used.map(\.standardError).filter(\.isFinite).map { $0 * $0 }
        if !variances.isEmpty {
            let rs = Double(variances.count)
            let meanVariance = PerformanceMeasures.mean(variances)
            let varOfVariances = PerformanceMeasures.variance(variances)
            modelSE = meanVariance.squareRoot()
            mcseModelSE = (varOfVariances / (4 * rs * meanVariance)).squareRoot()
            if empiricalSE > 0 && nOK > 1 {
                let ratio = modelSE / empiricalSE
                relativeErrorModelSE = 100 * (ratio - 1)
                mcseRelativeErrorModelSE = 100 * ratio
                    * (varOfVariances / (4 * rs * meanVariance * meanVariance) + 1 / (2 * (r - 1))).squareRoot()
            }
        }

        let intervals = used.filter { $0.lower.isFinite || $0.upper.isFinite }
            .filter { !$0.lower.isNaN && !$0.upper.isNaN }
        if !intervals.isEmpty {
            coverage = PerformanceMeasures.share(intervals) { $0.lower <= $0.truth && $0.truth <= $0.upper }
            mcseCoverage = PerformanceMeasures.binomialMCSE(coverage, intervals.count)
            let b = bias
            biasEliminatedCoverage = PerformanceMeasures.share(intervals) { $0.lower <= $0.truth + b && $0.truth + b <= $0.upper }
            mcseBiasEliminatedCoverage = PerformanceMeasures.binomialMCSE(biasEliminatedCoverage, intervals.count)
        }

        let tested = used.filter { $0.pValue.isFinite }
        if !tested.isEmpty {
            rejection = PerformanceMeasures.share(tested) { $0.pValue < alpha }
            mcseRejection = PerformanceMeasures.binomialMCSE(rejection, tested.count)
        }
    }

    static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

    /// Sample variance with divisor R − 1 (NaN for R < 2).
    static func variance(_ x: [Double]) -> Double {
        guard x.count > 1 else { return .nan }
        let m = mean(x)
        return x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)
    }

    static func share(_ x: [EstimandResult], _ hit: (EstimandResult) -> Bool) -> Double {
        Double(x.filter(hit).count) / Double(x.count)
    }

    /// √(p(1−p)/R), Morris et al. Table 6.
    static func binomialMCSE(_ p: Double, _ n: Int) -> Double { (p * (1 - p) / Double(n)).squareRoot() }

    public static func == (a: PerformanceMeasures, b: PerformanceMeasures) -> Bool {
        a.nOK == b.nOK && a.nFailed == b.nFailed && a.allValues.map(\.bitPattern) == b.allValues.map(\.bitPattern)
    }

    /// The measures in the order of `PerformanceMeasures.columnNames`.
    public var allValues: [Double] {
        [truth, mean, bias, mcseBias, relativeBias, mcseRelativeBias, empiricalSE, mcseEmpiricalSE,
         modelSE, mcseModelSE, relativeErrorModelSE, mcseRelativeErrorModelSE, mse, mcseMSE, rmse, mcseRMSE,
         coverage, mcseCoverage, biasEliminatedCoverage, mcseBiasEliminatedCoverage, rejection, mcseRejection]
    }

    /// Column names of `allValues`, as they appear in the summary CSV and HDF5 table.
    public static let columnNames = [
        "true", "mean", "bias", "mcse_bias", "rel_bias", "mcse_rel_bias", "emp_se", "mcse_emp_se",
        "model_se", "mcse_model_se", "rel_error_model_se", "mcse_rel_error_model_se", "mse", "mcse_mse",
        "rmse", "mcse_rmse", "coverage", "mcse_coverage", "be_coverage", "mcse_be_coverage",
        "rejection", "mcse_rejection",
    ]

    /// The value of one summary column (`n_ok`, `n_failed` or one of `columnNames`);
    /// NaN for a column these measures do not have. The one lookup by name.
    public func value(_ column: String) -> Double {
        switch column {
        case "n_ok": return Double(nOK)
        case "n_failed": return Double(nFailed)
        default:
            guard let i = PerformanceMeasures.columnNames.firstIndex(of: column) else { return .nan }
            return allValues[i]
        }
    }

    /// Rebuilds measures from values named by their summary columns (`n_ok`,
    /// `n_failed` and `columnNames`); an absent column is NaN (0 for the counts).
    public init(_ named: [String: Double]) {
        let counts = (named["n_ok"] ?? 0, named["n_failed"] ?? 0)
        self.init(nOK: counts.0.isFinite ? Int(counts.0) : 0, nFailed: counts.1.isFinite ? Int(counts.1) : 0,
                  values: PerformanceMeasures.columnNames.map { named[$0] ?? .nan })
    }

    /// Rebuilds measures from stored values (the inverse of `allValues`).
    public init(nOK: Int, nFailed: Int, values v: [Double]) {
        self.nOK = nOK
        self.nFailed = nFailed
        guard v.count == PerformanceMeasures.columnNames.count else { return }
        (truth, mean, bias, mcseBias, relativeBias, mcseRelativeBias) = (v[0], v[1], v[2], v[3], v[4], v[5])
        (empiricalSE, mcseEmpiricalSE, modelSE, mcseModelSE) = (v[6], v[7], v[8], v[9])
        (relativeErrorModelSE, mcseRelativeErrorModelSE, mse, mcseMSE, rmse, mcseRMSE) = (v[10], v[11], v[12], v[13], v[14], v[15])
        (coverage, mcseCoverage, biasEliminatedCoverage, mcseBiasEliminatedCoverage) = (v[16], v[17], v[18], v[19])
        (rejection, mcseRejection) = (v[20], v[21])
    }
}
