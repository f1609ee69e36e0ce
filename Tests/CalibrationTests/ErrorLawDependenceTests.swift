import Calibration
import CitySystem
import Estimators
import Numerics
import TestSupport
import XCTest

/// The block and unit-wild laws (issue 20): what they keep of the cigarette residuals' dependence.
/// The cigarette within-residuals have lag-1 autocorrelation ≈ 0.75; a world drawn with the
/// default law must show it in the residuals of the SDM refitted to each generated panel.
final class ErrorLawDependenceTests: XCTestCase {
    /// Within residuals of the Lee–Yu two-way SDM refitted to `panel`: Q(y − ρ̂Wy − Xβ̂ − WXθ̂).
    func refitResiduals(_ panel: SpatialPanel, weights: SpatialWeights) throws -> [Double] {
        let fit = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu), panel: panel, weights: weights)
        let rho = try XCTUnwrap(fit.rho)
        let wy = weights.applyPanel(panel.y), wx = weights.applyPanel(panel.x)
        let beta = fit.durbinIndex.map { fit.coefficients[$0.beta] }
        let theta = fit.durbinIndex.map { $0.theta.map { fit.coefficients[$0] } ?? 0 }
        let xb = panel.x.multiply(beta), wxt = wx.multiply(theta)
        let r = (0..<panel.y.count).map { panel.y[$0] - rho * wy[$0] - xb[$0] - wxt[$0] }
        return WithinTransform.apply(r, n: panel.n, t: panel.t, effects: .twoWays)
    }

    func testTheDefaultLawReproducesTheResidualSerialCorrelation() throws {
        XCTAssertEqual(ObservedDesignSpec.Errors.standard, .unitWild)
        let c = try CigaretteCalibration.calibrate(CigaretteCalibration.request(errors: .standard))
        let design = try ObservedDesign(spec: c.spec, source: "test", dataset: c.dataset)
        let data = design.dependence.serial
        assertClose(0.75, data, tolerance: 0.01, "the cigarette residuals' lag-1 autocorrelation (issue 20: 0.75)")
        let w = try c.dataset.weights
        func meanSerial(_ law: ObservedDesignSpec.Errors, reps: Int) throws -> (mean: Double, mcse: Double) {
            var spec = c.spec
            spec.errors = law
            let d = try ObservedDesign(spec: spec, source: "test", dataset: c.dataset)
            let r = try (0..<reps).map { rep -> Double in
                let panel = try d.generate(seed: 20, cell: 0, replication: rep)
                return ResidualDependence(residuals: try refitResiduals(panel, weights: w), n: panel.n, weights: w).serial
            }
            return (Statistics.mean(r), Statistics.standardDeviation(r) / Double(reps).squareRoot())
        }
        // (a) The errors of the world: each generated panel's ε (within-transformed, as the
        // estimator sees it) has the data's lag-1 autocorrelation, within 3 MCSE of the mean over 40 panels.
        let errorSerial = (0..<40).map { rep -> Double in
            let e = ObservedErrors.draw(.standard, sigma2: 1, pool: design.scaledResiduals, units: design.n,
                                        stream: RandomStream(StreamID(seed: 20, replication: rep)))
            return ResidualDependence(residuals: WithinTransform.apply(e, n: design.n, t: design.t, effects: .twoWays), n: design.n, weights: w).serial
        }
        assertWithinMCSE(data, Statistics.mean(errorSerial), mcse: Statistics.standardDeviation(errorSerial) / 40.0.squareRoot(),
                         "unit_wild errors keep the serial correlation")
        // (b) The residuals of the SDM refitted to each generated panel, as a user would measure them.
        // Their mean over 40 refits is 0.729 (MCSE 0.0017): projecting out the persistent regressors
        // and ρ̂ deflates a fitted residual's autocorrelation by ≈ 0.024, as it deflated the data's own
        // 0.753 (whose errors are then a little more persistent than the world's). Within the sampling
        // error of one panel's statistic: |mean − data| ≤ 3 × the spread across panels (≈ 0.011).
        let kept = try meanSerial(.standard, reps: 40)
        let spread = kept.mcse * 40.0.squareRoot()
        XCTAssertLessThanOrEqual(abs(kept.mean - data), 3 * spread, "refit residuals: mean \(kept.mean), data \(data), spread \(spread)")
        // The observation-level laws do not: about −1/(T − 1) after demeaning, far from 0.75.
        let lost = try meanSerial(.normal, reps: 10)
        XCTAssertLessThan(lost.mean, 0.1, "normal errors destroy the serial correlation")
    }

    /// Each law's draws, checked on the pool itself: unit_wild and unit_block keep every unit's
    /// series (up to sign / which unit), time_block every year's cross-section.
    func testBlockLawsMoveWholeBlocks() throws {
        let c = try CigaretteCalibration.calibrate()
        let design = try ObservedDesign(spec: c.spec, source: "test", dataset: c.dataset)
        let pool = design.scaledResiduals, n = design.n, t = design.t
        let stream = { RandomStream(StreamID(seed: 3, replication: 0)) }
        let uw = ObservedErrors.draw(.unitWild, sigma2: 1, pool: pool, units: n, stream: stream())
        for i in 0..<n {
            let s = uw[i] == pool[i] ? 1.0 : -1.0
            for p in 0..<t { XCTAssertEqual(uw[p * n + i], s * pool[p * n + i], "unit \(i): one sign for its whole series") }
        }
        let ub = ObservedErrors.draw(.unitBlock, sigma2: 1, pool: pool, units: n, stream: stream())
        for i in 0..<n {
            let series = (0..<t).map { ub[$0 * n + i] }
            XCTAssertTrue((0..<n).contains { j in (0..<t).map { pool[$0 * n + j] } == series }, "unit \(i) carries some unit's whole series")
        }
        let tb = ObservedErrors.draw(.timeBlock, sigma2: 1, pool: pool, units: n, stream: stream())
        for p in 0..<t {
            let year = Array(tb[p * n..<(p + 1) * n])
            XCTAssertTrue((0..<t).contains { s in Array(pool[s * n..<(s + 1) * n]) == year }, "year \(p) carries some year's whole cross-section")
        }
    }
}
