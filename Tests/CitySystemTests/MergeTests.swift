@testable import CitySystem
import Numerics
import TestSupport
import XCTest

/// Cities merging in pairs (`city_system.panel.merges`, issue 24): from the merge year the
/// absorbed city no longer exists, the absorbing city's row holds the merged city (size-weighted
/// regressors) and the outcome is the SDM on the merged geography, W aggregated over the parts
/// (P W Pᵀ) and re-standardised — all rebuilt here by hand with dense matrices.
final class MergeTests: XCTestCase {
    func panel(_ merges: String, rate: Double = 0) throws -> SyntheticPanel {
        try CitySystemCell(scenario: try ScenarioParser.parse(try ScenarioDocument(
            text: EntryTests.scenario(entry: merges, rate: rate), source: "test"))).generate(replication: 0)
    }

    func testMergedCityFollowsTheSDMOnTheMergedGeography() throws {
        let p = try panel(", merges: {share: 0.2, year: 2015}")
        let twin = try panel("")
        let n = p.n, first = p.years.firstIndex(of: 2015)!
        let m = try XCTUnwrap(p.merges)
        XCTAssertEqual(m.into.count, 8, "20 % of 40 cities are absorbed")
        XCTAssertEqual(Set(m.into + m.absorbed).count, 16, "disjoint pairs")
        let o = try XCTUnwrap(p.observed)
        for q in 0..<p.t { for i in 0..<n { XCTAssertEqual(o[q * n + i], q < first || !m.absorbed.contains(i)) } }
        // The smallest city not yet merged is absorbed, so by a larger neighbour.
        for (i, j) in zip(m.into, m.absorbed) { XCTAssertLessThanOrEqual(p.lnSize[j], p.lnSize[i]) }
        XCTAssertTrue(m.absorbed.contains((0..<n).min { p.lnSize[$0] < p.lnSize[$1] }!))
        for k in 0..<(first * n) {
            XCTAssertEqual(p.mis[k], twin.mis[k], "the full model before the merges")
            XCTAssertEqual(p.ca[k], twin.ca[k])
        }
        let w = twin.trueWeights.matrix, rho = p.truth.rho, beta = p.truth.beta, theta = p.truth.theta
        for (i, j) in zip(m.into, m.absorbed) { XCTAssertGreaterThan(w[j, i], 0, "absorbed by a neighbour") }
        // The true W is a row-standardised symmetric 0/1 kNN graph, so its symmetric form is the
        // 0/1 graph C; the merged geography: survivors, then merged city g; W_M = row-standardised
        // P C Pᵀ off the diagonal.
        var c = Matrix(rows: n, cols: n)
        for i in 0..<n { for j in 0..<n where w[i, j] > 0 { c[i, j] = 1; XCTAssertGreaterThan(w[j, i], 0, "symmetric graph") } }
        let survivors = (0..<n).filter { !m.into.contains($0) && !m.absorbed.contains($0) }
        let units: [[Int]] = survivors.map { [$0] } + zip(m.into, m.absorbed).map { [$0, $1] }
        let k = units.count
        var wm = Matrix(rows: k, cols: k)
        for a in 0..<k { for b in 0..<k where a != b { for i in units[a] { for j in units[b] { wm[a, b] += c[i, j] } } } }
        for a in 0..<k {
            let s = (0..<k).reduce(0.0) { $0 + wm[a, $1] }
            for b in 0..<k where s > 0 { wm[a, b] /= s }
        }
        let row = units.map { $0[0] }     // the generated panel's row of each unit (the absorbing city's for a merge)
        func x(_ c: Double, _ d: Double, _ controls: [Double]) -> (own: Double, lagged: Double) {
            var own = beta[0] * c + beta[1] * c * c + beta[2] * c * d + beta[3] * d
            var lag = theta[0] * c + theta[1] * c * c + theta[2] * c * d + theta[3] * d
            for (j, v) in controls.enumerated() { own += p.truth.gamma[j] * v; lag += p.truth.thetaX[j] * v }
            return (own, lag)
        }
        var worst = 0.0
        var gap = [[Double]](repeating: [], count: m.into.count)
        for q in first..<p.t {
            let at = { (i: Int) in q * n + i }
            // The merged city's regressors: size-weighted means of its parts' (twin = unmerged values).
            for (i, j) in zip(m.into, m.absorbed) {
                let a = exp(p.lnSize[i]), b = exp(p.lnSize[j])
                assertClose((a * twin.ca[at(i)] + b * twin.ca[at(j)]) / (a + b), p.ca[at(i)], tolerance: 1e-12, "merged CA")
                assertClose((a * twin.d[at(i)] + b * twin.d[at(j)]) / (a + b), p.d[at(i)], tolerance: 1e-12, "merged D")
                XCTAssertTrue(p.mis[at(j)].isNaN, "the absorbed city does not exist")
            }
            // other = (I − ρW)y − Xβ − WXθ of every city in the twin (all cities, full W).
            let twinOther = (0..<n).map { i -> Double in
                var wy = 0.0, wl = 0.0
                for j in 0..<n {
                    wy += w[i, j] * twin.mis[at(j)]
                    wl += w[i, j] * x(twin.ca[at(j)], twin.d[at(j)], twin.controls.map { $0[at(j)] }).lagged
                }
                return twin.mis[at(i)] - rho * wy - x(twin.ca[at(i)], twin.d[at(i)], twin.controls.map { $0[at(i)] }).own - wl
            }
            let xs = row.map { r in x(p.ca[at(r)], p.d[at(r)], p.controls.map { $0[at(r)] }) }
            for a in 0..<k {
                var wy = 0.0, wl = 0.0
                for b in 0..<k { wy += wm[a, b] * p.mis[at(row[b])]; wl += wm[a, b] * xs[b].lagged }
                let residual = p.mis[at(row[a])] - rho * wy - xs[a].own - wl
                if a < survivors.count { worst = max(worst, abs(residual - twinOther[row[a]])) }
                else { gap[a - survivors.count].append(residual - twinOther[row[a]]) }
            }
        }
        // Two O(1) solves of a 32–40-city system: rounding level.
        XCTAssertLessThan(worst, 1e-10)
        // A merged city's disturbance differs from its absorbing city's only by the city effect
        // (size-weighted μ instead of μ_i; same α_t and ε_it): a constant over the years.
        for g in gap { for v in g { XCTAssertEqual(v, g[0], accuracy: 1e-10) } }
        XCTAssertTrue(gap.contains { abs($0[0]) > 1e-6 }, "the merged city effect is not the absorbing city's")

        // The truth's multipliers averaged over existing city-years, by LU here.
        RegimeMultipliers.assertAveraged(try RegimeMultipliers(w, rho: rho), try RegimeMultipliers(wm, rho: rho),
                                         before: first, periods: p.t, citiesBefore: n, citiesAfter: k,
                                         truth: p.truth.effectWeights)
    }

    func testWhatMergesDoNotDefineIsRefused() throws {
        for extra in [", merges: {share: 0.2}, entry: {share: 0.1}", ", merges: {share: 0.6}"] {
            XCTAssertThrowsError(try panel(extra)) { e in
                XCTAssertEqual((e as? ScenarioError)?.path, "city_system.panel.merges.share", "\(e)")
            }
        }
        XCTAssertThrowsError(try panel(", merges: {share: 0.2, year: 2011}")) { e in
            XCTAssertEqual((e as? ScenarioError)?.path, "city_system.panel.merges.year", "\(e)")
        }
        XCTAssertThrowsError(try panel(", merges: {share: 0.2, when: 2014}")) { e in
            XCTAssertEqual((e as? ScenarioError)?.path, "city_system.panel.merges.when", "\(e)")
        }
    }
}
