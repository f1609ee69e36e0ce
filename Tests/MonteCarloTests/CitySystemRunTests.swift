import CitySystem
@testable import MonteCarlo
import TestSupport
import XCTest

/// The engine on the real pipeline (generator → SDM / PSM-DID → scores) at a small size.
final class CitySystemRunTests: XCTestCase {
    static let small = """
    name: small-city
    seed: 11
    city_system:
      geography: {centres: 4, cities: 40, square_km: 800, min_separation_km: 200, first_year: 2005, last_year: 2012}
      estimator_weights:
        - {name: true}
        - {name: knn4, kind: knn, k: 4, symmetrise: true, normalise: row}
    monte_carlo: {replications: 5, chunk_size: 2}
    estimators:
      - {name: sdm, model: sdm, estimands: [rho, beta.CA, theta.CA2, ame.direct.D, tp.direct.p50, shift.direct, utest.direct.p50, curve.total.p25.3]}
      - {name: sdm_knn, model: sdm, weights: knn4, approach: direct, estimands: [rho]}
      - {name: psm_did, model: psm_did, estimands: [att]}
    grid:
      city_system.outcome.rho: [0.2, 0.5]
    """

    func testThreadCountsAgreeAndTruthFollowsTheGrid() throws {
        let cells = try InMemoryRun.runs(try MonteCarloScenario(text: Self.small)).map(\.cells)
        XCTAssertEqual(cells[0], cells[1], "bitwise identical for 1 and 2 threads")
        for (c, rho) in zip(cells[0], [0.2, 0.5]) {
            XCTAssertEqual(c.records.count, 5)
            for r in c.records {
                XCTAssertEqual(r.fits[0].results[0].truth, rho, "the truth of rho is the cell's ρ")
                XCTAssertEqual(r.fits[0].status.code, .ok, r.fits[0].status.message)
                XCTAssertTrue(r.fits[0].results[0].estimate.isFinite)
                XCTAssertTrue([0.0, 1.0].contains(r.fits[0].results[6].estimate), "the U-test estimand is a rejection indicator")
            }
        }
    }

    /// The `neg` sector mode under the engine: the grid reaches `city_system.sectors.endogeneity`,
    /// the truth stays the outcome equation's, and a fixed point that does not converge is a
    /// counted generation failure carrying its reason, not a crash or a redraw.
    func testNEGSectorsRunAndNonConvergenceIsRecorded() throws {
        let text = """
        name: small-neg
        seed: 3
        city_system:
          geography: {centres: 3, cities: 30, square_km: 700, min_separation_km: 200, first_year: 2005, last_year: 2011}
          sectors: {mode: neg}
          treatment: {t0: 2008, regions: [0, 1, 2, 3]}
        monte_carlo: {replications: 3, chunk_size: 3}
        estimators:
          - {name: sdm, model: sdm, estimands: [rho, beta.CA]}
        grid:
          city_system.sectors.endogeneity: [0.0, 0.8]
          city_system.sectors.max_iterations: [5000, 2]
        """
        let s = try InMemoryRun.run(text)
        let cells = s.cells
        XCTAssertEqual(cells.count, 4)
        for (k, c) in cells.enumerated() {
            let limit = s.metadata.cells[k].factors.first { $0.path == "city_system.sectors.max_iterations" }?.value
            let converges = limit == "5000"
            for r in c.records {
                let fit = r.fits[0]
                if converges {
                    XCTAssertEqual(fit.status.code, .ok, fit.status.message)
                    XCTAssertEqual(fit.results[0].truth, 0.3, "ρ's truth is the outcome equation's")
                } else {
                    XCTAssertEqual(fit.status.code, .generationFailed)
                    XCTAssertTrue(fit.status.message.contains("did not converge"), fit.status.message)
                }
            }
        }
    }

