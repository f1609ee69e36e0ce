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
    /// at a time with their sums in registers, eight with AVX-512F; the generic, AVX2 and AVX-512 builds give the same bits).
    ///
    /// `packed`: V in `PackedOperand`'s layout (the copy G(ρ)·v's product reads, `SpatialWeights.unitMultipliers`),
    /// read instead of V by the 512-bit kernel where it runs — the same sums in the same order, so the same bits.
    public func unitMultipliers(rho: Double, kernel: SparseRowKernel = .best) -> [Double]? {
        unitMultipliers(rho: rho, kernel: kernel, packed: nil)
    }

    func unitMultipliers(rho: Double, kernel: SparseRowKernel = .best, packed: PackedOperand?) -> [Double]? {
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
                            case .avx2 where WideKernels.available && packed?.rows == n && packed?.cols == n:
                                // V as G(ρ)·v's product packed it (in cache after that product, read in order).
                                packed!.packed.withUnsafeBufferPointer { pv in
                                    spillsim_unit_multipliers_packed512(pv.baseAddress!, n, sqrtR.baseAddress!, s.baseAddress!,
                                                                        g.baseAddress!, out.baseAddress!)
                                }
                            case .avx2 where WideKernels.available:
                                // Eight units to a vector instead of four: the same sums, so the same bits.
                                spillsim_unit_multipliers_avx512(v.baseAddress!, n, sqrtR.baseAddress!, s.baseAddress!, g.baseAddress!,
                                                                 out.baseAddress!)
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
