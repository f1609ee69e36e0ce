import Foundation
import Numerics

/// Per-unit diagonals and column sums of A = (I − ρW)⁻¹ and G = WA = AW, with their
/// derivatives in ρ, from W's symmetric form W = R^{-1/2} V Λ Vᵀ R^{1/2} in O(N²):
///
///     A_jj = Σ_k V_jk² a_k,   G_jj = Σ_k V_jk² λ_k a_k,   a_k = 1/(1 − ρλ_k)
///     (1ᵀA)_j = r_j^{1/2} Σ_k V_jk s_k a_k,  (1ᵀG)_j likewise with λ_k a_k,  s_k = Σ_i r_i^{-1/2} V_ik
///
/// and d a_k/dρ = λ_k a_k², d(λ_k a_k)/dρ = λ_k² a_k². Used by the average marginal
/// effects (LeSage & Pace 2009 §2.7) and the cluster-robust scores of ρ.
///
/// The sums run over k in order for every j, with the columns of V read contiguously and the
/// eight accumulators in flat buffers (no per-element array bounds or copy checks): about 8N²
/// multiply–adds, a tenth of a millisecond at N = 280.
struct UnitMultipliers {
    var diagA: [Double], diagG: [Double], colA: [Double], colG: [Double]
    var dDiagA: [Double], dDiagG: [Double], dColA: [Double], dColG: [Double]

    /// The multipliers at ρ, taken from `shared` when an estimator of the same replication and W
    /// already formed them at the same ρ (sdm's AMEs, sdm_cluster's sandwich and AMEs share ρ̂):
    /// the same bits, computed once.
    static func at(_ rho: Double, weights: SpatialWeights, purpose: String,
                   shared: (fits: SharedSpatialFits, weightsName: String)?) throws -> UnitMultipliers {
        guard let shared else { return try UnitMultipliers(weights: weights, rho: rho, purpose: purpose) }
        let key = SharedSpatialFits.RhoKey(weights: shared.weightsName, rhoBits: rho.bitPattern)
        if let hit = shared.fits.multipliers[key] { return hit }
        let m = try UnitMultipliers(weights: weights, rho: rho, purpose: purpose)
        shared.fits.multipliers[key] = m
        return m
    }

    init(weights: SpatialWeights, rho: Double, purpose: String) throws {
        guard let spectrum = weights.spectrum else {
            throw EstimationError("\(purpose) need the spectrum of W, and this W is held sparse (log-determinant \(weights.logDeterminant.method.rawValue)); use the exact log-determinant")
        }
        guard let f = spectrum.symmetricForm else {
            throw EstimationError("\(purpose) need a W similar to a symmetric matrix (e.g. a row-standardised symmetric W); this W is not")
        }
        let n = weights.count
        let lambda = spectrum.real
        var u = [Double](repeating: 0, count: 8 * n)
        f.vectors.data.withUnsafeBufferPointer { v in
            f.sqrtR.withUnsafeBufferPointer { sqrtR in
                f.invSqrtR.withUnsafeBufferPointer { invSqrtR in
                    u.withUnsafeMutableBufferPointer { out in
                        for k in 0..<n {
                            let column = v.baseAddress! + k * n
                            var s = 0.0
                            for i in 0..<n { s += invSqrtR[i] * column[i] }
                            let l = lambda[k], a = 1 / (1 - rho * l)
                            let g0 = a, g1 = l * a, g2 = l * a * a, g3 = l * l * a * a
                            let o = out.baseAddress!
                            // Four units per step in SIMD lanes: each lane does the scalar loop's
                            // multiplications and additions in the same order (the same bits); the
                            // compiler did not vectorise the eight interleaved accumulators itself.
                            var j = 0
                            while j + 4 <= n {
                                let vj = Self.load(column + j), diag = vj * vj, col = Self.load(sqrtR.baseAddress! + j) * vj * s
                                Self.accumulate(o + j, diag * g0); Self.accumulate(o + n + j, diag * g1)
                                Self.accumulate(o + 2 * n + j, diag * g2); Self.accumulate(o + 3 * n + j, diag * g3)
                                Self.accumulate(o + 4 * n + j, col * g0); Self.accumulate(o + 5 * n + j, col * g1)
                                Self.accumulate(o + 6 * n + j, col * g2); Self.accumulate(o + 7 * n + j, col * g3)
                                j += 4
                            }
                            while j < n {
                                let vj = column[j], diag = vj * vj, col = sqrtR[j] * vj * s
                                o[j] += diag * g0; o[n + j] += diag * g1; o[2 * n + j] += diag * g2; o[3 * n + j] += diag * g3
                                o[4 * n + j] += col * g0; o[5 * n + j] += col * g1; o[6 * n + j] += col * g2; o[7 * n + j] += col * g3
                                j += 1
                            }
                        }
                    }
                }
            }
        }
        func part(_ q: Int) -> [Double] { Array(u[(q * n)..<((q + 1) * n)]) }
        (diagA, diagG, dDiagA, dDiagG) = (part(0), part(1), part(2), part(3))
        (colA, colG, dColA, dColG) = (part(4), part(5), part(6), part(7))
    }

    @inline(__always) private static func load(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
    }

    /// p[0..<4] += x, lane by lane.
    @inline(__always) private static func accumulate(_ p: UnsafeMutablePointer<Double>, _ x: SIMD4<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: load(UnsafePointer(p)) + x, as: SIMD4<Double>.self)
    }
}
