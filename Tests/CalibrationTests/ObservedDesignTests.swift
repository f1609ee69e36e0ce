import Calibration
import CitySystem
import Estimators
import Numerics
import TestSupport
import XCTest

final class ObservedDesignTests: XCTestCase {
    /// With the errors set to the fitted residuals and the calibrated parameters, the generator
    /// must give back the data: y = (I − ρW)⁻¹(Xβ + WXθ + μ + α + Qr) and Qr + μ + α = y − ρWy − Xβ − WXθ.
    /// Every fixed-effects layout recovers its own μ, α. Tolerance: the solve through W's
    /// eigenvectors loses a few ulps of |y| ≈ 5 per step, times ‖(I − ρW)⁻¹‖ ≈ 1/(1 − ρ) < 2.
    func testGenerationWithTheFittedResidualsReproducesTheData() throws {
        for effects in [FixedEffects.twoWays, .individual, .time, .none] {
            let approach: SpatialApproach = effects == .none ? .direct : .leeYu
            let c = try CigaretteCalibration.calibrate(CigaretteCalibration.request(effects: effects, approach: approach))
            let design = try ObservedDesign(spec: c.spec, source: "test", dataset: c.dataset)
            let y = try design.outcome(errors: design.residuals)
            assertClose(try c.dataset.panel.y, y, tolerance: 1e-11, "\(effects)")
            // The residuals are the estimator's: their sum of squares over n* is the fitted σ² (relative rounding).
            let ee = design.residuals.reduce(0) { $0 + $1 * $1 }
            assertClose(c.fit.sigma2, ee / Double(c.fit.nObservations), tolerance: 1e-12 * c.fit.sigma2, "\(effects)")
        }
    }

    func testSameSeedGivesTheSamePanelAndReplicationsDiffer() throws {
        let c = try CigaretteCalibration.calibrate()
        for law in ObservedDesignSpec.Errors.allCases {
            var spec = c.spec
            spec.errors = law
            let design = try ObservedDesign(spec: spec, source: "test", dataset: c.dataset)
            let a = try design.generate(seed: 7, cell: 2, replication: 3).y
            XCTAssertEqual(a, try design.generate(seed: 7, cell: 2, replication: 3).y, "bit-identical for the same stream (\(law))")
            XCTAssertNotEqual(a, try design.generate(seed: 7, cell: 2, replication: 4).y, "\(law)")
            XCTAssertNotEqual(a, try design.generate(seed: 8, cell: 2, replication: 3).y, "\(law)")
        }
    }

    /// The resampling pool is the centred residuals rescaled to mean square σ² (rounding only).
    func testThePoolHasMeanZeroAndMeanSquareSigma2() throws {
        let c = try CigaretteCalibration.calibrate()
        let pool = try ObservedDesign(spec: c.spec, source: "test", dataset: c.dataset).scaledResiduals
        let m = Statistics.mean(pool)
        assertClose(0, m, tolerance: 1e-15, "centred")
        assertClose(c.spec.fit.sigma2, pool.reduce(0) { $0 + $1 * $1 } / Double(pool.count), tolerance: 1e-14, "rescaled to σ²")
    }

    /// Moments of M = 200 × 1380 draws against their population values, within 3 MCSE:
    /// mean 0 (MCSE σ/√M) and variance σ² (MCSE √((μ4 − σ⁴)/M), μ4 the law's fourth moment).
    func testBootstrapAndNormalDrawsHaveMeanZeroAndVarianceSigma2() throws {
        let c = try CigaretteCalibration.calibrate()
        let pool = try ObservedDesign(spec: c.spec, source: "test", dataset: c.dataset).scaledResiduals
        let s2 = c.spec.fit.sigma2
        let poolSet = Set(pool)
        for (law, mu4) in [(ObservedDesignSpec.Errors.bootstrap, pool.reduce(0) { $0 + pow($1, 4) } / Double(pool.count)),
                           (.normal, 3 * s2 * s2)] {
            var draws: [Double] = []
            for r in 0..<200 {
                let e = ObservedErrors.draw(law, sigma2: s2, pool: pool, units: 46, stream: RandomStream(StreamID(seed: 1, replication: r)))
                XCTAssertEqual(e.count, pool.count)
                draws += e
            }
            if law == .bootstrap { XCTAssertTrue(draws.allSatisfy { poolSet.contains($0) }, "bootstrap draws are fitted residuals") }
            let mm = Double(draws.count)
            let mean = Statistics.mean(draws)
            let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (mm - 1)
            assertWithinMCSE(0, mean, mcse: s2.squareRoot() / mm.squareRoot(), "\(law) mean")
            assertWithinMCSE(s2, variance, mcse: ((mu4 - s2 * s2) / mm).squareRoot(), "\(law) variance")
        }
    }

    /// Wild draws keep each residual's magnitude (so each observation keeps its variance
    /// ẽ²_k exactly) and flip its sign with probability 1/2: the share of flips is within
    /// 3 MCSE (√(1/(4M))) of 1/2 and the mean within 3 MCSE (√(Σẽ²)/M) of 0.
    func testWildDrawsKeepMagnitudesAndFlipSignsHalfTheTime() throws {
        let c = try CigaretteCalibration.calibrate()
        let pool = try ObservedDesign(spec: c.spec, source: "test", dataset: c.dataset).scaledResiduals
        var flips = 0, total = 0, sum = 0.0
        for r in 0..<200 {
            let e = ObservedErrors.draw(.wild, sigma2: c.spec.fit.sigma2, pool: pool, units: 46, stream: RandomStream(StreamID(seed: 2, replication: r)))
            for (d, p) in zip(e, pool) where p != 0 {
                XCTAssertEqual(abs(d), abs(p), "a sign flip is exact")
                if d != p { flips += 1 }
                total += 1
                sum += d
            }
        }
        let m = Double(total)
        assertWithinMCSE(0.5, Double(flips) / m, mcse: (0.25 / m).squareRoot(), "Rademacher share of flips")
        let ss = 200 * pool.reduce(0) { $0 + $1 * $1 }
        assertWithinMCSE(0, sum / m, mcse: ss.squareRoot() / m, "mean of the wild draws")
    }
}
