import Foundation
import Numerics

/// The large-N weight builders (issue 16): when the scenario's log-determinant resolves to a
/// sparse method, C goes straight to compressed rows — neighbours from `SpatialGrid`, never an
/// N × N distance or connectivity matrix. Entries equal the dense builder's bit for bit
/// (same distances, same formulas, rows summed in the same column order).
extension WeightBuilder {
    /// True when W is held sparse: `logdet` is not `exact` and does not resolve to it
    /// (`auto` keeps the spectrum up to `SpatialWeights.exactSizeLimit` units). The same gate
    /// switches the generator's diffusion kernel and city-effect field to their sparse forms.
    public static func holdsSparse(_ method: LogDeterminantMethod, count: Int) -> Bool {
        switch method {
        case .exact: return false
        case .auto: return count > SpatialWeights.exactSizeLimit
        case .sparse, .chebyshev, .mc: return true
        }
    }

    static func buildSparse(_ spec: WeightSpec, geography g: Geography, lnSize: [Double], meanD: [Double]?,
                            logDeterminant: LogDeterminantMethod, source: String) throws -> (weights: SpatialWeights, report: WeightReport) {
        let c = try sparseConnectivity(spec, geography: g, lnSize: lnSize, meanD: meanD, source: source)
        let n = g.count
        let nb = (0..<n).map { c.rowStart[$0 + 1] - c.rowStart[$0] }
        if let i = nb.firstIndex(of: 0) { throw island(spec, city: g.ids[i], source: source) }
        let ct = c.transposed()
        let symC = isSymmetric(c, ct)
        let w: SparseMatrix
        switch spec.normalise {
        case .row: w = c.rowStandardised()
        case .none: w = c
        case .spectral:
            throw ScenarioError(source: source, path: "\(spec.path).normalise",
                                reason: "spectral normalisation needs the eigenvalues of C, a dense O(N³) step, but this W is held sparse (\(n) cities, logdet resolves to a sparse method)",
                                fix: "use normalise: row or none, or logdet: exact")
        }
        let sw: SpatialWeights
        do { sw = try SpatialWeights(sparse: w, logDeterminant: logDeterminant) } catch {
            throw ScenarioError(source: source, path: spec.path, reason: "invalid weight matrix: \(error)")
        }
        let comps = components(c, ct)
        let componentsWarning = comps > 1 ? "\(spec.path) (\(spec.name)): the graph has \(comps) separate components; spillovers cannot cross between them" : nil
        var warnings = componentsWarning.map { [$0] } ?? []
        if !symC { warnings.append("\(spec.path) (\(spec.name)): C is asymmetric, so W may have complex eigenvalues") }
        let report = WeightReport(name: spec.name, kind: spec.kind.rawValue, normalise: spec.normalise.rawValue,
                                  symmetric: isSymmetric(w, w.transposed()), connectivitySymmetric: symC, components: comps,
                                  minNeighbours: nb.min()!, meanNeighbours: Double(nb.reduce(0, +)) / Double(n),
                                  maxNeighbours: nb.max()!, omegaMin: sw.spectrum?.minimum ?? 1 / sw.stableInterval.lower,
                                  omegaMax: sw.spectrum?.maximum ?? 1 / sw.stableInterval.upper, warnings: warnings,
                                  componentsWarning: componentsWarning)
        return (sw, report)
    }

