import Foundation

/// How log|I − ρW| (the Jacobian of the spatial likelihood) and the traces derived
/// from it are computed.
public enum LogDeterminantMethod: String, Sendable, CaseIterable, Codable {
    /// Σ ln|1 − ρω_i| from the eigenvalues of W (one O(N³) decomposition per W).
    case exact
    /// A sparse Cholesky factorisation of I − ρS, S the symmetric form of W, at every ρ
    /// (exact to rounding; no N × N array).
    case sparse
    /// Chebyshev approximation with exact traces (Pace & LeSage 2004), with an error bound.
    case chebyshev
    /// Monte Carlo estimate of the power-series traces (Barry & Pace 1999), with its MCSE.
    case mc
    /// `exact` up to `SpatialWeights.exactSizeLimit` units, else `sparse` (or `chebyshev`
    /// when W has no symmetric form).
    case auto
}

/// How far an approximate log-determinant may be from the exact one at some ρ.
public struct LogDeterminantAccuracy: Sendable, Codable, Equatable {
    /// Deterministic bound on |approximation − exact| from truncating a series (0 when exact).
    public let truncationBound: Double
    /// Monte Carlo standard error of the estimate (0 for deterministic methods).
    public let monteCarloSE: Double
    /// True when the truncation bound is proven for this W and ρ (every bound computed here
    /// is; the field keeps room for estimated ones).
    public let rigorous: Bool

    public static let exact = LogDeterminantAccuracy(truncationBound: 0, monteCarloSE: 0, rigorous: true)

    /// The accuracy of Σ c_k log|I − ρW_k| from those of its terms: bounds add (scaled by
    /// |c_k|); Monte Carlo errors of separately estimated terms are independent, so they add
    /// in quadrature; the sum is rigorous when every term is.
    public static func weightedSum(_ terms: [(weight: Double, accuracy: LogDeterminantAccuracy)]) -> LogDeterminantAccuracy {
        var bound = 0.0, mc2 = 0.0, rigorous = true
        for (c, a) in terms {
            bound += abs(c) * a.truncationBound
            mc2 += c * c * a.monteCarloSE * a.monteCarloSE
            rigorous = rigorous && a.rigorous
        }
        return LogDeterminantAccuracy(truncationBound: bound, monteCarloSE: mc2.squareRoot(), rigorous: rigorous)
    }
}

/// log|I − ρW| and its derivatives in ρ. The derivatives are what the estimators need:
///   d/dρ log|I − ρW| = −tr(G),  d²/dρ² log|I − ρW| = −tr(G²),  G = W(I − ρW)⁻¹
/// (LeSage & Pace 2009, §4.1). Each method differentiates its own approximation, so the
/// score the estimator solves is consistent with the objective it maximises.
public protocol LogDeterminantSource: Sendable {
    /// The method actually used (never `.auto`).
    var method: LogDeterminantMethod { get }
    func logDeterminant(rho: Double) -> Double
    func traceG(rho: Double) -> Double
    func traceG2(rho: Double) -> Double
    func accuracy(rho: Double) -> LogDeterminantAccuracy
    /// A cheaper value of `logDeterminant(rho:)` with a bound on its distance from what
    /// `logDeterminant(rho:)` returns, for screening a search grid (`Brent.minimizeOnInterval`);
    /// nil when the source has none.
    func screenedLogDeterminant(rho: Double) -> ScreenedValue?
    /// A cheap approximation of this log-determinant over the whole interval that the likelihood
    /// search may use to find the basin of the maximum before finishing on this source's own
    /// derivatives (nil: search on this source directly).
    var searchSurrogate: (any LogDeterminantSource)? { get }
}

/// An approximation and a bound on its absolute distance from the exact routine's value.
public struct ScreenedValue: Sendable {
    public let value: Double
    public let bound: Double
    public init(value: Double, bound: Double) { self.value = value; self.bound = bound }
}

public extension LogDeterminantSource {
    func screenedLogDeterminant(rho: Double) -> ScreenedValue? { nil }
    var searchSurrogate: (any LogDeterminantSource)? { nil }
}

extension WeightSpectrum: LogDeterminantSource {
    public var method: LogDeterminantMethod { .exact }
    public func accuracy(rho: Double) -> LogDeterminantAccuracy { .exact }
    /// The Hermite interpolant built with the spectrum (`SpectrumSurrogate`), for real spectra.
    public var searchSurrogate: (any LogDeterminantSource)? { surrogate }
}

/// A stochastic estimate of a trace with its Monte Carlo standard error.
public struct TraceEstimate: Sendable, Codable, Equatable {
    public let value: Double
    /// 0 when the trace is exact.
    public let monteCarloSE: Double
    /// Hutchinson probes used (0 when exact).
    public let probes: Int

    public static func exact(_ value: Double) -> TraceEstimate { TraceEstimate(value: value, monteCarloSE: 0, probes: 0) }

    /// The estimate plus a known constant (same error).
    public func adding(_ constant: Double) -> TraceEstimate {
        TraceEstimate(value: value + constant, monteCarloSE: monteCarloSE, probes: probes)
    }

    /// Σ c_k tr_k from separately estimated terms: their errors are independent, so they add in
    /// quadrature; `probes` is the largest count of any term.
    public static func weightedSum(_ terms: [(weight: Double, estimate: TraceEstimate)]) -> TraceEstimate {
        var value = 0.0, mc2 = 0.0, probes = 0
        for (c, e) in terms {
            value += c * e.value
            mc2 += c * c * e.monteCarloSE * e.monteCarloSE
            probes = max(probes, e.probes)
        }
        return TraceEstimate(value: value, monteCarloSE: mc2.squareRoot(), probes: probes)
    }
}
