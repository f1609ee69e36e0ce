import CGSL
import Foundation

/// Cumulative distribution functions and quantiles (GSL `gsl_cdf_*`).
/// Quantiles take p in (0, 1); outside it they return NaN rather than trap.
public enum Normal {
    public static func cdf(_ x: Double, mean: Double = 0, sd: Double = 1) -> Double { gsl { gsl_cdf_gaussian_P(x - mean, sd) } }
    public static func survival(_ x: Double) -> Double { gsl { gsl_cdf_ugaussian_Q(x) } }
    public static func quantile(_ p: Double, mean: Double = 0, sd: Double = 1) -> Double {
        guard p > 0, p < 1 else { return p == 0 ? -.infinity : (p == 1 ? .infinity : .nan) }
        return mean + gsl { gsl_cdf_gaussian_Pinv(p, sd) }
    }
    public static func density(_ x: Double) -> Double { gsl { gsl_ran_ugaussian_pdf(x) } }
}

public enum StudentT {
    public static func cdf(_ x: Double, df: Double) -> Double { gsl { gsl_cdf_tdist_P(x, df) } }
    public static func survival(_ x: Double, df: Double) -> Double { gsl { gsl_cdf_tdist_Q(x, df) } }
    public static func quantile(_ p: Double, df: Double) -> Double { inverse(p, df: df) { gsl_cdf_tdist_Pinv(p, df) } }
}

public enum ChiSquared {
    public static func cdf(_ x: Double, df: Double) -> Double { gsl { gsl_cdf_chisq_P(x, df) } }
    public static func survival(_ x: Double, df: Double) -> Double { gsl { gsl_cdf_chisq_Q(x, df) } }
    public static func quantile(_ p: Double, df: Double) -> Double { inverse(p, df: df) { gsl_cdf_chisq_Pinv(p, df) } }
}

public enum FisherF {
    public static func cdf(_ x: Double, df1: Double, df2: Double) -> Double { gsl { gsl_cdf_fdist_P(x, df1, df2) } }
    public static func survival(_ x: Double, df1: Double, df2: Double) -> Double { gsl { gsl_cdf_fdist_Q(x, df1, df2) } }
    public static func quantile(_ p: Double, df1: Double, df2: Double) -> Double {
        inverse(p, df: df1, df2) { gsl_cdf_fdist_Pinv(p, df1, df2) }
    }
}

/// The binomial law Bin(n, p) (GSL `gsl_cdf_binomial_*`, `gsl_ran_binomial_pdf`; the tails through the
/// incomplete beta function, each accurate in its own small values): the exact bootstrap of an order
/// statistic (MonteCarlo's `MedianBootstrap`) reads its weights from them.
public enum Binomial {
    /// P(X ≤ k).
    public static func cdf(_ k: Int, n: Int, p: Double) -> Double { gsl { gsl_cdf_binomial_P(UInt32(k), p, UInt32(n)) } }
    /// P(X > k).
    public static func survival(_ k: Int, n: Int, p: Double) -> Double { gsl { gsl_cdf_binomial_Q(UInt32(k), p, UInt32(n)) } }
    /// P(X = k).
    public static func probability(_ k: Int, n: Int, p: Double) -> Double { gsl { gsl_ran_binomial_pdf(UInt32(k), p, UInt32(n)) } }
}

/// Every distribution function calls GSL after the one-time set-up (GSL's aborting error
/// handler off), so a bad argument comes back as NaN instead of ending the process.
@inline(__always)
private func gsl(_ call: () -> Double) -> Double {
    NumericsRuntime.ensureInitialised()
    return call()
}

/// A quantile of a family with degrees of freedom: NaN unless p ∈ (0, 1) and every df > 0.
@inline(__always)
private func inverse(_ p: Double, df: Double..., call: () -> Double) -> Double {
    guard p > 0, p < 1, df.allSatisfy({ $0 > 0 }) else { return .nan }
    return gsl(call)
}

/// Special functions that can fail for bad arguments; errors come back as `GSLError`.
public enum SpecialFunctions {
    /// log Γ(x) for x > 0 (GSL `gsl_sf_lngamma_e`).
    public static func logGamma(_ x: Double) throws -> Double {
        NumericsRuntime.ensureInitialised()
        var r = gsl_sf_result()
        try gslCheck("gsl_sf_lngamma_e", gsl_sf_lngamma_e(x, &r))
        return r.val
    }

    /// log x (GSL `gsl_sf_log_e`); x ≤ 0 throws GSL_EDOM.
    public static func log(_ x: Double) throws -> Double {
        NumericsRuntime.ensureInitialised()
        var r = gsl_sf_result()
        try gslCheck("gsl_sf_log_e", gsl_sf_log_e(x, &r))
        return r.val
    }
}
