import XCTest
import Numerics
import TestSupport
@testable import Estimators

/// `PanelGrid`: a balanced time-major panel's fixed effects projected over units and periods directly.
/// Its results must be the code-vector path's bit for bit (the same sums in the same order), so these
/// tests compare with `XCTAssertEqual`, not a tolerance.
final class PanelGridTests: XCTestCase {
    /// 11 units × 7 periods, time-major, with unit codes 100 + i and years 2000 + t.
    private let units = 11, periods = 7

    private func codes() -> (unit: [Int], time: [Int]) {
        (TreatmentPanel.perObservation(n: units, periods: periods) { i, _ in 100 + i },
         TreatmentPanel.perObservation(n: units, periods: periods) { _, t in 2000 + t })
    }

    private func values(_ seed: UInt64) -> [Double] {
        let rng = RandomStream(seed: seed)
        return (0..<(units * periods)).map { k in rng.normal() + Double(k % units) * 0.3 - Double(k / units) * 0.2 }
    }

    func testDetectsTheTimeMajorGridAndRefusesOtherLayouts() throws {
        let (unit, time) = codes()
        let grid = try XCTUnwrap(PanelGrid(.twoWays, unit: unit, time: time, keep: nil))
        XCTAssertEqual([grid.units, grid.periods], [units, periods])
        XCTAssertEqual(grid.levels, [units, periods])
        XCTAssertEqual(PanelGrid(.individual, unit: unit, time: time, keep: nil)?.levels, [units])
        XCTAssertEqual(PanelGrid(.time, unit: unit, time: time, keep: nil)?.levels, [periods])
        XCTAssertNil(PanelGrid(.none, unit: unit, time: time, keep: nil), "nothing absorbed")
        // A subset that keeps the same units in every period is a grid of those units.
        let keptUnits = [0, 2, 3, 7, 10]
        let keep = (0..<periods).flatMap { t in keptUnits.map { t * units + $0 } }
        XCTAssertEqual(PanelGrid(.twoWays, unit: unit, time: time, keep: keep)?.units, keptUnits.count)
        // Not grids: a unit missing from one period, a unit repeated within a period, units in another
        // order in a later period, a period that recurs, and unit-major order.
        XCTAssertNil(PanelGrid(.twoWays, unit: unit, time: time, keep: Array(0..<(units * periods)).filter { $0 != 30 }))
        var repeated = unit
        repeated[1] = repeated[0]
        for t in 1..<periods { repeated[t * units + 1] = repeated[0] }
        XCTAssertNil(PanelGrid(.twoWays, unit: repeated, time: time, keep: nil))
        var swapped = unit
        swapped.swapAt(3 * units + 4, 3 * units + 5)
        XCTAssertNil(PanelGrid(.twoWays, unit: swapped, time: time, keep: nil))
        var recurring = time
        for i in 0..<units { recurring[5 * units + i] = 2001 }
        XCTAssertNil(PanelGrid(.twoWays, unit: unit, time: recurring, keep: nil))
        let unitMajor = (0..<(units * periods)).map { unit[($0 % periods) * units + $0 / periods] }
        let timeUnitMajor = (0..<(units * periods)).map { time[($0 % periods) * units + $0 / periods] }
        XCTAssertNil(PanelGrid(.twoWays, unit: unitMajor, time: timeUnitMajor, keep: nil))
    }

