import CitySystem
import Numerics
import TestSupport
import XCTest

final class ScenarioParsingTests: XCTestCase {
    /// Asserts parsing (and, if `validate`, validation) fails with a message naming `path`.
    func assertRejected(_ yaml: String, path: String, mentions: String? = nil, validate: Bool = false,
                        file: StaticString = #filePath, line: UInt = #line) {
        do {
            let s = try Small.parse(yaml, source: "scenarios/x.yaml")
            if validate { _ = try ScenarioValidation.validate(s) }
            XCTFail("accepted a bad scenario (expected an error at \(path))", file: file, line: line)
        } catch let e as ScenarioError {
            XCTAssertEqual(e.source, "scenarios/x.yaml", file: file, line: line)
            XCTAssertEqual(e.path, path, "message: \(e)", file: file, line: line)
            if let m = mentions { XCTAssertTrue(e.description.contains(m), "'\(e)' should mention '\(m)'", file: file, line: line) }
        } catch {
            XCTFail("wrong error type: \(error)", file: file, line: line)
        }
    }

    func testEmptyScenarioGivesDefaults() throws {
        let s = try Small.parse("name: x\n")
        XCTAssertEqual(s.citySystem.geography.cities, 280)
        XCTAssertEqual(s.citySystem.geography.centres, 15)
        XCTAssertEqual(s.citySystem.years, Array(2003...2020))
        assertClose(0.3, s.citySystem.outcome.rho, tolerance: 0, "default ρ of MODEL.md §2.6")
        XCTAssertEqual(s.citySystem.estimatorWeights.map(\.name), ["true"])
        XCTAssertTrue(s.citySystem.estimatorWeights[0].isTrue)
    }

    func testBaselineFileParsesAndValidates() throws {
        let path = TestPaths.repositoryRoot.appendingPathComponent("scenarios/baseline.yaml").path
        let r = try ScenarioValidation.validate(path: path)
        XCTAssertEqual(r.cities, 280)
        XCTAssertEqual(r.years.count, 18)
        XCTAssertEqual(r.scenario.citySystem.estimatorWeights.map(\.name), ["true", "knn5", "inv_dist", "delaunay"])
    }

    func testMonteCarloSectionsAcceptedUninterpreted() throws {
        _ = try Small.parse("monte_carlo: {replications: 10}\nestimators: [sdm]\ngrid: {city_system.outcome.rho: [0.1, 0.5]}\nfilter: {exclude: []}\nknown_dgp: {}\n")
    }

    func testUnknownKeysNamedWithSuggestion() {
        assertRejected("city_system:\n  outcome:\n    rhoo: 0.2\n", path: "city_system.outcome.rhoo", mentions: "did you mean 'rho'?")
        assertRejected("montecarlo: {}\n", path: "montecarlo", mentions: "did you mean 'monte_carlo'?")
        assertRejected("city_system:\n  geografy: {}\n", path: "city_system.geografy", mentions: "geography")
        assertRejected("city_system:\n  estimator_weights:\n    - {name: k, kind: knn, kk: 3}\n",
                       path: "city_system.estimator_weights.0.kk", mentions: "'k'")
        assertRejected("city_system:\n  outcome:\n    error: {law: normal, sigmaa: 1}\n", path: "city_system.outcome.error.sigmaa")
        assertRejected("city_system:\n  treatment:\n    selection: {CA: 1, GDP: 2}\n", path: "city_system.treatment.selection.GDP")
    }

    func testWrongTypesRejected() {
        assertRejected("city_system:\n  outcome:\n    rho: abc\n", path: "city_system.outcome.rho", mentions: "number")
        assertRejected("city_system:\n  geography:\n    cities: 12.5\n", path: "city_system.geography.cities", mentions: "integer")
        assertRejected("city_system:\n  outcome:\n    beta: 0.3\n", path: "city_system.outcome.beta", mentions: "list")
        assertRejected("city_system:\n  outcome:\n    beta: [1, 2]\n", path: "city_system.outcome.beta", mentions: "4 values")
        assertRejected("city_system:\n  geography: 5\n", path: "city_system.geography", mentions: "mapping")
        assertRejected("city_system:\n  treatment: {enabled: maybe}\n", path: "city_system.treatment.enabled", mentions: "true or false")
        assertRejected("city_system:\n  weights: {kind: hexagon}\n", path: "city_system.weights.kind", mentions: "exponential")
        assertRejected("city_system:\n  estimator_weights:\n    - {name: true, kind: knn}\n", path: "city_system.estimator_weights.0.name",
                       mentions: "reserved")
        assertRejected("city_system:\n  outcome:\n    controls:\n      - {name: CA}\n", path: "city_system.outcome.controls.0.name",
                       mentions: "reserved")
    }

