import Foundation
import Numerics

/// A synthetic SDM panel for benchmarks and large-N tests: N points uniform in the unit
/// square, symmetrised k-nearest-neighbour contiguity, row-standardised (so W is similar
/// to a symmetric matrix); X ~ N(0, 1) with unit and time effects; ρ = 0.3,
/// β = (1, −0.5, 0.3, 0.2), θ = (0.4, 0.2, 0, −0.1). W is built sparse (a grid search
/// for the neighbours) and y = (I − ρW)⁻¹(Xβ + WXθ + μ + α + ε) solved sparsely, so
/// building costs about O(N log N) time and O(N·k) memory at any N.
public struct SyntheticSDMPanel: Sendable {
    public let panel: SpatialPanel
    /// W in compressed rows (row-standardised symmetrised kNN).
    public let weights: SparseMatrix
    public let n: Int
    public let t: Int
    public static let rho = 0.3

    public init(n: Int, t: Int, neighbours k: Int = 6, seed: UInt64) throws {
        guard n > k, t >= 2 else { throw EstimationError("synthetic panel needs N > k and T ≥ 2 (got N = \(n), k = \(k), T = \(t))") }
        self.n = n
        self.t = t
        let rs = RandomStream(StreamID(seed: seed, cell: n, purpose: .sdmBenchmark))
        let xy = (0..<n).map { _ in (rs.uniform(), rs.uniform()) }
        var triplets: [(row: Int, col: Int, value: Double)] = []
        for (i, nb) in Self.nearestNeighbours(xy, k: k).enumerated() {
            for j in nb { triplets.append((i, j, 1)); triplets.append((j, i, 1)) }
        }
        // Duplicates (mutual neighbours) sum to 2; binary contiguity wants 1.
        weights = try SparseMatrix(rows: n, cols: n, triplets: triplets).pattern().rowStandardised()
        let w = try SpatialWeights(sparse: weights, logDeterminant: .sparse)
        let p = 4
        var x = Matrix(rows: n * t, cols: p)
        let mu = rs.normals(n), alpha = rs.normals(t)
        for j in 0..<p { for r in 0..<(n * t) { x[r, j] = rs.normal() + 0.5 * mu[r % n] + 0.3 * alpha[r / n] } }
        let beta = [1, -0.5, 0.3, 0.2], theta = [0.4, 0.2, 0, -0.1]
        let wx = w.applyPanel(x)
        var rhs = rs.normals(n * t)
        for r in 0..<(n * t) {
            rhs[r] += mu[r % n] + alpha[r / n]
            for j in 0..<p { rhs[r] += beta[j] * x[r, j] + theta[j] * wx[r, j] }
        }
        let y = try w.sparseSolve(rho: Self.rho, rhs)
        panel = try SpatialPanel(y: y, x: x, names: ["x1", "x2", "x3", "x4"], n: n, t: t)
    }

    /// The k nearest other points of each point (Euclidean), by a uniform grid of about two
    /// points a cell searched in growing rings until the ring is farther than the k-th hit.
    static func nearestNeighbours(_ xy: [(Double, Double)], k: Int) -> [[Int]] {
        let n = xy.count
        let g = max(1, Int((Double(n) / 2).squareRoot()))
        func cell(_ v: Double) -> Int { min(g - 1, max(0, Int(v * Double(g)))) }
        var buckets = [[Int]](repeating: [], count: g * g)
        for (i, p) in xy.enumerated() { buckets[cell(p.0) + g * cell(p.1)].append(i) }
        return (0..<n).map { i in
            let (px, py) = xy[i]
            let cx = cell(px), cy = cell(py)
            var best: [(d: Double, j: Int)] = []
            var ring = 0
            while true {
                for gy in (cy - ring)...(cy + ring) where gy >= 0 && gy < g {
                    for gx in (cx - ring)...(cx + ring) where gx >= 0 && gx < g {
                        guard max(abs(gx - cx), abs(gy - cy)) == ring else { continue }
                        for j in buckets[gx + g * gy] where j != i {
                            let dx = xy[j].0 - px, dy = xy[j].1 - py
                            best.append((dx * dx + dy * dy, j))
                        }
                    }
                }
                best.sort { $0.d < $1.d || ($0.d == $1.d && $0.j < $1.j) }
                if best.count > k { best.removeLast(best.count - k) }
                // Every point not yet seen lies at least `ring` cells away from this point's cell.
                let reach = Double(ring) / Double(g)
                if (best.count == k && best[k - 1].d <= reach * reach) || ring > g { break }
                ring += 1
            }
            return best.map(\.j)
        }
    }
}
