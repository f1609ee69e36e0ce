import XCTest
import Foundation
import Numerics
import TestSupport
import CitySystem
@testable import Estimators

/// Conley (1999) spatial-HAC variances of TWFE and OLS against Python diff-diff 3.13.0
/// (`compute_robust_vcov(vcov_type="conley")`, which matches R conleyreg) on
/// Fixtures/conley_panel.{csv,json} (scripts/fixtures/make_conley_panel.py; provenance inside).
final class ConleyVarianceTests: XCTestCase {
    struct Panel {
        let table: DataTable
        let unit: [Int], period: [Int], year: [Double]
        let lon: [Double], lat: [Double], xKm: [Double], yKm: [Double]   // per unit
    }

    func loadPanel() throws -> Panel {
        let csv = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/conley_panel.csv")
        let t = try DataTable.read(csv: csv)
        let unit = PanelRegressionData.codes(try t.strings("id"))
        let year = try t.numbers("year")
        let y0 = year.min()!
        var lon = [Double](repeating: 0, count: unit.max()! + 1), lat = lon, xk = lon, yk = lon
        let (lo, la, xs, ys) = (try t.numbers("lon"), try t.numbers("lat"), try t.numbers("x_km"), try t.numbers("y_km"))
        for (r, u) in unit.enumerated() { lon[u] = lo[r]; lat[u] = la[r]; xk[u] = xs[r]; yk[u] = ys[r] }
        return Panel(table: t, unit: unit, period: year.map { Int($0 - y0) }, year: year, lon: lon, lat: lat, xKm: xk, yKm: yk)
    }

    func cases() throws -> [[String: Any]] {
        let json = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/conley_panel.json")
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        return try XCTUnwrap(root["cases"] as? [[String: Any]])
    }

    func spec(_ c: [String: Any], _ p: Panel) throws -> ConleySpec {
        let lonlat = (c["coords"] as! String) == "lonlat"
        let g = lonlat ? try Geography.locations(x: p.lon, y: p.lat, isLonLat: true)
                       : try Geography.locations(x: p.xKm, y: p.yKm, isLonLat: false)
        let cutoff = (c["cutoff"] as! NSNumber).doubleValue
        return try ConleySpec(cutoffKm: cutoff, kernel: ConleyKernel(rawValue: c["kernel"] as! String)!,
                              lag: (c["lag"] as! NSNumber).intValue, neighbours: g.neighbours(within: cutoff))
    }

    /// Every vcov entry within 1e-8 of √(v_ii v_jj): the kernel weights come from the same
    /// distance formula (rounding ~1e-16) and the bread is well conditioned (two regressors
    /// with correlation ≈ 0), so only summation order separates the two computations.
    func assertVcov(_ ref: [[Double]], _ v: Matrix, _ why: String) {
        for i in ref.indices {
            for j in ref.indices {
                let scale = (ref[i][i] * ref[j][j]).squareRoot()
                assertClose(ref[i][j], v[i, j], tolerance: 1e-8 * scale, "\(why) vcov[\(i), \(j)]; relative 1e-8")
            }
        }
    }

    func testTwoWayConleyMatchesDiffDiff() throws {
        let p = try loadPanel()
        let x = try Matrix(columns: [try p.table.numbers("x1"), try p.table.numbers("x2")])
        let y = try p.table.numbers("y")
        var checked = 0
        for c in try cases() where c["year"] == nil {
            let s = try spec(c, p)
            let fit = try PanelOLS.fit(y: y, x: x, names: ["x1", "x2"], unit: p.unit, time: p.period, effects: .twoWays,
                                       variance: .conley(s, location: p.unit, period: p.period))
            assertClose(c["coefficients"] as! [Double], fit.coefficients, tolerance: 1e-10, "\(c["name"]!) coefficients")
            assertVcov(c["vcov"] as! [[Double]], fit.covariance, c["name"] as! String)
            XCTAssertEqual(fit.tDegreesOfFreedom, Double(fit.observations - fit.parameterCount))
            checked += 1
        }
        XCTAssertEqual(checked, 5, "lon/lat and km, Bartlett and uniform, with and without the serial lag")
    }

