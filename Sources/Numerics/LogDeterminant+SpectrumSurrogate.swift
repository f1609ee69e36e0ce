import Foundation

/// A piecewise cubic Hermite interpolant of Σ ln(1 − ρω) over the stable interval of a real
/// spectrum, built once per W from the exact values and first derivatives (−tr G) at equally
/// spaced nodes: the lag likelihood's search (`SpatialEstimator.surrogateSearch`) finds the basin
/// of the maximum on it in O(1) per evaluation instead of O(N), then Newton steps on the exact
/// score take the estimate to the exact likelihood's maximum (a step below 1e-12 certifies it).
/// No reported value comes from the interpolant.
///
/// Within the nodes its error is at most h⁴/384·max|f⁗| (f⁗ = −6Σω⁴/(1 − ρω)⁴; de Boor 2001,
/// ch. IV), below 1e-5 at the outermost nodes of a row-standardised W and far smaller inside;
/// outside the nodes — the last `edgeShare` of the interval at either end, where the logarithms
/// diverge — it returns the exact value. Its derivatives are the exact ones (the search uses
/// only values).
struct SpectrumSurrogate: LogDeterminantSource {
    let method = LogDeterminantMethod.exact
    /// The eigenvalues (all real).
    let eigenvalues: [Double]
    let first: Double
    let step: Double
    /// f and f′ at the nodes first + k·step, k = 0…intervals.
    let values: [Double]
    let slopes: [Double]
    static let intervals = 256
    static let edgeShare = 0.02

    /// Nil for a complex spectrum (the exact search serves it) or one without a finite interval.
    init?(real: [Double], imaginary: [Double]) {
        guard !real.isEmpty, imaginary.allSatisfy({ $0 == 0 }) else { return nil }
        eigenvalues = real
        let lo = 1 / min(real.min()!, -1e-12), hi = 1 / max(real.max()!, 1e-12)
        guard lo.isFinite, hi.isFinite, lo < hi else { return nil }
        let margin = Self.edgeShare * (hi - lo)
        first = lo + margin
        step = (hi - lo - 2 * margin) / Double(Self.intervals)
        let nodes = (0...Self.intervals).map { lo + margin + Double($0) * ((hi - lo - 2 * margin) / Double(Self.intervals)) }
        values = nodes.map { rho in real.reduce(0) { $0 + log(abs(1 - rho * $1)) } }
        slopes = nodes.map { rho in -real.reduce(0) { $0 + $1 / (1 - rho * $1) } }
        guard values.allSatisfy({ $0.isFinite }), slopes.allSatisfy({ $0.isFinite }) else { return nil }
    }

    func logDeterminant(rho: Double) -> Double {
        let u = (rho - first) / step
        guard u >= 0, u <= Double(Self.intervals) else { return eigenvalues.reduce(0) { $0 + log(abs(1 - rho * $1)) } }
        let k = min(Int(u), Self.intervals - 1)
        let s = u - Double(k)
        // Hermite basis on [0, 1] with the slopes scaled to the unit interval.
        let s2 = s * s, s3 = s2 * s
        let h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2
        return h00 * values[k] + h10 * step * slopes[k] + h01 * values[k + 1] + h11 * step * slopes[k + 1]
    }

    func traceG(rho: Double) -> Double { eigenvalues.reduce(0) { $0 + $1 / (1 - rho * $1) } }

    func traceG2(rho: Double) -> Double { eigenvalues.reduce(0) { let g = $1 / (1 - rho * $1); return $0 + g * g } }

    /// Not a bound: the surrogate never reaches a result (see the type's comment).
    func accuracy(rho: Double) -> LogDeterminantAccuracy {
        LogDeterminantAccuracy(truncationBound: .infinity, monteCarloSE: .nan, rigorous: false)
    }
}
