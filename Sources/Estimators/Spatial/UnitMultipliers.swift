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
/// The sums run over k in order for every j (`WeightSpectrum.unitMultipliers(rho:)`: four units at a
/// time with their eight sums in registers, s_k kept with the spectrum): about 8N² multiply–adds.
struct UnitMultipliers {
    var diagA: [Double], diagG: [Double], colA: [Double], colG: [Double]
    var dDiagA: [Double], dDiagG: [Double], dColA: [Double], dColG: [Double]
    /// The eight side by side, N each, in the order diagA, diagG, dDiagA, dDiagG, colA, colG, dColA, dColG
    /// (`WeightSpectrum.unitMultipliers(rho:)`'s layout), for the AMEs' eight sums in one pass.
    let all: [Double]

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
        guard spectrum.symmetricForm != nil, let u = weights.unitMultipliers(rho: rho) else {
            throw EstimationError("\(purpose) need a W similar to a symmetric matrix (e.g. a row-standardised symmetric W); this W is not")
        }
        let n = weights.count
        all = u
        func part(_ q: Int) -> [Double] { Array(u[(q * n)..<((q + 1) * n)]) }
        (diagA, diagG, dDiagA, dDiagG) = (part(0), part(1), part(2), part(3))
        (colA, colG, dColA, dColG) = (part(4), part(5), part(6), part(7))
    }
}