    func testImpossibleValuesRejected() {
        assertRejected("city_system:\n  outcome:\n    error: {sigma: -0.1}\n", path: "city_system.outcome.error.sigma", mentions: "variance")
        assertRejected("city_system:\n  sizes: {sd: -1}\n", path: "city_system.sizes.sd", mentions: "negative")
        assertRejected("city_system:\n  sectors: {shock_sd: -1}\n", path: "city_system.sectors.shock_sd", mentions: "negative")
        assertRejected("city_system:\n  geography: {cities: 10, centres: 15}\n", path: "city_system.geography.cities",
                       mentions: "fewer cities")
        assertRejected("city_system:\n  treatment: {t0: 2030}\n", path: "city_system.treatment.t0", mentions: "outside")
        assertRejected("city_system:\n  treatment: {t0: 2003}\n", path: "city_system.treatment.t0", mentions: "pre-period")
        assertRejected("city_system:\n  treatment: {staggered: [2012, 2025]}\n", path: "city_system.treatment.staggered.1")
        assertRejected("city_system:\n  sectors: {mode: negg}\n", path: "city_system.sectors.mode", mentions: "did you mean 'neg'")
        // The reduced mode's keys do not apply to the equilibrium and are named as unknown.
        assertRejected("city_system:\n  sectors: {mode: neg, shock_sd: 0.1}\n", path: "city_system.sectors.shock_sd", mentions: "unknown key")
        assertRejected("city_system:\n  sectors: {mode: neg, sigma: 1}\n", path: "city_system.sectors.sigma", mentions: "exceed 1")
        assertRejected("city_system:\n  sectors: {mode: neg, mu: 0.7, mu_s: 0.4}\n", path: "city_system.sectors.mu_s", mentions: "mu + mu_s")
        assertRejected("city_system:\n  sectors: {mode: neg, alpha: 0, mu_s: 0}\n", path: "city_system.sectors.mu_s", mentions: "nobody buys")
        assertRejected("city_system:\n  sectors: {mode: neg, endogeneity: 1.5}\n", path: "city_system.sectors.endogeneity", mentions: "correlation")
        assertRejected("city_system:\n  sectors: {mode: neg, tolerance: 0.01}\n", path: "city_system.sectors.tolerance", mentions: "not an equilibrium")
    }

    func testRhoOutsideStableIntervalRejectedByValidation() {
        let small = "city_system:\n  geography: {cities: 30, centres: 3, square_km: 600, min_separation_km: 150}\n"
        assertRejected(small + "  outcome: {rho: 1.2}\n", path: "city_system.outcome.rho", mentions: "1/ω_min", validate: true)
        assertRejected(small + "  outcome: {rho: -8}\n", path: "city_system.outcome.rho", mentions: "outside", validate: true)
        assertRejected(small + "  treatment: {regions: [7]}\n", path: "city_system.treatment.regions.0", mentions: "does not exist",
                       validate: true)
        assertRejected(small + "  weights: {kind: band, band_km: 1}\n", path: "city_system.weights", mentions: "island", validate: true)
    }

    /// Treated regions that hold no city at all treat nobody: refused at cell construction, naming
    /// city_system.treatment.regions; with one occupied region among them it is only a warning.
    func testTreatedRegionsWithoutCitiesRefused() throws {
        var spec = Small.spec(cities: 6, centres: 2)
        spec.geography.regionGrid = [6, 6]
        spec.treatment.regions = Array(0..<36)
        let occupied = Set(try CitySystemCell(spec: spec, seed: 3, source: "x.yaml").geography.region)
        let empty = (0..<36).filter { !occupied.contains($0) }
        spec.treatment.regions = empty
        XCTAssertThrowsError(try CitySystemCell(spec: spec, seed: 3, source: "x.yaml")) {
            XCTAssertEqual(($0 as? ScenarioError)?.path, "city_system.treatment.regions", "\($0)")
        }
        spec.treatment.regions = empty + [occupied.min()!]
        XCTAssertNoThrow(try CitySystemCell(spec: spec, seed: 3, source: "x.yaml"))
        spec.treatment.enabled = false
        spec.treatment.regions = empty
        XCTAssertNoThrow(try CitySystemCell(spec: spec, seed: 3, source: "x.yaml"), "a disabled treatment has no regions to fill")
    }

    func testSettingDottedPaths() throws {
        let root = try ScenarioDocument(text: "city_system:\n  outcome:\n    rho: 0.3\n  estimator_weights:\n    - {name: true}\n    - {name: k, kind: knn, k: 4}\n",
                                        source: "t.yaml")
        var r = try root.setting(yaml: "0.5", atKeyPath: "city_system.outcome.rho")
        r = try r.setting(yaml: "7", atKeyPath: "city_system.estimator_weights.1.k")
        r = try r.setting(yaml: "50", atKeyPath: "city_system.geography.cities")   // created: omitted keys take defaults
        XCTAssertEqual(r.value(atKeyPath: "city_system.estimator_weights.1.k")?.scalarText, "7")
        let s = try ScenarioParser.parse(r)
        assertClose(0.5, s.citySystem.outcome.rho, tolerance: 0, "set exactly")
        XCTAssertEqual(s.citySystem.estimatorWeights[1].k, 7)
        XCTAssertEqual(s.citySystem.geography.cities, 50)
        assertThrows(try root.setting(yaml: "1", atKeyPath: "city_system.outcome.rho.x"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.outcome.rho", "the scalar that cannot be descended into")
        }
        assertThrows(try root.setting(yaml: "1", atKeyPath: "city_system.estimator_weights.5.k"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.estimator_weights.5", "the index out of range")
        }
        assertThrows(try root.setting(yaml: "1", atKeyPath: "city_system.outcome.rhoo", createMissing: false), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.outcome.rhoo")
            XCTAssertEqual($0.fix, "did you mean 'rho'?")
        }
        // A misspelt created key is caught by the parse, by its path.
        let bad = try root.setting(yaml: "1", atKeyPath: "city_system.outcome.rhoo")
        assertThrows(try ScenarioParser.parse(bad), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.outcome.rhoo")
        }
    }
}
