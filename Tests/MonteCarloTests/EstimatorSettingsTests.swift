import CitySystem
import Estimators
@testable import MonteCarlo
import TestSupport
import XCTest

/// Estimator settings are typed when a scenario is loaded, and a grid factor on one
/// of them is applied in each design cell — never accepted and then ignored.
final class EstimatorSettingsTests: XCTestCase {
    static func scenario(estimator: String, grid: String) -> String {
        """
        name: settings-grid
        seed: 5
        city_system:
          geography: {centres: 3, cities: 30, square_km: 700, min_separation_km: 200, first_year: 2005, last_year: 2011}
          treatment: {enabled: false}
        monte_carlo: {replications: 2, chunk_size: 2}
        estimators:
          - {name: ols, model: ols, estimands: [beta.D]}
          - {\(estimator)estimands: [rho, beta.CA, theta.CA2, tp.direct.p50]}
        grid:
        \(grid)
        """
    }

    func testABogusLevelIsRefusedAtLoadNamingTheFactorAndTheValidValues() {
        let text = Self.scenario(estimator: "name: sdm, model: sdm, ", grid: "  estimators.1.approach: [lee-yu, bogus]")
        assertThrows(try MonteCarloScenario(text: text, file: "bogus.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "grid.estimators.1.approach")
            let message = "\($0)"
            for part in ["bogus", "direct", "lee-yu"] { XCTAssertTrue(message.contains(part), message) }
        }
        let variance = Self.scenario(estimator: "name: sem, model: sem, ", grid: "  estimators.1.variance: [analytic, cluster]")
        assertThrows(try MonteCarloScenario(text: variance, file: "sem.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "grid.estimators.1.variance")
            XCTAssertTrue("\($0)".contains("spatial error lag"), "\($0)")
        }
    }

    func testSettingsThatFixTheResultsLayoutCannotVaryByCell() {
        let cases = [("  estimators.1.model: [sdm, sar]", "grid.estimators.1.model"),
                     ("  estimators.1.estimands: [[rho], [beta.CA]]", "grid.estimators.1.estimands"),
                     ("  estimators.1: [{name: a, model: sdm, estimands: [rho]}]", "grid.estimators.1"),
                     ("  estimators.4.approach: [direct]", "grid.estimators.4.approach"),
                     // ρ and θ are comparable only under the true W: their W cannot vary by cell.
                     ("  estimators.1.weights: [true, knn4]", "grid.estimators.1.weights"),
                     ("  name: [a, b]", "grid.name")]
        for (grid, path) in cases {
            var text = Self.scenario(estimator: "name: sdm, model: sdm, ", grid: grid)
            text = text.replacingOccurrences(of: "  treatment:", with: "  estimator_weights: [{name: true}, {name: knn4, kind: knn, k: 4}]\n  treatment:")
            assertThrows(try MonteCarloScenario(text: text, file: "layout.yaml"), as: ScenarioError.self, grid) {
                XCTAssertEqual($0.path, path, "\($0)")
            }
        }
    }

    /// With `[lee-yu, direct]` on the grid each cell's estimates are those of the same scenario
    /// with that approach written into the estimator entry (same seed, same cell index).
    func testAGridOverTheApproachEqualsWritingItIntoTheEntry() throws {
        let gridded = try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, ",
                                                                 grid: "  estimators.1.approach: [lee-yu, direct]"))
        let cells = try gridded.cells()
        XCTAssertEqual(cells.count, 2)
        var estimates: [[Double]] = []
        for (cell, approach) in zip(cells, ["lee-yu", "direct"]) {
            let written = try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, approach: \(approach), ",
                                                                     grid: "  city_system.outcome.rho: [0.3]"))
            let same = DesignCell(index: cell.index, factors: [], document: written.document, estimators: written.estimators)
            let a = try CitySystemBuilder().makeExperiment(cell: cell, scenario: gridded)
            let b = try CitySystemBuilder().makeExperiment(cell: same, scenario: written)
            for r in 0..<2 {
                let context = ReplicationContext(seed: gridded.seed, cell: cell.index, replication: r)
                let fa = a.replicate(context), fb = b.replicate(context)
                XCTAssertEqual(fa[1].status.code, .ok, fa[1].status.message)
                XCTAssertEqual(fa[1].results.map(\.estimate), fb[1].results.map(\.estimate), "cell \(cell.index), \(approach)")
                XCTAssertEqual(fa[1].results.map(\.standardError), fb[1].results.map(\.standardError))
                if r == 0 { estimates.append(fa[1].results.map(\.estimate)) }
            }
        }
        XCTAssertNotEqual(estimates[0], estimates[1], "the two approaches give different estimates, so the factor was applied")
    }

    /// One vocabulary for the CLI and scenarios: the canonical spellings, the old ones as aliases.
    func testSpellingsAndDefaultsAreShared() throws {
        XCTAssertEqual(SpatialVarianceMethod(spelling: "oim"), .analytic)
        XCTAssertEqual(SpatialVarianceMethod(spelling: "analytic"), .analytic)
        XCTAssertEqual(SpatialVarianceMethod(spelling: "cluster"), .cluster)
        XCTAssertNil(SpatialVarianceMethod(spelling: "robust"))
        XCTAssertNotNil(SpatialVarianceMethod.cluster.unsupportedReason(for: .sdem))
        XCTAssertNil(SpatialVarianceMethod.cluster.unsupportedReason(for: .sdm))
        let scenario = try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, variance: oim, ",
                                                                  grid: "  city_system.outcome.rho: [0.3]"))
        guard case .spatial(let s) = scenario.estimators[1].settings else { return XCTFail("a spatial estimator") }
        XCTAssertEqual(s.variance, .analytic)
        XCTAssertEqual(s.spec.approach, SpatialApproach.standard, "the default approach is the CLI's")
        XCTAssertEqual(s.clusterCorrection, .cr1)
    }

    /// `cluster_correction` is read with `variance: cluster`, refused without it and for a bad spelling,
    /// and a grid factor on it reaches each cell's settings.
    func testClusterCorrectionIsAppliedOrRefused() throws {
        let grid = "  city_system.outcome.rho: [0.3]"
        let ok = try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, variance: cluster, cluster_correction: CR2, ", grid: grid))
        guard case .spatial(let s) = ok.estimators[1].settings else { return XCTFail("a spatial estimator") }
        XCTAssertEqual(s.clusterCorrection, .cr2)
        assertThrows(try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, cluster_correction: cr2, ", grid: grid),
                                            file: "c.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1].cluster_correction", "\($0)")
            XCTAssertTrue("\($0)".contains("variance: cluster"), "\($0)")
        }
        assertThrows(try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, variance: cluster, cluster_correction: cr9, ", grid: grid),
                                            file: "c.yaml"), as: ScenarioError.self) {
            XCTAssertTrue("\($0)".contains("cr1, cr2, cr3"), "\($0)")
        }
        let gridded = try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, variance: cluster, ",
                                                                 grid: "  estimators.1.cluster_correction: [cr1, cr3]"))
        let corrections = try gridded.cells().map { cell -> ClusterCorrection? in
            guard case .spatial(let s) = cell.estimators[1].settings else { return nil }
            return s.clusterCorrection
        }
        XCTAssertEqual(corrections, [.cr1, .cr3])
    }

    /// psm_did takes `cluster_correction: cr2` (CR2 + Satterthwaite) with its cluster variance; cr3 and
    /// the Conley or wild-bootstrap variances with a correction are refused by key path.
    func testPSMDiDClusterCorrectionIsAppliedOrRefused() throws {
        func scenario(_ options: String) -> String {
            Self.scenario(estimator: "name: did, model: psm_did, matching: none, \(options)", grid: "  city_system.outcome.rho: [0.3]")
                .replacingOccurrences(of: "{name: did, model: psm_did, matching: none, \(options)estimands: [rho, beta.CA, theta.CA2, tp.direct.p50]}",
                                      with: "{name: did, model: psm_did, matching: none, \(options)estimands: [att]}")
        }
        let ok = try MonteCarloScenario(text: scenario("cluster_correction: cr2, "))
        guard case .psmDiD(let spec, _) = ok.estimators[1].settings else { return XCTFail("a psm_did estimator") }
        XCTAssertEqual(spec.clusterCorrection, .cr2)
        for bad in ["cluster_correction: cr3, ", "variance: conley, cutoff_km: 300, cluster_correction: cr2, ",
                    "variance: wild_cluster, cluster_correction: cr2, "] {
            assertThrows(try MonteCarloScenario(text: scenario(bad), file: "c.yaml"), as: ScenarioError.self) {
                XCTAssertEqual($0.path, "estimators[1].cluster_correction", "\(bad): \($0)")
            }
        }
        // The subcluster bootstrap: `bootstrap_cluster: unit` with the wild bootstrap, refused without it.
        assertThrows(try MonteCarloScenario(text: scenario("variance: wild_cluster, bootstrap_cluster: unit, "), file: "c.yaml"),
                     as: ScenarioError.self) { XCTAssertEqual($0.path, "estimators[1].bootstrap_cluster", "per city twice: \($0)") }
        let sub = try MonteCarloScenario(text: scenario("cluster: region, variance: wild_cluster, bootstrap_cluster: unit, "))
        guard case .psmDiD(let subSpec, _) = sub.estimators[1].settings else { return XCTFail("a psm_did estimator") }
        XCTAssertEqual(subSpec.wildBootstrap?.subclusterByUnit, true)
        assertThrows(try MonteCarloScenario(text: scenario("bootstrap_cluster: unit, "), file: "c.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1].bootstrap_cluster", "\($0)")
        }
    }

    /// `sigma2` reaches the fit's spec (QML by default, as in the CLI), is refused where the fit would
    /// ignore it (a sandwich variance), and a grid factor on it reaches each cell.
    /// Without fixed effects Lee–Yu and direct are one likelihood: `approach` with `effects: none` is
    /// refused (as `approach` with `missing`), not accepted and ignored.
    func testApproachWithoutFixedEffectsIsRefused() throws {
        let grid = "  city_system.outcome.rho: [0.3]"
        for approach in ["lee_yu", "direct"] {
            assertThrows(try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, effects: none, approach: \(approach), ", grid: grid),
                                                file: "s.yaml"), as: ScenarioError.self) {
                XCTAssertEqual($0.path, "estimators[1].approach", "\($0)")
            }
        }
        XCTAssertNoThrow(try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, effects: none, ", grid: grid)))
        XCTAssertNoThrow(try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, approach: direct, ", grid: grid)))
    }

    func testSigma2RuleIsAppliedOrRefused() throws {
        let grid = "  city_system.outcome.rho: [0.3]"
        let plain = try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, ", grid: grid))
        guard case .spatial(let q) = plain.estimators[1].settings else { return XCTFail("a spatial estimator") }
        XCTAssertEqual(q.spec.residualVariance, ResidualVariance.standard, "the default σ̂² is the CLI's")
        XCTAssertEqual(q.spec.residualVariance, .qml)
        let ok = try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, sigma2: DOF, ", grid: grid))
        guard case .spatial(let s) = ok.estimators[1].settings else { return XCTFail("a spatial estimator") }
        XCTAssertEqual(s.spec.residualVariance, .dof)
        assertThrows(try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, variance: cluster, sigma2: dof, ", grid: grid),
                                            file: "s.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1].sigma2", "\($0)")
            XCTAssertTrue("\($0)".contains("analytic"), "\($0)")
        }
        assertThrows(try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, sigma2: reml, ", grid: grid),
                                            file: "s.yaml"), as: ScenarioError.self) {
            XCTAssertTrue("\($0)".contains("qml, dof"), "\($0)")
        }
        let gridded = try MonteCarloScenario(text: Self.scenario(estimator: "name: sdm, model: sdm, ", grid: "  estimators.1.sigma2: [qml, dof]"))
        let rules = try gridded.cells().map { cell -> ResidualVariance? in
            guard case .spatial(let s) = cell.estimators[1].settings else { return nil }
            return s.spec.residualVariance
        }
        XCTAssertEqual(rules, [.qml, .dof])
    }
}
