import Foundation
import Numerics

/// One covariate's balance before and after matching.
public struct BalanceRow: Sendable, Equatable {
    public let variable: String
    public let meanTreatedBefore, meanControlBefore: Double
    public let meanTreatedAfter, meanControlAfter: Double
    /// Standardised mean differences; the denominator is the treated group's SD in the full
    /// (unmatched) sample, as MatchIt does for the ATT. For a 0/1 variable that SD is √(p(1−p)).
    public let smdBefore, smdAfter: Double
    /// Weighted variance ratio treated/control (NaN for 0/1 variables, as MatchIt).
    public let varianceRatioBefore, varianceRatioAfter: Double
    /// Largest difference between the groups' (weighted) empirical CDFs.
    public let ecdfMaxBefore, ecdfMaxAfter: Double
}

/// Balance statistics following MatchIt's `summary.matchit` (`bal1var`, read for its definitions):
/// * weighted means Σwx/Σw;
/// * SMD = (x̄₁ − x̄₀)/s₁ with s₁ the unweighted treated SD over all treated units
///   (sample SD with n − 1, or √(p(1−p)) for a 0/1 variable); if |x̄₁ − x̄₀| ≤ √ε the raw
///   difference is reported;
/// * variance ratio with reliability-weight variances Σw(x − x̄)²/(1 − Σw²) (w summing to 1);
/// * eCDF max over the pooled support of the weighted ECDFs (|x̄₁ − x̄₀| for 0/1 variables).
public enum Balance {
    /// The SMD denominator, always computed on the full (unmatched) sample.
    public enum Denominator: String, Sendable, CaseIterable {
        /// SD of the treated group (MatchIt's choice for the ATT).
        case treated
        /// √((s₁² + s₀²)/2), the groups contributing equally (MatchIt's "pooled", cobalt's default for the ATE).
        case pooled
    }

    public static func table(treated: [Bool], covariates: Matrix, names: [String], weights: [Double],
                             denominator: Denominator = .treated) -> [BalanceRow] {
        let n = treated.count
        let ones = [Double](repeating: 1, count: n)
        return (0..<covariates.cols).map { j in
            let x = covariates.column(j)
            let binary = x.allSatisfy { $0 == 0 || $0 == 1 }
            let t1 = (0..<n).filter { treated[$0] }
            let t0 = (0..<n).filter { !treated[$0] }
            let v1 = variance(t1.map { x[$0] }, [Double](repeating: 1, count: t1.count), binary: binary)
            let v0 = variance(t0.map { x[$0] }, [Double](repeating: 1, count: t0.count), binary: binary)
            // Like MatchIt, fall back to a pooled SD when the treated SD is (numerically) zero
            // (MatchIt pools in proportion to group sizes there; here the groups count equally).
            let sd1 = denominator == .pooled || !(v1.squareRoot() >= Double.ulpOfOne.squareRoot())
                ? ((v1 + v0) / 2).squareRoot() : v1.squareRoot()
            let before = stats(x, treated, ones, binary: binary, sd: sd1)
            let after = stats(x, treated, weights, binary: binary, sd: sd1)
            return BalanceRow(variable: names[j], meanTreatedBefore: before.m1, meanControlBefore: before.m0,
                              meanTreatedAfter: after.m1, meanControlAfter: after.m0,
                              smdBefore: before.smd, smdAfter: after.smd,
                              varianceRatioBefore: before.vr, varianceRatioAfter: after.vr,
                              ecdfMaxBefore: before.ecdf, ecdfMaxAfter: after.ecdf)
        }
    }

    static func stats(_ x: [Double], _ treated: [Bool], _ w: [Double], binary: Bool, sd: Double)
        -> (m1: Double, m0: Double, smd: Double, vr: Double, ecdf: Double) {
        var x1: [Double] = [], w1: [Double] = [], x0: [Double] = [], w0: [Double] = []
        for i in 0..<x.count where w[i] > 0 {
            if treated[i] { x1.append(x[i]); w1.append(w[i]) } else { x0.append(x[i]); w0.append(w[i]) }
        }
        let m1 = weightedMean(x1, w1), m0 = weightedMean(x0, w0)
        let diff = m1 - m0
        let smd = abs(diff) > Double.ulpOfOne.squareRoot() && sd > 0 ? diff / sd : diff
        if binary { return (m1, m0, smd, .nan, abs(diff)) }
        let vr = variance(x1, w1, binary: false) / variance(x0, w0, binary: false)
        return (m1, m0, smd, vr, ecdfMax(x1, w1, x0, w0))
    }

    static func weightedMean(_ x: [Double], _ w: [Double]) -> Double {
        let sw = w.reduce(0, +)
        return zip(x, w).reduce(0) { $0 + $1.0 * $1.1 } / sw
    }

    /// Reliability-weights variance (R `cov.wt`), or p(1 − p) for a 0/1 variable.
    static func variance(_ x: [Double], _ w: [Double], binary: Bool) -> Double {
        let sw = w.reduce(0, +)
        let wn = w.map { $0 / sw }
        let m = zip(x, wn).reduce(0) { $0 + $1.0 * $1.1 }
        if binary { return m * (1 - m) }
        let ss = zip(x, wn).reduce(0) { $0 + $1.1 * ($1.0 - m) * ($1.0 - m) }
        return ss / (1 - wn.reduce(0) { $0 + $1 * $1 })
    }

    static func ecdfMax(_ x1: [Double], _ w1: [Double], _ x0: [Double], _ w0: [Double]) -> Double {
        let s1 = w1.reduce(0, +), s0 = w0.reduce(0, +)
        var pts = x1.indices.map { (x1[$0], w1[$0] / s1) } + x0.indices.map { (x0[$0], -w0[$0] / s0) }
        pts.sort { $0.0 < $1.0 }
        var cum = 0.0, best = 0.0
        for k in pts.indices {
            cum += pts[k].1
            if k == pts.count - 1 || pts[k + 1].0 != pts[k].0 { best = max(best, abs(cum)) }
        }
        return best
    }
}
