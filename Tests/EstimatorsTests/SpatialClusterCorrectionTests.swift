import Estimators
import Foundation
import Numerics
import TestSupport
import XCTest

/// The small-sample corrections of the cluster sandwich (`ClusterCorrection`, issue 20).
/// For least squares (ols, slx) the sandwich is the textbook CR1/CR2/CR3, checked against
/// R clubSandwich `vcovCR` (CR1, CR2; Fixtures/cluster_correction_cigarette.json,
/// scripts/fixtures/make_cluster_correction_cigarette.R) and pyfixest's CRV3 jackknife
/// (CR3; Fixtures/cluster_cr3_cigarette.json, scripts/fixtures/make_cluster_cr3_cigarette.py)
/// on the cigarette panel with two-way effects, clustered by state. For the SDM the adjusted
/// residuals are recomputed here from an explicit dummy regression.
final class SpatialClusterCorrectionTests: XCTestCase {
    func testLeastSquaresMatchClubSandwichAndPyfixest() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let club = try Self.json("cluster_correction_cigarette.json")
        let pyfixest = try Self.json("cluster_cr3_cigarette.json")
        for model in [SpatialModel.ols, .slx] {
            let spec = SpatialModelSpec(model: model, effects: .twoWays, approach: .direct, durbin: .all)
            let refs = try XCTUnwrap(club[model.rawValue] as? [String: Any]), cr3 = try XCTUnwrap(pyfixest[model.rawValue] as? [String: Any])
            let names = try XCTUnwrap(refs["names"] as? [String])
            for correction in ClusterCorrection.allCases {
                let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster, clusterCorrection: correction)
                XCTAssertEqual(fit.clusterCorrection, correction)
                let source = correction == .cr3 ? cr3 : refs
                let v = try XCTUnwrap(source[correction.rawValue] as? [[Double]])
                let idx = try names.map { try XCTUnwrap(fit.index(of: $0), $0) }
                for (a, i) in idx.enumerated() {
                    for (b, j) in idx.enumerated() {
                        // Same closed form; different demeaning (within vs dummies) and eigen routines:
                        // agreement to ~1e-12 relative, 1e-8 of the diagonal scale leaves room for other BLAS.
                        let scale = (v[a][a] * v[b][b]).squareRoot()
                        assertClose(v[a][b], fit.vcov[i, j], tolerance: 1e-8 * scale, "\(model) \(correction) V[\(names[a]), \(names[b])]")
                    }
                }
            }
        }
    }

    /// SDM, Lee–Yu, two-way effects: the CR2 and CR3 sandwiches equal the CR1 sandwich of
    /// the same scores built from A_g e_g (without G/(G − 1)), A_g computed here from the hat
    /// matrix of an explicit regression on [Z̃, unit dummies, time dummies] (Cholesky of its
    /// cross-product, the estimator never forms it).
    func testSDMCorrectionsAdjustTheResidualsOfEveryScore() throws {
        let w = try SpatialTestData.ringWeights(20)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 5, rho: 0.4, beta: [1, -0.5], theta: [0.3, 0.2], seed: 17)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let n = panel.n, t = panel.t
        let cr1 = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster)
        let rho = try XCTUnwrap(cr1.rho), b = cr1.coefficients
        // Own regressors: X and W X (time-major), with all dummies except the last period's.
        func lag(_ v: [Double]) -> [Double] { (0..<t).flatMap { p in w.apply(Array(v[(p * n)..<((p + 1) * n)])) } }
        let x = (0..<panel.x.cols).map { panel.x.column($0) }
        var cols = x + x.map(lag)
        for i in 0..<n { cols.append((0..<(n * t)).map { $0 % n == i ? 1 : 0 }) }
        for p in 0..<(t - 1) { cols.append((0..<(n * t)).map { $0 / n == p ? 1 : 0 }) }
        let d = try Matrix(columns: cols)
        let dtdInv = try Cholesky(d.crossProduct()).inverse()
        // Residuals of the SDM at the estimates, from the dummy regression's own fit of y − ρWy on [X, WX] given β̂:
        // its within residuals are y − ρWy − Zβ̂ net of the fixed effects.
        let wy = lag(panel.y)
        let partial = (0..<(n * t)).map { r in panel.y[r] - rho * wy[r] - zip(cols.prefix(4), b).reduce(0) { $0 + $1.0[r] * $1.1 } }
        let fe = try LeastSquares(x: try Matrix(columns: Array(cols.dropFirst(4))), y: partial)
        let e = fe.residuals
        for correction in [ClusterCorrection.cr2, .cr3] {
            var adjusted = e
            for g in 0..<n {
                let rows = (0..<t).map { $0 * n + g }
                var m = Matrix(rows: t, cols: t)
                for (a, ra) in rows.enumerated() {
                    for (c, rc) in rows.enumerated() {
                        let h = Vector.dot(d.row(ra), dtdInv.multiply(d.row(rc)))
                        m[a, c] = (a == c ? 1 : 0) - h
                    }
                }
                for c in 0..<t { for a in 0..<c { let v = 0.5 * (m[a, c] + m[c, a]); m[a, c] = v; m[c, a] = v } }
                let eig = try SymmetricEigen(m)
                let power = correction == .cr2 ? -0.5 : -1.0
                let eg = rows.map { e[$0] }
                let coef = eig.vectors.multiply(eg, transpose: true)
                let scaled = zip(coef, eig.values).map { $1 > 1e-10 ? $0 * Foundation.pow($1, power) : 0 }
                for (s, r) in rows.enumerated() { adjusted[r] = eig.vectors.multiply(scaled)[s] }
            }
            // The unit-score sandwich of `SpatialClusterVarianceTests` on the adjusted residuals, without G/(G − 1).
            let bread = try SpatialEstimator.fit(spec, panel: panel, weights: w).vcov
            let expected = bread * (try HandSDMScores(panel: panel, weights: w, fit: cr1).clusterMeat(residuals: adjusted)) * bread
            let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .cluster, clusterCorrection: correction)
            for q in 0..<expected.cols {
                for p in 0..<expected.rows {
                    // Dummy regression vs within transformation and spectral G: ~1e-10 relative.
                    let scale = (expected[p, p] * expected[q, q]).squareRoot()
                    assertClose(expected[p, q], fit.vcov[p, q], tolerance: 1e-7 * scale, "\(correction) V[\(p), \(q)]")
                }
            }
            XCTAssertGreaterThan(fit.vcov[0, 0], cr1.vcov[0, 0] * Double(n - 1) / Double(n), "leverage inflates the residuals")
        }
    }

    func testCorrectionNeedsTheClusterVariance() throws {
        let w = try SpatialTestData.ringWeights(12)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 4, rho: 0.2, beta: [1], theta: [0.2], seed: 5)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        XCTAssertThrowsError(try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .analytic, clusterCorrection: .cr2))
    }

    static func json(_ name: String) throws -> [String: Any] {
        let url = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/\(name)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }
}
