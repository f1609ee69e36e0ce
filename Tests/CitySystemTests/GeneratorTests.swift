import CitySystem
import Numerics
import TestSupport
import XCTest

final class GeneratorTests: XCTestCase {
    func testSameSeedByteIdenticalDifferentSeedsDiffer() throws {
        let spec = Small.spec()
        let a = try CitySystemCell(spec: spec, seed: 7, source: "t").generate(replication: 3)
        let b = try CitySystemCell(spec: spec, seed: 7, source: "t").generate(replication: 3)
        XCTAssertEqual(PanelCSV.panel(a), PanelCSV.panel(b))
        XCTAssertEqual(PanelCSV.weights(a.trueWeights, ids: a.cityIds), PanelCSV.weights(b.trueWeights, ids: b.cityIds))
        let c = try CitySystemCell(spec: spec, seed: 8, source: "t").generate(replication: 3)
        XCTAssertNotEqual(PanelCSV.panel(a), PanelCSV.panel(c))
        let d = try CitySystemCell(spec: spec, seed: 7, source: "t").generate(replication: 4)
        XCTAssertNotEqual(PanelCSV.panel(a), PanelCSV.panel(d))
        // Geography is fixed across replications and cells (drawn from cell 0, replication 0).
        XCTAssertEqual(a.coordinateX, d.coordinateX)
        XCTAssertEqual(try CitySystemCell(spec: spec, seed: 7, cell: 5, source: "t").geography.x, a.coordinateX)
    }

