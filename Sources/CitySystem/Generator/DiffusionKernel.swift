import Foundation
import Numerics

/// The digital-diffusion kernel v_ij ∝ exp(−d_ij / decay), row-standardised (MODEL.md §2.4).
///
/// * `dense` — every pair (N ≤ 2,000 with the exact log-determinant: today's DGP, bit for bit).
/// * `truncated` — when W is held sparse (`WeightBuilder.holdsSparse`): pairs farther than
///   d_c = decay · ln(1/τ), where the unnormalised weight falls below τ (`digital.kernel_tolerance`), are
///   dropped and each row is re-standardised over the pairs kept; stored in compressed rows.
///   Row i then differs from the untruncated row by ‖v_i − ṽ_i‖₁ = 2 m_i / s_i, m_i the dropped
///   mass, s_i the full row sum; `rowErrorBound` bounds it by 2 m̄_i / (s̃_i + m̄_i) with s̃_i the
///   kept sum and m̄_i ≥ m_i summed over grid cells beyond the kept pairs (docs/large-n.md).
public enum DiffusionKernel: Sendable {
    case dense(Matrix)
    case truncated(SparseMatrix)

    static func cutoffKm(decayKm: Double, tolerance: Double) -> Double { decayKm * log(1 / tolerance) }

    var nonzeroCount: Int {
        switch self {
        case .dense(let v): return v.rows * v.cols
        case .truncated(let v): return v.nonzeroCount
        }
    }

    public func multiply(_ x: [Double]) -> [Double] {
        switch self {
        case .dense(let v): return v.multiply(x)
        case .truncated(let v): return v.multiply(x)
        }
    }

    /// `multiply` into `y` (length N): the same product, without allocating it per year (the dense
    /// kernel's is the same dgemv).
    func multiply(_ x: [Double], into y: inout [Double]) {
        switch self {
        case .dense(let v): v.multiply(x, into: &y)
        case .truncated(let v): y = v.multiply(x)
        }
    }

    /// `multiply(x0, into: &y0)` and `multiply(x1, into: &y1)`, bit for bit; the dense kernel read once for
    /// both (`Matrix.multiply(_:_:into:_:)`).
    func multiply(_ x0: [Double], _ x1: [Double], into y0: inout [Double], _ y1: inout [Double]) {
        switch self {
        case .dense(let v): v.multiply(x0, x1, into: &y0, &y1)
        case .truncated(let v): y0 = v.multiply(x0); y1 = v.multiply(x1)
        }
    }

    /// The truncated kernel and the max and median over cities of the bound on ‖v_i − ṽ_i‖₁.
    static func truncated(_ g: Geography, decayKm: Double, tolerance: Double) throws
        -> (kernel: DiffusionKernel, rowErrorBound: Double, medianRowErrorBound: Double) {
        let n = g.count, cut = cutoffKm(decayKm: decayKm, tolerance: tolerance)
        let grid = SpatialGrid(g, cell: cut / 8)
        var start = [0], cols: [Int] = [], vals: [Double] = []
        var bounds: [Double] = []
        for i in 0..<n {
            var kept = grid.within(i, radius: cut)   // ascending j
            // A city with no other within d_c keeps its nearest one, so every row still sums to 1.
            if kept.isEmpty, let j = grid.nearest(i, k: 1).first { kept = [(j, g.distance(i, j))] }
            let a = kept.map { exp(-$0.distance / decayKm) }
            let sum = a.reduce(0, +)
            // Divided (as the dense kernel is), row by row: no triplet or unnormalised copy.
            for (k, (j, _)) in kept.enumerated() { cols.append(j); vals.append(a[k] / sum) }
            start.append(cols.count)
            // Every dropped pair has weight < τ and ≤ exp(−(distance to its cell) / decay).
            let tail = grid.sumOverCells(i, beyond: cut) { min(tolerance, exp(-$0 / decayKm)) }
            bounds.append(2 * tail / (sum + tail))
        }
        let sorted = bounds.sorted()
        return (.truncated(try SparseMatrix(rows: n, cols: n, rowStart: start, columns: cols, values: vals)),
                sorted.last!, sorted[n / 2])
    }
}
