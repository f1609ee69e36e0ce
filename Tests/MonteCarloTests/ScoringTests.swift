import Estimators
@testable import MonteCarlo
import Numerics
import TestSupport
import XCTest

/// Issue 11: measures on the errors, robust measures, Fieller sets, tests and
/// non-comparable estimands, on an engine-written file and by hand.
final class ScoringTests: XCTestCase {
    /// One cell of the small city system; curve points are evaluated at the panel's
    /// own CA percentiles, so their truth varies by replication.
    static let varyingTruth = CitySystemRunTests.small
        .replacingOccurrences(of: "grid:\n  city_system.outcome.rho: [0.2, 0.5]", with: "")
        .replacingOccurrences(of: "{replications: 5, chunk_size: 2}", with: "{replications: 8, chunk_size: 3}")

    func testEmpSEIsTheSpreadOfTheErrorsOnAnEngineWrittenFile() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-scoring")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("vary.h5").path
        _ = try MonteCarloRunner(scenario: try MonteCarloScenario(text: Self.varyingTruth), options: RunOptions(output: out),
                                 format: HDF5ResultsFormat()).run()
        let source = try HDF5ResultsFormat().open(path: out)
        let cell = try source.cell(0)
        let stored = try source.measures(0)
        let layout = source.metadata.layouts[0]
        let k = try XCTUnwrap(layout.estimands.firstIndex(of: "curve.total.p25.3"))
        let used = cell.records.filter { $0.fits[0].status.isOK }.map { $0.fits[0].results[k] }
        XCTAssertEqual(used.count, 8, "every fit converges on this design")
        let truths = used.map(\.truth), errors = used.map { $0.estimate - $0.truth }
        XCTAssertGreaterThan(Statistics.standardDeviation(truths), 0, "the truth varies by replication")
        let m = stored[0][k]
        // The stored value is computed in the same order of operations; 1e-12 allows for reordering.
        assertClose(Statistics.standardDeviation(errors), m.empiricalSE, tolerance: 1e-12 * m.empiricalSE, "EmpSE = sd(θ̂ − θ)")
        XCTAssertGreaterThan(abs(Statistics.standardDeviation(used.map(\.estimate)) - m.empiricalSE), 1e-9 * m.empiricalSE,
                             "sd(θ̂) differs from sd(θ̂ − θ) when the truth varies")
        let med = Statistics.median(errors)
        assertClose(med, m.medianBias, tolerance: 1e-15, "median of the errors")
        assertClose(1.482602218505602 * Statistics.median(errors.map { abs($0 - med) }), m.robustSE, tolerance: 1e-15, "1.4826·MAD")