    /// C in compressed rows; the kinds that connect (almost) every pair are refused.
    static func sparseConnectivity(_ spec: WeightSpec, geography g: Geography, lnSize: [Double], meanD: [Double]?,
                                   source: String) throws -> SparseMatrix {
        let n = g.count
        var t: [(row: Int, col: Int, value: Double)] = []
        func denseKind(_ why: String, _ fix: String) -> ScenarioError {
            ScenarioError(source: source, path: spec.path,
                          reason: "\(why), so this W cannot be held sparse (\(n) cities, logdet resolves to a sparse method)", fix: fix)
        }
        switch spec.kind {
        case .exponential, .inverseDistance:
            guard let cut = spec.cutoffKm else {
                throw denseKind("without cutoff_km every pair of cities is connected",
                                "set cutoff_km (a few decay lengths), or logdet: exact for up to 2,000 cities")
            }
            if spec.kind == .exponential && spec.kappaD != 0 && meanD == nil {
                throw ScenarioError(source: source, path: spec.path, reason: "internal: kappa_d ≠ 0 needs the digital index")
            }
            let grid = SpatialGrid(g, cell: cut)
            for i in 0..<n {
                for (j, dij) in grid.within(i, radius: cut) {
                    if spec.kind == .exponential {
                        let flat = spec.kappaD == 0 ? 1 : 1 + spec.kappaD * 0.5 * (meanD![i] + meanD![j])
                        t.append((i, j, exp(-dij / (spec.decayKm * flat))))
                    } else {
                        guard dij > 0 else {
                            throw ScenarioError(source: source, path: spec.path, reason: "cities \(g.ids[i]) and \(g.ids[j]) coincide (distance 0)",
                                                fix: "inverse distance is undefined for them; use another kind of W")
                        }
                        t.append((i, j, pow(dij, -spec.alpha)))
                    }
                }
            }
        case .knn:
            guard spec.k < n else {
                throw ScenarioError(source: source, path: "\(spec.path).k", reason: "k = \(spec.k) but there are only \(n) cities", fix: "use k < \(n)")
            }
            let grid = SpatialGrid(g, cell: SpatialGrid.cellSide(g, perCell: Double(spec.k + 1)))
            for i in 0..<n {
                for j in grid.nearest(i, k: spec.k) {
                    t.append((i, j, 1))
                    if spec.symmetrise { t.append((j, i, 1)) }
                }
            }
            // Binary: a pair found from both ends counts once.
            return try SparseMatrix(rows: n, cols: n, triplets: t).pattern()
        case .band:
            let grid = SpatialGrid(g, cell: spec.bandKm)
            for i in 0..<n { for (j, _) in grid.within(i, radius: spec.bandKm) { t.append((i, j, 1)) } }
        case .delaunay:
            let p = g.planar
            for (i, j) in Delaunay.edges(x: p.x, y: p.y) { t.append((i, j, 1)); t.append((j, i, 1)) }
            return try SparseMatrix(rows: n, cols: n, triplets: t).pattern()
        case .block:
            var members: [Int: [Int]] = [:]
            for i in 0..<n { members[g.region[i], default: []].append(i) }
            for i in 0..<n { for j in members[g.region[i]]! where j != i { t.append((i, j, 1)) } }
        case .economic:
            throw denseKind("economic distance 1/|GDP_i − GDP_j| connects every pair",
                            "use a geographic kind (knn, band, delaunay, or exponential with cutoff_km), or logdet: exact")
        }
        return try SparseMatrix(rows: n, cols: n, triplets: t)
    }

    /// A equals Aᵀ entry by entry to 1e-12 (the dense builders' test).
    static func isSymmetric(_ a: SparseMatrix, _ at: SparseMatrix) -> Bool {
        guard a.rowStart == at.rowStart, a.columns == at.columns else {
            // Patterns differ: symmetric only if the unmatched entries are (numerically) zero — never stored.
            return false
        }
        return zip(a.values, at.values).allSatisfy { abs($0 - $1) <= 1e-12 }
    }

    /// Connected components of the graph of C ∪ Cᵀ.
    static func components(_ c: SparseMatrix, _ ct: SparseMatrix) -> Int {
        let n = c.rows
        var label = [Int](repeating: -1, count: n)
        var k = 0
        for s in 0..<n where label[s] < 0 {
            label[s] = k
            var queue = [s]
            while let i = queue.popLast() {
                for m in [c, ct] {
                    for p in m.rowStart[i]..<m.rowStart[i + 1] where label[m.columns[p]] < 0 {
                        label[m.columns[p]] = k; queue.append(m.columns[p])
                    }
                }
            }
            k += 1
        }
        return k
    }
}
