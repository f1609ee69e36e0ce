import Foundation
import Numerics

/// What the builder found out about a weight matrix, for the user and the estimators.
public struct WeightReport: Sendable, Codable {
    public let name: String
    public let kind: String
    public let normalise: String
    /// W itself is symmetric (row-standardised W rarely is, even when C is).
    public let symmetric: Bool
    /// The unnormalised connectivity C is symmetric (then W has a real spectrum).
    public let connectivitySymmetric: Bool
    /// Connected components of the graph of C ∪ Cᵀ; more than one means separate sub-systems.
    public let components: Int
    public let minNeighbours: Int
    public let meanNeighbours: Double
    public let maxNeighbours: Int
    public let omegaMin: Double
    public let omegaMax: Double
    /// Human-readable warnings (asymmetry, disconnected graph).
    public let warnings: [String]
    /// The disconnected-graph warning among `warnings`, nil when the graph is connected: it
    /// matters only where something reads this W (`ScenarioValidation`'s `weightsInUse`).
    public let componentsWarning: String?
}

/// Builds spatial weight matrices (MODEL.md §2.5) from a geography.
public enum WeightBuilder {
    /// - Parameters:
    ///   - lnSize: ln L_i, the GDP proxy for economic distance.
    ///   - meanD: each city's mean digital index, needed only when `kappa_d` ≠ 0.
    ///   - logDeterminant: the scenario's `logdet` (the spectrum, or W held sparse).
    public static func build(_ spec: WeightSpec, geography g: Geography, lnSize: [Double], meanD: [Double]? = nil,
                              logDeterminant: LogDeterminantMethod = .auto,
                              source: String) throws -> (weights: SpatialWeights, report: WeightReport) {
        let built = try build(spec, geography: g, lnSize: lnSize, meanD: meanD, logDeterminant: logDeterminant, source: source,
                              deferringSpectrum: false)
        return (built.weights, try built.report())
    }

    /// `build`, with every check run now and, when `deferringSpectrum` (a dense W only), the spectrum left
    /// to its first use: `report()` computes it (as does `SpatialWeights.resolveSpectrum`, through
    /// `resolve`), throwing the error `build` would have thrown, and gives the report `build` gives.
    static func build(_ spec: WeightSpec, geography g: Geography, lnSize: [Double], meanD: [Double]? = nil,
                      logDeterminant: LogDeterminantMethod, source: String,
                      deferringSpectrum: Bool) throws -> (weights: SpatialWeights, report: @Sendable () throws -> WeightReport) {
        if holdsSparse(logDeterminant, count: g.count) {
            let built = try buildSparse(spec, geography: g, lnSize: lnSize, meanD: meanD, logDeterminant: logDeterminant, source: source)
            return (built.weights, { built.report })
        }
        let c = try connectivity(spec, geography: g, lnSize: lnSize, meanD: meanD, source: source)
        let n = g.count
        var nb = [Int](repeating: 0, count: n)
        for j in 0..<n { for i in 0..<n where c[i, j] != 0 { nb[i] += 1 } }
        if let i = nb.firstIndex(of: 0) { throw island(spec, city: g.ids[i], source: source) }
        let symC = c.isSymmetric(tolerance: 1e-12)
        var w = c
        switch spec.normalise {
        case .row:
            let s = c.rowSums()
            for j in 0..<n { for i in 0..<n { w[i, j] /= s[i] } }
        case .spectral:
            let radius: Double
            if symC {
                let e = try SymmetricEigen(c, computeVectors: false)
                radius = e.values.map(abs).max() ?? 1
            } else {
                let e = try GeneralEigenvalues(c)
                radius = zip(e.real, e.imaginary).map { ($0 * $0 + $1 * $1).squareRoot() }.max() ?? 1
            }
            w = (1 / radius) * c
        case .none:
            break
        }
        let sw: SpatialWeights
        do { sw = try SpatialWeights(w, logDeterminant: logDeterminant, deferringSpectrum: deferringSpectrum) } catch {
            throw invalid(spec, error, source: source)
        }
        let comps = components(c)
        let componentsWarning = comps > 1 ? "\(spec.path) (\(spec.name)): the graph has \(comps) separate components; spillovers cannot cross between them" : nil
        var warnings = componentsWarning.map { [$0] } ?? []
        if !symC { warnings.append("\(spec.path) (\(spec.name)): C is asymmetric, so W may have complex eigenvalues (LU path, slower)") }
        let symmetric = w.isSymmetric(tolerance: 1e-12), known = warnings
        let (fewest, mean, most) = (nb.min()!, Double(nb.reduce(0, +)) / Double(n), nb.max()!)
        let report = { @Sendable () throws -> WeightReport in
            try resolve(sw, spec, source: source)
            var all = known
            if let sp = sw.spectrum, !sp.isReal { all.append("\(spec.path) (\(spec.name)): W has complex eigenvalues; the ρ interval uses the real parts") }
            return WeightReport(name: spec.name, kind: spec.kind.rawValue, normalise: spec.normalise.rawValue,
                                symmetric: symmetric, connectivitySymmetric: symC, components: comps,
                                minNeighbours: fewest, meanNeighbours: mean,
                                maxNeighbours: most, omegaMin: sw.spectrum?.minimum ?? 1 / sw.stableInterval.lower,
                                omegaMax: sw.spectrum?.maximum ?? 1 / sw.stableInterval.upper,
                                warnings: all, componentsWarning: componentsWarning)
        }
        return (sw, report)
    }

