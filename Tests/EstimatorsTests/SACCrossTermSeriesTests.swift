import CitySystem
@testable import Estimators
import Foundation
import Numerics
import TestSupport
import XCTest

/// The SAC sandwiches' cross-unit term from W's spectrum (`CrossUnitTerm(series:…)`: the SDM's
/// `SquaredGSeries.term` at ρ̂ and λ̂ and `mixedTerm` for the ρλ entry, issue 22) against the dense
/// pairs of Ĝ = BGB⁻¹ and H = MB⁻¹ it replaces when M = W: the same number to rounding. The dense form
/// goes through two LU solves and three N³ products, so the two differ by a few hundred ulps of the
/// operators' entries at these sizes: 1e-12 relative leaves room for that and nothing else (a missed
/// order of the series at the patch edge is ≥ 1e-9 of the term). Each test also checks that the series
/// (not its dense fallback) produced the value, so the comparison cannot pass by comparing dense to dense.
final class SACCrossTermSeriesTests: XCTestCase {
    static let tolerance = 1e-12

    /// A generated panel (`SyntheticSDMPanel`, symmetrised 6-nearest-neighbour W, row-standardised), held exact.
    func generated(n: Int = 120, t: Int = 5) throws -> (SACDesign, SpatialWeights, SACPoint) {
        let b = try SyntheticSDMPanel(n: n, t: t, seed: 2026_1206)
        let w = try SpatialWeights(sparse: b.weights, logDeterminant: .exact)
        let spec = SpatialModelSpec(model: .sac, effects: .twoWays, approach: .leeYu, durbin: .all)
        let d = try SACDesign(spec: spec, panel: b.panel, weights: w, errorWeights: w)
        return (d, w, try SACSearch.maximise(d, weights: w, errorWeights: w))
    }

    /// Points (x, y) in km, spread quasi-uniformly over 1,000 km × 1,000 km (a golden-ratio sequence).
    func geography(_ n: Int) throws -> Geography {
        let x = (0..<n).map { 1000 * (Double($0) * 0.618_033_988_75).truncatingRemainder(dividingBy: 1) }
        let y = (0..<n).map { 1000 * (Double($0) * 0.414_213_562_37 + 0.1).truncatingRemainder(dividingBy: 1) }
        return try Geography.locations(x: x, y: y, isLonLat: false)
    }

    func assertSame(_ dense: Matrix, _ series: Matrix, _ label: String) {
        for a in 0..<dense.rows {
            for b in 0..<dense.cols {
                let scale = (dense[a, a] * dense[b, b]).squareRoot()
                assertClose(dense[a, b], series[a, b], tolerance: Self.tolerance * scale, "\(label) V[\(a), \(b)]")
            }
        }
    }

    /// Runs `body` and checks that it computed `expected` terms by the series and none by the dense fallback.
    func assertBySeries<T>(_ expected: Int, _ label: String, _ body: () throws -> T) rethrows -> T {
        let before = SquaredGSeries.Tally.shared.counts
        let out = try body()
        let after = SquaredGSeries.Tally.shared.counts
        XCTAssertEqual(after.series - before.series, expected, "\(label): terms by the series")
        XCTAssertEqual(after.dense - before.dense, 0, "\(label): terms by the dense fallback")
        return out
    }

    /// A sandwich with its cross-unit terms by W's series (three terms by the series, none dense) equals
    /// the same sandwich with the dense Ĝ, Ĥ (`covariance(true)`), entry by entry to `tolerance`.
    func assertSeriesEqualsDense(_ label: String, _ covariance: (_ denseOperators: Bool) throws -> Matrix) throws {
        let dense = try covariance(true)
        let series = try assertBySeries(3, label) { try covariance(false) }
        assertSame(dense, series, label)
    }

