import CitySystem
import Estimators
@testable import MonteCarlo
import TestSupport
import XCTest

/// Scenario input that used to be accepted and then run as something else (the stranger audit of
/// session 14): an unknown `matching:` value, a key written twice, two key paths of one cell that
/// overwrite each other, a filter value that is no level, a name that is a path. Each is refused
/// at load, naming the file and the key path.
final class ScenarioInputRefusalTests: XCTestCase {
    static func scenario(did: String = "matching: none", extra: String = "") -> String {
        """
        name: refusals
        seed: 11
        city_system:
          geography: {cities: 30, centres: 3, square_km: 600, min_separation_km: 100, first_year: 2003, last_year: 2010}
          treatment: {t0: 2007, regions: [1, 2]}
          outcome: {rho: 0.3}
        monte_carlo: {replications: 2}
        estimators:
          - {name: sdm, model: sdm, estimands: [rho]}
          - {name: did, model: psm_did, \(did), estimands: [att]}
        \(extra)
        """
    }

    func testPSMDiDMatchingRefusesEveryValueItDoesNotKnow() throws {
        // Each of these ran pooled matching: the value fell through a `default:` branch.
        let cases: [(String, String?)] = [("by_period", "by-period"), ("nonee", "none"), ("None", "none"), ("xyz", nil), ("42", nil),
                                          ("\"\"", nil)]
        for (value, suggestion) in cases {
            assertThrows(try MonteCarloScenario(text: Self.scenario(did: "matching: \(value)"), file: "m.yaml"), as: ScenarioError.self,
                         value) {
                XCTAssertEqual($0.source, "m.yaml")
                XCTAssertEqual($0.path, "estimators[1].matching", "\($0)")
                XCTAssertTrue($0.reason.contains("pooled, by-period, none"), "\($0)")
                if let suggestion { XCTAssertTrue("\($0)".contains("did you mean `\(suggestion)`"), "\($0)") }
            }
        }
        assertThrows(try MonteCarloScenario(text: Self.scenario(did: "matching: [pooled]"), file: "m.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1].matching")
            XCTAssertEqual($0.reason, "must be a string")
        }
        // The three values are parsed to the settings the estimator runs with.
        func spec(_ value: String?) throws -> PSMDiDSpec {
            let s = try MonteCarloScenario(text: Self.scenario(did: value.map { "matching: \($0)" } ?? "cluster: unit"), file: "m.yaml")
            guard case .psmDiD(let spec, _) = s.estimators[1].settings else { throw TestSetupError("not psm_did") }
            return spec
        }
        for value in [nil, "pooled"] {
            let pooled = try spec(value)
            XCTAssertEqual(pooled.mode, .pooled)
            XCTAssertNotNil(pooled.matching)
        }
        XCTAssertEqual(try spec("by-period").mode, .byPeriod)
        XCTAssertNotNil(try spec("by-period").matching)
        XCTAssertNil(try spec("none").matching)
    }

    /// A misspelt value of the other estimator options names a close valid one too.
    func testAnEstimatorOptionsBadValueSuggestsTheClosestSpelling() {
        assertThrows(try MonteCarloScenario(text: Self.scenario(did: "variance: clustr"), file: "v.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1].variance")
            XCTAssertTrue("\($0)".contains("did you mean `cluster`?"), "\($0)")
        }
    }

    func testAKeyGivenTwiceIsRefusedAtEveryLevelWithBothLines() {
        let body = Self.scenario()
        // (text, the key path, the lines of the two keys)
        let cases: [(String, String, String)] = [
            ("seed: 1\nseed: 2\n", "seed", "lines 1 and 2"),
            (body.replacingOccurrences(of: "outcome: {rho: 0.3}", with: "outcome:\n    rho: 0.3\n    rho: 0.5"),
             "city_system.outcome.rho", "lines 7 and 8"),
            (body.replacingOccurrences(of: "monte_carlo: {replications: 2}", with: "monte_carlo:\n  replications: 2\n  replications: 7"),
             "monte_carlo.replications", "lines 8 and 9"),
            (body.replacingOccurrences(of: "{name: sdm, model: sdm, estimands: [rho]}",
                                       with: "{name: sdm, model: sdm, approach: lee-yu, approach: direct, estimands: [rho]}"),
             "estimators[0].approach", "line 9, columns"),
            (body + "cells:\n  - label: a\n    city_system.outcome.rho: 0.2\n    city_system.outcome.rho: 0.6\n",
             "cells[0].city_system.outcome.rho", "lines 13 and 14"),
            (body + "grid:\n  city_system.outcome.rho: [0.2]\n  city_system.outcome.rho: [0.4]\n",
             "grid.city_system.outcome.rho", "lines 12 and 13"),
            ("known_dgp: {model: ols, n: 10, n: 20}\n", "known_dgp.n", "line 1, columns 25 and 32"),
        ]
        for (text, path, lines) in cases {
            assertThrows(try ScenarioDocument(text: text, source: "dup.yaml"), as: ScenarioError.self, path) {
                XCTAssertEqual($0.source, "dup.yaml")
                XCTAssertEqual($0.path, path, "\($0)")
                XCTAssertTrue($0.reason.hasPrefix("key given twice (\(lines)"), "\($0)")
            }
            // Every reader loads through the document: the design and the generator refuse it too.
            XCTAssertThrowsError(try MonteCarloScenario(text: text, file: "dup.yaml"))
        }
        // The same key in two different mappings is no duplicate.
        XCTAssertNoThrow(try MonteCarloScenario(text: body + "cells:\n  - {label: a, city_system.outcome.rho: 0.2}\n  - {label: b, city_system.outcome.rho: 0.4}\n",
                                                file: "ok.yaml"))
    }

