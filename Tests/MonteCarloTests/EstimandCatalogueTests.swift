import CitySystem
import Estimators
@testable import MonteCarlo
import Storage
import TestSupport
import XCTest

/// The estimand catalogue: every accepted form parsed once into role and figure kind, stored
/// in the result file, and open to a new estimand through a definition alone.
final class EstimandCatalogueTests: XCTestCase {
    func testFormsHaveTheirRoleAndKind() {
        let cases: [(String, EstimandRole, EstimandKind)] = [
            ("rho", .parameter, .scalar), ("beta.CA", .parameter, .scalar), ("ame.total.CA", .parameter, .scalar),
            ("tp.direct.p50", .ratio, .turningPoint), ("shift.total", .ratio, .shift), ("utest.total.p25", .test, .uTest),
            ("curve.indirect.p75.40", .parameter, .curveGridPoint(effect: .indirect, qualifier: "p75", index: 40)),
            ("curve_lr.direct.p50.3", .parameter, .curveGridPoint(effect: .direct, qualifier: "p50, long run", index: 3)),
            ("select.bic", .selection, .scalar), ("posterior.true", .selection, .scalar), ("att", .parameter, .scalar),
            ("beta0", .parameter, .scalar), ("direct@0.25", .parameter, .curvePoint(effect: .direct, qualifier: "", x: 0.25)),
        ]
        for (name, role, kind) in cases {
            let e = Estimand(name)
            XCTAssertEqual(e.role, role, name)
            XCTAssertEqual(e.kind, kind, name)
            XCTAssertEqual(EstimandRole(estimand: name), role, "one parse: \(name)")
        }
        XCTAssertEqual(Estimand.curveGridPoints, TrueEstimands.curvePoints, "the 41-point grid is defined once")
        XCTAssertEqual(SpatialEstimand.expandCurve("curve.direct.p50.*")?.count, Estimand.curveGridPoints)
        XCTAssertEqual(SpatialEstimand.expandCurve("curve_lr.total.p25.*/20"), ["curve_lr.total.p25.0", "curve_lr.total.p25.20", "curve_lr.total.p25.40"])
        XCTAssertEqual(SpatialEstimand.parse("curve_lr.direct.p50.40"), .curveLongRun(.direct, "p50", 40))
        XCTAssertNil(SpatialEstimand.parse("curve_lr.direct.p50.41"), "outside the 41-point grid")
    }

    /// The catalogue spells every form's typeset name (Reports renders the markup, it no longer
    /// parses names): subscripts shown here as `_X`.
    func testTypesetNamesComeFromTheCatalogue() {
        let plain = { (s: String) in
            String(s.compactMap { $0 == Estimand.subscriptOpen ? "_" : $0 == Estimand.subscriptClose ? nil : $0 })
        }
        let cases: [(String, String?)] = [
            ("rho", "ρ"), ("beta.CA", "β_CA"), ("theta.CAxD", "θ_CAxD"), ("direct.pop", "DE(pop)"), ("ame.indirect.D", "IE(D)"),
            ("tp.indirect.p50", "c*_IE, D p50"), ("shift.total", "dc*_TE/dD"), ("utest.direct.p25", "U-test DE, D p25"),
            ("tp_lr.total.p75", "long-run c*_TE, D p75"), ("curve.total.p75.20", "TE(CA p50), D p75"),
            ("curve_lr.direct.p50.1", "long-run DE(CA p7.25), D p50"), ("att_net", "ATT_net"), ("lambda", "λ"),
            ("select.bic", "true W chosen (BIC)"), ("posterior.true", "P(true W | y)"), ("beta2", "β_2"),
            ("direct@0.25", nil), ("no.such.form", nil),
        ]
        for (name, expected) in cases { XCTAssertEqual(Estimand(name).typeset.map(plain), expected, name) }
    }

    /// A toy estimand, 2ρ, added through the catalogue alone (its definition: name, role, kind,
    /// typeset name, truth and computation) is accepted in a scenario, scored and stored.
    func testAToyEstimandAddedThroughTheCatalogueIsScored() throws {
        try EstimandCatalogue.register(EstimandDefinition(
            name: "toy.twice_rho", typeset: "2ρ",
            truth: { builtIn in 2 * builtIn("rho") },
            estimate: { fit, truth in
                guard let r = fit.rhoEstimate else { return .missing(truth: truth) }
                return EstimandResult(truth: truth, estimate: 2 * r.estimate, standardError: 2 * r.se,
                                      lower: 2 * (r.estimate - 1.959963984540054 * r.se), upper: 2 * (r.estimate + 1.959963984540054 * r.se))
            }))
        XCTAssertThrowsError(try EstimandCatalogue.register(EstimandDefinition(name: "rho", truth: { _ in 0 }, estimate: { _, t in .missing(truth: t) })),
                             "a built-in name cannot be redefined")
        XCTAssertEqual(Estimand("toy.twice_rho").typeset, "2ρ")

        let dir = try TestPaths.temporaryDirectory("spillsim-toy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = """
            name: toy
            seed: 17
            city_system:
              geography: {centres: 3, cities: 30, square_km: 700, min_separation_km: 200, first_year: 2005, last_year: 2011}
            monte_carlo: {replications: 4, chunk_size: 4}
            estimators:
              - {name: sdm, model: sdm, estimands: [rho, toy.twice_rho]}
            grid:
              city_system.outcome.rho: [0.2, 0.4]
            """
        let out = dir.appendingPathComponent("toy.h5").path
        _ = try MonteCarloRunner(scenario: try MonteCarloScenario(text: text), options: RunOptions(output: out), format: HDF5ResultsFormat()).run()
        let source = try HDF5ResultsFormat().open(path: out)
        for (ordinal, rho) in [0.2, 0.4].enumerated() {
            for r in try source.cell(ordinal).records {
                let fit = r.fits[0]
                XCTAssertEqual(fit.status.code, .ok, fit.status.message)
                XCTAssertEqual(fit.results[1].truth, 2 * rho, "the truth follows the grid's ρ")
                XCTAssertEqual(fit.results[1].estimate, 2 * fit.results[0].estimate)
                XCTAssertEqual(fit.results[1].standardError, 2 * fit.results[0].standardError)
            }
        }
        let rows = try Summary.rows(of: source).filter { $0.estimand == "toy.twice_rho" }
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].measures.nOK, 4)
        XCTAssertEqual(rows[0].measure("bias"), 2 * (try Summary.rows(of: source).first { $0.estimand == "rho" }!.measure("bias")),
                       accuracy: 1e-12)
        let f = try HDF5File.open(out)
        let g = try f.group("cells/cell_00000/estimators/sdm")
        XCTAssertEqual(try g.attribute("estimand_roles"), .strings(["parameter", "parameter"]))
        XCTAssertEqual(try g.attribute("estimand_kinds"), .strings(["scalar", "scalar"]))
        try f.close()
    }
}
