@testable import CitySystem
import Numerics
import TestSupport
import XCTest

/// Cities entering the panel late (`city_system.panel.entry`, issue 24): before the entry year
/// only the incumbents exist and interact through W restricted to them and re-standardised;
/// the truth averages over the city-years that exist.
final class EntryTests: XCTestCase {
    static func scenario(entry: String, treatment: String = "{enabled: false}", rate: Double = 0) -> String {
        """
        name: entry
        seed: 7
        city_system:
          geography: {centres: 4, cities: 40, square_km: 800, min_separation_km: 200, first_year: 2011, last_year: 2018}
          weights: {kind: knn, k: 4}
          treatment: \(treatment)
          panel: {missing: mcar, rate: \(rate)\(entry)}
        """
    }

    func panel(_ text: String) throws -> SyntheticPanel {
        try CitySystemCell(scenario: try ScenarioParser.parse(try ScenarioDocument(text: text, source: "test"))).generate(replication: 0)
    }

    /// Checked against the same world without entry (same streams): from the entry year the outcome
    /// is the same; before it the incumbents' outcome satisfies the SDM with the restricted W built
    /// here by hand, given the full world's μ + α + ε recovered from the twin.
    func testIncumbentsInteractThroughTheRestrictedWBeforeEntry() throws {
        let p = try panel(Self.scenario(entry: ", entry: {share: 0.25, year: 2015}"))
        let twin = try panel(Self.scenario(entry: ""))
        let n = p.n, first = p.years.firstIndex(of: 2015)!
        let o = try XCTUnwrap(p.observed, "entry makes the panel unbalanced even without missingness")
        let incumbents = (0..<n).filter { o[$0] }
        XCTAssertEqual(n - incumbents.count, 10, "25 % of 40 cities enter")
        // The entrants are the smallest cities.
        let entrants = (0..<n).filter { !o[$0] }
        XCTAssertLessThanOrEqual(entrants.map { p.lnSize[$0] }.max()!, incumbents.map { p.lnSize[$0] }.min()!)
        for q in 0..<p.t {
            for i in 0..<n {
                XCTAssertEqual(o[q * n + i], q >= first || incumbents.contains(i), "observed = exists (no missingness)")
            }
        }
        for k in (first * n)..<(n * p.t) { XCTAssertEqual(p.mis[k], twin.mis[k], "the full model from the entry year on") }

        let w = twin.trueWeights.matrix, rho = p.truth.rho, beta = p.truth.beta, theta = p.truth.theta
        let m = incumbents.count
        var ws = Matrix(rows: m, cols: m)
        for (a, i) in incumbents.enumerated() {
            let s = incumbents.reduce(0.0) { $0 + w[i, $1] }
            for (b, j) in incumbents.enumerated() where s > 0 { ws[a, b] = w[i, j] / s }
        }
        func x(_ k: Int) -> (own: Double, lagged: Double) {
            let c = p.ca[k], d = p.d[k]
            var own = beta[0] * c + beta[1] * c * c + beta[2] * c * d + beta[3] * d
            var lag = theta[0] * c + theta[1] * c * c + theta[2] * c * d + theta[3] * d
            for (j, col) in p.controls.enumerated() { own += p.truth.gamma[j] * col[k]; lag += p.truth.thetaX[j] * col[k] }
            return (own, lag)
        }
        var worst = 0.0
        for q in 0..<first {
            let row = { (i: Int) in q * n + i }
            // other = (I − ρW)y − Xβ − WXθ in the twin (every city exists).
            let other = (0..<n).map { i -> Double in
                var wy = 0.0, wl = 0.0
                for j in 0..<n { wy += w[i, j] * twin.mis[row(j)]; wl += w[i, j] * x(row(j)).lagged }
                return twin.mis[row(i)] - rho * wy - x(row(i)).own - wl
            }
            for (a, i) in incumbents.enumerated() {
                var wy = 0.0, wl = 0.0
                for (b, j) in incumbents.enumerated() { wy += ws[a, b] * p.mis[row(j)]; wl += ws[a, b] * x(row(j)).lagged }
                worst = max(worst, abs(p.mis[row(i)] - rho * wy - x(row(i)).own - wl - other[i]))
            }
            for i in entrants { XCTAssertTrue(p.mis[row(i)].isNaN, "an entrant has no outcome before it exists") }
        }
        // Two O(1) solves of a 30–40-city system: rounding level.
        XCTAssertLessThan(worst, 1e-10)

        // The truth's multipliers averaged over existing city-years, by LU here.
        RegimeMultipliers.assertAveraged(try RegimeMultipliers(ws, rho: rho), try RegimeMultipliers(w, rho: rho),
                                         before: first, periods: p.t, citiesBefore: m, citiesAfter: n,
                                         truth: p.truth.effectWeights)
        XCTAssertNotEqual(p.truth.effectWeights.a1, twin.truth.effectWeights.a1)
    }

    /// Missingness on top of entry: entrants are never observed before they exist, and the rate is
    /// over the city-years that exist.
    func testMissingnessOnTopOfEntry() throws {
        let p = try panel(Self.scenario(entry: ", entry: {share: 0.25, year: 2015}", rate: 0.2))
        let o = try XCTUnwrap(p.observed)
        let first = p.years.firstIndex(of: 2015)!
        let entrants = (0..<p.n).filter { i in (0..<first).allSatisfy { !o[$0 * p.n + i] } && o.indices.contains { $0 % p.n == i && o[$0] } }
        XCTAssertFalse(entrants.isEmpty)
        let existing = p.n * p.t - 10 * first
        let share = Double(o.filter { $0 }.count) / Double(existing)
        // 280 existing city-years at 20 % MCAR: SD 0.024; 4 SD.
        XCTAssertEqual(share, 0.8, accuracy: 0.1)
    }

    func testWhatEntryDoesNotDefineIsRefused() throws {
        for (treatment, entry) in [("{regions: [0], t0: 2015}", ", entry: {share: 0.2, year: 2015}")] {
            XCTAssertThrowsError(try panel(Self.scenario(entry: entry, treatment: treatment))) { e in
                XCTAssertEqual((e as? ScenarioError)?.path, "city_system.panel.entry.share", "\(e)")
            }
        }
        XCTAssertThrowsError(try panel(Self.scenario(entry: ", entry: {share: 0.2, year: 2011}"))) { e in
            XCTAssertEqual((e as? ScenarioError)?.path, "city_system.panel.entry.year", "\(e)")
        }
        // `merges` is a mapping {share, year} (MergeTests), not a list.
        XCTAssertThrowsError(try panel(Self.scenario(entry: ", merges: [{from: 2015}]"))) { e in
            XCTAssertEqual((e as? ScenarioError)?.path, "city_system.panel.merges", "\(e)")
        }
    }
}
