import CitySystem
import MonteCarlo
import TestSupport
import XCTest

final class ScenarioTests: XCTestCase {
    static let grid = """
    name: grid-test
    seed: 7
    known_dgp: {model: ols, n: 20, beta: [1.0, 0.5], sigma: 1.0}
    monte_carlo: {replications: 10, chunk_size: 3}
    estimators:
      - {name: ols, model: ols, estimands: [beta0, beta1]}
    grid:
      known_dgp.n: [20, 40]
      known_dgp.sigma: [1.0, 2.0, 3.0]
    filter:
      exclude:
        - {known_dgp.n: 40, known_dgp.sigma: 3.0}
    """

    func testGridIsFullyCrossedWithLastFactorFastestAndFiltered() throws {
        let s = try MonteCarloScenario(text: Self.grid)
        let cells = try s.cells()
        XCTAssertEqual(cells.map(\.index), [0, 1, 2, 3, 4], "6 crossed cells minus the excluded index 5")
        XCTAssertEqual(cells[1].factors.map(\.value.compactText), ["20", "2.0"])
        XCTAssertEqual(cells[3].factors.map(\.value.compactText), ["40", "1.0"])
        XCTAssertEqual(cells[4].document.value(atKeyPath: "known_dgp.sigma")?.number, 2.0)
        XCTAssertEqual(cells[4].document.value(atKeyPath: "known_dgp.n")?.scalarText, "40")
        XCTAssertEqual(s.settings.chunkSize, 3)
    }

    /// `curve.K.L.*` is the whole 41-point curve, `*/s` every s-th point (0, s, …, and always 40).
    func testCurveShorthandExpandsWhenTheScenarioIsRead() throws {
        func estimands(_ list: String) throws -> [String] {
            try MonteCarloScenario(text: """
            known_dgp: {model: ols, n: 20, beta: [1.0]}
            estimators:
              - {name: e, model: sdm, estimands: [\(list)]}
            """).estimators[0].estimands
        }
        XCTAssertEqual(try estimands("rho, curve.direct.p50.*"), ["rho"] + (0...40).map { "curve.direct.p50.\($0)" })
        XCTAssertEqual(try estimands("curve.total.p25.*/4"), stride(from: 0, through: 40, by: 4).map { "curve.total.p25.\($0)" })
        XCTAssertEqual(try estimands("curve.indirect.p75.*/15"), [0, 15, 30, 40].map { "curve.indirect.p75.\($0)" })
        XCTAssertEqual(try estimands("curve_lr.direct.p50.*/20"), [0, 20, 40].map { "curve_lr.direct.p50.\($0)" })
        assertThrows(try estimands("curve.direct.p50.*/0"), as: ScenarioError.self, "a step of 0") {
            XCTAssertEqual($0.path, "estimators[0].estimands[0]")
        }
        assertThrows(try estimands("curve.direct.p50.*, curve.direct.p50.4"), as: ScenarioError.self, "point 4 twice") {
            XCTAssertEqual($0.path, "estimators[0].estimands")
        }
    }

    func testKeyPathSetterCreatesMissingMappings() throws {
        let document = try ScenarioDocument(text: "a: {b: 1}\nlist: [{k: 1}, {k: 2}]")
        let set = try document.setting(.scalar("5"), atKeyPath: "a.c.d")
        XCTAssertEqual(set.value(atKeyPath: "a.c.d")?.scalarText, "5")
        XCTAssertEqual(set.value(atKeyPath: "a.b")?.scalarText, "1")
        assertThrows(try document.setting(.scalar("1"), atKeyPath: "a.b.x"), as: ScenarioError.self, "b holds a scalar") {
            XCTAssertEqual($0.path, "a.b")
        }
        // The grid's key paths index lists as the generator's do.
        XCTAssertEqual(try document.setting(.scalar("7"), atKeyPath: "list.1.k").value(atKeyPath: "list.1.k")?.scalarText, "7")
    }

    func testBadScenariosNameTheKey() {
        let cases: [(String, String)] = [
            ("seed: 1\nknown_dgp: {}\nestimators: [{name: a, model: ols, estimands: [beta0]}]\nbogus: 1", "bogus"),
            ("seed: -1\nknown_dgp: {}\nestimators: [{name: a, model: ols, estimands: [beta0]}]", "seed"),
            ("seed: 1\nknown_dgp: {}\nestimators: []", "estimators"),
            ("seed: 1\nknown_dgp: {}\nestimators: [{name: a, model: ols}]", "estimators[0].estimands"),
            ("seed: 1\nknown_dgp: {}\nestimators: [{name: a, model: ols, estimands: [beta0]}]\nmonte_carlo: {replications: 0}", "monte_carlo.replications"),
            ("seed: 1\nknown_dgp: {}\nestimators: [{name: a, model: ols, estimands: [beta0]}]\ngrid: {known_dgp.n: 5}", "grid.known_dgp.n"),
            ("seed: 1\nknown_dgp: {}\nestimators: [{name: a, model: ols, estimands: [b]}, {name: a, model: ols, estimands: [b]}]", "estimators[1].name"),
        ]
        for (text, key) in cases {
            assertThrows(try MonteCarloScenario(text: text, file: "s.yaml"), as: ScenarioError.self, key) { e in
                XCTAssertEqual(e.path, key, "\(e)")
                XCTAssertEqual(e.source, "s.yaml")
            }
        }
    }

    func testKnownDGPRejectsUnknownEstimand() throws {
        let s = try MonteCarloScenario(text: "seed: 1\nknown_dgp: {n: 10}\nestimators: [{name: a, model: ols, estimands: [beta7]}]", file: "s.yaml")
        let cell = try s.cells()[0]
        assertThrows(try KnownDGPBuilder().makeExperiment(cell: cell, scenario: s), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[0].estimands")
        }
    }

    /// A grid factor may index a list (the one key-path setter), e.g. the k of the second estimator W.
    func testGridFactorIndexesAList() throws {
        let s = try MonteCarloScenario(text: """
            seed: 3
            city_system:
              estimator_weights: [{name: true}, {name: knn, kind: knn, k: 4}]
            estimators: [{name: sdm, model: sdm, estimands: [rho], weights: knn}]
            grid: {city_system.estimator_weights.1.k: [5, 7]}
            """, file: "l.yaml")
        let ks = try s.cells().map { try ScenarioParser.parse($0.document).citySystem.estimatorWeights[1].k }
        XCTAssertEqual(ks, [5, 7])
    }
}
