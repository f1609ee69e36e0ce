import Foundation
import XCTest
import Estimators
import Numerics
import TestSupport

/// Shared inputs of the spatial estimator tests.
enum SpatialTestData {
    /// The Baltagi cigarette panel (46 states × 30 years): logc on logp, logy, with the
    /// row-standardised contiguity W, ids matched by value (MODEL.md §4 reference point).
    static func cigarette() throws -> (panel: SpatialPanel, weights: SpatialWeights) {
        let dir = TestPaths.cigarette
        let table = try DataTable.read(csv: dir.appendingPathComponent("cigarette.csv"))
        let wt = try WeightsTable.read(csv: dir.appendingPathComponent("usa46_contiguity.csv"))
        let index = try PanelIndex.build(ids: try table.strings("state"), times: try table.numbers("year"),
                                         source: "cigarette.csv", unitOrder: wt.ids)
        let y = index.arrange(try table.numbers("logc"))
        let x = try Matrix(columns: [index.arrange(try table.numbers("logp")), index.arrange(try table.numbers("logy"))])
        let panel = try SpatialPanel(y: y, x: x, names: ["logp", "logy"], n: index.n, t: index.t)
        let w = try SpatialWeights(WeightsTable.rowStandardised(try wt.reordered(to: index.units, source: "W")))
        return (panel, w)
    }

    /// A ring-with-chords contiguity W (symmetric C, row-standardised), as in the Numerics smoke tests.
    static func ringWeights(_ n: Int) throws -> SpatialWeights {
        var c = Matrix(rows: n, cols: n)
        for i in 0..<n {
            c[i, (i + 1) % n] = 1; c[(i + 1) % n, i] = 1
            c[i, (i + 3) % n] = 1; c[(i + 3) % n, i] = 1
        }
        c[0, 5] = 1; c[5, 0] = 1
        return try SpatialWeights.rowStandardised(c)
    }

    /// Simulated SDM panel with two-way effects: y_t = (I − ρW)⁻¹(X_tβ + WX_tθ + μ + α_t + ε_t).
    static func simulatedSDM(weights: SpatialWeights, t: Int, rho: Double, beta: [Double], theta: [Double],
                             sigma: Double = 1, errorLambda: Double = 0, seed: UInt64 = 7) throws -> SpatialPanel {
        let n = weights.count
        let k = beta.count
        let rs = RandomStream(seed: seed, purpose: 101)
        var x = Matrix(rows: n * t, cols: k)
        for j in 0..<k { for r in 0..<(n * t) { x[r, j] = rs.normal() + 0.3 * Double(r % n) / Double(n) } }
        let wx = weights.applyPanel(x)
        let mu = (0..<n).map { _ in rs.normal() }
        let alpha = (0..<t).map { _ in rs.normal() }
        var eps = rs.normals(n * t, sd: sigma)
        if errorLambda != 0 { eps = try SpatialFilter(weights: weights, rho: errorLambda).solvePanel(eps) }
        var rhs = [Double](repeating: 0, count: n * t)
        for r in 0..<(n * t) {
            var s = mu[r % n] + alpha[r / n] + eps[r]
            for j in 0..<k { s += beta[j] * x[r, j] + theta[j] * wx[r, j] }
            rhs[r] = s
        }
        let y = try SpatialFilter(weights: weights, rho: rho).solvePanel(rhs)
        return try SpatialPanel(y: y, x: x, names: (0..<k).map { "x\($0 + 1)" }, n: n, t: t)
    }
}
