import CitySystem
import Estimators
@testable import MonteCarlo
import Numerics
import TestSupport
import XCTest

/// The DID family on generated gaps (`city_system.panel`, issue 24): each estimator takes the
/// gaps as its package does with real data — TWFE (plain and with rings) drops the unobserved
/// city-years and stays unbalanced (fixest), PSM-DID and Callaway–Sant'Anna keep the cities
/// observed every year (R did, panel = TRUE) — and the design's fit is the data-in path's fit
/// of the same panel written by `generate`.
final class UnbalancedDIDRunTests: XCTestCase {
    static func scenario(missing: String, rate: Double) -> String {
        """
        name: small-unbalanced-did
        seed: 11
        city_system:
          geography: {centres: 4, cities: 60, square_km: 800, min_separation_km: 150, first_year: 2011, last_year: 2018, region_grid: [2, 2]}
          treatment: {regions: [0, 3], t0: 2015, effect: -0.05}
          panel: {missing: \(missing), rate: \(rate)}
        monte_carlo: {replications: 3, chunk_size: 3}
        estimators:
          - {name: twfe, model: twfe, estimands: [att]}
          - {name: psm_did, model: psm_did, covariates: [CA, D, z], estimands: [att, att_matched]}
          - {name: cs_did, model: cs_did, control: never, method: dr, covariates: [z], estimands: [att]}
          - {name: rings, model: spillover_did, rings: [100], estimands: [att]}
          - {name: es, model: event_study, leads: 3, lags: 2, estimands: [att, event.-3, event.0, event.2]}
        """
    }

    func testDIDFitsGapsAsTheDataInPathDoes() throws {
        let text = Self.scenario(missing: "mcar", rate: 0.05)
        let cells = try InMemoryRun.cells(text)
        XCTAssertEqual(cells, try InMemoryRun.cells(text, threads: 2), "bitwise identical for 1 and 2 threads")
        let fits = cells[0].records[0].fits
        for (k, f) in fits.enumerated() { XCTAssertEqual(f.status.code, .ok, "estimator \(k): \(f.status.message)") }

        // The same replication as `spillsim generate` writes it: Mis empty where unobserved.
        let p = try InMemoryRun.world(text).generate(replication: 0)
        let o = try XCTUnwrap(p.observed)
        XCTAssertTrue(o.contains(false), "the draw has gaps")
        let table = try DataTable.parse(csv: PanelCSV.panel(p), source: "generated.csv")

        // fixest's convention: rows with a missing outcome removed, the panel left unbalanced.
        let (rows, removed) = try table.completeRows(["city", "year", "Mis", "treat", "post"])
        XCTAssertEqual(removed, o.filter { !$0 }.count)
        // D_it of the DID: ever treated and from the city's adoption (post is also 1 for controls after t0).
        let treated = zip(try rows.numbers("post"), try rows.numbers("treat")).map { $0 * $1 }
        let unit = Self.codes(try rows.strings("city")), time = Self.codes(try rows.numbers("year").map { "\($0)" })
        let twfe = try PanelOLS.fit(y: try rows.numbers("Mis"), x: Matrix(rows: treated.count, cols: 1, uncheckedColumnMajor: treated),
                                    names: ["D"], unit: unit, time: time, effects: .twoWays, variance: .cluster(unit))
        // Same rows, same projection, same CR1: the alternating projections converge to 1e-12, so rounding level.
        assertClose(twfe.coefficients[0], fits[0].results[0].estimate, tolerance: 1e-9, "TWFE att")
        assertClose(twfe.standardErrors[0], fits[0].results[0].standardError, tolerance: 1e-8, "TWFE SE")

        // The event study, fixest's i(rel, treat, ref = -1) with rel clipped to [−3, 2], on the same rows:
        // dummies built here from the CSV's cohort column, the fit by PanelOLS with CR1 by city.
        let cohort = try rows.numbers("cohort"), years = try rows.numbers("year")
        let rel = zip(years, cohort).map { y, c -> Int? in c > 0 ? min(max(Int(y - c), -3), 2) : nil }
        let times = [-3, -2, 0, 1, 2]
        var dummies = Matrix(rows: rel.count, cols: times.count)
        for (r, e) in rel.enumerated() { if let e, let j = times.firstIndex(of: e) { dummies[r, j] = 1 } }
        let es = try PanelOLS.fit(y: try rows.numbers("Mis"), x: dummies, names: times.map { "e\($0)" }, unit: unit, time: time,
                                  effects: .twoWays, variance: .cluster(unit))
        for (k, j) in [(1, 0), (2, 2), (3, 4)] {
            assertClose(es.coefficients[j], fits[4].results[k].estimate, tolerance: 1e-9, "event study β_\(times[j])")
            assertClose(es.standardErrors[j], fits[4].results[k].standardError, tolerance: 1e-8, "event study SE_\(times[j])")
        }
        // `estimate twfe --event-study`'s data-in path (the rows as read, absent city-years left out)
        // is the design model's fit of the same replication.
        let (esPanel, esObserved) = try TreatmentPanel.fromObserved(table: rows, id: "city", time: "year", outcome: "Mis",
                                                                    adoption: .cohort("cohort"))
        XCTAssertEqual(esObserved?.filter { !$0 }.count, removed)
        let dataIn = try EventStudy.estimate(panel: esPanel, leads: 3, lags: 2, observed: esObserved)
        XCTAssertEqual(dataIn.eventTimes, times)
        for (k, j) in [(1, 0), (2, 2), (3, 4)] {
            assertClose(dataIn.estimates[j], fits[4].results[k].estimate, tolerance: 1e-9, "data-in event study β_\(times[j])")
            assertClose(dataIn.standardErrors[j], fits[4].results[k].standardError, tolerance: 1e-8, "data-in event study SE_\(times[j])")
        }
        // Its att: the post coefficients weighted by their treated rows.
        let n = times.map { e in rel.filter { $0 == e }.count }
        let post = [2, 3, 4], total = Double(post.reduce(0) { $0 + n[$1] })
        assertClose(post.reduce(0.0) { $0 + Double(n[$1]) * es.coefficients[$1] } / total, fits[4].results[0].estimate, tolerance: 1e-9, "event study att")
        // Truths: event.0 is the mean effect over the treated cities in their adoption year (observed or not).
        let adopters = (0..<p.n).filter { p.cohort[$0] > 0 }
        let atAdoption = adopters.map { i -> Double in
            let k = p.index(period: p.years.firstIndex(of: p.cohort[i])!, city: i)
            return p.mis[k] - p.misNoIntegration[k]
        }
        assertClose(atAdoption.reduce(0, +) / Double(atAdoption.count), fits[4].results[2].truth, tolerance: 1e-12, "event.0 truth")
        XCTAssertEqual(fits[4].results[0].truth, p.truth.integration.meanAtt)

        // R did's convention: units not observed in every period dropped, then the balanced estimator.
        let (balanced, report) = try table.balancedPanel(id: "city", time: "year", columns: ["Mis", "CA", "D", "Z"])
        XCTAssertGreaterThan(report.unitsDropped, 0)
        XCTAssertEqual(report.unitsDropped, (0..<p.n).filter { i in (0..<p.t).contains { !o[$0 * p.n + i] } }.count)
        let psmPanel = try TreatmentPanel.from(table: balanced, id: "city", time: "year", outcome: "Mis",
                                               covariates: ["CA", "D", "Z"], adoption: .cohort("cohort"))
        let psm = try PSMDiD.estimate(panel: psmPanel, spec: PSMDiDSpec())
        assertClose(psm.att, fits[1].results[0].estimate, tolerance: 1e-9, "PSM-DID att")
        assertClose(psm.standardError, fits[1].results[0].standardError, tolerance: 1e-8, "PSM-DID SE")
        let csPanel = try TreatmentPanel.from(table: balanced, id: "city", time: "year", outcome: "Mis",
                                              covariates: ["Z"], adoption: .cohort("cohort"))
        let cs = try CallawaySantAnna.estimate(panel: csPanel, spec: CSDiDSpec(control: .never, method: .dr))
        assertClose(cs.simple.att, fits[2].results[0].estimate, tolerance: 1e-9, "CS att")

        // The truths: att is the world's (all treated city-years), att_matched the matched cities' only.
        XCTAssertEqual(fits[0].results[0].truth, p.truth.integration.meanAtt)
        XCTAssertEqual(fits[1].results[0].truth, p.truth.integration.meanAtt)
        XCTAssertTrue(fits[1].results[1].truth.isFinite)
        XCTAssertNotEqual(fits[1].results[1].truth, fits[1].results[0].truth)
    }