    func testCrossSectionConleyMatchesDiffDiff() throws {
        let p = try loadPanel()
        let c = try XCTUnwrap(try cases().first { c in c["year"] != nil })
        let year = (c["year"] as! NSNumber).doubleValue
        let rows = p.year.indices.filter { p.year[$0] == year }
        let x1 = try p.table.numbers("x1"), x2 = try p.table.numbers("x2"), y = try p.table.numbers("y")
        let x = try Matrix(columns: [rows.map { x1[$0] }, rows.map { x2[$0] }])
        let units = rows.map { p.unit[$0] }
        let fit = try PanelOLS.fit(y: rows.map { y[$0] }, x: x, names: ["x1", "x2"], unit: units, time: rows.map { _ in 0 },
                                   effects: .none, variance: .conley(try spec(c, p), location: units, period: rows.map { _ in 0 }))
        assertClose(c["coefficients"] as! [Double], fit.coefficients, tolerance: 1e-10, "cross-section coefficients")
        assertVcov(c["vcov"] as! [[Double]], fit.covariance, "cross-section")
    }

    /// The weighted path (scores w·x̃·e) and the compressed search against a dense double sum
    /// over all observation pairs with the kernel written out, on an unbalanced subset.
    func testWeightedConleyEqualsDenseDoubleSum() throws {
        let p = try loadPanel()
        let keep = p.unit.indices.filter { ($0 * 7) % 11 != 3 }   // drop a scattered tenth: unbalanced
        let x1 = try p.table.numbers("x1"), x2 = try p.table.numbers("x2"), y = try p.table.numbers("y")
        let w = keep.map { 0.5 + Double(($0 * 5) % 7) / 4 }
        let unit = keep.map { p.unit[$0] }, period = keep.map { p.period[$0] }
        let x = try Matrix(columns: [keep.map { x1[$0] }, keep.map { x2[$0] }])
        let g = try Geography.locations(x: p.lon, y: p.lat, isLonLat: true)
        let s = try ConleySpec(cutoffKm: 350, kernel: .bartlett, lag: 2, neighbours: g.neighbours(within: 400))
        let fit = try PanelOLS.fit(y: keep.map { y[$0] }, x: x, names: ["x1", "x2"], unit: unit, time: period, effects: .twoWays,
                                   weights: w, variance: .conley(s, location: unit, period: period))
        // Reference: the iid fit's covariance is s²B, giving the bread B; the meat is rebuilt densely.
        let iid = try PanelOLS.fit(y: keep.map { y[$0] }, x: x, names: ["x1", "x2"], unit: unit, time: period, effects: .twoWays,
                                   weights: w, variance: .iid)
        let s2 = iid.residuals.indices.reduce(0) { $0 + w[$1] * iid.residuals[$1] * iid.residuals[$1] } / Double(iid.observations - iid.parameterCount)
        let bread = (1 / s2) * iid.covariance
        // The weighted two-way demeaned regressors, by the same alternating projections to 1e-14.
        var xt = Matrix(rows: keep.count, cols: 2)
        let proj = WithinProjection(dims: [PanelOLS.recode(unit), PanelOLS.recode(period)], weights: w)
        for j in 0..<2 {
            var v = (0..<keep.count).map { x[$0, j] }
            proj.demean(&v, tolerance: 1e-14)
            for i in 0..<keep.count { xt[i, j] = v[i] }
        }
        var meat = Matrix(rows: 2, cols: 2)
        for a in 0..<keep.count {
            for b in 0..<keep.count {
                var k = 0.0
                if period[a] == period[b] {
                    k = ConleyKernel.bartlett.weight(distance: g.distance(unit[a], unit[b]), cutoff: 350)
                } else if unit[a] == unit[b], abs(period[a] - period[b]) <= 2 {
                    k = 1 - Double(abs(period[a] - period[b])) / 3
                }
                guard k != 0 else { continue }
                let ea = w[a] * fit.residuals[a], eb = w[b] * fit.residuals[b]
                for i in 0..<2 { for j in 0..<2 { meat[i, j] += k * xt[a, i] * ea * xt[b, j] * eb } }
            }
        }
        let v = bread * meat * bread
        for i in 0..<2 {
            for j in 0..<2 {
                // Demeaning converged to 1e-14 of scale in both computations; 1e-8 relative is ample.
                assertClose(v[i, j], fit.covariance[i, j], tolerance: 1e-8 * (v[0, 0] * v[1, 1]).squareRoot(), "weighted, unbalanced [\(i), \(j)]")
            }
        }
    }

