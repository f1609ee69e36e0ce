import CitySystem
import MonteCarlo
import TestSupport
import XCTest

/// `validate`'s list of DGP terms the spatial estimators omit (issue 20), read from the scenario
/// files without generating a panel.
final class OmittedTermsTests: XCTestCase {
    func omissions(_ file: String) throws -> OmittedTerms {
        let mc = try MonteCarloScenario.load(path: try TestPaths.committed("scenarios/\(file)").path)
        return try OmittedTerms(cells: try mc.cells())
    }

    func terms(_ o: OmittedTerms, cell: String? = nil, estimator: String) throws -> [String] {
        let group = try XCTUnwrap(o.groups.first { g in cell.map { c in g.cells.contains { $0.contains(c) } } ?? true })
        return try XCTUnwrap(group.omissions.first { $0.estimators.contains(estimator) }).terms
    }

    func testBaselineNamesThePolicyAndTheTrendOnlyInThePaperLikeCell() throws {
        let o = try omissions("baseline.yaml")
        XCTAssertEqual(o.groups.count, 2)
        let paper = try terms(o, cell: "paper-like", estimator: "sdm")
        XCTAssertEqual(paper.count, 2, "\(paper)")
        XCTAssertTrue(paper[0].hasPrefix("policy"))
        XCTAssertTrue(paper[1].hasPrefix("confounder trend"))
        XCTAssertEqual(try terms(o, cell: "reference", estimator: "sdm"), [], "the reference cell's SDM is the DGP")
        XCTAssertEqual(try terms(o, cell: "reference", estimator: "sar"), ["W-lags of the regressors (θ ≠ 0)"])
        XCTAssertEqual(try terms(o, cell: "reference", estimator: "sdm_knn5"), ["the true W (fits `knn5`)"])
        let lines = o.lines(cellCount: 2)
        XCTAssertTrue(lines.contains { $0.contains("in \"paper-like") }, lines.joined(separator: "\n"))
    }

    func testLargeNIsCorrectlySpecifiedForTheSDM() throws {
        let o = try omissions("large-n.yaml")
        XCTAssertEqual(try terms(o, estimator: "sdm"), [], "large-n tests the engine: no omitted policy (issue 20)")
    }

    /// A one-way estimator leaves the other dimension's effects in its error; error laws are listed.
    func testFixedEffectsAndErrorLaws() throws {
        let yaml = """
        name: t
        seed: 1
        city_system:
          geography: {cities: 20, centres: 2, square_km: 600, min_separation_km: 200, first_year: 2010, last_year: 2014}
          outcome: {error: {law: ar1, ar: 0.4}}
          treatment: {enabled: false}
        estimators:
          - {name: ind, model: sdm, effects: individual, estimands: [rho]}
          - {name: two, model: sdm, estimands: [rho]}
        """
        let mc = try MonteCarloScenario(text: yaml)
        let o = try OmittedTerms(cells: try mc.cells())
        let ind = try terms(o, estimator: "ind"), two = try terms(o, estimator: "two")
        XCTAssertTrue(ind.contains { $0.hasPrefix("year effects") }, "\(ind)")
        XCTAssertFalse(two.contains { $0.hasPrefix("year effects") || $0.hasPrefix("city effects") }, "\(two)")
        XCTAssertTrue(two.contains { $0.hasPrefix("AR(1) errors") }, "\(two)")
        XCTAssertFalse(two.contains { $0.hasPrefix("policy") || $0.hasPrefix("confounder") }, "treatment disabled: no policy, no Z·t trend")
    }

    /// A spatial error component (law: spatial) is omitted by the SDM but modelled by the SAC and
    /// the SEM on the true W; on another W the SAC omits it (its λ runs through that W).
    func testSpatialErrorComponentIsModelledByTheErrorModels() throws {
        let yaml = """
        name: t
        seed: 1
        city_system:
          geography: {cities: 20, centres: 2, square_km: 600, min_separation_km: 200, first_year: 2010, last_year: 2014}
          estimator_weights: [{name: true}, {name: k3, kind: knn, k: 3}]
          outcome: {error: {law: spatial, lambda: 0.3}}
          treatment: {enabled: false}
        estimators:
          - {name: sdm, model: sdm, estimands: [rho]}
          - {name: sac, model: sac, estimands: [rho, lambda]}
          - {name: sem, model: sem, estimands: [lambda]}
          - {name: sac_k3, model: sac, weights: k3, estimands: [lambda]}
        """
        let o = try OmittedTerms(cells: try MonteCarloScenario(text: yaml).cells())
        let sem = { (terms: [String]) in terms.contains { $0.hasPrefix("spatial error component") } }
        XCTAssertTrue(sem(try terms(o, estimator: "sdm")))
        XCTAssertFalse(sem(try terms(o, estimator: "sac")))
        XCTAssertFalse(sem(try terms(o, estimator: "sem")))
        XCTAssertTrue(sem(try terms(o, estimator: "sac_k3")))
    }

    /// Gaussian-field shocks (issue 23) are omitted by every estimator, the SAC included, and only
    /// in the cells that have them.
    func testSpatialShocksAreListedInTheCellsThatHaveThem() throws {
        let o = try omissions("spatial-shocks.yaml")
        let shock = { (terms: [String]) in terms.filter { $0.hasPrefix("spatially correlated shocks") } }
        let ranged = try shock(terms(o, cell: "300 km shocks, AR 0.6", estimator: "sac"))
        XCTAssertEqual(ranged.count, 1, "\(ranged)")
        XCTAssertTrue(ranged[0].contains("range 300 km") && ranged[0].contains("AR(1) 0.6"), ranged[0])
        XCTAssertEqual(try shock(terms(o, cell: "100 km shocks", estimator: "sdm")).count, 1)
        XCTAssertEqual(try shock(terms(o, cell: "no shocks, 35", estimator: "sdm")), [])
    }
}