    /// Two key paths of one cell where one contains the other: a value was replaced while the
    /// cell's label still showed it. A cell applies its `cells:` settings in order, then the grid's.
    func testKeyPathsThatOverwriteEachOtherInACellAreRefused() throws {
        let body = Self.scenario()
        let cases: [(String, String, String)] = [
            ("cells:\n  - label: a\n    city_system.outcome: {rho: 0.2}\n    city_system.outcome.rho: 0.6\n",
             "cells[0].city_system.outcome.rho", "the value `{rho: 0.2}` of `city_system.outcome` sets `rho` too"),
            ("cells:\n  - label: a\n    city_system.outcome.rho: 0.6\n    city_system.outcome: {tau: 0.1}\n",
             "cells[0].city_system.outcome", "`city_system.outcome` is applied after `city_system.outcome.rho` and replaces the mapping"),
            ("grid:\n  city_system.outcome: [{tau: 0.1}, {rho: 0.1}]\n  city_system.outcome.rho: [0.2]\n",
             "grid.city_system.outcome.rho", "the value `{rho: 0.1}` of `city_system.outcome` sets `rho` too"),
            ("grid:\n  city_system.outcome.rho: [0.2]\n  city_system.outcome: {values: [{tau: 0.1}], labels: [t]}\n",
             "grid.city_system.outcome", "replaces the mapping that holds it"),
            ("cells:\n  - {label: a, city_system.outcome.rho: 0.6}\ngrid:\n  city_system.outcome: [{tau: 0.1}]\n",
             "cells[0].city_system.outcome.rho",
             "cell `a` sets `city_system.outcome.rho`, but the grid factor `city_system.outcome` is applied after it and replaces the whole mapping that holds it"),
            // Worded from the cell's side: it read "the grid factor the value `{rho: 0.3}` of …" (review item 6).
            ("cells:\n  - label: a\n    city_system.outcome: {rho: 0.3}\ngrid:\n  city_system.outcome.rho: [0.2, 0.4]\n",
             "cells[0].city_system.outcome",
             "cell `a` sets `city_system.outcome` to `{rho: 0.3}`, which sets `rho`, and the grid factor `city_system.outcome.rho` is applied after it "
                + "and would replace that `rho`; remove `rho` from the cell's `city_system.outcome` or drop the grid factor `city_system.outcome.rho`"),
        ]
        for (design, path, reason) in cases {
            assertThrows(try MonteCarloScenario(text: body + design, file: "o.yaml"), as: ScenarioError.self, path) {
                XCTAssertEqual($0.path, path, "\($0)")
                XCTAssertTrue($0.reason.contains(reason), "\($0)")
            }
        }
        // A whole mapping and then a key inside it that none of its values sets varies both
        // (psm-did-spillovers.yaml, inverted-u-recovery.yaml): the cell has both values.
        let nested = try MonteCarloScenario(text: body + "cells:\n  - {label: a, city_system.outcome: {tau: 0.1}}\n"
                                                + "grid:\n  city_system.outcome.rho: [0.2, 0.4]\n", file: "ok.yaml")
        let outcome = try nested.cells()[1].document.value(atKeyPath: "city_system.outcome")
        XCTAssertEqual(outcome?.value(atKeyPath: "tau")?.scalarText, "0.1")
        XCTAssertEqual(outcome?.value(atKeyPath: "rho")?.scalarText, "0.4")
        XCTAssertNil(GridFactor.overwrite(earlier: "city_system.outcome.rho", [], later: "city_system.outcome.rhox"))
    }

