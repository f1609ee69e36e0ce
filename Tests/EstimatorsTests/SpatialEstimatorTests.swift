import Foundation
import XCTest
import Estimators
import Numerics
import TestSupport

final class SpatialEstimatorTests: XCTestCase {
    /// Cross-section SDM (T = 1, pooled with intercept) on 10 units, checked against a brute-force
    /// profile likelihood that uses a dense LU log-determinant instead of the eigenvalues.
    func testTinyCrossSectionAgainstBruteForceLU() throws {
        let w = try SpatialTestData.ringWeights(10)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 1, rho: 0.4, beta: [1, -0.5], theta: [0.3, 0.2], seed: 3)
        let fit = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, effects: .none), panel: panel, weights: w)
        XCTAssertTrue(fit.converged, fit.reason)
        XCTAssertEqual(fit.names, ["(Intercept)", "x1", "x2", "W*x1", "W*x2"])
        let n = 10
        let wx = w.applyPanel(panel.x)
        let wy = w.applyPanel(panel.y)
        let z = try Matrix(columns: [[Double](repeating: 1, count: n)] + (0..<2).map { panel.x.column($0) } + (0..<2).map { wx.column($0) })
        func profile(_ rho: Double) throws -> (ll: Double, beta: [Double]) {
            var a = Matrix.identity(n)
            for k in 0..<a.data.count { a.data[k] -= rho * w.matrix.data[k] }
            let logdet = try LUDecomposition(a).logAbsDeterminant.value
            let ys = zip(panel.y, wy).map { $0 - rho * $1 }
            let ls = try LeastSquares(x: z, y: ys)
            let s2 = ls.residualSumOfSquares / Double(n)
            return (-Double(n) / 2 * (log(2 * Double.pi * s2) + 1) + logdet, ls.coefficients)
        }
        let at = try profile(fit.rho!)
        // Same likelihood evaluated two ways (eigenvalues vs LU): equal to rounding.
        assertClose(at.ll, fit.logLikelihood, tolerance: 1e-9, "eigenvalue vs LU log-determinant, N = 10")
        assertClose(at.beta, fit.coefficients, tolerance: 1e-10, "β(ρ̂) by direct least squares")
        // ρ̂ is the maximiser: golden-section search on the brute-force profile.
        var lo = fit.rho! - 0.05, hi = fit.rho! + 0.05
        let g = (5.0.squareRoot() - 1) / 2
        for _ in 0..<80 {
            let a = hi - g * (hi - lo), b = lo + g * (hi - lo)
            if try profile(a).ll > profile(b).ll { hi = b } else { lo = a }
        }
        assertClose(0.5 * (lo + hi), fit.rho!, tolerance: 1e-6, "golden section resolves ρ to ~1e-7 (flatness of ℓ at rounding)")
    }

    /// With individual effects only, the Lee–Yu likelihood is (T−1)/T times the direct one up to a
    /// constant, so ρ̂ and β̂ coincide and σ̂²_LY = σ̂²_direct · T/(T − 1) exactly.
    func testLeeYuIndividualEffectsRelation() throws {
        let w = try SpatialTestData.ringWeights(30)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 6, rho: 0.3, beta: [1, -1], theta: [0.5, 0])
        let d = try SpatialEstimator.fit(SpatialModelSpec(effects: .individual, approach: .direct), panel: panel, weights: w)
        let l = try SpatialEstimator.fit(SpatialModelSpec(effects: .individual, approach: .leeYu), panel: panel, weights: w)
        assertClose(d.rho!, l.rho!, tolerance: 1e-9, "identical maximiser; Newton-polished to ~1e-12")
        assertClose(d.coefficients, l.coefficients, tolerance: 1e-9, "β(ρ) identical at identical ρ")
        assertClose(d.sigma2 * 6 / 5, l.sigma2, tolerance: 1e-12, "e'e/(N(T−1)) vs e'e/(NT)")
        XCTAssertEqual(l.nObservations, 30 * 5)
    }

    /// SAR is SDM without W-lags; SDM nests SAR, so its log-likelihood is at least as large.
    func testSARIsSDMWithoutLags() throws {
        let w = try SpatialTestData.ringWeights(25)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 5, rho: 0.5, beta: [1, 0.5], theta: [0, 0])
        let sar = try SpatialEstimator.fit(SpatialModelSpec(model: .sar), panel: panel, weights: w)
        let sdm0 = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, durbin: .none), panel: panel, weights: w)
        let sdm = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, durbin: .only(["x2"])), panel: panel, weights: w)
        assertClose(sar.rho!, sdm0.rho!, tolerance: 1e-12, "same likelihood")
        XCTAssertEqual(sdm.names, ["x1", "x2", "W*x2"])
        XCTAssertGreaterThanOrEqual(sdm.logLikelihood, sar.logLikelihood - 1e-9)
        assertClose(sar.logLikelihood, sdm0.logLikelihood, tolerance: 1e-9, "same model")
    }

    /// Analytic (expected) information vs the numerical Hessian (observed information) of the
    /// full likelihood on a correctly specified simulated panel (Lee–Yu, so σ² is unbiased).
    /// The two estimate the same matrix; at NT = 1200 they differ by sampling noise of a few
    /// percent in the ρ row — 8% allows for that, a wrong trace or gradient term is far larger.
    func testAnalyticMatchesNumericalHessian() throws {
        let w = try SpatialTestData.ringWeights(100)
        // Each model on data it specifies correctly: a lag DGP (θ = 0 nests SAR in SDM) and an error DGP.
        let lagPanel = try SpatialTestData.simulatedSDM(weights: w, t: 12, rho: 0.4, beta: [1, -0.5], theta: [0, 0], seed: 11)
        let errPanel = try SpatialTestData.simulatedSDM(weights: w, t: 12, rho: 0, beta: [1, -0.5], theta: [0, 0],
                                                        errorLambda: 0.4, seed: 12)
        let cases: [(SpatialModel, SpatialPanel)] = [(.sdm, lagPanel), (.sar, lagPanel), (.slx, lagPanel),
                                                     (.sem, errPanel), (.sdem, errPanel)]
        for (model, panel) in cases {
            let spec = SpatialModelSpec(model: model, effects: .twoWays, approach: .leeYu)
            let a = try SpatialEstimator.fit(spec, panel: panel, weights: w)
            let h = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .numericalHessian)
            XCTAssertTrue(a.converged && h.converged, "\(model): \(a.reason) / \(h.reason)")
            for (k, name) in a.parameterNames.enumerated() {
                let sa = a.standardErrors[k], sh = h.standardErrors[k]
                assertClose(sa, sh, tolerance: 0.08 * sa, "\(model) \(name): expected vs observed information")
            }
        }
    }

    /// Delta-method and simulation SEs of the effects agree within simulation error: with R kept
    /// draws the SD has MCSE ≈ SD/√(2(R−1)); k = 4 MCSE plus the delta method's linearisation
    /// error (second order in se(ρ) ≈ 0.03, below 1% here).
    func testDeltaAndSimulationEffectSEsAgree() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let fit = try SpatialEstimator.fit(SpatialModelSpec(effects: .twoWays, approach: .leeYu), panel: panel, weights: w)
        let delta = try SpatialImpacts.delta(fit, weights: w)
        let sim = try SpatialImpacts.simulate(fit, weights: w, draws: 4000, stream: RandomStream(seed: 42, purpose: 7))
        XCTAssertEqual(sim.used + sim.dropped, 4000)
        XCTAssertEqual(sim.dropped, 0, "ρ̂ = 0.27 with se 0.035 is far inside (−1.39, 1)")
        let r = Double(sim.used)
        for (d, s) in zip(delta, sim.impacts) {
            for kind in EffectKind.allCases {
                let se = d.value(kind).se
                let sd: SimulatedEffect = kind == .direct ? s.direct : kind == .indirect ? s.indirect : s.total
                assertWithinMCSE(se, sd.sd, mcse: sd.sd / (2 * (r - 1)).squareRoot() + 0.01 * se / 4, k: 4,
                                 "\(d.variable) \(kind)")
                assertWithinMCSE(d.value(kind).estimate, sd.mean, mcse: sd.sd / r.squareRoot() + 0.01 * se / 4, k: 4,
                                 "\(d.variable) \(kind) mean")
            }
        }
    }

    /// A 12-unit cross-section leaves ρ̂ so uncertain that some draws leave (1/ω_min, 1/ω_max):
    /// they are dropped and counted, never redrawn, and the kept draws all lie inside.
    func testSimulationDropsOutOfIntervalDraws() throws {
        let w = try SpatialTestData.ringWeights(12)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 1, rho: 0.8, beta: [1, -0.5], theta: [0.3, 0.2], seed: 8)
        let fit = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, effects: .none), panel: panel, weights: w)
        let sim = try SpatialImpacts.simulate(fit, weights: w, draws: 2000, stream: RandomStream(seed: 1, purpose: 7))
        let se = fit.rhoEstimate!.se
        let pOut = Normal.survival((fit.interval.upper - fit.rho!) / se) + Normal.cdf((fit.interval.lower - fit.rho!) / se)
        XCTAssertGreaterThan(pOut, 0.01, "the design must put mass outside the interval (ρ̂ = \(fit.rho!), se = \(se))")
        XCTAssertEqual(sim.used + sim.dropped, 2000)
        // Binomial count: expected 2000·pOut, 4 binomial SDs.
        assertWithinMCSE(2000 * pOut, Double(sim.dropped), mcse: (2000 * pOut * (1 - pOut)).squareRoot(), k: 4,
                         "dropped draws follow N(ρ̂, se²) mass outside the interval")
    }

    /// Effects for row-standardised W: SLX direct = β, indirect = θ; SEM direct = β, indirect = 0;
    /// SDM direct/total from §3's eigenvalue formulas, checked against a dense inverse.
    func testEffectsAgainstDenseInverse() throws {
        let w = try SpatialTestData.ringWeights(20)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 4, rho: 0.35, beta: [1, -1], theta: [0.5, 0.2])
        let fit = try SpatialEstimator.fit(SpatialModelSpec(), panel: panel, weights: w)
        var a = Matrix.identity(20)
        for k in 0..<a.data.count { a.data[k] -= fit.rho! * w.matrix.data[k] }
        let ainv = try a.inverse()
        let imp = try SpatialImpacts.delta(fit, weights: w)
        for (r, name) in ["x1", "x2"].enumerated() {
            let b = fit.coefficients[fit.index(of: name)!], t = fit.coefficients[fit.index(of: "W*" + name)!]
            var s = Matrix.identity(20)
            for k in 0..<s.data.count { s.data[k] = b * s.data[k] + t * w.matrix.data[k] }
            let m = ainv * s
            let total = m.rowSums().reduce(0, +) / 20
            assertClose(m.trace / 20, imp[r].direct.estimate, tolerance: 1e-12, "tr(S)/N, dense")
            assertClose(total, imp[r].total.estimate, tolerance: 1e-12, "1'S1/N, dense")
        }
        let slx = try SpatialEstimator.fit(SpatialModelSpec(model: .slx), panel: panel, weights: w)
        let si = try SpatialImpacts.delta(slx, weights: w)
        assertClose(slx.coefficients[2], si[0].indirect.estimate, tolerance: 1e-12, "SLX indirect = θ")
        assertClose(slx.standardErrors[2], si[0].indirect.se, tolerance: 1e-12, "SLX indirect SE = se(θ)")
        let sem = try SpatialEstimator.fit(SpatialModelSpec(model: .sem), panel: panel, weights: w)
        let ei = try SpatialImpacts.delta(sem, weights: w)
        assertClose(0, ei[1].indirect.estimate, tolerance: 1e-12, "SEM has no spillover")
        assertClose(sem.coefficients[1], ei[1].direct.estimate, tolerance: 1e-12, "SEM direct = β")
    }

    /// SEM on data simulated from an SEM: λ is recovered and the fit is certified converged.
    func testSEMRecoversLambda() throws {
        let w = try SpatialTestData.ringWeights(200)
        let n = 200, t = 10
        let rs = RandomStream(seed: 5, purpose: 1)
        var x = Matrix(rows: n * t, cols: 1)
        for k in 0..<(n * t) { x.data[k] = rs.normal() }
        let u = try SpatialFilter(weights: w, rho: 0.5).solvePanel(rs.normals(n * t))
        let y = (0..<(n * t)).map { 2 * x.data[$0] + u[$0] }
        let panel = try SpatialPanel(y: y, x: x, names: ["x"], n: n, t: t)
        let fit = try SpatialEstimator.fit(SpatialModelSpec(model: .sem, effects: .individual, approach: .leeYu), panel: panel, weights: w)
        XCTAssertTrue(fit.converged, fit.reason)
        // se(λ̂) ≈ 0.025 at NT = 2000: 4 SE.
        assertClose(0.5, fit.lambda!, tolerance: 0.1, "true λ = 0.5, 4 standard errors")
        assertClose(2, fit.coefficients[0], tolerance: 0.1, "true β = 2, se ≈ 0.02")
    }
}

final class SpatialPerfectFitTests: XCTestCase {
    /// The outcome entered as its own regressor fits exactly; the fit must refuse instead of
    /// reporting rounding noise as standard errors (a user-test finding: z ≈ 9e12 before).
    func testOutcomeAmongRegressorsIsRefused() throws {
        let w = try SpatialTestData.ringWeights(30)
        let rs = RandomStream(seed: 9)
        let y = rs.normals(30 * 5)
        let x = try Matrix(columns: [y, rs.normals(30 * 5)])
        let panel = try SpatialPanel(y: y, x: x, names: ["y_again", "z"], n: 30, t: 5)
        for model in [SpatialModel.sdm, .slx, .sem] {
            assertThrows(try SpatialEstimator.fit(SpatialModelSpec(model: model), panel: panel, weights: w), as: EstimationError.self) { e in
                XCTAssertTrue("\(e)".contains("exactly"), "\(model): \(e)")
            }
        }
    }
}
