import CGSL
import Foundation

/// Cumulative distribution functions and quantiles (GSL `gsl_cdf_*`).
/// Quantiles take p in (0, 1); outside it they return NaN rather than trap.
public enum Normal {
    public static func cdf(_ x: Double, mean: Double = 0, sd: Double = 1) -> Double {
        NumericsRuntime.ensureInitialised()
        return gsl_cdf_gaussian_P(x - mean, sd)
    }
    public static func survival(_ x: Double) -> Double { gsl_cdf_ugaussian_Q(x) }
    public static func quantile(_ p: Double, mean: Double = 0, sd: Double = 1) -> Double {
        NumericsRuntime.ensureInitialised()
        guard p > 0, p < 1 else { return p == 0 ? -.infinity : (p == 1 ? .infinity : .nan) }
        return mean + gsl_cdf_gaussian_Pinv(p, sd)
    }
    public static func density(_ x: Double) -> Double { gsl_ran_ugaussian_pdf(x) }
}

public enum StudentT {
    public static func cdf(_ x: Double, df: Double) -> Double {
        NumericsRuntime.ensureInitialised()
        return gsl_cdf_tdist_P(x, df)
    }
    public static func survival(_ x: Double, df: Double) -> Double { gsl_cdf_tdist_Q(x, df) }
    public static func quantile(_ p: Double, df: Double) -> Double {
        NumericsRuntime.ensureInitialised()
        guard p > 0, p < 1, df > 0 else { return .nan }
        return gsl_cdf_tdist_Pinv(p, df)
    }
}

public enum ChiSquared {
    public static func cdf(_ x: Double, df: Double) -> Double {
        NumericsRuntime.ensureInitialised()
        return gsl_cdf_chisq_P(x, df)
    }
    public static func survival(_ x: Double, df: Double) -> Double { gsl_cdf_chisq_Q(x, df) }
    public static func quantile(_ p: Double, df: Double) -> Double {
        NumericsRuntime.ensureInitialised()
        guard p > 0, p < 1, df > 0 else { return .nan }
        return gsl_cdf_chisq_Pinv(p, df)
    }
}

public enum FisherF {
    public static func cdf(_ x: Double, df1: Double, df2: Double) -> Double {
        NumericsRuntime.ensureInitialised()
        return gsl_cdf_fdist_P(x, df1, df2)
    }
    public static func survival(_ x: Double, df1: Double, df2: Double) -> Double { gsl_cdf_fdist_Q(x, df1, df2) }
    public static func quantile(_ p: Double, df1: Double, df2: Double) -> Double {
        NumericsRuntime.ensureInitialised()
        guard p > 0, p < 1, df1 > 0, df2 > 0 else { return .nan }
        return gsl_cdf_fdist_Pinv(p, df1, df2)
    }
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
