@testable import CitySystem
import Foundation
import Numerics
import XCTest

/// The digital diffusion's two shortcuts (issue 22) against the plain recursion, bit for bit:
/// the integrated world copies the periods before the first adoption from the untreated world,
/// and the dense kernel's integration spill is summed column by column.
final class DigitalReuseTests: XCTestCase {
    /// The recursion as written in MODEL.md §2.4, row by row (the form before issue 22's change).
    func reference(_ s: DigitalSpec, _ g: Geography, _ years: [Int], _ kernel: DiffusionKernel, _ shocks: Digital.Shocks,
                   _ adoption: [Int?]) -> [Double] {
        let n = g.count, t = years.count
        var d = [Double](repeating: 0, count: n * t)
        for i in 0..<n { d[i] = Digital.target(s, geography: g, year: years[0], city: i) + shocks.initial[i] }
        for p in 1..<t {
            let prev = Array(d[((p - 1) * n)..<(p * n)])
            let vPrev = kernel.multiply(prev)
            let active = (0..<n).map { adoption[$0].map { years[p] >= $0 } ?? false }
            for i in 0..<n {
                var spill = vPrev[i] - prev[i]
                if active.contains(true) && active[i] && s.integrationBoost != 0 {
                    var extra = 0.0
                    switch kernel {
                    case .dense(let v):
                        for j in 0..<n where active[j] && j != i { extra += v[i, j] * (prev[j] - prev[i]) }
                    case .truncated(let v):
                        for k in v.rowStart[i]..<v.rowStart[i + 1] where active[v.columns[k]] {
                            extra += v.values[k] * (prev[v.columns[k]] - prev[i])
                        }
                    }
                    spill += s.integrationBoost * extra
                }
                let goal = Digital.target(s, geography: g, year: years[p], city: i) * (active[i] ? 1 + s.integrationTarget : 1)
                d[p * n + i] = prev[i] + s.convergence * (goal - prev[i]) + s.diffusion * spill + shocks.innovations[p * n + i]
            }
        }
        return d
    }

    func testBothShortcutsGiveTheRecursionsBits() throws {
        var cityspec = Small.spec(cities: 90, centres: 4)
        cityspec.geography.squareKm = 1500
        let g = try CitySystemCell(spec: cityspec, seed: 5, source: "t").geography
        var s = DigitalSpec()
        s.integrationBoost = 1
        s.integrationTarget = 0.2
        let years = Array(2003...2016), n = g.count
        let dense = Digital.diffusionMatrix(g.withDenseDistances(), decayKm: 150)
        let (truncated, _, _) = try DiffusionKernel.truncated(g, decayKm: 150, tolerance: 1e-3)
        let shocks = Digital.drawShocks(s, n: n, periods: years.count, stream: RandomStream(StreamID(seed: 9, cell: 0, replication: 2, purpose: 1)))
        // Staggered adoption (2008 and 2011) beside never-integrated cities; and nobody integrated.
        let staggered = (0..<n).map { i -> Int? in i % 3 == 0 ? 2008 : (i % 5 == 1 ? 2011 : nil) }
        let never = [Int?](repeating: nil, count: n)
        for kernel in [DiffusionKernel.dense(dense), truncated] {
            let d0 = Digital.simulate(s, geography: g, years: years, v: kernel, shocks: shocks, adoption: never)
            XCTAssertEqual(d0.map(\.bitPattern), reference(s, g, years, kernel, shocks, never).map(\.bitPattern))
            let expected = reference(s, g, years, kernel, shocks, staggered).map(\.bitPattern)
            let full = Digital.simulate(s, geography: g, years: years, v: kernel, shocks: shocks, adoption: staggered)
            let reused = Digital.simulate(s, geography: g, years: years, v: kernel, shocks: shocks, adoption: staggered, untreated: d0)
            XCTAssertEqual(full.map(\.bitPattern), expected)
            XCTAssertEqual(reused.map(\.bitPattern), expected)
            XCTAssertNotEqual(full, d0, "integration changes D after 2008")
            XCTAssertEqual(Array(full[0..<(5 * n)]), Array(d0[0..<(5 * n)]), "identical before the first adoption")
        }
    }
}

/// `Digital.worlds` (both worlds advanced together, one pass over V a year) against the two separate
/// recursions, bit for bit, for every split of the untreated world's periods and with the dense kernel's
/// paired product at a city count that is a multiple of 4 (the fused kernel) and one that is not (two dgemv).
final class DigitalWorldsTests: XCTestCase {
    func testWorldsGiveTheSeparateRecursionsBits() throws {
        for cities in [92, 90] {
            var cityspec = Small.spec(cities: cities, centres: 4)
            cityspec.geography.squareKm = 1500
            let g = try CitySystemCell(spec: cityspec, seed: 5, source: "t").geography
            XCTAssertEqual(g.count, cities)
            var s = DigitalSpec()
            s.integrationBoost = 1
            s.integrationTarget = 0.2
            let years = Array(2003...2016), n = g.count, t = years.count
            let dense = Digital.diffusionMatrix(g.withDenseDistances(), decayKm: 150)
            let (truncated, _, _) = try DiffusionKernel.truncated(g, decayKm: 150, tolerance: 1e-3)
            let shocks = Digital.drawShocks(s, n: n, periods: t, stream: RandomStream(StreamID(seed: 9, cell: 0, replication: 2, purpose: 1)))
            let staggered = (0..<n).map { i -> Int? in i % 3 == 0 ? 2008 : (i % 5 == 1 ? 2011 : nil) }
            let early = (0..<n).map { i -> Int? in i % 4 == 0 ? 2003 : nil }
            let never = [Int?](repeating: nil, count: n)
            for kernel in [DiffusionKernel.dense(dense), truncated] {
                let d0 = Digital.simulate(s, geography: g, years: years, v: kernel, shocks: shocks, adoption: never)
                for adoption in [staggered, early, never] {
                    let d1 = Digital.simulate(s, geography: g, years: years, v: kernel, shocks: shocks, adoption: adoption, untreated: d0)
                    for done in [1, 3, 5, 9, t] {
                        let part = Digital.untreated(s, geography: g, years: years, v: kernel, shocks: shocks, periods: done)
                        XCTAssertEqual(Array(part[0..<(done * n)]).map(\.bitPattern), Array(d0[0..<(done * n)]).map(\.bitPattern))
                        let (w0, w1) = Digital.worlds(s, geography: g, years: years, v: kernel, shocks: shocks, adoption: adoption,
                                                      untreated: part, done: done)
                        XCTAssertEqual(w0.map(\.bitPattern), d0.map(\.bitPattern), "untreated world, n \(n), done \(done)")
                        XCTAssertEqual(w1.map(\.bitPattern), d1.map(\.bitPattern), "treated world, n \(n), done \(done)")
                    }
                }
                XCTAssertNotEqual(Digital.simulate(s, geography: g, years: years, v: kernel, shocks: shocks, adoption: staggered), d0)
            }
        }
    }
}
