import Foundation
import Numerics

/// The distribution of the wild bootstrap's cluster multipliers.
public enum WildWeights: String, Sendable, CaseIterable {
    /// ±1 with probability ½ each.
    case rademacher
    /// Webb (2023)'s six points ±√(1/2), ±1, ±√(3/2), each with probability 1/6; better with few clusters.
    case webb
}

public struct WildBootstrapResult: Sendable {
    public let coefficient: String
    public let estimate: Double
    /// The CR1 t statistic of the original fit.
    public let tStatistic: Double
    /// Symmetric p-value: share of bootstrap |t*| at least |t|.
    public let pValue: Double
    public let replications: Int
    public let weights: WildWeights
}

/// Wild cluster restricted (WCR) bootstrap of H₀: β_j = 0 (Cameron, Gelbach & Miller 2008;
/// MacKinnon & Webb 2018): the null is imposed by fitting the model without regressor j;
/// bootstrap samples y* = ŷ_R + v_g ê_R with one multiplier per cluster; each sample is
/// refitted and its CR1 t statistic compared with the original.
///
/// It works on the fixed-effect-projected data (as fwildclusterboot does after projecting out
/// fixed effects); for fixed effects nested in the clusters this is exact, otherwise it is
/// the usual approximation. Draws come from one `RandomStream`, so results are reproducible.
public enum WildClusterBootstrap {
    public static func test(y: [Double], x: Matrix, names: [String], coefficient j: Int, unit: [Int], time: [Int],
                            effects: FixedEffects, weights: [Double]? = nil, cluster: [Int],
                            replications: Int = 9999, multipliers: WildWeights = .webb,
                            stream: StreamID) throws -> WildBootstrapResult {
        guard replications >= 99 else { throw TreatmentError("wild bootstrap: use at least 99 replications (got \(replications))") }
        let full = try PanelOLS.fit(y: y, x: x, names: names, unit: unit, time: time, effects: effects,
                                    weights: weights, variance: .cluster(cluster))
        let offset = full.names.count - names.count   // 1 when an intercept was added
        let jj = j + offset
        // Projected data: residualise y and X on the fixed effects once.
        let keep = (0..<y.count).filter { (weights?[$0] ?? 1) > 0 }
        let w = keep.map { weights?[$0] ?? 1 }
        let dims = PanelOLS.absorbedDimensions(effects, unit: unit, time: time, keep: keep)
        var cols = (0..<x.cols).map { c in keep.map { x[$0, c] } }
        if dims.isEmpty { cols.insert([Double](repeating: 1, count: keep.count), at: 0) }
        var yy = keep.map { y[$0] }
        if !dims.isEmpty {
            let proj = WithinProjection(dims: dims, weights: w)
            proj.demean(&yy, tolerance: PanelOLS.defaultTolerance)
            for c in cols.indices { proj.demean(&cols[c], tolerance: PanelOLS.defaultTolerance) }
        }
        let n = keep.count, p = cols.count
        let g = PanelOLS.recode(keep.map { cluster[$0] })
        let gCount = (g.max() ?? 0) + 1
        // Restricted fit (without column jj).
        let rCols = cols.enumerated().filter { $0.offset != jj }.map { $0.element }
        var fittedR = [Double](repeating: 0, count: n)
        var resR = yy
        if !rCols.isEmpty {
            var xr = Matrix(rows: n, cols: rCols.count)
            for (c, col) in rCols.enumerated() { for i in 0..<n { xr[i, c] = col[i] * w[i].squareRoot() } }
            let ls = try LeastSquares(x: xr, y: (0..<n).map { yy[$0] * w[$0].squareRoot() })
            for (c, col) in rCols.enumerated() { for i in 0..<n { fittedR[i] += col[i] * ls.coefficients[c] } }
            for i in 0..<n { resR[i] = yy[i] - fittedR[i] }
        }
        // Unrestricted pieces reused in every replication.
        var xw = Matrix(rows: n, cols: p)
        for c in 0..<p { for i in 0..<n { xw[i, c] = cols[c][i] * w[i].squareRoot() } }
        let bread = try Cholesky(xw.crossProduct()).inverse()
        let k = full.parameterCount
        let factor = Double(gCount) / Double(gCount - 1) * Double(n - 1) / Double(n - k)
        let rng = RandomStream(stream)
        let webb = [-(1.5).squareRoot(), -1, -(0.5).squareRoot(), (0.5).squareRoot(), 1, (1.5).squareRoot()]
        var exceed = 0
        var v = [Double](repeating: 0, count: gCount)
        var ystar = [Double](repeating: 0, count: n)
        for _ in 0..<replications {
            for c in 0..<gCount {
                v[c] = multipliers == .rademacher ? (rng.uniform() < 0.5 ? -1 : 1) : webb[rng.integer(below: 6)]
            }
            for i in 0..<n { ystar[i] = fittedR[i] + v[g[i]] * resR[i] }
            var xty = [Double](repeating: 0, count: p)
            for c in 0..<p { for i in 0..<n { xty[c] += w[i] * cols[c][i] * ystar[i] } }
            let b = bread.multiply(xty)
            var scores = Matrix(rows: gCount, cols: p)
            for i in 0..<n {
                var e = ystar[i]
                for c in 0..<p { e -= cols[c][i] * b[c] }
                for c in 0..<p { scores[g[i], c] += w[i] * cols[c][i] * e }
            }
            // Only the (jj, jj) element of B M B is needed: (B s_g)_jj summed over g.
            let bj = bread.column(jj)
            var vjj = 0.0
            for gi in 0..<gCount {
                var s = 0.0
                for c in 0..<p { s += bj[c] * scores[gi, c] }
                vjj += s * s
            }
            let tStar = b[jj] / (factor * vjj).squareRoot()
            if abs(tStar) >= abs(full.tStatistics[jj]) { exceed += 1 }
        }
        return WildBootstrapResult(coefficient: full.names[jj], estimate: full.coefficients[jj],
                                   tStatistic: full.tStatistics[jj],
                                   pValue: Double(exceed) / Double(replications),
                                   replications: replications, weights: multipliers)
    }
}
