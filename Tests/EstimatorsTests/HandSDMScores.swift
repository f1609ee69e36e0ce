import Estimators
import Numerics
import TestSupport
import XCTest

/// The SDM's QML scores (Lee–Yu, two-way effects) computed here by hand for the sandwich tests
/// (cluster, its small-sample corrections, Conley): own two-way demeaning, the W-lags period by
/// period, and a dense G = (I − ρW)⁻¹W from an LU inverse (the estimator uses W's spectrum). The
/// per-observation score is the one of `SpatialVariance.clusterCovariance`'s doc comment.
struct HandSDMScores {
    let n: Int, t: Int
    let rho: Double, sigma2: Double
    /// Demeaned [X, WX] columns, demeaned y and Wy (time-major).
    let z: [[Double]], y: [Double], wy: [Double]
    let g: Matrix

    init(panel: SpatialPanel, weights w: SpatialWeights, fit: SpatialFitResult) throws {
        let n = panel.n, t = panel.t
        self.n = n; self.t = t
        rho = try XCTUnwrap(fit.rho); sigma2 = fit.sigma2
        func demean(_ v: [Double]) -> [Double] {
            var unit = [Double](repeating: 0, count: n), time = [Double](repeating: 0, count: t), all = 0.0
            for p in 0..<t { for i in 0..<n { let x = v[p * n + i]; unit[i] += x / Double(t); time[p] += x / Double(n); all += x / Double(n * t) } }
            return (0..<(n * t)).map { v[$0] - unit[$0 % n] - time[$0 / n] + all }
        }
        func lag(_ v: [Double]) -> [Double] { (0..<t).flatMap { p in w.apply(Array(v[(p * n)..<((p + 1) * n)])) } }
        let x = (0..<panel.x.cols).map { panel.x.column($0) }
        z = (x + x.map(lag)).map(demean)
        y = demean(panel.y); wy = demean(lag(panel.y))
        var a = Matrix.identity(n)
        for j in 0..<n { for i in 0..<n { a[i, j] -= rho * w.matrix[i, j] } }
        g = try LUDecomposition(a).inverse() * w.matrix
    }

    /// Parameters scored: the coefficients of z, then ρ, then σ².
    var k: Int { z.count + 2 }

    /// y − ρWy − Zβ, all demeaned.
    func residuals(_ b: [Double]) -> [Double] {
        (0..<(n * t)).map { r in y[r] - rho * wy[r] - zip(z, b).reduce(0) { $0 + $1.0[r] * $1.1 } }
    }

    /// The score of observation r (time-major) given the residuals e.
    func score(_ r: Int, residuals e: [Double]) -> [Double] {
        let s2 = sigma2, i = r % n
        let c = Double(t - 1), nStar = Double((n - 1) * (t - 1))   // Lee–Yu, two-way effects
        var colG = 0.0
        for q in 0..<n { colG += g[q, i] }
        return z.map { $0[r] * e[r] / s2 }
            + [wy[r] * e[r] / s2 - c * (g[i, i] - colG / Double(n)) / Double(t),
               e[r] * e[r] / (2 * s2 * s2) - nStar / Double(n * t) / (2 * s2)]
    }

    /// Each unit's score: the sum of its observations' scores.
    func unitScores(residuals e: [Double]) -> [[Double]] {
        var scores = [[Double]](repeating: [Double](repeating: 0, count: k), count: n)
        for r in 0..<(n * t) {
            for (j, s) in score(r, residuals: e).enumerated() { scores[r % n][j] += s }
        }
        return scores
    }

    /// The cluster-by-unit meat, without G/(G − 1): the outer products of the unit scores plus the
    /// cross-unit covariance of the ρ scores, Σ_{i≠j} G_ij G_ji (Σ_t e_it e_jt)²/σ⁴.
    func clusterMeat(residuals e: [Double]) -> Matrix {
        var meat = Matrix(rows: k, cols: k)
        for s in unitScores(residuals: e) { for q in 0..<k { for p in 0..<k { meat[p, q] += s[p] * s[q] } } }
        for j in 0..<n {
            for i in 0..<n where i != j {
                var pij = 0.0
                for p in 0..<t { pij += e[p * n + i] * e[p * n + j] }
                meat[k - 2, k - 2] += g[i, j] * g[j, i] * pij * pij / (sigma2 * sigma2)
            }
        }
        return meat
    }
}
