@testable import CitySystem
import Numerics
import TestSupport
import XCTest

/// `OutcomeModel.solveWorlds`: both worlds and the mechanism's paths from one product with W and one
/// solve (issue 22, session 10), against the separate calls it replaces.
final class TwoWorldSolveTests: XCTestCase {
    /// Staggered adoption (2006 and 2009 in a 2003–2012 panel) so that the treated world's periods,
    /// the paths' periods and the changed lagged periods come in odd and even counts.
    func check(staggered: [Int], t0: Int, seed: UInt64) throws {
        var spec = Small.spec(cities: 30, centres: 3, first: 2003, last: 2012, t0: t0)
        spec.treatment.staggered = staggered
        let cell = try CitySystemCell(spec: spec, seed: seed, source: "t")
        let m = try XCTUnwrap(cell.outcomeModel)
        let p = try cell.generate(replication: 1)
        let n = p.n, periods = p.years.count, count = n * periods
        XCTAssertTrue(m.solvesWorldsTogether(periods: periods))
        let d0 = p.dNoIntegration, d1 = p.d
        let adoption = p.cohort.map { $0 > 0 ? Optional($0) : nil }
        let policy = cell.policyTerm(adoption: adoption)
        let other0 = (0..<count).map { 0.1 + 0.01 * Double($0 % 7) }
        let other1 = zip(other0, policy).map(+)
        let deltaD = zip(d1, d0).map(-)
        let fused = try m.solveWorlds(ca: p.ca, d0: d0, controls: p.controls, other0: other0, deltaD: deltaD, policy: policy)
        let rhs0 = m.rightHandSide(ca: p.ca, d: d0, controls: p.controls, other: other0)
        let mis0 = try m.filter.solvePanel(rhs0)
        let mis1 = try m.solve(ca: p.ca, d: d1, controls: p.controls, other: other1, beside: (rhs0, mis0))
        let paths = try MechanismTruth.paths(model: m, ca: p.ca, deltaD: deltaD, policy: policy)
        // The same linear systems through the same spectrum, (I − ρW) well conditioned (ρ = 0.3,
        // row-standardised W: condition number ≤ (1 + ρ)/(1 − ρ) ≈ 1.9), so the columns solved in
        // another product agree to rounding of the O(1) right-hand sides; Mis(1), now Mis(0) plus the
        // two paths rather than a solve of its own right-hand side, to rounding as well. (On this
        // repository's machine Mis(0) and the paths agree bit for bit; docs/benchmarks.md session 10.)
        func close(_ a: [Double], _ b: [Double], _ what: String) {
            XCTAssertEqual(a.count, b.count, what)
            for k in a.indices { assertClose(a[k], b[k], tolerance: 1e-12 * max(1, abs(b[k])), what) }
        }
        // Not vacuous: some city is treated, so the policy path and the treated world's change are not zero.
        XCTAssertTrue(fused.paths.direct.contains { $0 != 0 })
        XCTAssertTrue(zip(fused.mis1, fused.mis0).contains { $0 != $1 })
        /// Both worlds and paths close to the separate solves; where ΔD and the policy term vanish in a whole
        /// period the paths are exactly zero, and a treated world whose right-hand side equals the untreated
        /// one's there is Mis(0) bit for bit.
        func check(_ worlds: (mis0: [Double], mis1: [Double], paths: MechanismTruth.Paths), _ by: String) {
            close(worlds.mis0, mis0, "Mis(0)\(by)")
            close(worlds.mis1, mis1, "Mis(1)\(by)")
            close(worlds.paths.indirect, paths.indirect, "indirect path\(by)")
            close(worlds.paths.direct, paths.direct, "direct path\(by)")
            for period in 0..<periods {
                let range = (period * n)..<((period + 1) * n)
                if !range.contains(where: { deltaD[$0] != 0 || policy[$0] != 0 }) {
                    XCTAssertTrue(range.allSatisfy { worlds.paths.indirect[$0] == 0 && worlds.paths.direct[$0] == 0 }, "period \(period)\(by)")
                    XCTAssertEqual(worlds.mis1[range].map(\.bitPattern), worlds.mis0[range].map(\.bitPattern), "period \(period)\(by)")
                }
            }
        }
        check(fused, "")
        // The decomposition adds up: Mis(1) − Mis(0) = indirect + direct, to rounding.
        for k in 0..<count {
            assertClose(fused.mis1[k] - fused.mis0[k], fused.paths.indirect[k] + fused.paths.direct[k],
                        tolerance: 1e-12 * max(1, abs(fused.mis1[k])))
        }
        // Through the cell's [S | SW] (what the generator uses for a cached W): the same maps, rounded
        // otherwise — S from the spectrum, ‖S‖ ≤ 1/(1 − ρ) for a row-standardised W, O(1) data.
        let ops = try XCTUnwrap(cell.outcomeOperators)
        let stacked = try m.solveWorlds(ca: p.ca, d0: d0, controls: p.controls, other0: other0, deltaD: deltaD,
                                        policy: policy, operators: ops)
        check(stacked, " by [S | SW]")
    }

