import Foundation
import XCTest
import Estimators
import Numerics
import TestSupport

/// The dynamic SDM on the cigarette panel against an independent NumPy/SciPy computation
/// (`cigarette_dynamic_sdm_reference.json`, scripts/fixtures/make_dynamic_sdm.py, numpy/scipy
/// versions in the fixture). The reference is the *static* SDM exact QML with y_{t−1} and
/// W y_{t−1} as regressors on periods 2…T, on a panel transformed explicitly: an orthonormal
/// F_N (removing time effects; W* = F_N'WF_N), the within transformation over periods 2…T, a
/// dense log|I − ρW*| of the (N − 1)-square W*, ρ solved by brentq on the exact score. The
/// Swift side uses none of that (two-way demeaning and W's eigenvalues minus the unit one), so
/// agreement checks the transformation identity, the likelihood and the bias-correction traces.
final class DynamicSpatialFixtureTests: XCTestCase {
    static func cigaretteQuadratic() throws -> (SpatialPanel, SpatialWeights) {
        let (panel, w) = try SpatialTestData.cigarette()
        let logp = panel.x.column(0)
        let x = try Matrix(columns: [logp, panel.x.column(1), logp.map { $0 * $0 }])
        return (try SpatialPanel(y: panel.y, x: x, names: ["logp", "logy", "logp^2"], n: panel.n, t: panel.t), w)
    }

    func reference(_ label: String) throws -> [String: Any] {
        let fits = try XCTUnwrap(loadSpatialFixture("cigarette_dynamic_sdm_reference")["fits"] as? [[String: Any]])
        return try XCTUnwrap(fits.first { $0["label"] as? String == label })
    }

    func assertMatches(_ fit: SpatialFitResult, _ ref: [String: Any], estimateTolerance: Double, _ label: String,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let rho = try XCTUnwrap(ref["rho"] as? [String: Double])
        assertClose(rho["estimate"]!, fit.rho!, tolerance: estimateTolerance, "\(label) rho", file: file, line: line)
        // SEs: the same information matrix computed two ways (dense transformed traces vs
        // eigenvalue sums); both exact to rounding on a well-conditioned 8 × 8 matrix.
        assertClose(rho["se"]!, fit.rhoEstimate!.se, tolerance: 1e-7 * rho["se"]!, "\(label) rho SE", file: file, line: line)
        let s2 = try XCTUnwrap(ref["sigma2"] as? [String: Double])
        assertClose(s2["estimate"]!, fit.sigma2, tolerance: 1e-8 * s2["estimate"]!, "\(label) sigma2", file: file, line: line)
        let coefficients = try XCTUnwrap(ref["coefficients"] as? [String: [String: Double]])
        XCTAssertEqual(Set(coefficients.keys), Set(fit.names), label, file: file, line: line)
        for (name, c) in coefficients {
            let k = try XCTUnwrap(fit.index(of: name))
            assertClose(c["estimate"]!, fit.coefficients[k], tolerance: estimateTolerance, "\(label) \(name)", file: file, line: line)
            assertClose(c["se"]!, fit.standardErrors[k], tolerance: 1e-7 * c["se"]!, "\(label) \(name) SE", file: file, line: line)
        }
        let loglik = try XCTUnwrap(ref["loglik"] as? Double)
        assertClose(loglik, fit.logLikelihood, tolerance: 1e-8 * abs(loglik), "\(label) loglik", file: file, line: line)
    }

