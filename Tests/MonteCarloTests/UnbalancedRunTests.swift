import CitySystem
import Estimators
@testable import MonteCarlo
import Numerics
import TestSupport
import XCTest

/// Generated gaps (`city_system.panel`) and the workaround estimators (issue 24).
final class UnbalancedRunTests: XCTestCase {
    /// `plain` adds an SDM without `missing` as the sixth entry; a design whose every cell has
    /// gaps refuses it at load (GapRefusalTests, which also checks its failed fit in a gappy cell of a grid).
    static func scenario(missing: String, rate: Double, plain: Bool = true) -> String {
        """
        name: small-unbalanced
        seed: 5
        city_system:
          geography: {centres: 4, cities: 40, square_km: 800, min_separation_km: 200, first_year: 2011, last_year: 2018}
          treatment: {enabled: false}
          panel: {missing: \(missing), rate: \(rate)}
        monte_carlo: {replications: 4, chunk_size: 2}
        estimators:
          - {name: exact, model: sdm, missing: exact, estimands: [rho, tp.direct.p50, utest.direct.p50]}
          - {name: drop_cities, model: sdm, missing: drop_cities, estimands: [rho, tp.direct.p50, utest.direct.p50]}
          - {name: drop_years, model: sdm, missing: drop_years, estimands: [rho, tp.direct.p50, utest.direct.p50]}
          - {name: interpolate, model: sdm, missing: interpolate, estimands: [rho, tp.direct.p50, utest.direct.p50]}
          - {name: exact_bc, model: sdm, missing: exact, bias_correction: true, estimands: [rho, tp.direct.p50, utest.direct.p50]}
        """ + (plain ? "\n  - {name: plain, model: sdm, approach: direct, estimands: [rho]}" : "")
    }

    /// With nothing missing every workaround is the same fit, and the same as the balanced direct SDM.
    func testAtZeroMissingEveryWorkaroundAgrees() throws {
        let cells = try InMemoryRun.cells(Self.scenario(missing: "mcar", rate: 0))
        for r in cells[0].records {
            for k in 0..<4 { XCTAssertEqual(r.fits[k].status.code, .ok, r.fits[k].status.message) }
            let rho = r.fits[0].results[0].estimate
            for k in 1..<4 {
                // Identical data and W; the workarounds differ only in bookkeeping: rounding level.
                assertClose(rho, r.fits[k].results[0].estimate, tolerance: 1e-12, "estimator \(k) rho")
                assertClose(r.fits[0].results[1].estimate, r.fits[k].results[1].estimate, tolerance: 1e-9, "estimator \(k) turning point")
            }
            assertClose(rho, r.fits[5].results[0].estimate, tolerance: 1e-10, "the balanced direct SDM")
            XCTAssertNotEqual(rho, r.fits[4].results[0].estimate, "the bias correction moves ρ")
        }
    }

    func testGapsAreFittedRecordedAndNeverIgnored() throws {
        let text = Self.scenario(missing: "mar_size", rate: 0.15, plain: false)
        XCTAssertThrowsError(try InMemoryRun.cells(Self.scenario(missing: "mar_size", rate: 0.15)),
                             "an SDM without `missing` in a design whose every cell has gaps is refused at load")
        let one = try InMemoryRun.cells(text), two = try InMemoryRun.cells(text, threads: 2)
        XCTAssertEqual(one, two, "bitwise identical for 1 and 2 threads")
        for r in one[0].records {
            XCTAssertEqual(r.fits[0].status.code, .ok, r.fits[0].status.message)
            XCTAssertTrue(r.fits[0].results[0].estimate.isFinite)
            // With 40 cities and 8 years at 15 % every year has a gap: dropping years leaves nothing.
            XCTAssertEqual(r.fits[2].status.code, .failed)
            XCTAssertTrue(r.fits[2].status.message.contains("drop_years"), r.fits[2].status.message)
            XCTAssertEqual(r.fits[3].status.code, .ok, r.fits[3].status.message)
            XCTAssertEqual(r.fits.count, 5)
        }
    }

