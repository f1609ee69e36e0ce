import Foundation
import XCTest
import Estimators
import Numerics
import TestSupport

/// W selection (LeSage & Pace 2009, §6.3): the candidates' log-likelihoods are the SDM fits',
/// and the log marginal likelihoods match a direct numerical integration that shares no code
/// with the estimator (dense LU log-determinants, one least-squares fit per grid point).
final class WeightSelectionTests: XCTestCase {
    let n = 16, t = 4
    let spec = SpatialModelSpec(model: .sdm, effects: .individual, approach: .direct)

    /// The true W (ring with chords) and a rival that links each unit to its 2 neighbours on either side.
    func candidates() throws -> [(name: String, weights: SpatialWeights)] {
        var c = Matrix(rows: n, cols: n)
        for i in 0..<n { for s in [1, 2] { c[i, (i + s) % n] = 1; c[(i + s) % n, i] = 1 } }
        return [("ring", try SpatialTestData.ringWeights(n)), ("band2", try SpatialWeights.rowStandardised(c))]
    }

    func panel() throws -> SpatialPanel {
        try SpatialTestData.simulatedSDM(weights: try SpatialTestData.ringWeights(n), t: t, rho: 0.4,
                                         beta: [1, -0.5], theta: [0.3, 0.2], sigma: 1.5, seed: 11)
    }

    func testLogLikelihoodsAreTheSDMFits() throws {
        let p = try panel()
        let r = try WeightSelection.compare(spec, panel: p, candidates: try candidates())
        for c in r.candidates {
            let fit = try SpatialEstimator.fit(spec, panel: p, weights: try candidates().first { $0.name == c.name }!.weights)
            // The same fit run twice: identical arithmetic, so equal to the last bits; 1e-12 only guards the comparison.
            assertClose(fit.logLikelihood, c.logLikelihood, tolerance: 1e-12 * abs(fit.logLikelihood), "loglik of \(c.name)")
            assertClose(fit.aic, c.aic, tolerance: 1e-12 * abs(fit.aic), "AIC of \(c.name)")
            assertClose(fit.bic, c.bic, tolerance: 1e-12 * abs(fit.bic), "BIC of \(c.name)")
        }
        // One model for every candidate: the same parameter count, so the three rules agree.
        XCTAssertEqual(r.byLogLikelihood, r.byAIC)
        XCTAssertEqual(r.byLogLikelihood, r.byBIC)
        assertClose(1, r.candidates.map(\.posterior).reduce(0, +), tolerance: 1e-14, "posteriors sum to one")
    }

    /// log p(y|W) = lnΓ(ν/2) − (ν/2)ln π − ½ ln|Z'Z| − ln D + ln ∫ |I − ρW|^T S(ρ)^{−ν/2} dρ, ν = NT − N − p, by a
    /// 8000-interval midpoint rule on the stable interval (the rule never touches the singular ends).
    func directLogMarginal(_ p: SpatialPanel, _ w: SpatialWeights) throws -> Double {
        let nt = n * t
        func demean(_ v: [Double]) -> [Double] {
            var out = v
            for i in 0..<n {
                let m = (0..<t).reduce(0.0) { $0 + v[$1 * n + i] } / Double(t)
                for s in 0..<t { out[s * n + i] -= m }
            }
            return out
        }
        let wx = w.applyPanel(p.x)
        let z = try Matrix(columns: (0..<p.x.cols).map { demean(p.x.column($0)) } + (0..<wx.cols).map { demean(wx.column($0)) })
        let y = demean(p.y), wy = demean(w.applyPanel(p.y))
        // Direct approach with individual effects: the N unit effects are integrated out too (LeSage & Pace 2009 §6.3).
        let nu = Double(nt - n - z.cols)
        let (lo, hi) = w.stableInterval
        let m = 8000
        let h = (hi - lo) / Double(m)
        var logs: [Double] = []
        for k in 0..<m {
            let rho = lo + (Double(k) + 0.5) * h
            var a = Matrix.identity(n)
            for q in 0..<a.data.count { a.data[q] -= rho * w.matrix.data[q] }
            let logdet = try LUDecomposition(a).logAbsDeterminant.value
            let s = try LeastSquares(x: z, y: zip(y, wy).map { $0 - rho * $1 }).residualSumOfSquares
            logs.append(Double(t) * logdet - 0.5 * nu * log(s))
        }
        let top = logs.max()!
        let integral = h * logs.reduce(0.0) { $0 + exp($1 - top) }
        let zz = Matrix.product(z, z, transposeA: true)
        let logDetZZ = try LUDecomposition(zz).logAbsDeterminant.value
        return lgamma(0.5 * nu) - 0.5 * nu * log(Double.pi) - 0.5 * logDetZZ - log(hi - lo) + top + log(integral)
    }

    func testPosteriorsAgainstDirectIntegration() throws {
        let p = try panel()
        let cands = try candidates()
        let r = try WeightSelection.compare(spec, panel: p, candidates: cands)
        let direct = try cands.map { try directLogMarginal(p, $0.weights) }
        for (c, d) in zip(r.candidates, direct) {
            // The midpoint rule's relative error on a smooth peak ~0.15 wide with h ≈ 2e-4 is far below 1e-7;
            // QAGP is asked for 1e-10. 1e-6 on the log scale leaves room for the two log-determinant routes.
            assertClose(d, c.logMarginal.value, tolerance: 1e-6, "log marginal of \(c.name)")
            XCTAssertLessThan(c.logMarginal.relativeError, 1e-8)
        }
        let post = WeightSelection.posteriors(logMarginals: direct)
        assertClose(post, r.candidates.map(\.posterior), tolerance: 1e-6, "posterior model probabilities")
        // The data come from the ring W, with an effect size that makes the evidence clear but not overwhelming.
        XCTAssertEqual(r.candidates[r.byPosterior].name, "ring")
        XCTAssertGreaterThan(r.candidates[1].posterior, 1e-3, "the comparison is informative only if neither posterior is 0 or 1 to rounding")
    }

    /// Log-sum-exp: marginals of −10⁵ (a large panel) must not underflow to 0/0.
    func testPosteriorsFromVeryNegativeLogMarginals() {
        let p = WeightSelection.posteriors(logMarginals: [-100_000, -100_001, -.infinity])
        assertClose([1 / (1 + exp(-1)), exp(-1) / (1 + exp(-1)), 0], p, tolerance: 1e-15, "e^0 : e^−1 : 0")
    }

    func testErrorModelsAreRefusedForPosteriors() throws {
        XCTAssertThrowsError(try WeightSelection.logMarginal(SpatialModelSpec(model: .sem, effects: .individual),
                                                             panel: try panel(), weights: try candidates()[0].weights)) { e in
            XCTAssertTrue(e is EstimationError)
        }
    }
}