        // Ratio, test and non-comparable rows are scored by their own rules.
        let tp = stored[0][try XCTUnwrap(layout.estimands.firstIndex(of: "tp.direct.p50"))]
        XCTAssertEqual(tp.shareBounded + tp.shareDisjoint + tp.shareWholeLine, 1, accuracy: 1e-12, "no half-line or empty set here")
        XCTAssertTrue(tp.fiellerCoverage >= 0 && tp.fiellerCoverage <= 1 && tp.shareRightShape.isFinite && tp.shareInsideSupport.isFinite)
        let shift = stored[0][try XCTUnwrap(layout.estimands.firstIndex(of: "shift.direct"))]
        XCTAssertTrue(shift.fiellerCoverage.isFinite, "shift.* has a Fieller set too")
        let u = stored[0][try XCTUnwrap(layout.estimands.firstIndex(of: "utest.direct.p50"))]
        XCTAssertTrue(u.bias.isNaN && u.empiricalSE.isNaN && u.rmse.isNaN, "no bias, EmpSE or RMSE for a test")
        XCTAssertEqual(u.nNullTrue + u.nNullFalse, Double(u.nOK))
        XCTAssertTrue(u.noncentrality.isFinite)
        let rhoKnn = stored[1][0]
        XCTAssertEqual(rhoKnn.comparable, 0, "ρ under knn4 is another parameter")
        XCTAssertTrue(rhoKnn.bias.isNaN && rhoKnn.coverage.isNaN && rhoKnn.empiricalSE.isFinite)
        XCTAssertEqual(stored[0][0].comparable, 1, "ρ under the true W is comparable")
        // The role tables and the not-comparable mark are rendered by Reports' SummaryTable
        // (SummarizeTableTests.testOneTablePerEstimandRoleWithItsNote); here: the rows they read.
        let rows = try Summary.rows(of: source)
        XCTAssertEqual(Set(rows.map { EstimandRole(estimand: $0.estimand) }), [.parameter, .ratio, .test])
        XCTAssertTrue(rows.contains { $0.estimand == "rho" && $0.measure("comparable") == 0 })
    }

    func testEachFiellerSetTypeIsStoredAndScored() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-scoring")
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = RunnerTests.twoCells.replacingOccurrences(of: "estimands: [beta0, beta1, beta2]", with: "estimands: [tp.direct.p50]")
            .replacingOccurrences(of: "grid:\n  known_dgp.sigma: [0.5, 2.0]", with: "")
        let scenario = try MonteCarloScenario(text: text)
        let truth = 2.0
        let sets: [ConfidenceSet] = [
            ConfidenceSet(.bounded, lower: 1, upper: 3),            // covers
            ConfidenceSet(.bounded, lower: 2.5, upper: 3),          // misses
            ConfidenceSet(.disjoint, lower: 2.5, upper: 4),         // (−∞, 2.5] ∪ [4, ∞) covers
            ConfidenceSet(.disjoint, lower: 1, upper: 3),           // misses
            ConfidenceSet(.wholeLine),                              // covers: both bounds infinite, must be kept
            ConfidenceSet(.halfLine, lower: 1.5),                   // [1.5, ∞) covers
            ConfidenceSet(.empty, lower: .nan, upper: .nan),        // misses
        ]
        let records = sets.enumerated().map { r, set in
            let tp = EstimandResult(truth: truth, estimate: 2 + 0.1 * Double(r), standardError: 0.5, lower: -.infinity, upper: .infinity,
                                    confidenceSet: set, rightShape: r != 3, insideSupport: r < 5)
            return ReplicationRecord(replication: r, streamKey: UInt64(r), fits: [FitOutcome(status: .ok, results: [tp]),
                                                                                   FitOutcome(status: .ok, results: [.missing(truth: 1)])])
        }
        let metadata = RunMetadata(scenario: scenario, cells: try scenario.cells(), replications: sets.count, shard: .whole, toolVersion: "test")
        let cell = CellResults(info: metadata.cells[0], records: records)
        let out = dir.appendingPathComponent("sets.h5").path
        let sink = try HDF5ResultsFormat().create(path: out, metadata: metadata)
        try sink.write(cell: cell, measures: cell.measures(metadata))
        try sink.commit()
        let source = try HDF5ResultsFormat().open(path: out)
        XCTAssertEqual(try source.cell(0), cell, "every set type round-trips bit for bit")
        let m = try source.measures(0)[0][0]
        XCTAssertEqual(m, cell.measures(metadata)[0][0])
        assertClose(4.0 / 7, m.fiellerCoverage, tolerance: 1e-15, "bounded, disjoint, whole line and half-line cover")
        assertClose((4.0 / 7 * 3 / 7 / 7).squareRoot(), m.mcseFiellerCoverage, tolerance: 1e-15)
        assertClose(2.0 / 7, m.shareBounded, tolerance: 1e-15)
        assertClose(2.0 / 7, m.shareDisjoint, tolerance: 1e-15)
        assertClose(1.0 / 7, m.shareWholeLine, tolerance: 1e-15)
        assertClose(6.0 / 7, m.shareRightShape, tolerance: 1e-15)
        assertClose(5.0 / 7, m.shareInsideSupport, tolerance: 1e-15)
        // A ratio row has no mean-based measures (issue 20): delta coverage, bias and EmpSE are blank.
        XCTAssertTrue(m.coverage.isNaN && m.bias.isNaN && m.empiricalSE.isNaN && m.mean.isNaN,
                      "mean-based measures of a ratio are not estimable and are left blank")
        // The journal keeps them too.
        var w = BinaryWriter()
        for r in records { w.record(r) }
        var reader = BinaryReader(w.bytes)
        XCTAssertEqual(try records.map { _ in try reader.record() }, records)
    }

    func testWilsonIntervalIsInformativeAtZeroAndOne() {
        let zero = Proportion(Array(repeating: false, count: 300))
        XCTAssertEqual(zero.mcse, 0)
        // Wilson (1927) at p = 0: upper = (z²/n)/(1 + z²/n).
        let z2 = 1.959963984540054 * 1.959963984540054
        assertClose((z2 / 300) / (1 + z2 / 300), zero.wilson.upper, tolerance: 1e-15)
        assertClose(0, zero.wilson.lower, tolerance: 1e-15, "centre and half-width are both z²/2n")
        let one = Proportion(Array(repeating: true, count: 300))
        assertClose(1 - (z2 / 300) / (1 + z2 / 300), one.wilson.lower, tolerance: 1e-15)
    }
}