    /// The pattern follows its rate and kind, and interpolation fills exactly the gaps, linearly.
    func testPatternAndInterpolation() throws {
        var spec = try ScenarioParser.parse(try ScenarioDocument(text: Self.scenario(missing: "mcar", rate: 0.3), source: "test")).citySystem
        let cell = try CitySystemCell(spec: spec, seed: 5, source: "test")
        let p = try cell.generate(replication: 0)
        let o = try XCTUnwrap(p.observed)
        let share = Double(o.filter { $0 }.count) / Double(o.count)
        // 320 Bernoulli(0.7) draws: SD 0.026; 4 SD.
        XCTAssertEqual(share, 0.7, accuracy: 0.1)
        let full = try PanelData(p).spatial.get()
        let filled = try MissingWorkaround.interpolate.apply(p, full: full)
        XCTAssertTrue(filled.isBalanced || filled.observations < p.n * p.t)
        var checked = 0
        for i in 0..<p.n {
            for q in 1..<(p.t - 1) where !o[q * p.n + i] && o[(q - 1) * p.n + i] && o[(q + 1) * p.n + i] {
                let r = filled.citySet(q).firstIndex(of: i)!   // ArraySlice indices are row numbers
                XCTAssertEqual(filled.y[r], 0.5 * (p.mis[(q - 1) * p.n + i] + p.mis[(q + 1) * p.n + i]), accuracy: 1e-12)
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 0, "the draw has single-year gaps to check")
        spec.panel.rate = 0
        XCTAssertNil(try CitySystemCell(spec: spec, seed: 5, source: "test").generate(replication: 0).observed)
    }

    /// Cities entering late (`panel.entry`): every workaround fits; without missingness dropping
    /// years keeps the years from the entry on, and the unbalanced estimator is the DGP.
    func testEntryWorldIsFittedByEveryWorkaround() throws {
        let text = Self.scenario(missing: "mcar", rate: 0, plain: false).replacingOccurrences(
            of: "panel: {missing: mcar, rate: 0.0}", with: "panel: {missing: mcar, rate: 0.0, entry: {share: 0.2, year: 2015}}")
        XCTAssertNotEqual(text, Self.scenario(missing: "mcar", rate: 0, plain: false))
        for r in try InMemoryRun.cells(text)[0].records {
            for k in 0..<5 { XCTAssertEqual(r.fits[k].status.code, .ok, "estimator \(k): \(r.fits[k].status.message)") }
            XCTAssertTrue(r.fits[0].results[0].estimate.isFinite)
            XCTAssertNotEqual(r.fits[0].results[0].estimate, r.fits[2].results[0].estimate, "dropping years is another fit")
        }
    }

    /// Cities merging in pairs (`panel.merges`): every workaround fits; the unbalanced estimator
    /// takes each merged city as a new unit (the DGP), the others fit the usual shortcuts.
    func testMergeWorldIsFittedByEveryWorkaround() throws {
        let text = Self.scenario(missing: "mcar", rate: 0, plain: false).replacingOccurrences(
            of: "panel: {missing: mcar, rate: 0.0}", with: "panel: {missing: mcar, rate: 0.0, merges: {share: 0.1, year: 2015}}")
        XCTAssertNotEqual(text, Self.scenario(missing: "mcar", rate: 0, plain: false))
        for r in try InMemoryRun.cells(text)[0].records {
            for k in 0..<5 { XCTAssertEqual(r.fits[k].status.code, .ok, "estimator \(k): \(r.fits[k].status.message)") }
            XCTAssertTrue(r.fits[0].results[0].estimate.isFinite)
            XCTAssertNotEqual(r.fits[0].results[0].estimate, r.fits[1].results[0].estimate, "dropping the merging cities is another fit")
            XCTAssertNotEqual(r.fits[0].results[0].estimate, r.fits[3].results[0].estimate, "interpolating across the merge is another fit")
        }
    }

    /// The design's fit of a merge world equals the data-in path's fit of the same replication as
    /// `spillsim generate` writes it (panel, W, merges CSV): one convention for merged cities.
    func testMergeWorldDesignFitIsTheDataInFit() throws {
        let text = Self.scenario(missing: "mcar", rate: 0.1, plain: false).replacingOccurrences(
            of: "panel: {missing: mcar, rate: 0.1}", with: "panel: {missing: mcar, rate: 0.1, merges: {share: 0.1, year: 2015}}")
        XCTAssertNotEqual(text, Self.scenario(missing: "mcar", rate: 0.1, plain: false))
        let design = try InMemoryRun.cells(text)[0].records[0].fits[0]
        XCTAssertEqual(design.status.code, .ok, design.status.message)
        let spec = try ScenarioParser.parse(try ScenarioDocument(text: text, source: "test"))
        let p = try CitySystemCell(scenario: spec).generate(replication: 0)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("merge-run-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = [("panel.csv", PanelCSV.panel(p)), ("w.csv", PanelCSV.weights(p.trueWeights, ids: p.cityIds)),
                     ("merges.csv", try XCTUnwrap(PanelCSV.merges(p)))]
        for (name, body) in files { try body.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let loaded = try UnbalancedDataLoader.load(
            data: dir.appendingPathComponent("panel.csv"), weights: dir.appendingPathComponent("w.csv"), id: "city", time: "year",
            y: "Mis", x: ["CA", "D"] + p.controlNames, quadratic: "CA", moderator: "D",
            merges: try CityMerges.read(csv: dir.appendingPathComponent("merges.csv")))
        guard case .unbalanced(let data) = loaded else { return XCTFail("a merged panel is unbalanced") }
        XCTAssertEqual(data.merges.count, 4, "10 % of 40 cities absorbed")
        XCTAssertEqual(data.cityYears, 40 * 8 - 4 * 4, "the absorbed cities' last four years do not exist")
        let u = try UnbalancedEstimator.fit(SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .direct),
                                            panel: data.panel, weights: data.weights)
        // Same rows and W_t; the data-in W is row-standardised again from its %.17g print: rounding level.
        assertClose(u.fit.rho!, design.results[0].estimate, tolerance: 1e-8, "rho: design vs data in")
        assertClose(u.fit.standardErrors[u.fit.parameterNames.firstIndex(of: "rho")!], design.results[0].standardError,
                    tolerance: 1e-7, "SE of rho")
    }

    func testOptionsTheUnbalancedEstimatorCannotHonourAreRefused() throws {
        let bad = Self.scenario(missing: "mcar", rate: 0.1).replacingOccurrences(
            of: "{name: exact, model: sdm, missing: exact,", with: "{name: exact, model: sdm, missing: exact, approach: lee-yu,")
        XCTAssertThrowsError(try InMemoryRun.cells(bad)) { e in XCTAssertTrue("\(e)".contains("approach"), "\(e)") }
        let unknown = Self.scenario(missing: "mcar", rate: 0.1).replacingOccurrences(of: "missing: drop_years", with: "missing: listwise")
        XCTAssertThrowsError(try InMemoryRun.cells(unknown)) { e in XCTAssertTrue("\(e)".contains("listwise"), "\(e)") }
        // The unbalanced estimator's variance is analytic: a cluster or Conley variance is refused by
        // its key, never fitted with the analytic one silently.
        for variance in ["cluster", "conley, cutoff_km: 300"] {
            let text = Self.scenario(missing: "mcar", rate: 0.1).replacingOccurrences(
                of: "{name: exact, model: sdm, missing: exact,", with: "{name: exact, model: sdm, missing: exact, variance: \(variance),")
            assertThrows(try InMemoryRun.cells(text), as: ScenarioError.self) {
                XCTAssertTrue($0.path.hasSuffix(".variance"), "\($0)")
                XCTAssertTrue($0.reason.contains("not implemented for the unbalanced estimator"), "\($0)")
            }
        }
    }
}