    /// Done-when item of issue 25: the uncorrected dynamic QML equals the static SDM exact
    /// reference with y_{t−1} and W y_{t−1} as regressors on periods 2…T to 1e-8. Both sides solve
    /// the score to rounding (ρ's condition: SE 0.04 on n* = 1305), so 1e-8 is far above the noise.
    func testUncorrectedEqualsStaticReferenceOnAugmentedDesign() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let d = try DynamicSpatialEstimator.fit(panel: panel, weights: w, biasCorrection: .none)
        XCTAssertTrue(d.fit.converged, d.fit.reason)
        XCTAssertFalse(d.correctionApplied)
        XCTAssertEqual(d.fit.nObservations, 45 * 29)
        try assertMatches(d.fit, XCTUnwrap(reference("linear")["uncorrected"] as? [String: Any]), estimateTolerance: 1e-8, "uncorrected")
        XCTAssertEqual(d.fit.coefficients, d.uncorrected.coefficients)
    }

    /// The YDL correction: the same formula evaluated with dense (N − 1)-square matrices on the
    /// transformed W in the reference; 1e-8 on estimates, 1e-7 relative on SEs.
    func testBiasCorrectedAgainstDenseReference() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let d = try DynamicSpatialEstimator.fit(panel: panel, weights: w, biasCorrection: .ydl)
        XCTAssertTrue(d.fit.converged, d.fit.reason)
        XCTAssertTrue(d.correctionApplied)
        try assertMatches(d.fit, XCTUnwrap(reference("linear")["corrected"] as? [String: Any]), estimateTolerance: 1e-8, "corrected")
        try assertMatches(d.uncorrected, XCTUnwrap(reference("linear")["uncorrected"] as? [String: Any]), estimateTolerance: 1e-8,
                          "uncorrected beside corrected")
        // The correction moves τ up (Nickell-type downward bias of the within estimator) by about 1/T.
        XCTAssertGreaterThan(d.tau.estimate - d.uncorrected.coefficients[d.tauIndex], 0.02)
    }

    /// Short- and long-run direct/indirect/total effects of logp and logy with delta-method SEs
    /// against dense inverses and central-difference gradients (h = 1e-6: truncation ≈ 1e-12,
    /// rounding ≈ 1e-10 relative in the gradient), so SEs to 1e-6 relative.
    func testShortAndLongRunEffectsAgainstDenseReference() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let d = try DynamicSpatialEstimator.fit(panel: panel, weights: w)
        let ref = try reference("linear")
        for horizon in EffectHorizon.allCases {
            let fit = try XCTUnwrap(DynamicEffects.horizonFit(d, horizon).fit, horizon.rawValue)
            let impacts = try SpatialImpacts.delta(fit, weights: w)
            let expected = try XCTUnwrap((ref[horizon.rawValue] as? [String: Any])?["impacts"] as? [String: [String: [String: Double]]])
            XCTAssertEqual(impacts.map(\.variable), ["logp", "logy"])
            for impact in impacts {
                for kind in EffectKind.allCases {
                    let e = try XCTUnwrap(expected[impact.variable]?[kind.rawValue])
                    let label = "\(horizon.rawValue) \(kind.rawValue) \(impact.variable)"
                    assertClose(e["estimate"]!, impact.value(kind).estimate, tolerance: 1e-8 * max(1, abs(e["estimate"]!)), label)
                    assertClose(e["se"]!, impact.value(kind).se, tolerance: 1e-6 * e["se"]!, "\(label) SE")
                }
            }
        }
    }

    /// Turning points of the logp curve (logp^2 added) at both horizons: the direct and indirect
    /// ones move with ρ (short run) and ρ_L = (ρ + η)/(1 − τ) (long run); the total one does not.
    func testTurningPointsBothHorizonsAgainstDenseReference() throws {
        let (panel, w) = try Self.cigaretteQuadratic()
        let d = try DynamicSpatialEstimator.fit(panel: panel, weights: w)
        XCTAssertTrue(d.fit.converged, d.fit.reason)
        let ref = try reference("quadratic")
        try assertMatches(d.fit, XCTUnwrap(ref["corrected"] as? [String: Any]), estimateTolerance: 1e-8, "quadratic corrected")
        var points: [EffectHorizon: [EffectKind: Double]] = [:]
        for horizon in EffectHorizon.allCases {
            // Turning points come from the fit without the long run's common factor 1/(1 − τ)
            // (DynamicEffects.nonlinear); the reference differentiates the scaled formula, so
            // agreement also checks that the factor cancels from the value and its delta-method SE.
            let nl = try XCTUnwrap(DynamicEffects.nonlinear(d, horizon, weights: w, terms: QuadraticTerms(linear: "logp", square: "logp^2"),
                                                            grid: [-0.3, 0, 0.3], moderatorValues: [], lower: -0.3, upper: 0.3))
            let scaled = try SpatialCurves.analyse(try XCTUnwrap(DynamicEffects.horizonFit(d, horizon).fit), weights: w,
                                                   terms: QuadraticTerms(linear: "logp", square: "logp^2"),
                                                   grid: [-0.3, 0, 0.3], moderatorValues: [], lower: -0.3, upper: 0.3)
            for (a, b) in zip(nl.curves.flatMap(\.points), scaled.curves.flatMap(\.points)) {
                XCTAssertEqual(a.effect.estimate, b.effect.estimate, "curves keep the 1/(1 − τ) scale")
            }
            let expected = try XCTUnwrap((ref[horizon.rawValue] as? [String: Any])?["turning_points"] as? [String: [String: Double]])
            for tp in nl.turningPoints {
                let e = try XCTUnwrap(expected[tp.kind.rawValue])
                let label = "\(horizon.rawValue) \(tp.kind.rawValue) turning point"
                // A ratio of two combinations of the estimates: 1e-7 relative covers its conditioning.
                assertClose(e["estimate"]!, tp.delta.estimate, tolerance: 1e-7 * abs(e["estimate"]!), label)
                assertClose(e["se"]!, tp.delta.se, tolerance: 1e-5 * e["se"]!, "\(label) SE")
                points[horizon, default: [:]][tp.kind] = tp.delta.estimate
            }
            XCTAssertEqual(nl.uTests.count, 3)
        }
        // Total-effect turning point −(β1 + θ1)/(2(β2 + θ2)) is the same at both horizons.
        assertClose(points[.shortRun]![.total]!, points[.longRun]![.total]!, tolerance: 1e-12 * abs(points[.shortRun]![.total]!),
                    "total turning point is horizon-free")
    }

    func testRefusesWhatItCannotEstimate() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let rows = 2 * panel.n
        let x = try Matrix(columns: (0..<panel.x.cols).map { Array(panel.x.column($0)[0..<rows]) })
        let short = try SpatialPanel(y: Array(panel.y[0..<rows]), x: x, names: panel.names, n: panel.n, t: 2)
        XCTAssertThrowsError(try DynamicSpatialEstimator.fit(panel: short, weights: w)) { error in
            XCTAssertTrue(error is EstimationError, "\(error)")
        }
        var c = w.matrix
        for k in 0..<c.data.count where c.data[k] != 0 { c.data[k] = 1 }
        let binary = try SpatialWeights(c)
        XCTAssertFalse(binary.isRowStandardised)
        XCTAssertThrowsError(try DynamicSpatialEstimator.fit(panel: panel, weights: binary)) { error in
            XCTAssertTrue(error is EstimationError, "\(error)")
        }
    }
}