    /// Unweighted, weights constant within units (one exact sweep), and weights that vary within both
    /// dimensions (alternating projections to convergence): the grid's demeaned values, sweeps, group
    /// weights and exactness are the code vectors'.
    func testGridProjectionIsTheCodeProjectionBitForBit() throws {
        let (unit, time) = codes()
        let grid = try XCTUnwrap(PanelGrid(.twoWays, unit: unit, time: time, keep: nil))
        let dims = [PanelOLS.recode(unit), PanelOLS.recode(time)]
        let n = units * periods
        let unitWeights = values(3).prefix(units).map { 1 + abs($0) }
        let weightings: [(String, [Double])] = [
            ("unweighted", [Double](repeating: 1, count: n)),
            ("constant within units", (0..<n).map { unitWeights[$0 % units] }),
            ("varying", values(4).map { 0.5 + abs($0) }),
        ]
        for (label, w) in weightings {
            let byCodes = WithinProjection(dims: dims, weights: w), byGrid = WithinProjection(grid: grid, weights: w)
            XCTAssertEqual(byGrid.groupWeight, byCodes.groupWeight, label)
            XCTAssertEqual(byGrid.exactInOneSweep, byCodes.exactInOneSweep, label)
            var a = values(5), b = a
            let sweepsA = byCodes.demean(&a, tolerance: PanelOLS.defaultTolerance)
            let sweepsB = byGrid.demean(&b, tolerance: PanelOLS.defaultTolerance)
            XCTAssertEqual(sweepsB, sweepsA, label)
            XCTAssertEqual(b, a, label)
            if label == "varying" { XCTAssertGreaterThan(sweepsA, 1, "the varying weights need several sweeps") }
        }
        // One dimension alone.
        for (effects, d) in [(FixedEffects.individual, [dims[0]]), (.time, [dims[1]])] {
            let g = try XCTUnwrap(PanelGrid(effects, unit: unit, time: time, keep: nil))
            let w = weightings[2].1
            var a = values(6), b = a
            WithinProjection(dims: d, weights: w).demean(&a, tolerance: PanelOLS.defaultTolerance)
            WithinProjection(grid: g, weights: w).demean(&b, tolerance: PanelOLS.defaultTolerance)
            XCTAssertEqual(b, a, "\(effects)")
        }
    }

    func testNestingMatchesTheCodeRule() throws {
        let (unit, time) = codes()
        let grid = try XCTUnwrap(PanelGrid(.twoWays, unit: unit, time: time, keep: nil))
        let dims = [PanelOLS.recode(unit), PanelOLS.recode(time)]
        let clusterings: [[Int]] = [
            unit,                                   // by unit: the unit dimension nested
            unit.map { $0 % 3 },                    // by region of units: nested
            time,                                   // by period: the time dimension nested
            (0..<(units * periods)).map { $0 % 5 }, // neither
        ]
        for c in clusterings {
            XCTAssertEqual(grid.nested(in: c), dims.indices.filter { PanelOLS.isNested(dims[$0], in: c) }, "\(c.prefix(12))")
        }
    }

    /// The whole fit on a grid (did: no weights; PSM-DID: matching weights with unmatched units at 0)
    /// against the same fit with the observations in unit-major order, where the codes are no grid and
    /// the code-vector path runs: the same estimates up to the order of the sums (1e-12, n = 77 values of
    /// order 1), and the same parameter count and degrees of freedom.
    func testFitOnAGridAgreesWithTheCodePath() throws {
        let (unit, time) = codes()
        let n = units * periods
        let y = values(7)
        let d = (0..<n).map { k -> Double in k % units < 4 && k / units >= 3 ? 1 : 0 }
        let matched = (0..<n).map { k -> Double in [5, 8].contains(k % units) ? 0 : (k % units == 9 ? 2 : 1) }
        for w in [nil, matched] {
            XCTAssertNotNil(PanelGrid(.twoWays, unit: unit, time: time, keep: w.map { w in (0..<n).filter { w[$0] > 0 } }))
            let grid = try PanelOLS.fit(y: y, x: try Matrix(columns: [d]), names: ["D"], unit: unit, time: time,
                                        weights: w, variance: .cluster(unit))
            let order = (0..<n).map { ($0 % periods) * units + $0 / periods }   // unit-major
            let codesFit = try PanelOLS.fit(y: order.map { y[$0] }, x: try Matrix(columns: [order.map { d[$0] }]), names: ["D"],
                                            unit: order.map { unit[$0] }, time: order.map { time[$0] },
                                            weights: w.map { w in order.map { w[$0] } }, variance: .cluster(order.map { unit[$0] }))
            assertClose(codesFit.coefficients, grid.coefficients, tolerance: 1e-12, "the same regression, sums in another order")
            assertClose(codesFit.standardErrors, grid.standardErrors, tolerance: 1e-12, "CR1 by unit")
            XCTAssertEqual(grid.parameterCount, codesFit.parameterCount)
            XCTAssertEqual(grid.tDegreesOfFreedom, codesFit.tDegreesOfFreedom)
            XCTAssertEqual(grid.observations, codesFit.observations)
        }
    }
}
