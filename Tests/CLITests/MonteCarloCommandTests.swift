import CitySystem
import Foundation
import MonteCarlo
import TestSupport
import XCTest
@testable import spillsim

/// `validate`, `generate` and `truth` on Monte Carlo scenarios (in process).
final class MonteCarloCommandTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("spillsim-mc-cli") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func write(_ text: String, _ name: String = "s.yaml") throws -> String {
        let p = directory.appendingPathComponent(name).path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func run(_ args: [String]) throws {
        var cmd = try Spillsim.parseAsRoot(args)
        try cmd.run()
    }

    static let small = """
    seed: 5
    city_system:
      geography: {cities: 20, centres: 2, square_km: 500, min_separation_km: 100, first_year: 2003, last_year: 2012}
      treatment: {enabled: false}
    estimators: [{name: sdm, model: sdm, estimands: [rho]}]
    """

    /// Fix 3: a failing design check means no "OK" line (the report is built
    /// completely before anything is printed).
    func testValidateReportsOKOnlyAfterTheDesignCheck() throws {
        let ok = try Spillsim.Validate.report(try write(Self.small))
        XCTAssertTrue(ok[0].contains(": OK — scenario 's', 20 cities"), ok[0])
        XCTAssertTrue(ok.contains { $0.hasPrefix("  design: 1 cell(s) × 1 estimator(s)") }, ok.joined(separator: "\n"))
        for (bad, key) in [("monte_carlo: {alpha: 2}", "monte_carlo.alpha"), ("filter: {exclude: [{x: 1}]}", "filter"),
                           ("grid: {city_system.outcome.rho: [0.2]}\nfilter: {exclude: [{x: 1}]}", "filter.exclude[0].x")] {
            assertThrows(try Spillsim.Validate.report(try write(Self.small + "\n" + bad)), as: ScenarioError.self) {
                XCTAssertEqual($0.path, key, "\($0)")
            }
        }
        assertThrows(try Spillsim.Validate.report(try write(Self.small + "\ngrid: {city_system.outcome.rho: [0.3, 1.5]}")),
                     as: GridCellError.self) {
            XCTAssertEqual($0.blamed.map(\.path), ["city_system.outcome.rho"])
            XCTAssertEqual($0.cell.index, 1)
            XCTAssertTrue("\($0)".contains("grid.city_system.outcome.rho = 1.5"), "what validate prints: \($0)")
        }
        let badEstimator = Self.small.replacingOccurrences(of: "estimands: [rho]", with: "estimands: [rhoo]")
        assertThrows(try Spillsim.Validate.report(try write(badEstimator)), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[0].estimands[0]", "\($0)")
        }
        // A grid factor on an estimator setting is checked level by level (issue 19).
        assertThrows(try Spillsim.Validate.report(try write(Self.small + "\ngrid: {estimators.0.approach: [lee-yu, bogus]}")),
                     as: ScenarioError.self) {
            XCTAssertEqual($0.path, "grid.estimators.0.approach", "\($0)")
            XCTAssertTrue("\($0)".contains("`bogus` is not one of direct, lee-yu"), "\($0)")
        }
        let both = try Spillsim.Validate.report(try write(Self.small + "\ngrid: {estimators.0.approach: [lee-yu, direct]}"))
        XCTAssertTrue(both.contains { $0.hasPrefix("  design: 2 cell(s) × 1 estimator(s)") }, both.joined(separator: "\n"))
    }

    /// Fix 9: a known-DGP scenario is described as such, and generate/truth refuse it.
    func testKnownDGPScenarioIsNotACitySystem() throws {
        let olsCheck = TestPaths.repositoryRoot.appendingPathComponent("scenarios/ols-check.yaml").path
        let lines = try Spillsim.Validate.report(olsCheck)
        XCTAssertTrue(lines[0].contains("OK — scenario 'ols-check', known DGP"), lines[0])
        XCTAssertFalse(lines.joined().contains("cities"), lines.joined(separator: "\n"))
        XCTAssertFalse(lines.contains { $0.hasPrefix("  W ") })
        XCTAssertTrue(lines.last!.contains("4 cell(s) × 1 estimator(s)"), lines.joined(separator: "\n"))
        let out = directory.appendingPathComponent("p.csv").path
        for args in [["truth", olsCheck], ["generate", olsCheck, "--out", out]] {
            assertThrows(try run(args), as: RunError.self) {
                XCTAssertTrue("\($0)".contains("uses known_dgp"), "\($0)")
                XCTAssertTrue("\($0)".contains("generate/truth apply to city_system scenarios"), "\($0)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// `validate scenarios/dense-w-bias.yaml` warned that its knn5 W has separate components,
    /// though no estimator reads knn5 (stranger audit item 13). A W nothing reads is marked
    /// unused and not warned about; the same W read by an estimator is.
    func testComponentsWarningOnlyForAWeightInUse() throws {
        let base = """
        seed: 5
        city_system:
          geography: {cities: 20, centres: 2, square_km: 500, min_separation_km: 100, region_grid: [2, 1], first_year: 2003, last_year: 2012}
          treatment: {enabled: false}
          estimator_weights:
            - {name: true}
            - {name: regions, kind: block, normalise: row}

        """
        let unused = try Spillsim.Validate.report(try write(base + "estimators: [{name: sdm, model: sdm, estimands: [rho]}]\n", "unused.yaml"))
        let text = unused.joined(separator: "\n")
        XCTAssertFalse(text.contains("separate components"), text)
        XCTAssertTrue(unused.contains { $0.hasPrefix("  W regions: block") && $0.contains("components 2") && $0.hasSuffix("; no estimator uses it") }, text)
        XCTAssertFalse(unused.contains { $0.hasPrefix("  W true:") && $0.hasSuffix("no estimator uses it") }, text)
        let used = try Spillsim.Validate.report(try write(base + """
            estimators:
              - {name: sdm, model: sdm, estimands: [rho]}
              - {name: sdm_regions, model: sdm, weights: regions, estimands: [rho]}

            """, "used.yaml"))
        XCTAssertTrue(used.contains("  warning: city_system.estimator_weights.1 (regions): the graph has 2 separate components; spillovers cannot cross between them"),
                      used.joined(separator: "\n"))
        XCTAssertFalse(used.contains { $0.hasSuffix("no estimator uses it") }, used.joined(separator: "\n"))
    }

    /// Fix 4: a scenario with `estimators:` but no `seed:` runs with the documented default.
    func testScenarioWithoutSeedValidates() throws {
        let lines = try Spillsim.Validate.report(try write(Self.small.replacingOccurrences(of: "seed: 5\n", with: "")))
        XCTAssertTrue(lines.contains { $0.hasPrefix("  design:") && $0.hasSuffix("seed 20230101") }, lines.joined(separator: "\n"))
    }
}
