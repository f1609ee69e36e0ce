import CKernels
import Foundation

extension WeightSpectrum {
    /// The per-unit diagonals and column sums of A = (I − ρW)⁻¹ and G = WA with their derivatives in ρ,
    /// from W = R^{-1/2} V Λ Vᵀ R^{1/2} in O(N²), as 8N values: A_jj, G_jj, dA_jj/dρ, dG_jj/dρ, then
    /// (1ᵀA)_j, (1ᵀG)_j and their derivatives (Estimators' `UnitMultipliers` documents the sums).
    /// Nil when W has no symmetric form.
    ///
    /// With a_k = 1/(1 − ρλ_k) the eigenvalue weights are a_k, λ_k a_k, λ_k a_k² and λ_k² a_k² (formed as
    /// written, left to right); each sum runs over k in order in `spillsim_unit_multipliers` (four units
    /// at a time with their sums in registers; the generic and AVX2 builds give the same bits).
    public func unitMultipliers(rho: Double, kernel: SparseRowKernel = .best) -> [Double]? {
        guard let f = symmetricForm else { return nil }
        let n = real.count
        guard n > 0 else { return [] }
        let g = [Double](unsafeUninitializedCapacity: 4 * n) { g, written in
            for k in 0..<n {
                let l = real[k], a = 1 / (1 - rho * l)
                g[4 * k] = a
                g[4 * k + 1] = l * a
                g[4 * k + 2] = l * a * a
                g[4 * k + 3] = l * l * a * a
            }
            written = 4 * n
        }
        return [Double](unsafeUninitializedCapacity: 8 * n) { out, written in
            f.vectors.data.withUnsafeBufferPointer { v in
                f.sqrtR.withUnsafeBufferPointer { sqrtR in
                    f.serialOnesInvSqrtR.withUnsafeBufferPointer { s in
                        g.withUnsafeBufferPointer { g in
                            switch kernel {
                            case .avx2:
                                spillsim_unit_multipliers_avx2(v.baseAddress!, n, sqrtR.baseAddress!, s.baseAddress!, g.baseAddress!,
                                                               out.baseAddress!)
                            case .generic:
                                spillsim_unit_multipliers(v.baseAddress!, n, sqrtR.baseAddress!, s.baseAddress!, g.baseAddress!,
                                                          out.baseAddress!)
                            }
                        }
                    }
                }
            }
            written = 8 * n
        }
    }
}
