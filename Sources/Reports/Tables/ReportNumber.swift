import Foundation

/// How numbers appear in report tables and captions.
public enum ReportNumber {
    /// `x` with `decimals` decimals and a true minus sign (U+2212, or `$-$` in
    /// LaTeX, `-` in CSV); values that round to zero lose their sign, so no
    /// "−0.000" appears. NaN and infinities as `missing`.
    public static func format(_ x: Double, decimals: Int, minus: String = "\u{2212}", missing: String = "–") -> String {
        guard x.isFinite else { return missing }
        var s = String(format: "%.\(decimals)f", abs(x))
        if x < 0, s.contains(where: { $0 != "0" && $0 != "." }) { s = minus + s }
        return s
    }

    /// An estimate with its Monte Carlo SE in brackets: `−0.012 (0.004)`. The
    /// MCSE is left out when it is not finite (e.g. a single usable replication).
    public static func withMCSE(_ x: Double, _ mcse: Double, decimals: Int, minus: String = "\u{2212}",
                                missing: String = "–") -> String {
        let v = format(x, decimals: decimals, minus: minus, missing: missing)
        guard x.isFinite, mcse.isFinite else { return v }
        return v + " (" + format(mcse, decimals: decimals, minus: minus, missing: missing) + ")"
    }
}