/// Issue 20: the Monte Carlo scores coefficients and effects by the fit's one quantile rule —
/// t(G − 1) for a clustered variance, t(n* − k) otherwise — as its curves and tests.
final class QuantileRuleScoringTests: XCTestCase {
    func testWaldIntervalsUseTheFitsDegreesOfFreedom() throws {
        let synthetic = try SyntheticSDMPanel(n: 40, t: 4, seed: 3)
        let w = try SpatialWeights(synthetic.weights.dense())
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        for variance in [SpatialVarianceMethod.analytic, .cluster] {
            let fit = try SpatialEstimator.fit(spec, panel: synthetic.panel, weights: w, variance: variance)
            let df = variance == .cluster ? 39.0 : Double(39 * 3 - 10)   // G − 1; n* − k with k = 8 + ρ + σ²
            XCTAssertEqual(fit.tDegreesOfFreedom, df)
            let r = SpatialScoring.wald(0.3, fit.rhoEstimate, fit: fit)
            let se = try XCTUnwrap(fit.rhoEstimate?.se)
            // Half-width / SE is the t quantile exactly up to rounding of the subtraction (SE ≈ 0.05).
            assertClose(StudentT.quantile(0.975, df: df), (r.upper - r.estimate) / se, tolerance: 1e-9)
            assertClose(2 * StudentT.survival(abs(r.estimate / se), df: df), r.pValue, tolerance: 1e-12)
        }
    }

    /// Issue 23: with the CR2 cluster variance a coefficient estimand is scored with the coefficient's
    /// Satterthwaite df, ρ with t(G − 1).
    func testCR2CoefficientsUseTheirSatterthwaiteDegreesOfFreedom() throws {
        let synthetic = try SyntheticSDMPanel(n: 40, t: 4, seed: 3)
        let w = try SpatialWeights(synthetic.weights.dense())
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let fit = try SpatialEstimator.fit(spec, panel: synthetic.panel, weights: w, variance: .cluster, clusterCorrection: .cr2)
        let dfs = try XCTUnwrap(fit.coefficientDegreesOfFreedom)
        let name = fit.names[0]
        let r = SpatialScoring.coefficient(0.3, name, fit: fit)
        let se = fit.standardErrors[0]
        XCTAssertNotEqual(dfs[0], fit.tDegreesOfFreedom)
        assertClose(StudentT.quantile(0.975, df: dfs[0]), (r.upper - r.estimate) / se, tolerance: 1e-9)
        assertClose(2 * StudentT.survival(abs(r.estimate / se), df: dfs[0]), r.pValue, tolerance: 1e-12)
        let rho = SpatialScoring.wald(0.3, fit.rhoEstimate, fit: fit)
        let rhoSE = try XCTUnwrap(fit.rhoEstimate?.se)
        assertClose(StudentT.quantile(0.975, df: 39), (rho.upper - rho.estimate) / rhoSE, tolerance: 1e-9)
    }
}

/// Issue 20 item 9: the U-test's noncentrality uses the test's own weights. Under a
/// row-standardised W the total-effect test works with β + θ (weights (1, 1)); its
/// noncentrality is the true β + θ slope over the test's SE at each end — not the total
/// curve (true 1/(1 − ρ)-weighted) over the curve's 1/(1 − ρ̂)-weighted SE.
final class NoncentralityWeightsTests: XCTestCase {
    func testTotalNoncentralityUsesTheTestsWeights() throws {
        let scenario = try MonteCarloScenario(text: CitySystemRunTests.small)
        let experiment = try XCTUnwrap(try CitySystemBuilder().makeExperiment(cell: try scenario.cells()[0], scenario: scenario) as? CitySystemExperiment)
        let panel = try experiment.system.generate(replication: 0)
        let w = try XCTUnwrap(panel.estimatorWeights["true"])
        let fit = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all),
                                           panel: try PanelData(panel).spatial.get(), weights: w)
        let truth = SpatialTruth(panel)
        let terms = try XCTUnwrap(truth.terms)
        let d = truth.model.moderatorValue("p50")
        let curves = try SpatialCurves.analyse(fit, weights: w, terms: terms, grid: truth.grid, moderatorValues: truth.moderators.compactMap(\.value),
                                               lower: truth.grid[0], upper: truth.grid[truth.grid.count - 1])
        let test = try XCTUnwrap(curves.uTests.first { $0.kind == .total && $0.moderatorValue == d })
        XCTAssertTrue(test.unweighted, "a row-standardised W: the total's test uses β + θ")
        let t = panel.truth
        func slope(_ x: Double) -> Double { (t.beta[0] + t.theta[0]) + 2 * (t.beta[1] + t.theta[1]) * x + (t.beta[2] + t.theta[2]) * (d ?? 0) }
        let expected = min(-slope(test.lower) / test.slopeAtLower.se, slope(test.upper) / test.slopeAtUpper.se)
        let nc = SpatialScoring.noncentrality(.total, "p50", d, curves: curves, panelTruth: truth)
        // The same arithmetic in another order: rounding only.
        assertClose(expected, nc, tolerance: 1e-10 * max(1, abs(expected)))
        // Direct: the test's slopes are the curve's, so its SE at the ends is the curve's.
        let direct = try XCTUnwrap(curves.uTests.first { $0.kind == .direct && $0.moderatorValue == d })
        let curve = try XCTUnwrap(curves.curves.first { $0.kind == .direct && $0.moderatorValue == d })
        XCTAssertFalse(direct.unweighted)
        assertClose(curve.points[0].effect.se, direct.slopeAtLower.se, tolerance: 1e-12 * direct.slopeAtLower.se)
    }
}
