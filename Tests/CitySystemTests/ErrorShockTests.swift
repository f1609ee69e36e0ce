@testable import CitySystem
import Foundation
import Numerics
import TestSupport
import XCTest

/// Spatially correlated error shocks (`city_system.outcome.error.shocks`, issue 23).
final class ErrorShockTests: XCTestCase {
    /// Pairs of cities 50, 150 and 300 km apart, each pair far (≥ 1,000 km) from the others.
    /// Over 2,500 years of shocks (share 1, σ 1, AR 0.6) the sample correlation of each pair is
    /// within 3.5 MCSE of exp(−d²/range²), each city's variance within 3.5 MCSE of 1 and the
    /// lag-1 autocorrelation within 3.5 MCSE of 0.6. MCSE of a correlation r of two AR(1)
    /// series with coefficient a: (1 − r²) √((1 + a²)/((1 − a²) T)) (Bartlett 1946); of the
    /// variance: √(2 (1 + a²)/((1 − a²) T)); of the lag-1 autocorrelation: √((1 − a²)/T).
    func testShockCorrelationMatchesTheImpliedOne() throws {
        let gaps = [50.0, 150, 300]
        var x: [Double] = [], y: [Double] = []
        for (k, g) in gaps.enumerated() { x += [Double(k) * 1500, Double(k) * 1500 + g]; y += [0, 0] }
        let geography = try Geography.locations(x: x, y: y, isLonLat: false)
        var e = ErrorSpec()
        e.sigma = 1
        e.shocks.share = 1; e.shocks.rangeKm = 150; e.shocks.ar = 0.6
        let field = try CityEffectField.convolution(geography, rangeKm: e.shocks.rangeKm)
        let n = geography.count, tt = 2500
        var eps = [Double](repeating: 0, count: n * tt)
        ErrorLaw.addShocks(e, field: field, to: &eps, n: n, periods: tt, stream: RandomStream(StreamID(seed: 23, purpose: CityStreamPurpose.shocks)))
        let a = e.shocks.ar, inflation = (1 + a * a) / (1 - a * a)
        func series(_ i: Int) -> [Double] { (0..<tt).map { eps[$0 * n + i] } }
        for (k, g) in gaps.enumerated() {
            let (u, v) = (series(2 * k), series(2 * k + 1))
            let r = e.shocks.impliedCorrelation(atKm: g)
            assertWithinMCSE(r, Statistics.correlation(u, v), mcse: (1 - r * r) * (inflation / Double(tt)).squareRoot(), k: 3.5,
                             "shock correlation at \(g) km")
            assertWithinMCSE(1, Statistics.variance(u), mcse: (2 * inflation / Double(tt)).squareRoot(), k: 3.5, "unit variance")
            assertWithinMCSE(a, Statistics.correlation(Array(u.dropLast()), Array(u.dropFirst())), mcse: ((1 - a * a) / Double(tt)).squareRoot(),
                             k: 3.5, "AR(1) across years")
        }
    }

    /// Shocks change the outcome, not what it is compared with: every truth is the same with and
    /// without them (they have mean zero and enter only the error), and no other column moves.
    /// Truths that difference the two worlds (Mis(1) − Mis(0), both carrying the same ε) agree to
    /// rounding, not bit for bit: 1e-12 relative to each value's scale.
    func testShocksLeaveEveryTruthUnchanged() throws {
        let plain = Small.spec()
        var shocked = plain
        shocked.outcome.error.shocks.share = 0.6
        shocked.outcome.error.shocks.rangeKm = 150
        shocked.outcome.error.shocks.ar = 0.3
        let a = try CitySystemCell(spec: plain, seed: 5, source: "t").generate(replication: 2)
        let b = try CitySystemCell(spec: shocked, seed: 5, source: "t").generate(replication: 2)
        func numbers(_ v: Any) -> [Double] {
            if let d = v as? [String: Any] { return d.keys.sorted().flatMap { numbers(d[$0]!) } }
            if let l = v as? [Any] { return l.flatMap(numbers) }
            if let x = v as? NSNumber, !(v is Bool) { return [x.doubleValue] }
            return []
        }
        let ta = numbers(try JSONSerialization.jsonObject(with: a.truth.jsonData()))
        let tb = numbers(try JSONSerialization.jsonObject(with: b.truth.jsonData()))
        XCTAssertEqual(ta.count, tb.count)
        XCTAssertGreaterThan(ta.count, 20)
        for (u, v) in zip(ta, tb) { assertClose(u, v, tolerance: 1e-12 * max(1, abs(u)), "a truth moved with the shocks") }
        XCTAssertEqual(a.ca, b.ca)
        XCTAssertEqual(a.d, b.d)
        XCTAssertEqual(a.treat, b.treat)
        XCTAssertNotEqual(a.mis, b.mis)
        // share 0 draws nothing: the panel is bit-identical to a scenario without the key.
        var zero = plain
        zero.outcome.error.shocks.share = 0
        zero.outcome.error.shocks.rangeKm = 500
        XCTAssertEqual(PanelCSV.panel(try CitySystemCell(spec: zero, seed: 5, source: "t").generate(replication: 2)), PanelCSV.panel(a))
    }

    func testShockKeysParseAndBadValuesNameTheirPath() throws {
        let s = try Small.parse("""
        city_system:
          outcome:
            error: {law: normal, sigma: 0.1, shocks: {share: 0.4, range_km: 300, ar: 0.5}}
        """)
        XCTAssertEqual(s.citySystem.outcome.error.shocks.share, 0.4)
        XCTAssertEqual(s.citySystem.outcome.error.shocks.rangeKm, 300)
        XCTAssertEqual(s.citySystem.outcome.error.shocks.ar, 0.5)
        for (bad, path) in [("share: 1.5", "share"), ("range_km: 0", "range_km"), ("ar: 1", "ar"), ("rnage_km: 3", "rnage_km")] {
            XCTAssertThrowsError(try Small.parse("""
            city_system:
              outcome:
                error: {shocks: {\(bad)}}
            """)) { e in
                XCTAssertEqual((e as? ScenarioError)?.path, "city_system.outcome.error.shocks.\(path)", "\(e)")
            }
        }
    }
}
