import CitySystem
import Foundation
@testable import MonteCarlo
import TestSupport
import XCTest

/// Settings a fit never reads, and designs whose fit fails in every replication, are refused at load
/// naming the file, the entry and the fix (they used to be accepted: the summary changed nothing, or read n_ok 0).
final class IgnoredSettingsRefusalTests: XCTestCase {
    /// RegionClusterRefusalTests' design (16 cities around 2 centres, 2006–2012, every region treated
    /// from 2009, a twfe beside `estimator`); `extra` goes under city_system.
    static func design(_ estimator: String, extra: String = "", grid: String = "") -> String {
        RegionClusterRefusalTests.design(estimator, grid: grid, extra: extra)
    }

    /// psm_did's covariates feed the propensity score; `matching: none` has none (the CLI refuses
    /// `--covariates` with `--no-matching` too).
    func testPSMDiDCovariatesWithoutMatchingAreRefused() throws {
        let text = Self.design("{name: did, model: psm_did, matching: none, covariates: [CA, D], estimands: [att]}")
        assertThrows(try MonteCarloScenario(text: text, file: "did.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1].covariates", "\($0)")
            XCTAssertEqual($0.source, "did.yaml")
            XCTAssertTrue("\($0)".contains("matching: pooled"), "\($0)")
        }
        XCTAssertNoThrow(try MonteCarloScenario(text: Self.design("{name: did, model: psm_did, matching: pooled, covariates: [CA, D], estimands: [att]}"),
                                                file: "did.yaml"))
        XCTAssertNoThrow(try MonteCarloScenario(text: Self.design("{name: did, model: psm_did, matching: none, estimands: [att]}"), file: "did.yaml"))
    }