    func testCSVRoundTripsDoubles() throws {
        let p = try CitySystemCell(spec: Small.spec(cities: 12, centres: 2), seed: 1, source: "t").generate(replication: 0)
        let lines = PanelCSV.panel(p).split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + p.n * p.t)
        XCTAssertTrue(lines[0].hasPrefix("city,year,Mis,CA,D,treat,post,LQm,LQs,lngdppc,gov"))
        let f = lines[1].split(separator: ",")   // city 1, first year: index 0
        XCTAssertEqual(Double(f[2])!, p.mis[0], "%.17g must round-trip exactly")
        XCTAssertEqual(Double(f[3])!, p.ca[0])
    }

    /// The paper-like defaults: 280 cities, 2003–2020; CA should span roughly 1–6 with a
    /// median near 3 (observed at seed 20230101: min 1.25, p5 1.99, median 2.97, p95 4.62, max 7.72).
    func testBaselineCARange() throws {
        let p = try CitySystemCell(spec: CitySystemSpec(), seed: 20230101, source: "baseline").generate(replication: 0)
        XCTAssertEqual(p.n, 280)
        XCTAssertEqual(p.years, Array(2003...2020))
        let ca = p.ca.sorted()
        XCTAssertGreaterThan(ca.first!, 1.0, "CA ≥ 1 by construction plus LQ > 0")
        XCTAssertGreaterThan(Statistics.quantile(sorted: ca, 0.05), 1.5)
        XCTAssertLessThan(Statistics.quantile(sorted: ca, 0.95), 6.0)
        assertClose(3.0, Statistics.quantile(sorted: ca, 0.5), tolerance: 0.25, "target 'median near 3' (MODEL.md §2.3)")
        XCTAssertLessThan(ca.last!, 12)
        let treated = p.treat.reduce(0, +)
        XCTAssertGreaterThan(treated, 10)
        XCTAssertLessThan(treated, 140)
    }

    /// z_slope acts only in a world with the policy (issue 20): with treatment disabled the Z·t trend is
    /// absent, so z_slope changes nothing; with treatment enabled it moves the outcome.
    func testZSlopeOnlyWithTreatment() throws {
        func mis(enabled: Bool, zSlope: Double) throws -> [Double] {
            var spec = Small.spec(cities: 20, centres: 2)
            spec.treatment.enabled = enabled
            spec.treatment.zSlope = zSlope
            return try CitySystemCell(spec: spec, seed: 5, source: "t").generate(replication: 0).mis
        }
        XCTAssertEqual(try mis(enabled: false, zSlope: 0.5), try mis(enabled: false, zSlope: 0), "no Z·t trend without the policy")
        XCTAssertNotEqual(try mis(enabled: true, zSlope: 0.5), try mis(enabled: true, zSlope: 0), "the trend acts with the policy")
    }

    func testTreatmentTimingAndCounterfactual() throws {
        var spec = Small.spec()
        spec.treatment.staggered = [2008, 2010]
        let p = try CitySystemCell(spec: spec, seed: 11, source: "t").generate(replication: 0)
        XCTAssertTrue(p.treat.contains(1) && p.treat.contains(0))
        for i in 0..<p.n {
            if p.treat[i] == 1 { XCTAssertTrue([2008, 2010].contains(p.cohort[i])) } else { XCTAssertEqual(p.cohort[i], 0) }
            for t in 0..<p.t {
                let k = t * p.n + i
                if p.years[t] < 2008 {
                    // Before any adoption the two worlds coincide exactly (common random numbers).
                    XCTAssertEqual(p.mis[k], p.misNoIntegration[k])
                    XCTAssertEqual(p.d[k], p.dNoIntegration[k])
                    XCTAssertEqual(p.post[k], 0)
                }
                if p.treat[i] == 1 { XCTAssertEqual(p.post[k], p.years[t] >= p.cohort[i] ? 1 : 0) }
            }
        }
        let att = p.truth.integration.meanAtt!
        XCTAssertLessThan(att, 0, "δ_P = −0.05 amplified by the spatial multiplier")
    }

    func testTruthJSONKeysAndNulls() throws {
        var spec = Small.spec(cities: 20, centres: 2, last: 2008, t0: 2006)
        spec.treatment.enabled = false
        let p = try CitySystemCell(spec: spec, seed: 3, source: "t").generate(replication: 0)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: p.truth.jsonData()) as? [String: Any])
        for k in ["rho", "beta", "theta", "gamma", "theta_x", "control_names", "stable_interval", "effect_weights",
                  "regressor_effects", "curves", "turning_points", "averaged", "integration", "mechanism"] {
            XCTAssertNotNil(obj[k], "documented key \(k)")
        }
        let integ = try XCTUnwrap(obj["integration"] as? [String: Any])
        XCTAssertTrue(integ["mean_att"] is NSNull, "no treated city: mean_att is null, not absent")
        XCTAssertEqual(integ["treated_cities"] as? Int, 0)
        let mech = try XCTUnwrap(obj["mechanism"] as? [String: Any])
        XCTAssertTrue(mech["att_d"] is NSNull && mech["share_treated"] is NSNull, "no treated city: mechanism truths are null")
    }

    func testErrorLawsAndDataDependentW() throws {
        for law in ErrorSpec.Law.allCases {
            var spec = Small.spec(cities: 20, centres: 2, last: 2008, t0: 2006)
            spec.outcome.error.law = law
            let p = try CitySystemCell(spec: spec, seed: 3, source: "t").generate(replication: 0)
            XCTAssertTrue(p.mis.allSatisfy(\.isFinite), "law \(law)")
        }
        var spec = Small.spec(cities: 20, centres: 2, last: 2008, t0: 2006)
        spec.weights.kappaD = 2
        let cell = try CitySystemCell(spec: spec, seed: 3, source: "t")
        XCTAssertNil(cell.trueWeights, "W flattened by D is rebuilt per replication")
        let p = try cell.generate(replication: 0)
        assertClose(1, p.trueWeights.spectrum!.maximum, tolerance: 1e-10, "row-standardised")
    }

    func testCSVCoordinatesInput() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "id,lon,lat,centre\n"
        let pts: [(Double, Double)] = [(116.4, 39.9), (121.5, 31.2), (113.3, 23.1), (117.2, 39.1), (120.2, 30.3),
                                       (114.1, 22.5), (118.8, 32.1), (112.9, 28.2), (104.1, 30.7), (108.9, 34.3)]
        for (k, p) in pts.enumerated() { csv += "c\(k),\(p.0),\(p.1),\(k < 3 ? 1 : 0)\n" }
        let file = dir.appendingPathComponent("coords.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let yaml = """
        city_system:
          geography: {source: csv, file: coords.csv, units: lonlat, first_year: 2003, last_year: 2008}
          weights: {kind: knn, k: 3}
          treatment: {t0: 2006, regions: [0, 1, 2, 3]}
        """
        let spec = try ScenarioParser.parse(ScenarioDocument(text: yaml, source: "c.yaml"), baseDirectory: dir.path)
        let cell = try CitySystemCell(scenario: spec)
        XCTAssertEqual(cell.geography.ids.first, "c0")
        // Beijing–Shanghai great-circle distance ≈ 1067 km (haversine, R = 6371 km).
        assertClose(1067, cell.geography.distances[0, 1], tolerance: 5, "published city-pair distance, rounded")
        XCTAssertEqual(try cell.generate(replication: 0).n, 10)
    }
}
