import Foundation
@testable import Numerics
import TestSupport
import XCTest

/// The per-unit multipliers of A = (I − ρW)⁻¹ and G = WA from W's spectrum
/// (`WeightSpectrum.unitMultipliers(rho:)`): the same bits as the plain loop over the eigenvalues that
/// formed them before (every kernel this CPU runs, sizes reaching the four-unit tail and the UM_BLOCK
/// (8) eigenvalue blocks), and the diagonals and column sums of the explicit inverse within rounding.
final class UnitMultipliersKernelTests: XCTestCase {
    /// A ring with chords and unequal weights, row-standardised: similar to a symmetric matrix, not symmetric.
    static func weights(_ n: Int) throws -> SpatialWeights {
        var c = Matrix(rows: n, cols: n)
        for i in 0..<n {
            for step in [1, 3, 7] where n > 2 * step {
                let j = (i + step) % n, value = 1 + 0.5 * sin(Double(i * step))
                c[i, j] = value; c[j, i] = value
            }
        }
        if n == 2 { c[0, 1] = 1; c[1, 0] = 1 }
        return try SpatialWeights.rowStandardised(c)
    }

    /// The loop `UnitMultipliers` ran before the kernel: eight arrays, eigenvalue by eigenvalue, each unit's
    /// term added in the order of k, s_k summed over i in order.
    static func reference(_ spectrum: WeightSpectrum, rho: Double) -> [Double] {
        let f = spectrum.symmetricForm!, n = spectrum.real.count
        var out = [Double](repeating: 0, count: 8 * n)
        for k in 0..<n {
            var s = 0.0
            for i in 0..<n { s += f.invSqrtR[i] * f.vectors.data[k * n + i] }
            let l = spectrum.real[k], a = 1 / (1 - rho * l)
            let g: [Double] = [a, l * a, l * a * a, l * l * a * a]
            for j in 0..<n {
                let v = f.vectors.data[k * n + j], diag = v * v, col = f.sqrtR[j] * v * s
                for q in 0..<4 {
                    out[q * n + j] += diag * g[q]
                    out[(4 + q) * n + j] += col * g[q]
                }
            }
        }
        return out
    }

    func testSameBitsAsTheEigenvalueLoopWithEveryKernel() throws {
        for n in [2, 3, 4, 5, 9, 64, 66, 131] {
            let spectrum = try XCTUnwrap(try Self.weights(n).spectrum)
            for rho in [-0.7, 0, 0.3, 0.95] {
                let want = Self.reference(spectrum, rho: rho).map(\.bitPattern)
                for kernel in SparseRowKernel.supported {
                    let got = try XCTUnwrap(spectrum.unitMultipliers(rho: rho, kernel: kernel))
                    XCTAssertEqual(got.map(\.bitPattern), want, "N = \(n), ρ = \(rho), \(kernel) kernel")
                }
            }
        }
    }

    func testDiagonalsAndColumnSumsOfTheExplicitInverse() throws {
        let n = 13
        let w = try Self.weights(n)
        for rho in [-0.5, 0.4, 0.9] {
            var a = Matrix.identity(n)
            for k in 0..<a.data.count { a.data[k] -= rho * w.matrix.data[k] }
            let inverse = try LUDecomposition(a).inverse(), g = w.matrix * inverse
            // dA/dρ = AWA = AG, dG/dρ = G².
            let da = inverse * g, dg = g * g
            let u = try XCTUnwrap(w.spectrum!.unitMultipliers(rho: rho))
            let ones = [Double](repeating: 1, count: n)
            let parts: [(String, [Double])] = [
                ("diag A", (0..<n).map { inverse[$0, $0] }), ("diag G", (0..<n).map { g[$0, $0] }),
                ("diag dA", (0..<n).map { da[$0, $0] }), ("diag dG", (0..<n).map { dg[$0, $0] }),
                ("1ᵀA", inverse.multiply(ones, transpose: true)), ("1ᵀG", g.multiply(ones, transpose: true)),
                ("1ᵀdA", da.multiply(ones, transpose: true)), ("1ᵀdG", dg.multiply(ones, transpose: true)),
            ]
            // 13 × 13 references and 13-term spectral sums; ‖A‖ ≤ 1/(1 − |ρ|) = 10 at ρ = 0.9, ‖dA‖ ≤ 100.
            for (q, (name, want)) in parts.enumerated() {
                assertClose(want, Array(u[(q * n)..<((q + 1) * n)]), tolerance: 1e-10, "\(name) at ρ = \(rho)")
            }
        }
    }
}