    /// The grid search lists exactly the pairs of the dense distance matrix within the radius.
    func testNeighbourListEqualsDenseSearch() throws {
        let p = try loadPanel()
        for g in [try Geography.locations(x: p.lon, y: p.lat, isLonLat: true), try Geography.locations(x: p.xKm, y: p.yKm, isLonLat: false)] {
            let list = try g.neighbours(within: 280)
            let d = g.distances
            for i in 0..<g.count {
                let dense = (0..<g.count).filter { $0 != i && d[i, $0] <= 280 }
                XCTAssertEqual(Array(list.neighbour[list.rowStart[i]..<list.rowStart[i + 1]]), dense)
            }
        }
    }

    func testBadSettingsAreRefused() throws {
        let g = try Geography.locations(x: [0, 1, 2], y: [0, 0, 0], isLonLat: false)
        let list = try g.neighbours(within: 100)
        XCTAssertThrowsError(try ConleySpec(cutoffKm: 200, neighbours: list))   // list shorter than the cutoff
        XCTAssertThrowsError(try ConleySpec(cutoffKm: 0, neighbours: list))
        XCTAssertThrowsError(try ConleySpec(cutoffKm: 50, lag: -1, neighbours: list))
        XCTAssertThrowsError(try Geography.locations(x: [0, 200], y: [0, 0], isLonLat: true))
        XCTAssertEqual(ConleyKernel.bartlett.weight(distance: 100, cutoff: 100), 0)
        XCTAssertEqual(ConleyKernel.uniform.weight(distance: 100, cutoff: 100), 1)
    }

    /// The initialiser is the only way to set a field, so a spec that passed its checks cannot be
    /// changed into one that would not (a cutoff beyond the neighbour list's radius, a negative lag):
    /// no field is writable, checked through key paths (a `var` would give a WritableKeyPath).
    func testFieldsCannotBeChangedAfterTheChecks() throws {
        let fields: [AnyKeyPath] = [\ConleySpec.cutoffKm, \ConleySpec.kernel, \ConleySpec.lag, \ConleySpec.serialKernel, \ConleySpec.neighbours]
        for field in fields {
            XCTAssertFalse(field is WritableKeyPath<ConleySpec, Double> || field is WritableKeyPath<ConleySpec, ConleyKernel>
                           || field is WritableKeyPath<ConleySpec, Int> || field is WritableKeyPath<ConleySpec, NeighbourList>, "\(field)")
        }
    }
}