    /// ols reads no W: another one changed nothing (the exported estimates were identical).
    func testAWeightMatrixForOLSIsRefused() throws {
        let w = "  estimator_weights: [{name: true}, {name: knn5, kind: knn, k: 5, symmetrise: true}]"
        assertThrows(try MonteCarloScenario(text: Self.design("{name: o, model: ols, weights: knn5, estimands: [beta.CA]}", extra: w), file: "ols.yaml"),
                     as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1].weights", "\($0)")
        }
        // slx puts W on the regressors: its W is read.
        XCTAssertNoThrow(try MonteCarloScenario(text: Self.design("{name: s, model: slx, weights: knn5, estimands: [beta.CA]}", extra: w), file: "slx.yaml"))
    }

    /// mediation draws its bootstrap only for nie_boot/share_d and its simulations only for acme/ade.
    func testMediationDrawsWithoutTheirEstimandsAreRefused() throws {
        let cases = [("{name: m, model: mediation, bootstrap: 19, estimands: [att, nie]}", "estimators[1].bootstrap"),
                     ("{name: m, model: mediation, bootstrap: 0, estimands: [att, nie_boot]}", "estimators[1].bootstrap"),
                     ("{name: m, model: mediation, simulations: 20, estimands: [att, nie]}", "estimators[1].simulations")]
        for (entry, path) in cases {
            assertThrows(try InMemoryRun.run(MonteCarloScenario(text: Self.design(entry), file: "med.yaml")), as: ScenarioError.self, entry) {
                XCTAssertEqual($0.path, path, "\($0)")
            }
        }
        let used = Self.design("{name: m, model: mediation, bootstrap: 19, simulations: 20, estimands: [att, nie_boot, acme]}")
        XCTAssertTrue(try InMemoryRun.run(MonteCarloScenario(text: used, file: "med.yaml")).cells[0].records[0].fits[1].status.isOK)
    }

    /// mediation's direct-effect regression (TP, D and the two controls) clustered by a map's 2
    /// regions: rank ≤ G − 1 = 1 < 4 coefficients, so every fit failed while validate said OK.
    func testMediationClusteredByTooFewRegionsIsRefused() throws {
        let text = Self.design("{name: m, model: mediation, cluster: region, bootstrap: 0, estimands: [att, nie]}")
        assertThrows(try InMemoryRun.run(MonteCarloScenario(text: text, file: "med.yaml")), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1]", "\($0)")
            XCTAssertTrue("\($0)".contains("mediator D"), "\($0)")
        }
        XCTAssertEqual(RegionClusterRefusal.coefficients(try MonteCarloScenario(text: text, file: "med.yaml").estimators[1].settings,
                                                         treatment: TreatmentSpec(), years: Array(2006...2012),
                                                         controls: ["lngdppc", "gov"], estimands: ["att", "slope_shift"])?.count, 6,
                       "slope_shift's regression: TP, TP × CA, CA, CA² and the two controls")
    }

    /// A W held sparse has no spectrum: average marginal effects (and SAC, the robust variances of
    /// ρ, sdm_dynamic) failed in every replication with `logdet: chebyshev` while validate said OK.
    func testAFitThatNeedsTheSpectrumOfASparseWIsRefused() throws {
        let sparse = "  logdet: chebyshev\n  weights: {kind: knn, k: 4, symmetrise: true, normalise: row}"
        for entry in ["{name: s, model: sdm, estimands: [rho, ame.total.CA]}", "{name: s, model: sar, variance: cluster, estimands: [rho]}",
                      "{name: s, model: sac, estimands: [rho]}", "{name: s, model: sdm_dynamic, estimands: [rho]}"] {
            assertThrows(try InMemoryRun.run(MonteCarloScenario(text: Self.design(entry, extra: sparse), file: "cheb.yaml")),
                         as: ScenarioError.self, entry) {
                XCTAssertEqual($0.path, "estimators[1]", "\($0)")
                XCTAssertTrue("\($0)".contains("held sparse") && "\($0)".contains("logdet: exact"), "\($0)")
            }
        }
        // The same SDM without average effects runs on the sparse W.
        let plain = Self.design("{name: s, model: sdm, estimands: [rho, beta.CA, tp.total.p50]}", extra: sparse)
        XCTAssertTrue(try InMemoryRun.run(MonteCarloScenario(text: plain, file: "cheb.yaml")).cells[0].records[0].fits[1].status.isOK)
        // A grid with an exact cell runs there; the chebyshev cell records the failure.
        let crossed = Self.design("{name: s, model: sdm, estimands: [rho, ame.total.CA]}",
                                  extra: "  weights: {kind: knn, k: 4, symmetrise: true, normalise: row}",
                                  grid: "\ngrid:\n  city_system.logdet: [exact, chebyshev]\n")
        let run = try InMemoryRun.run(MonteCarloScenario(text: crossed, file: "cheb.yaml"))
        XCTAssertTrue(run.cells[0].records[0].fits[1].status.isOK)
        XCTAssertEqual(run.cells[1].records[0].fits[1].status.code, .failed)
    }

    /// A W not similar to a symmetric matrix (knn without symmetrising) has no symmetric form, which
    /// average marginal effects and the cluster scores of ρ need.
    func testAFitThatNeedsASymmetricFormIsRefusedOnAnAsymmetricW() throws {
        let w = "  estimator_weights: [{name: true}, {name: knn3, kind: knn, k: 3, symmetrise: false, normalise: row}]"
        let text = Self.design("{name: s, model: sdm, weights: knn3, estimands: [beta.CA, ame.direct.CA]}", extra: w)
        assertThrows(try InMemoryRun.run(MonteCarloScenario(text: text, file: "knn.yaml")), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1]", "\($0)")
            XCTAssertTrue("\($0)".contains("symmetri"), "\($0)")
        }
        let plain = Self.design("{name: s, model: sdm, weights: knn3, estimands: [beta.CA]}", extra: w)
        XCTAssertTrue(try InMemoryRun.run(MonteCarloScenario(text: plain, file: "knn.yaml")).cells[0].records[0].fits[1].status.isOK)
    }

    /// SAC's cluster and Conley sandwiches fall back to the dense Ĝ and H where W has no symmetric
    /// form, so they run on an asymmetric knn W (they were refused there); the SDM's and SAR's
    /// scores of ρ have no such fallback and stay refused. (The CLI agrees: `estimate sdm --model sac
    /// --variance cluster|conley` converges on such a W, `--model sdm|sar` reports "need a W similar
    /// to a symmetric matrix".)
    func testSACRobustVariancesRunOnAnAsymmetricW() throws {
        let w = "  weights: {kind: knn, k: 4, symmetrise: false, normalise: row}"
        for entry in ["{name: s, model: sac, variance: cluster, estimands: [rho, lambda]}",
                      "{name: s, model: sac, variance: conley, cutoff_km: 300, estimands: [rho, lambda]}"] {
            let run = try InMemoryRun.run(MonteCarloScenario(text: Self.design(entry, extra: w), file: "knn.yaml"))
            let fit = run.cells[0].records[0].fits[1]
            XCTAssertTrue(fit.status.isOK, "\(entry): \(fit.status)")
        }
        for entry in ["{name: s, model: sdm, variance: cluster, estimands: [rho]}",
                      "{name: s, model: sar, variance: conley, cutoff_km: 300, estimands: [rho]}",
                      "{name: s, model: sac, variance: cluster, estimands: [rho, ame.total.CA]}"] {
            assertThrows(try InMemoryRun.run(MonteCarloScenario(text: Self.design(entry, extra: w), file: "knn.yaml")),
                         as: ScenarioError.self, entry) {
                XCTAssertEqual($0.path, "estimators[1]", "\($0)")
                XCTAssertTrue("\($0)".contains("the symmetric form"), "\($0)")
            }
        }
    }

    /// Whether a fit can run is decided on each cell's own W: a grid over a key that leaves W alone
    /// (`outcome.rho`) is refused when W has no symmetric form (it used to pass, because the cells'
    /// `city_system` differed, and then failed every fit), while a grid over the W itself runs the
    /// cell whose W serves and records failures in the other.
    func testAGridThatLeavesWAloneIsRefusedWhenNoCellCanFit() throws {
        let entry = "{name: s, model: sdm, estimands: [rho, ame.total.CA]}"
        let asymmetric = "  weights: {kind: knn, k: 4, symmetrise: false, normalise: row}"
        let overRho = Self.design(entry, extra: asymmetric, grid: "\ngrid:\n  city_system.outcome.rho: [0.2, 0.4]\n")
        assertThrows(try InMemoryRun.run(MonteCarloScenario(text: overRho, file: "knng.yaml")), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1]", "\($0)")
            XCTAssertTrue("\($0)".contains("the symmetric form") && "\($0)".contains("symmetrise: true"), "\($0)")
        }
        let overW = Self.design(entry, extra: asymmetric, grid: "\ngrid:\n  city_system.weights.symmetrise: [false, true]\n")
        let run = try InMemoryRun.run(MonteCarloScenario(text: overW, file: "knng.yaml"))
        XCTAssertEqual(run.cells[0].records[0].fits[1].status.code, .failed)
        XCTAssertTrue(run.cells[1].records[0].fits[1].status.isOK, "\(run.cells[1].records[0].fits[1].status)")
    }
}