    func testAFilterValueMustBeALevelOfItsFactor() throws {
        let body = Self.scenario() + "grid:\n  city_system.outcome.rho: [0.2, 0.4]\n"
        // `0.20` is not `0.2` as written: it excluded nothing, silently.
        assertThrows(try MonteCarloScenario(text: body + "filter: {exclude: [{city_system.outcome.rho: 0.20}]}\n", file: "f.yaml"),
                     as: ScenarioError.self) {
            XCTAssertEqual($0.path, "filter.exclude[0].city_system.outcome.rho")
            XCTAssertTrue($0.reason.contains("its levels are 0.2, 0.4"), "\($0)")
        }
        assertThrows(try MonteCarloScenario(text: body + "filter: {exclude: [{city_system.outcome.rhoo: 0.2}]}\n", file: "f.yaml"),
                     as: ScenarioError.self) {
            XCTAssertEqual($0.path, "filter.exclude[0].city_system.outcome.rhoo")
            XCTAssertTrue($0.reason.contains("did you mean `city_system.outcome.rho`? factors are city_system.outcome.rho"), "\($0)")
        }
        XCTAssertEqual(try MonteCarloScenario(text: body + "filter: {exclude: [{city_system.outcome.rho: 0.2}]}\n", file: "f.yaml").cells().count, 1)
        // Without a grid the list of factors was printed empty ("factors are ").
        let cellsOnly = Self.scenario() + "cells:\n  - {label: a, city_system.outcome.rho: 0.2}\nfilter: {exclude: [{x: 1}]}\n"
        assertThrows(try MonteCarloScenario(text: cellsOnly, file: "f.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "filter")
            XCTAssertTrue($0.reason.contains("no `grid:`"), "\($0)")
        }
    }

    /// The name is the default result file `results/NAME.h5`: a path in it wrote elsewhere.
    func testAScenarioNameThatIsAPathIsRefused() throws {
        for name in ["\"bad name/x\"", "\"../../etc/x\"", "'a\\b'", "..", "\"\"", "\"a\\tb\""] {
            let text = Self.scenario().replacingOccurrences(of: "name: refusals", with: "name: \(name)")
            assertThrows(try MonteCarloScenario(text: text, file: "n.yaml"), as: ScenarioError.self, name) {
                XCTAssertEqual($0.path, "name", "\($0)")
            }
            // The generator reads the name of a file without a design.
            let generatorOnly = "name: \(name)\ncity_system: {geography: {cities: 30, centres: 3}, treatment: {enabled: false}}\n"
            assertThrows(try ScenarioParser.parse(try ScenarioDocument(text: generatorOnly, source: "g.yaml")), as: ScenarioError.self, name) {
                XCTAssertEqual($0.path, "name", "\($0)")
            }
        }
        let suggested = ScenarioDocument.nameProblem("../../etc/x")
        XCTAssertEqual(suggested?.fix, "e.g. `name: etc-x`")
        for name in ["baseline", "bad name", "x..y", "sdm-2.1"] { XCTAssertNil(ScenarioDocument.nameProblem(name), name) }
    }

    func testEstimandsAsAScalarSaysToWriteAList() {
        let text = Self.scenario().replacingOccurrences(of: "estimands: [att]", with: "estimands: att")
        assertThrows(try MonteCarloScenario(text: text, file: "e.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[1].estimands")
            XCTAssertTrue($0.reason.hasPrefix("must be a list, got `att`"), "\($0)")
            XCTAssertEqual($0.fix, "write `estimands: [att]`")
        }
        let mapping = Self.scenario().replacingOccurrences(of: "estimators:\n  - {name: sdm, model: sdm, estimands: [rho]}\n  - {name: did, model: psm_did, matching: none, estimands: [att]}",
                                                           with: "estimators: {name: sdm, model: sdm, estimands: [rho]}")
        assertThrows(try MonteCarloScenario(text: mapping, file: "e.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators")
            XCTAssertTrue($0.reason.hasPrefix("must be a list of estimators"), "\($0)")
        }
    }

    /// `grid:` or `cells:` without estimators made no design, and generate/truth/validate drew the
    /// scenario as written.
    func testDesignCellsWithoutEstimatorsAreRefused() throws {
        let text = "name: g\ncity_system: {geography: {cities: 30, centres: 3}, treatment: {enabled: false}}\ngrid: {city_system.outcome.rho: [0.1, 0.2]}\n"
        assertThrows(try ScenarioParser.parse(try ScenarioDocument(text: text, source: "g.yaml")), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "grid")
            XCTAssertTrue($0.reason.contains("needs `estimators:`"), "\($0)")
        }
    }
}
