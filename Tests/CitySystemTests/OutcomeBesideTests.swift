import CitySystem
import Numerics
import TestSupport
import XCTest

/// `OutcomeModel.solve(…, beside:)`: the treated world solved only where its right-hand side differs
/// from the untreated world's (session 9, issue 22).
final class OutcomeBesideTests: XCTestCase {
    func testOnlyChangedPeriodsAreSolvedAndTheyMatchAFullSolve() throws {
        let cell = try CitySystemCell(spec: Small.spec(cities: 25, centres: 3, last: 2010, t0: 2007), seed: 4, source: "t")
        let m = try XCTUnwrap(cell.outcomeModel)
        let p = try cell.generate(replication: 0)
        let n = p.n, periods = p.ca.count / n
        let other0 = (0..<(n * periods)).map { 0.1 + 0.01 * Double($0 % 7) }
        // The second world differs from period 3 on (as the treated world differs after adoption).
        let other1 = other0.enumerated().map { $0.offset >= 3 * n ? $0.element - 0.05 : $0.element }
        let rhs0 = m.rightHandSide(ca: p.ca, d: p.d, controls: p.controls, other: other0)
        let mis0 = try m.filter.solvePanel(rhs0)
        let beside = try m.solve(ca: p.ca, d: p.d, controls: p.controls, other: other1, beside: (rhs0, mis0))
        let full = try m.solve(ca: p.ca, d: p.d, controls: p.controls, other: other1)
        // Periods before the change are the first world's outcome, bit for bit (no solve).
        XCTAssertEqual(Array(beside[0..<(3 * n)]).map(\.bitPattern), Array(mis0[0..<(3 * n)]).map(\.bitPattern))
        // The solved periods agree with solving all periods at once up to rounding: the same linear
        // system, solved through the same spectrum of a W whose (I − ρW) is well conditioned
        // (ρ = 0.3 here, row-standardised W: condition number ≤ (1 + ρ)/(1 − ρ) ≈ 1.9).
        for k in (3 * n)..<beside.count { assertClose(full[k], beside[k], tolerance: 1e-12 * max(1, abs(full[k]))) }
        // A world identical to the first is the first world's outcome.
        let same = try m.solve(ca: p.ca, d: p.d, controls: p.controls, other: other0, beside: (rhs0, mis0))
        XCTAssertEqual(same.map(\.bitPattern), mis0.map(\.bitPattern))
    }
}