    /// The three sums themselves, on pair weights from N × T normal residuals, at the fitted (ρ̂, λ̂) and at
    /// points where ρ and λ sit on different nodes of opposite signs: ρρ and λλ to 1e-12 of themselves,
    /// ρλ to 1e-12 of √(ρρ·λλ) (its Cauchy–Schwarz bound for these non-negative weights).
    func testSumsEqualTheDensePairs() throws {
        let (_, w, fitted) = try generated()
        let n = w.count
        let series = try XCTUnwrap(CrossUnitTerm.series(weights: w, errorWeights: w))
        let e = RandomStream(seed: 7, purpose: 3).normals(n * 5)
        let products = Matrix(rows: n, cols: 5, uncheckedColumnMajor: e).outerProduct()
        let pw = SquaredGSeries.packLower(products) { 2 * $0 * $0 }
        var nu = 0.0
        for i in 0..<n { nu += 2 * products[i, i] * products[i, i] }
        for (rho, lambda) in [(fitted.rho, fitted.lambda), (0.45, -0.3), (-0.2, 0.6), (0.1, 0.1)] {
            let viaSeries = assertBySeries(3, "ρ = \(rho), λ = \(lambda)") {
                CrossUnitTerm(series: series, rho: rho, lambda: lambda, pairWeights: pw, nuclearBound: nu).sums
            }
            let (gHat, h, _) = try SACVariance.operators(rho: rho, lambda: lambda, weights: w, errorWeights: w)
            var dense = CrossUnitTerm(gHat: gHat, h: h)
            for j in 0..<n { for i in 0..<n where i != j { dense.add(i, j, weight: products[i, j] * products[i, j]) } }
            let d = dense.sums
            assertClose(d.rr, viaSeries.rr, tolerance: Self.tolerance * abs(d.rr), "ρρ at ρ = \(rho), λ = \(lambda)")
            assertClose(d.ll, viaSeries.ll, tolerance: Self.tolerance * abs(d.ll), "λλ at ρ = \(rho), λ = \(lambda)")
            assertClose(d.rl, viaSeries.rl, tolerance: Self.tolerance * (d.rr * d.ll).squareRoot(), "ρλ at ρ = \(rho), λ = \(lambda)")
        }
    }