    func testEstimatorOptionsAndEstimandsAreCheckedBeforeRunning() throws {
        let cases: [(from: String, to: String, key: String)] = [
            ("estimands: [rho, beta.CA,", "estimands: [rho, beta.XYZ,", "estimators[0].estimands[1]"),
            ("model: sdm, weights: knn4", "model: sdm, weights: knn9", "estimators[1].weights"),
            ("{name: psm_did, model: psm_did,", "{name: psm_did, model: psm_did, caliper: 3,", "estimators[2].caliper"),
            ("model: sdm, weights: knn4, approach: direct, estimands: [rho]", "model: slx, estimands: [rho]", "estimators[1].estimands[0]"),
            ("{name: psm_did, model: psm_did,", "{name: psm_did, model: logit,", "estimators[2].model"),
            // Issue 25: τ only from the dynamic SDM; the dynamic SDM's fixed settings cannot be changed.
            ("model: sdm, weights: knn4, approach: direct, estimands: [rho]", "model: sdm, estimands: [tau]", "estimators[1].estimands[0]"),
            ("model: sdm, weights: knn4, approach: direct, estimands: [rho]", "model: sdm_dynamic, effects: individual, estimands: [tau]",
             "estimators[1].effects"),
            ("model: sdm, weights: knn4, approach: direct, estimands: [rho]", "model: sdm_dynamic, approach: direct, estimands: [tau]",
             "estimators[1].approach"),
            ("model: sdm, weights: knn4, approach: direct, estimands: [rho]", "model: sdm_dynamic, bias_correction: ols, estimands: [tau]",
             "estimators[1].bias_correction"),
            ("model: sdm, weights: knn4, approach: direct, estimands: [rho]", "model: sdm_dynamic, estimands: [ame.direct.CA]",
             "estimators[1].estimands[0]"),
        ]
        InMemoryRun.assertEditsRefused(Self.small, cases)
    }

    /// `model: sdm_dynamic` on a dynamic world (issue 25): τ, η, ρ and both horizons' turning
    /// points are scored against the generator's truth, identically for 1 and 2 threads.
    func testDynamicSDMScoresTauAndBothHorizons() throws {
        let text = """
        name: dynamic-small
        seed: 12
        city_system:
          geography: {centres: 4, cities: 40, square_km: 800, min_separation_km: 200, first_year: 2003, last_year: 2012}
          treatment: {enabled: false}
          outcome: {rho: 0.2, tau: 0.5, eta: 0.1, burn_in: 20}
        monte_carlo: {replications: 4, chunk_size: 2}
        estimators:
          - {name: dyn, model: sdm_dynamic, estimands: [rho, tau, eta, beta.CA, tp.direct.p50, tp_lr.direct.p50, utest_lr.total.p50,
                                                         curve.direct.p50.20, curve_lr.direct.p50.20]}
          - {name: static, model: sdm, estimands: [rho, tp_lr.direct.p50, curve_lr.direct.p50.20]}
        """
        let scenario = try MonteCarloScenario(text: text)
        let both = try InMemoryRun.runs(scenario)
        for s in both {
            XCTAssertNotNil(s.metadata.cells.first?.dataSupport, "a cell scoring the dynamic SDM's turning points stores the data support")
        }
        let runs = both.map(\.cells)
        XCTAssertEqual(runs[0], runs[1], "bitwise identical for 1 and 2 threads")
        let spec = try ScenarioParser.parse(try scenario.cells()[0].document)
        let panel = try CitySystemCell(scenario: spec).generate(replication: 0)
        XCTAssertNotNil(panel.truth.dynamic)
        let q = panel.truth.model
        let lrDirect = try XCTUnwrap(q.longRunTurningPoint(.direct, "p50")?.cStar)
        let srDirect = try XCTUnwrap(q.turningPoint(.direct, "p50")?.cStar)
        let record = try XCTUnwrap(runs[0].first?.records.first)
        let dyn = record.fits[0]
        XCTAssertEqual(dyn.status.code, .ok, dyn.status.message)
        XCTAssertEqual(dyn.results[1].truth, 0.5, "tau")
        XCTAssertEqual(dyn.results[2].truth, 0.1, "eta")
        XCTAssertEqual(dyn.results[4].truth, srDirect, "short-run turning point truth")
        XCTAssertEqual(dyn.results[5].truth, lrDirect, "long-run turning point truth")
        XCTAssertNotEqual(srDirect, lrDirect)
        XCTAssertTrue(dyn.results[1].estimate.isFinite && dyn.results[5].estimate.isFinite)
        XCTAssertNotEqual(dyn.results[4].estimate, dyn.results[5].estimate, "short- and long-run estimates differ")
        // Grid point 20 of the p50 curves: short-run truth, long-run truth, and the two estimates.
        let srCurve = try XCTUnwrap(q.curve(.direct, "p50")?.values[20])
        let lrCurve = try XCTUnwrap(q.longRunCurve(.direct, "p50")?.values[20])
        XCTAssertEqual(dyn.results[7].truth, srCurve, "short-run curve truth")
        XCTAssertEqual(dyn.results[8].truth, lrCurve, "long-run curve truth")
        XCTAssertNotEqual(srCurve, lrCurve)
        XCTAssertTrue(dyn.results[8].estimate.isFinite && dyn.results[8].lower < dyn.results[8].upper, "a long-run curve estimate with its interval")
        // τ̂ > 0 here (τ = 0.5): the long-run slope is the short-run one amplified, not the same number.
        XCTAssertNotEqual(dyn.results[7].estimate, dyn.results[8].estimate)
        let stat = record.fits[1]
        XCTAssertEqual(stat.results[1].truth, lrDirect, "the static SDM's turning point scored against the long-run truth")
        XCTAssertEqual(stat.results[2].truth, lrCurve, "the static SDM's curve scored against the long-run truth")
    }