    /// Without gaps the DID estimators fit the whole panel, as before.
    func testNoGapsIsTheWholePanel() throws {
        let fits = try InMemoryRun.cells(Self.scenario(missing: "mcar", rate: 0))[0].records[0].fits
        let p = try InMemoryRun.world(Self.scenario(missing: "mcar", rate: 0)).generate(replication: 0)
        XCTAssertNil(p.observed)
        let data = PanelData(p)
        let psm = try PSMDiD.estimate(panel: try data.treatment(covariates: ["CA", "D", "z"], balanced: true), spec: PSMDiDSpec())
        XCTAssertEqual(psm.att, fits[1].results[0].estimate)
        XCTAssertEqual(try data.treatment(covariates: [], balanced: true).unitCount, p.n)
    }

    /// Under MNAR (low outcomes missing) at a high rate few cities are complete: a balanced
    /// estimator whose complete cities hold no treated or no control city is a counted failure
    /// with its reason, never a crash; TWFE still fits every observed city-year.
    func testBalancedEstimatorsFailWithAReasonWhenNothingIsComplete() throws {
        let text = Self.scenario(missing: "mnar", rate: 0.3)
        let records = try InMemoryRun.cells(text)[0].records
        let cell = try InMemoryRun.world(text)
        for (r, record) in records.enumerated() {
            XCTAssertEqual(record.fits[0].status.code, .ok, record.fits[0].status.message)
            let p = try cell.generate(replication: r)
            let complete = PanelData(p).completeCities
            XCTAssertLessThan(complete.count, p.n)
            let treated = complete.filter { p.treat[$0] == 1 }.count
            if treated == 0 || treated == complete.count {
                for k in [1, 2] {
                    XCTAssertEqual(record.fits[k].status.code, .failed)
                    XCTAssertFalse(record.fits[k].status.message.isEmpty)
                }
            }
        }
    }

    /// 0, 1, … in order of first appearance.
    static func codes(_ values: [String]) -> [Int] {
        var map: [String: Int] = [:]
        return values.map { v in
            if let c = map[v] { return c }
            map[v] = map.count
            return map[v]!
        }
    }
}