    /// The cluster (CR1, CR2) and Conley (Bartlett 700 km with lag 0 and 3, uniform 500 km with a uniform
    /// lag of 2) sandwiches on the cigarette panel at the NumPy fixture's estimates, direct and Lee–Yu.
    func testCigaretteSandwichesEqualTheDenseForm() throws {
        let refs = try SpatialClusterCorrectionTests.json("sac_conley_cigarette.json")
        let settings = try XCTUnwrap(refs["settings"] as? [[String: Any]])
        let geography = try CigaretteConleyFixture.stateGeography()
        let (panel, w) = try SpatialTestData.cigarette()
        for (key, approach) in [("direct", SpatialApproach.direct), ("leeyu", .leeYu)] {
            let spec = SpatialModelSpec(model: .sac, effects: .twoWays, approach: approach, durbin: .all)
            let d = try SACDesign(spec: spec, panel: panel, weights: w, errorWeights: w)
            let ref = try XCTUnwrap(refs[key] as? [String: Any])
            let point = SACPoint(coefficients: try XCTUnwrap(ref["beta"] as? [Double]), rho: try XCTUnwrap(ref["rho"] as? Double),
                                 lambda: try XCTUnwrap(ref["lambda"] as? Double), sigma2: try XCTUnwrap(ref["sigma2"] as? Double),
                                 iterations: 0, termination: .converged, reason: "")
            let bread = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w)
            for correction in [ClusterCorrection.cr1, .cr2] {
                try assertSeriesEqualsDense("\(key) cluster \(correction)") {
                    try SACVariance.clusterCovariance(d, point: point, weights: w, errorWeights: w, bread: bread, correction: correction,
                                                      denseOperators: $0)
                }
            }
            for setting in settings {
                let conley = try CigaretteConleyFixture.conley(setting, geography: geography)
                let name = try XCTUnwrap(setting["name"] as? String)
                try assertSeriesEqualsDense("\(key) \(name)") {
                    try SACVariance.conleyCovariance(d, point: point, weights: w, errorWeights: w, bread: bread, conley: conley, denseOperators: $0)
                }
            }
        }
    }

    /// The same on a generated panel (N = 120, T = 5, Lee–Yu) at its own SAC fit: cluster CR1 and Conley
    /// (Bartlett 150 km, lag 2, on points of their own — any neighbour list exercises the pair weights).
    func testGeneratedPanelSandwichesEqualTheDenseForm() throws {
        let (d, w, point) = try generated()
        let bread = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w)
        try assertSeriesEqualsDense("generated cluster") {
            try SACVariance.clusterCovariance(d, point: point, weights: w, errorWeights: w, bread: bread, denseOperators: $0)
        }
        let conley = try ConleySpec(cutoffKm: 150, kernel: .bartlett, lag: 2, serialKernel: .bartlett,
                                    neighbours: try geography(w.count).neighbours(within: 150))
        XCTAssertGreaterThan(conley.neighbours.pairCount, 0)
        try assertSeriesEqualsDense("generated Conley") {
            try SACVariance.conleyCovariance(d, point: point, weights: w, errorWeights: w, bread: bread, conley: conley, denseOperators: $0)
        }
    }

    /// `mixedTerm` at λ = ρ is `term` at ρ (S∘S summed two ways, to rounding), and where its bound cannot be
    /// certified (ν infinite) it returns the dense product, counted as such.
    func testMixedTermAgainstTermAndItsFallback() throws {
        let (_, w, _) = try generated()
        let n = w.count
        let series = try XCTUnwrap(w.squaredG)
        let e = RandomStream(seed: 11, purpose: 3).normals(n * 4)
        let products = Matrix(rows: n, cols: 4, uncheckedColumnMajor: e).outerProduct()
        let pw = SquaredGSeries.packLower(products) { 2 * $0 * $0 }
        var nu = 0.0
        for i in 0..<n { nu += 2 * products[i, i] * products[i, i] }
        for rho in [-0.4, 0.05, 0.37, 0.8] {
            let single = series.term(rho: rho, pairWeights: pw, nuclearBound: nu)
            let mixed = assertBySeries(1, "mixed at ρ = λ = \(rho)") { series.mixedTerm(rho: rho, lambda: rho, pairWeights: pw, nuclearBound: nu) }
            assertClose(single.value, mixed.value, tolerance: Self.tolerance * abs(single.value), "ρ = λ = \(rho)")
            XCTAssertLessThanOrEqual(mixed.truncationBound, 1e-15 * abs(mixed.value))
        }
        let before = SquaredGSeries.Tally.shared.counts
        let fallback = series.mixedTerm(rho: 0.3, lambda: -0.1, pairWeights: pw, nuclearBound: .infinity)
        XCTAssertEqual(fallback.method, .dense)
        XCTAssertEqual(SquaredGSeries.Tally.shared.counts.dense - before.dense, 1)
        let viaSeries = series.mixedTerm(rho: 0.3, lambda: -0.1, pairWeights: pw, nuclearBound: nu)
        guard case .series = viaSeries.method else { return XCTFail("the mixed term at (0.3, −0.1) fell back to the dense product") }
        assertClose(fallback.value, viaSeries.value, tolerance: Self.tolerance * abs(fallback.value), "series against dense at (0.3, −0.1)")
    }

    /// The expected information's inverse (the analytic variance and the sandwiches' bread) from W's spectrum
    /// (`SACVariance.InformationTraces.spectral`, v by spectral solves) against the dense Ĝ, H: cigarette panel,
    /// direct and Lee–Yu at the fixture's estimates, and the generated panel at its fit, every element to 1e-12
    /// of √(V_aa V_bb).
    func testInformationFromTheSpectrumEqualsTheDenseForm() throws {
        let refs = try SpatialClusterCorrectionTests.json("sac_conley_cigarette.json")
        let (panel, w) = try SpatialTestData.cigarette()
        var cases: [(String, SACDesign, SpatialWeights, SACPoint)] = []
        for (key, approach) in [("direct", SpatialApproach.direct), ("leeyu", .leeYu)] {
            let spec = SpatialModelSpec(model: .sac, effects: .twoWays, approach: approach, durbin: .all)
            let ref = try XCTUnwrap(refs[key] as? [String: Any])
            let point = SACPoint(coefficients: try XCTUnwrap(ref["beta"] as? [Double]), rho: try XCTUnwrap(ref["rho"] as? Double),
                                 lambda: try XCTUnwrap(ref["lambda"] as? Double), sigma2: try XCTUnwrap(ref["sigma2"] as? Double),
                                 iterations: 0, termination: .converged, reason: "")
            cases.append(("cigarette \(key)", try SACDesign(spec: spec, panel: panel, weights: w, errorWeights: w), w, point))
        }
        let (d, gw, fitted) = try generated()
        cases.append(("generated", d, gw, fitted))
        for (label, d, w, point) in cases {
            let project = d.shape.dropsUnitRoot > 0
            XCTAssertNotNil(SACVariance.InformationTraces.spectral(project: project, rho: point.rho, lambda: point.lambda, weights: w, errorWeights: w), label)
            let dense = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w, denseOperators: true)
            let spectral = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w)
            assertSame(dense, spectral, "\(label) information")
        }
    }

    /// With M ≠ W the series does not apply (Ĝ is no function of one symmetric matrix): no series object.
    func testSeriesOnlyWhenMIsW() throws {
        let (_, w) = try SpatialTestData.cigarette()
        let (_, other, _) = try generated(n: 46, t: 3)
        XCTAssertNotNil(CrossUnitTerm.series(weights: w, errorWeights: w))
        XCTAssertNil(CrossUnitTerm.series(weights: w, errorWeights: other))
    }
}