    func testFusedSolveMatchesTheSeparateSolvesWithStaggeredAdoption() throws {
        try check(staggered: [2006, 2009], t0: 2006, seed: 12)
    }

    func testFusedSolveMatchesTheSeparateSolvesWithOneCohort() throws {
        try check(staggered: [], t0: 2008, seed: 4)
    }

    /// Repeated columns (the policy term of one cohort is the same vector every post period) are
    /// solved once and copied: the result is the whole product's, each copy bit for bit its original's.
    func testRepeatedColumnsAreSolvedOnce() throws {
        let cell = try CitySystemCell(spec: Small.spec(cities: 24, centres: 2, first: 2003, last: 2012), seed: 8, source: "t")
        let m = try XCTUnwrap(cell.outcomeModel)
        let n = m.weights.count
        let a = (0..<n).map { 0.5 + 0.1 * Double($0 % 5) }, z = [Double](repeating: 0, count: n)
        let c = (0..<n).map { Double($0) / Double(n) - 0.4 }
        // Columns a, c, a, z, a, z: three distinct (odd, so padded), six in all (even).
        for columns in [[a, c, a, z, a, z], [a, c, z, z], [a, c]] {
            let b = Array(columns.joined())
            let once = try m.solveDistinctColumns(b)
            let whole = try m.filter.solvePanel(b)
            // (I − ρW) with ρ = 0.3 and a row-standardised W: condition number ≤ (1 + ρ)/(1 − ρ), O(1) data.
            for k in b.indices { assertClose(once[k], whole[k], tolerance: 1e-12 * max(1, abs(whole[k]))) }
            for (q, col) in columns.enumerated() {
                guard let first = columns.firstIndex(of: col), first < q else { continue }
                XCTAssertEqual(once[(q * n)..<((q + 1) * n)].map(\.bitPattern), once[(first * n)..<((first + 1) * n)].map(\.bitPattern))
            }
            if columns.last == z { XCTAssertTrue(once.suffix(n).allSatisfy { $0 == 0 }, "S·0 = 0") }
        }
    }

    func testOddPanelsAndDynamicOutcomesKeepTheSeparateSolves() throws {
        let cell = try CitySystemCell(spec: Small.spec(cities: 20, centres: 2, first: 2003, last: 2011), seed: 3, source: "t")
        let m = try XCTUnwrap(cell.outcomeModel)
        XCTAssertFalse(m.solvesWorldsTogether(periods: 9))
        XCTAssertTrue(m.solvesWorldsTogether(periods: 10))
        let dynamic = try OutcomeModel(rho: m.rho, beta: m.beta, theta: m.theta, gamma: m.gamma, thetaX: m.thetaX,
                                       weights: m.weights, tau: 0.2, eta: 0)
        XCTAssertFalse(dynamic.solvesWorldsTogether(periods: 10))
    }
}