/// With the uniform serial kernel, a lag spanning the panel and a cutoff below every distance
/// between units, the Conley meat is the cluster-by-unit meat: the Conley covariance equals
/// PanelOLS's CR1 by unit without its small-sample factor G/(G−1)·(n−1)/(n−K).
final class ConleyUniformSerialTests: XCTestCase {
    func testUniformSerialKernelOverThePanelIsClusteringByUnit() throws {
        let csv = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/conley_panel.csv")
        let t = try DataTable.read(csv: csv)
        let unit = PanelRegressionData.codes(try t.strings("id"))
        let year = try t.numbers("year")
        let period = year.map { Int($0 - year.min()!) }
        let x = try Matrix(columns: [try t.numbers("x1"), try t.numbers("x2")])
        let y = try t.numbers("y")
        let units = unit.max()! + 1
        var xs = [Double](repeating: 0, count: units), ys = xs
        let (a, b) = (try t.numbers("x_km"), try t.numbers("y_km"))
        for (r, u) in unit.enumerated() { xs[u] = a[r]; ys[u] = b[r] }
        let g = try Geography.locations(x: xs, y: ys, isLonLat: false)
        let tiny = 1e-3   // km: no two units are this close
        let spec = try ConleySpec(cutoffKm: tiny, kernel: .uniform, lag: period.max()!, serialKernel: .uniform, neighbours: g.neighbours(within: tiny))
        XCTAssertEqual(spec.neighbours.pairCount, 0)
        let conley = try PanelOLS.fit(y: y, x: x, names: ["x1", "x2"], unit: unit, time: period, variance: .conley(spec, location: unit, period: period))
        let cluster = try PanelOLS.fit(y: y, x: x, names: ["x1", "x2"], unit: unit, time: period, variance: .cluster(unit))
        let n = Double(cluster.observations), gCount = Double(cluster.clusters!), k = Double(cluster.parameterCount)
        let factor = gCount / (gCount - 1) * (n - 1) / (n - k)
        for i in 0..<2 {
            for j in 0..<2 {
                // The same meat summed in two orders: agreement to rounding.
                let scale = (conley.covariance[i, i] * conley.covariance[j, j]).squareRoot()
                assertClose(cluster.covariance[i, j] / factor, conley.covariance[i, j], tolerance: 1e-12 * scale, "[\(i), \(j)]")
            }
        }
    }
}

/// `ConleySmallSample`: R fixest's (n − 1)/(n − K) on the Conley variance. The factor is a scalar, so
/// each convention's covariance is the factor-free one (itself equal to diff-diff/conleyreg on this
/// fixture, above) times (n − 1)/(n − K), with K counted by hand from fixest's `vcov.fixest` rule
/// for this panel (70 units × 6 years, regressors x1, x2, two-way effects; fixest 0.12.2 R/VCOV.R, vcov.fixest, and src/misc_funs.cpp cpp_check_nested:
/// nparams = 2 + (70 − 1) + (6 − 1) + 1 = 77; the unit effect is nested in the `rm_nested` coordinates,
/// so fixef.K = "nested" subtracts its 70 − 1 levels, leaving K = 8; fixef.K = "full" keeps K = 77).
final class ConleySmallSampleTests: XCTestCase {
    func fits(effects: FixedEffects) throws -> [ConleySmallSample: PanelOLSResult] {
        let t = try DataTable.read(csv: try TestPaths.committed("Tests/EstimatorsTests/Fixtures/conley_panel.csv"))
        let unit = PanelRegressionData.codes(try t.strings("id"))
        let year = try t.numbers("year")
        let period = year.map { Int($0 - year.min()!) }
        let x = try Matrix(columns: [try t.numbers("x1"), try t.numbers("x2")])
        var xs = [Double](repeating: 0, count: unit.max()! + 1), ys = xs
        let (a, b) = (try t.numbers("x_km"), try t.numbers("y_km"))
        for (r, u) in unit.enumerated() { xs[u] = a[r]; ys[u] = b[r] }
        let list = try Geography.locations(x: xs, y: ys, isLonLat: false).neighbours(within: 300)
        var out: [ConleySmallSample: PanelOLSResult] = [:]
        for s in ConleySmallSample.allCases {
            let spec = try ConleySpec(cutoffKm: 300, lag: 2, smallSample: s, neighbours: list)
            out[s] = try PanelOLS.fit(y: try t.numbers("y"), x: x, names: ["x1", "x2"], unit: unit, time: period, effects: effects,
                                      variance: .conley(spec, location: unit, period: period))
        }
        return out
    }