    /// W selection fitting the dynamic SDM (issue 25): in a dynamic world the maximised likelihood
    /// picks the true W (kNN-6) over a dense exponential W in every replication; the posterior (of the
    /// likelihood conditional on the first year) is a probability whose choice agrees with it. It need
    /// not pick the true W at N = 40, T = 8: the flat-prior factor |Z'Z|^(−1/2) favours a smooth W,
    /// whose W-lag columns vary little (replication 1 here: 0.098, checked against
    /// scripts/fixtures/make_wselect_dynamic_cigarette.py's formula on that panel). The selection's
    /// options are checked by key path.
    func testWSelectionFitsTheDynamicSDM() throws {
        let text = """
        name: dynamic-wselect
        seed: 4
        city_system:
          geography: {centres: 4, cities: 40, square_km: 800, min_separation_km: 200, first_year: 2005, last_year: 2012}
          weights: {kind: knn, k: 6, symmetrise: true, normalise: row}
          estimator_weights:
            - {name: true}
            - {name: exp_dense, kind: exponential, decay_km: 150, normalise: row}
          treatment: {enabled: false}
          outcome: {rho: 0.4, tau: 0.4, eta: 0.1, burn_in: 20}
        monte_carlo: {replications: 4, chunk_size: 2}
        estimators:
          - {name: wsel, model: w_selection, fit: sdm_dynamic, candidates: [exp_dense, true],
             estimands: [select.loglik, select.posterior, posterior.true]}
        """
        let records = try InMemoryRun.cells(text)[0].records
        XCTAssertEqual(records.count, 4)
        for r in records {
            let f = r.fits[0]
            XCTAssertEqual(f.status.code, .ok, f.status.message)
            XCTAssertEqual(f.results[0].estimate, 1, "the maximised likelihood picks the true W")
            let mass = f.results[2].estimate
            XCTAssertTrue(mass > 0 && mass < 1, "posterior of the true W \(mass)")
            XCTAssertEqual(f.results[1].estimate, mass > 0.5 ? 1 : 0, "the posterior rule chooses the more probable W")
        }
        // The dynamic fit's fixed settings are refused by their key path, not ignored.
        for (option, key) in [("effects: individual", "effects"), ("approach: direct", "approach")] {
            let bad = text.replacingOccurrences(of: "fit: sdm_dynamic,", with: "fit: sdm_dynamic, \(option),")
            XCTAssertNotEqual(bad, text, "the test edit applies")
            assertThrows(try MonteCarloScenario(text: bad), as: ScenarioError.self, option) { e in XCTAssertEqual(e.path, "estimators[0].\(key)") }
        }
    }
}
