import Foundation
import Numerics

/// The spatially correlated city effects u of the reduced sector model (MODEL.md §2.3).
///
/// * `cholesky` — u = L z with L the lower Cholesky factor of exp(−d_ij / range) (N ≤ 2,000
///   with the exact log-determinant: today's DGP, bit for bit; O(N³) once, O(N²) per draw).
/// * `convolution` — when W is held sparse (`WeightBuilder.holdsSparse`): a Gaussian process
///   convolution (Higdon 2002) on a square lattice of knots with spacing h = σ/2, σ = range/2:
///   u_i = Σ_k K_ik z_k / (Σ_k K_ik²)^{1/2}, K_ik = exp(−|x_i − κ_k|² / 2σ²) for |x_i − κ_k| ≤ 5σ,
///   z_k i.i.d. N(0, 1). Each u_i has variance 1 and corr(u_i, u_j) = exp(−d_ij² / range²) up to
///   the truncation error, ≤ 2e^{−12.5} + O(e^{−25}) ≈ 1e-5 (Cauchy–Schwarz on the dropped knots;
///   the lattice error is below 1e-16 at h = σ/2) — the test checks it: a squared-exponential
///   correlation with the same e-folding distance as exp(−d/range), smoother at short range.
///   Distances are planar (the equirectangular projection for lon/lat).
enum CityEffectField: Sendable {
    case cholesky(Matrix)
    case convolution(SparseMatrix)

    /// One draw of the field (one standard normal per city, or per knot).
    func draw(_ stream: RandomStream) -> [Double] {
        switch self {
        case .cholesky(let l): return l.multiply(stream.normals(l.rows))
        case .convolution(let k): return k.multiply(stream.normals(k.cols))
        }
    }

    /// Two draws in turn, `(draw(stream), draw(stream))` bit for bit: the normals in the same order,
    /// and the Cholesky factor read once for both products (`Matrix.multiply(_:_:into:_:)`).
    func drawPair(_ stream: RandomStream) -> (first: [Double], second: [Double]) {
        switch self {
        case .cholesky(let l):
            let z1 = stream.normals(l.rows), z2 = stream.normals(l.rows)
            var u1 = [Double](repeating: 0, count: l.rows), u2 = u1
            l.multiply(z1, z2, into: &u1, &u2)
            return (u1, u2)
        case .convolution:
            let first = draw(stream)
            return (first, draw(stream))
        }
    }

    /// Truncation radius of the kernel in units of σ (weights below e^{−12.5} ≈ 4e-6 dropped).
    static let kernelReach = 5.0

    static func convolution(_ g: Geography, rangeKm: Double) throws -> CityEffectField {
        let sigma = rangeKm / 2, h = sigma / 2, reach = kernelReach * sigma
        let p = g.planar
        let x0 = p.x.min()! - reach, y0 = p.y.min()! - reach
        let nx = Int(((p.x.max()! + reach - x0) / h).rounded(.up)) + 1
        let ny = Int(((p.y.max()! + reach - y0) / h).rounded(.up)) + 1
        var t: [(row: Int, col: Int, value: Double)] = []
        for i in 0..<g.count {
            let kx = max(0, Int(((p.x[i] - reach - x0) / h).rounded(.up)))...min(nx - 1, Int(((p.x[i] + reach - x0) / h).rounded(.down)))
            let ky = max(0, Int(((p.y[i] - reach - y0) / h).rounded(.up)))...min(ny - 1, Int(((p.y[i] + reach - y0) / h).rounded(.down)))
            var row: [(Int, Double)] = []
            var ss = 0.0
            for b in ky {
                for a in kx {
                    let dx = p.x[i] - (x0 + Double(a) * h), dy = p.y[i] - (y0 + Double(b) * h)
                    let d2 = dx * dx + dy * dy
                    guard d2 <= reach * reach else { continue }
                    let k = exp(-d2 / (2 * sigma * sigma))
                    row.append((b * nx + a, k)); ss += k * k
                }
            }
            let norm = ss.squareRoot()
            for (k, v) in row { t.append((i, k, v / norm)) }
        }
        return .convolution(try SparseMatrix(rows: g.count, cols: nx * ny, triplets: t))
    }
}