    /// The covariance scales by (n − 1)/(n − K), the SEs by its square root, and the t reference
    /// takes n − K degrees of freedom; the coefficients do not move.
    func assertFactor(_ fits: [ConleySmallSample: PanelOLSResult], _ s: ConleySmallSample, k: Int, _ why: String) {
        let base = fits[.none]!, f = fits[s]!
        let n = 420.0, factor = (n - 1) / (n - Double(k))
        XCTAssertEqual(f.observations, 420)
        XCTAssertEqual(f.parameterCount, k, "\(why): K")
        XCTAssertEqual(f.tDegreesOfFreedom, n - Double(k), "\(why): t degrees of freedom n − K")
        XCTAssertEqual(f.coefficients, base.coefficients)
        for i in 0..<2 {
            // One multiplication apart: rounding only.
            assertClose(base.standardErrors[i] * factor.squareRoot(), f.standardErrors[i], tolerance: 1e-13 * f.standardErrors[i], "\(why) SE[\(i)]")
            for j in 0..<2 {
                let scale = (f.covariance[i, i] * f.covariance[j, j]).squareRoot()
                assertClose(base.covariance[i, j] * factor, f.covariance[i, j], tolerance: 1e-13 * scale, "\(why) vcov[\(i), \(j)]")
            }
        }
    }

    func testTwoWayFactorsFollowFixestsCountOfK() throws {
        let f = try fits(effects: .twoWays)
        XCTAssertEqual(f[.none]!.parameterCount, 77, "no factor: t with n − K, every effect counted (as before)")
        assertFactor(f, .fixest, k: 8, "fixest (nested: the unit effect drops out)")
        assertFactor(f, .fixestFull, k: 77, "fixest_full")
    }

    /// Only the unit effect, nested in the locations: fixest removes every effect and adds 1 for the
    /// intercept (K = p + 1 = 3); "full" counts its 70 levels (K = 72).
    func testUnitEffectOnlyIsTheInterceptUnderTheNestedRule() throws {
        let f = try fits(effects: .individual)
        assertFactor(f, .fixest, k: 3, "fixest, unit effects")
        assertFactor(f, .fixestFull, k: 72, "fixest_full, unit effects")
    }

    /// The spatial (QML) models have no small-sample factor: anything but `.none` is refused (the
    /// fit records the variance as unavailable, with the reason).
    func testSpatialModelsRefuseTheFactor() throws {
        let n = 12
        let w = try SpatialTestData.ringWeights(n)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 4, rho: 0.3, beta: [1, -0.5], theta: [0.3, 0.2], seed: 3)
        let angle = (0..<n).map { 2 * Double.pi * Double($0) / Double(n) }
        let g = try Geography.locations(x: angle.map { 500 * cos($0) }, y: angle.map { 500 * sin($0) }, isLonLat: false)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        for s in [ConleySmallSample.fixest, .fixestFull] {
            let conley = try ConleySpec(cutoffKm: 300, smallSample: s, neighbours: g.neighbours(within: 300))
            let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .conley, conley: conley)
            XCTAssertEqual(fit.termination, .varianceUnavailable, "\(s.rawValue): refused, not ignored")
        }
        let plain = try SpatialEstimator.fit(spec, panel: panel, weights: w, variance: .conley,
                                             conley: try ConleySpec(cutoffKm: 300, neighbours: g.neighbours(within: 300)))
        XCTAssertNotEqual(plain.termination, .varianceUnavailable)
        XCTAssertEqual(try ConleySpec(cutoffKm: 5, smallSample: .fixest, neighbours: g.neighbours(within: 5)).label,
                       "Conley (bartlett, 5 km, fixest ssc)")
    }
}

/// The SAC's Conley sandwich refuses a small-sample factor too (typed error from the variance itself,
/// at the cigarette design's reference point, before any work).
final class SACConleySmallSampleTests: XCTestCase {
    func testSACRefusesTheFactor() throws {
        let t = SACConleyVarianceTests(name: "helpers", testClosure: { _ in })   // its fixture helpers only
        let (d, w, _) = try t.design(.direct)
        let ref = try XCTUnwrap(try SpatialClusterCorrectionTests.json("sac_conley_cigarette.json")["direct"] as? [String: Any])
        let point = try t.referencePoint(ref)
        let bread = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w)
        let spec = try ConleySpec(cutoffKm: 700, smallSample: .fixestFull, neighbours: try t.stateGeography().neighbours(within: 700))
        XCTAssertThrowsError(try SACVariance.conleyCovariance(d, point: point, weights: w, errorWeights: w, bread: bread, conley: spec)) {
            XCTAssertTrue(String(describing: $0).contains("small_sample"), "names the key: \($0)")
        }
    }
}