    /// Computes the deferred spectrum of `w` built from `spec`, with the error `build` gives for it.
    static func resolve(_ w: SpatialWeights, _ spec: WeightSpec, source: String) throws {
        do { try w.resolveSpectrum() } catch { throw invalid(spec, error, source: source) }
    }

    static func invalid(_ spec: WeightSpec, _ error: Error, source: String) -> ScenarioError {
        ScenarioError(source: source, path: spec.path, reason: "invalid weight matrix: \(error)")
    }

    static func island(_ spec: WeightSpec, city: String, source: String) -> ScenarioError {
        let fix: String
        switch spec.kind {
        case .exponential, .inverseDistance: fix = "raise cutoff_km (or remove it)"
        case .band: fix = "raise band_km"
        case .knn: fix = "raise k"
        case .block: fix = "use a coarser region_grid"
        default: fix = "choose another kind of W"
        }
        return ScenarioError(source: source, path: spec.path,
                             reason: "city \(city) has no neighbours (an island: its row of W is all zeros)", fix: fix)
    }

    /// True when the W depends on the data (flattened by D) and must be rebuilt per replication.
    public static func dependsOnData(_ spec: WeightSpec) -> Bool { spec.kind == .exponential && spec.kappaD != 0 }

    /// The unnormalised connectivity matrix C (zero diagonal).
    static func connectivity(_ spec: WeightSpec, geography g: Geography, lnSize: [Double], meanD: [Double]?,
                             source: String) throws -> Matrix {
        let n = g.count, d = g.distances
        var c = Matrix(rows: n, cols: n)
        switch spec.kind {
        case .exponential:
            if spec.kappaD != 0 && meanD == nil {
                throw ScenarioError(source: source, path: spec.path, reason: "internal: kappa_d ≠ 0 needs the digital index")
            }
            for j in 0..<n {
                for i in 0..<n where i != j {
                    let dij = d[i, j]
                    if let cut = spec.cutoffKm, dij > cut { continue }
                    let flat = spec.kappaD == 0 ? 1 : 1 + spec.kappaD * 0.5 * (meanD![i] + meanD![j])
                    c[i, j] = exp(-dij / (spec.decayKm * flat))
                }
            }
        case .inverseDistance:
            for j in 0..<n {
                for i in 0..<n where i != j {
                    let dij = d[i, j]
                    if let cut = spec.cutoffKm, dij > cut { continue }
                    guard dij > 0 else {
                        throw ScenarioError(source: source, path: spec.path, reason: "cities \(g.ids[i]) and \(g.ids[j]) coincide (distance 0)",
                                            fix: "inverse distance is undefined for them; use another kind of W")
                    }
                    c[i, j] = pow(dij, -spec.alpha)
                }
            }
        case .knn:
            guard spec.k < n else {
                throw ScenarioError(source: source, path: "\(spec.path).k", reason: "k = \(spec.k) but there are only \(n) cities", fix: "use k < \(n)")
            }
            // The k nearest by (distance, index) — a strict total order, so its k smallest are one set, the
            // prefix a full sort would give — kept in a sorted buffer of k: O(N·k) per city, not O(N log N).
            var nearest: [(d: Double, j: Int)] = []
            nearest.reserveCapacity(spec.k + 1)
            for i in 0..<n {
                nearest.removeAll(keepingCapacity: true)
                for j in 0..<n where j != i {
                    let dij = d[i, j]
                    if nearest.count == spec.k, let last = nearest.last, !(dij < last.d) { continue }
                    var at = nearest.count
                    while at > 0 && dij < nearest[at - 1].d { at -= 1 }
                    nearest.insert((dij, j), at: at)
                    if nearest.count > spec.k { nearest.removeLast() }
                }
                for (_, j) in nearest { c[i, j] = 1 }
            }
            if spec.symmetrise {
                for j in 0..<n { for i in 0..<j where c[i, j] != 0 || c[j, i] != 0 { c[i, j] = 1; c[j, i] = 1 } }
            }
        case .band:
            for j in 0..<n { for i in 0..<n where i != j && d[i, j] <= spec.bandKm { c[i, j] = 1 } }
        case .delaunay:
            let p = g.planar
            for (i, j) in Delaunay.edges(x: p.x, y: p.y) { c[i, j] = 1; c[j, i] = 1 }
        case .economic:
            let gdp = lnSize.map { exp($0) }
            for j in 0..<n {
                for i in 0..<n where i != j {
                    let diff = abs(gdp[i] - gdp[j])
                    guard diff > 0 else {
                        throw ScenarioError(source: source, path: spec.path, reason: "cities \(g.ids[i]) and \(g.ids[j]) have equal size, so 1/|GDP_i − GDP_j| is infinite",
                                            fix: "use another kind of W")
                    }
                    c[i, j] = 1 / diff
                }
            }
        case .block:
            for j in 0..<n { for i in 0..<n where i != j && g.region[i] == g.region[j] { c[i, j] = 1 } }
        }
        return c
    }

    /// Number of connected components of the undirected graph of C ∪ Cᵀ: the breadth-first
    /// search of the compressed-row builder on C's nonzeros.
    public static func components(_ c: Matrix) -> Int {
        guard let s = SparseMatrix(dense: c) else { return 0 }   // never nil at the default density bound
        return components(s, s.transposed())
    }
}
