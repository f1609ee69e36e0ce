import Foundation
import Numerics

/// The within transformation Q on time-major panel vectors (index t·N + i).
///
/// Applied after forming spatial lags (MODEL.md §4): the regressors are
/// Q(Wy), Q(X), Q(WX), never W(Qy).
public enum WithinTransform {
    /// Q v for one panel vector of length N·T.
    public static func apply(_ v: [Double], n: Int, t: Int, effects: FixedEffects) -> [Double] {
        var out = v
        v.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                demean(src.baseAddress!, dst.baseAddress!, n: n, t: t, effects: effects)
            }
        }
        return out
    }

    /// Q applied to every column of an NT × k matrix.
    static func apply(_ m: Matrix, n: Int, t: Int, effects: FixedEffects) -> Matrix {
        var out = m
        let len = n * t
        m.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                for j in 0..<m.cols {
                    demean(src.baseAddress! + j * len, dst.baseAddress! + j * len, n: n, t: t, effects: effects)
                }
            }
        }
        return out
    }

    private static func demean(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, n: Int, t: Int,
                               effects: FixedEffects) {
        let len = n * t
        if effects == .none {
            for k in 0..<len { dst[k] = src[k] }
            return
        }
        var unitMean = [Double](repeating: 0, count: n)
        var timeMean = [Double](repeating: 0, count: t)
        var grand = 0.0
        unitMean.withUnsafeMutableBufferPointer { um in
            timeMean.withUnsafeMutableBufferPointer { tm in
                for p in 0..<t {
                    var s = 0.0
                    for i in 0..<n {
                        let v = src[p * n + i]
                        um[i] += v
                        s += v
                    }
                    tm[p] = s / Double(n)
                    grand += s
                }
                for i in 0..<n { um[i] /= Double(t) }
                grand /= Double(len)
                // One loop per kind of effects (the switch hoisted out of the element loop; the
                // same arithmetic per element).
                switch effects {
                case .individual:
                    for p in 0..<t { for i in 0..<n { dst[p * n + i] = src[p * n + i] - um[i] } }
                case .time:
                    for p in 0..<t { let m = tm[p]; for i in 0..<n { dst[p * n + i] = src[p * n + i] - m } }
                case .twoWays:
                    for p in 0..<t { let m = tm[p]; for i in 0..<n { dst[p * n + i] = src[p * n + i] - um[i] - m + grand } }
                case .none:
                    for k in 0..<len { dst[k] = src[k] }
                }
            }
        }
    }
}

/// The effective sample size n* and Jacobian of the (transformed) likelihood,
/// MODEL.md §4 table: ln L_c = −(n*/2) ln(e'e/n*) + c·[Σ ln(1 − ρω) − u·ln(1 − ρ)].
struct LikelihoodShape: Sendable {
    let nStar: Double
    /// c: T for the direct approach, T − 1 for Lee–Yu with individual or two-way effects.
    let periods: Double
    /// u: 1 when Lee–Yu removes the time dimension (time or two-way effects),
    /// whose transformation drops the unit eigenvalue of a row-standardised W.
    let dropsUnitRoot: Double

    /// The direct likelihood of an unbalanced panel: n* = number of observed city-years and
    /// the Jacobian Σ_t ln|I − ρW_t| carried whole by its log-determinant source (c = 1, u = 0).
    init(observations: Int) {
        nStar = Double(observations); periods = 1; dropsUnitRoot = 0
    }

    init(effects: FixedEffects, approach: SpatialApproach, n: Int, t: Int) {
        let nd = Double(n), td = Double(t)
        switch (approach, effects) {
        case (.direct, _), (.leeYu, .none):
            nStar = nd * td; periods = td; dropsUnitRoot = 0
        case (.leeYu, .individual):
            nStar = nd * (td - 1); periods = td - 1; dropsUnitRoot = 0
        case (.leeYu, .time):
            nStar = (nd - 1) * td; periods = td; dropsUnitRoot = 1
        case (.leeYu, .twoWays):
            nStar = (nd - 1) * (td - 1); periods = td - 1; dropsUnitRoot = 1
        }
    }

    /// A shape given directly (the dynamic SDM, whose time effects are removed by the
    /// Lee–Yu transformation and individual effects by the within transformation).
    init(nStar: Double, periods: Double, dropsUnitRoot: Double) {
        self.nStar = nStar
        self.periods = periods
        self.dropsUnitRoot = dropsUnitRoot
    }

    /// J(ρ) = c·[Σ ln(1 − ρω) − u·ln(1 − ρ)].
    func jacobian(_ rho: Double, spectrum: any LogDeterminantSource) -> Double {
        jacobian(rho, logDeterminant: spectrum.logDeterminant(rho: rho))
    }

    /// J(ρ) from a given value of Σ ln(1 − ρω).
    func jacobian(_ rho: Double, logDeterminant: Double) -> Double {
        periods * (logDeterminant - dropsUnitRoot * log(1 - rho))
    }

    /// −dJ/dρ·(1/c) = tr(G) − u/(1 − ρ): the effective trace of G.
    func traceG(_ rho: Double, spectrum: any LogDeterminantSource) -> Double {
        spectrum.traceG(rho: rho) - dropsUnitRoot / (1 - rho)
    }

    /// Effective tr(G²).
    func traceG2(_ rho: Double, spectrum: any LogDeterminantSource) -> Double {
        spectrum.traceG2(rho: rho) - dropsUnitRoot / ((1 - rho) * (1 - rho))
    }

}
