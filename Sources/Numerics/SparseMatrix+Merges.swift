import Foundation

extension SparseMatrix {
    /// The form of W whose weights a merge adds up: R W with r_i w_ij = r_j w_ji when W has a
    /// symmetric form (for a row-standardised symmetric connectivity C = D⁻¹C, R W ∝ C: the
    /// merged city's links are its parts' links, not the average of their standardised rows;
    /// a symmetric W is its own form up to scale), W as given otherwise. Keeping the symmetric form
    /// keeps the merged geography's W similar to a symmetric matrix (its spectrum real, the sparse
    /// log-determinant and the bias correction available). Row scale is irrelevant afterwards:
    /// W_t is re-standardised.
    public func symmetricFormForMerging() -> SparseMatrix {
        guard let r = SpatialWeights.similarityScaling(self) else { return self }
        return scaled(left: r, right: [Double](repeating: 1, count: cols))
    }

    /// W followed by one merged unit per group of merging units (issue 24, docs/unbalanced.md
    /// "Merges"): with P the 0/1 matrix mapping each part to its merged unit, the merged units'
    /// rows and columns are those of P W Pᵀ — a merged unit's weight to j is the sum of its parts'
    /// weights to j, j's weight to it the sum of j's weights to its parts — and the links among
    /// one group's parts are dropped (they become internal). The original block is W unchanged;
    /// a merged unit has no link to its own parts (they never coexist).
    ///
    /// - Parameter groups: the parts (indices into W) of each merged unit; a unit in one group at most.
    public func appendingMergedUnits(_ groups: [[Int]]) throws -> SparseMatrix {
        let n = rows
        guard rows == cols else { throw NumericsError("merged units need a square W, got \(rows)×\(cols)") }
        var group = [Int?](repeating: nil, count: n)
        for (g, parts) in groups.enumerated() {
            for p in parts {
                guard p >= 0, p < n else { throw NumericsError("merging unit \(p + 1) lies outside W's \(n) units") }
                guard group[p] == nil else { throw NumericsError("unit \(p + 1) is a part of two merges") }
                group[p] = g
            }
        }
        var t: [(row: Int, col: Int, value: Double)] = []
        t.reserveCapacity(4 * nonzeroCount)
        for i in 0..<n {
            for k in rowStart[i]..<rowStart[i + 1] {
                let j = columns[k], v = values[k]
                t.append((i, j, v))
                let gi = group[i], gj = group[j]
                if gi != nil && gi == gj { continue }     // a link inside one merge disappears with it
                if let gi { t.append((n + gi, j, v)) }
                if let gj { t.append((i, n + gj, v)) }
                if let gi, let gj { t.append((n + gi, n + gj, v)) }
            }
        }
        return try SparseMatrix(rows: n + groups.count, cols: n + groups.count, triplets: t)
    }
}
