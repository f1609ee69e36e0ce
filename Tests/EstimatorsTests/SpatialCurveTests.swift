import Foundation
import XCTest
import Estimators
import Numerics
import TestSupport

final class SpatialCurveTests: XCTestCase {
    /// SDM with CA, CA², CA·D, D and their W-lags, simulated on a ring (MODEL.md §2 defaults).
    static func quadraticPanel(beta2: Double = 0.06, seed: UInt64 = 21) throws -> (SpatialPanel, SpatialWeights, [Double]) {
        let w = try SpatialTestData.ringWeights(120)
        let n = 120, t = 10
        let rs = RandomStream(seed: seed, purpose: 3)
        let ca = (0..<(n * t)).map { _ in 1 + 4 * rs.uniform() }
        let dd = (0..<(n * t)).map { _ in rs.normal() }
        let x = try Matrix(columns: [ca, ca.map { $0 * $0 }, zip(ca, dd).map { $0 * $1 }, dd])
        let beta = [-0.30, beta2, -0.03, -0.02], theta = [-0.10, 0.03, -0.02, 0]
        let wx = w.applyPanel(x)
        var rhs = rs.normals(n * t, sd: 0.1)
        for r in 0..<(n * t) { for j in 0..<4 { rhs[r] += beta[j] * x[r, j] + theta[j] * wx[r, j] } }
        let y = try SpatialFilter(weights: w, rho: 0.3).solvePanel(rhs)
        return (try SpatialPanel(y: y, x: x, names: ["CA", "CA^2", "CA:D", "D"], n: n, t: t), w, ca)
    }

    let terms = QuadraticTerms(linear: "CA", square: "CA^2", interaction: "CA:D", moderator: "D")

    func testTurningPointsDeltaGradientAndShift() throws {
        let (panel, w, ca) = try Self.quadraticPanel()
        let fit = try SpatialEstimator.fit(SpatialModelSpec(), panel: panel, weights: w)
        let lo = Statistics.quantile(ca, 0.05), hi = Statistics.quantile(ca, 0.95)
        let res = try SpatialCurves.analyse(fit, weights: w, terms: terms, grid: [1, 2, 3, 4, 5], moderatorValues: [0, 1],
                                            lower: lo, upper: hi)
        XCTAssertEqual(res.turningPoints.count, 6)
        XCTAssertEqual(res.shifts.count, 3)
        let kernel = try ImpactKernel(weights: w)
        // x*(θ) written out independently, differentiated numerically (step 1e-6·se; error ~1e-8 relative).
        func xStar(_ p: [Double], _ kind: EffectKind, _ d: Double) -> Double {
            let m = kernel.multipliers(rho: p[fit.spatialIndex!])
            let (m1, m2): (Double, Double) = switch kind {
            case .direct: (m.a1, m.a2)
            case .indirect: (m.t1 - m.a1, m.t2 - m.a2)
            case .total: (1, 1)
            }
            let c = { fit.index(of: $0).map { p[$0] } ?? 0 }
            return -(m1 * (c("CA") + c("CA:D") * d) + m2 * (c("W*CA") + c("W*CA:D") * d))
                / (2 * (m1 * c("CA^2") + m2 * c("W*CA^2")))
        }
        let se = fit.standardErrors
        for tp in res.turningPoints {
            let d = tp.moderatorValue!
            assertClose(xStar(fit.parameters, tp.kind, d), tp.delta.estimate, tolerance: 1e-12, "closed form")
            var g = [Double](repeating: 0, count: fit.parameterCount)
            for k in 0..<g.count where se[k] > 0 {
                var a = fit.parameters, b = a
                let h = 1e-4 * se[k]
                a[k] += h; b[k] -= h
                g[k] = (xStar(a, tp.kind, d) - xStar(b, tp.kind, d)) / (2 * h)
            }
            let seNum = Vector.dot(g, fit.vcov.multiply(g)).squareRoot()
            assertClose(seNum, tp.delta.se, tolerance: 1e-5 * seNum, "\(tp.kind) d=\(d): analytic vs numerical gradient")
            let curve = try XCTUnwrap(res.curves.first { $0.kind == tp.kind && $0.moderatorValue == d })
            XCTAssertEqual(curve.points.count, 5)
            if case .bounded(let l, let u) = tp.fieller {
                XCTAssertTrue(l < tp.delta.estimate && tp.delta.estimate < u, "Fieller set contains x̂*")
            }
        }
        for s in res.shifts {
            let tp0 = res.turningPoints.first { $0.kind == s.kind && $0.moderatorValue == 0 }!
            let tp1 = res.turningPoints.first { $0.kind == s.kind && $0.moderatorValue == 1 }!
            assertClose(tp1.delta.estimate - tp0.delta.estimate, s.value.estimate, tolerance: 1e-12, "x*(d) is linear in d")
            // The Fieller set of the ratio −h/(2g2) contains its point estimate, whatever its shape.
            let x = s.value.estimate
            switch s.fieller {
            case .bounded(let l, let u): XCTAssertTrue(l < x && x < u, "\(s.kind): bounded Fieller set contains dx*/dD")
            case .disjoint(let l, let u): XCTAssertTrue(x <= l || x >= u, "\(s.kind): disjoint Fieller set contains dx*/dD")
            case .unboundedBelow(let u): XCTAssertLessThanOrEqual(x, u)
            case .unboundedAbove(let l): XCTAssertGreaterThanOrEqual(x, l)
            case .wholeLine: break
            case .empty: XCTFail("\(s.kind): a Fieller set always contains the point estimate")
            }
        }
        // MODEL.md §2 truth is a U (β2 > 0): the direct U-test rejects strongly at NT = 1200, σ = 0.1.
        let direct = try XCTUnwrap(res.uTests.first { $0.kind == .direct && $0.moderatorValue == 0 })
        XCTAssertEqual(direct.shape, .u)
        XCTAssertLessThan(direct.pValue, 1e-3)
        XCTAssertFalse(direct.sameSignSlopes)
    }

    /// Curves and points limited to those asked for (as a Monte Carlo run scores them): the formed points
    /// are the full analysis's bit for bit, the others NaN at their grid x, and the turning points, shifts
    /// and U-tests do not change.
    func testWantedCurvesAndPointsEqualTheFullAnalysis() throws {
        let (panel, w, ca) = try Self.quadraticPanel()
        let fit = try SpatialEstimator.fit(SpatialModelSpec(), panel: panel, weights: w)
        let lo = Statistics.quantile(ca, 0.05), hi = Statistics.quantile(ca, 0.95)
        let grid = (0..<9).map { lo + (hi - lo) * Double($0) / 8 }
        let full = try SpatialCurves.analyse(fit, weights: w, terms: terms, grid: grid, moderatorValues: [0, 1], lower: lo, upper: hi)
        let some = try SpatialCurves.analyse(fit, weights: w, terms: terms, grid: grid, moderatorValues: [0, 1], lower: lo, upper: hi,
                                             curvesWanted: { kind, d in kind != .indirect && d == 1 },
                                             pointsWanted: { kind, _, j in j % 4 == 0 || (kind == .total && j == 3) })
        XCTAssertEqual(some.curves.map(\.kind), [.direct, .total])
        for curve in some.curves {
            let whole = try XCTUnwrap(full.curves.first { $0.kind == curve.kind && $0.moderatorValue == 1 })
            XCTAssertEqual(curve.points.count, grid.count)
            for (j, (p, q)) in zip(curve.points, whole.points).enumerated() {
                XCTAssertEqual(p.x.bitPattern, q.x.bitPattern)
                if j % 4 == 0 || (curve.kind == .total && j == 3) {
                    XCTAssertEqual([p.effect.estimate, p.effect.se, p.effect.lower, p.effect.upper].map(\.bitPattern),
                                   [q.effect.estimate, q.effect.se, q.effect.lower, q.effect.upper].map(\.bitPattern), "\(curve.kind) point \(j)")
                } else {
                    XCTAssertTrue(p.effect.estimate.isNaN && p.effect.se.isNaN && p.effect.lower.isNaN && p.effect.upper.isNaN,
                                  "\(curve.kind) point \(j) not formed")
                }
            }
        }
        XCTAssertEqual(some.turningPoints.map(\.delta.estimate.bitPattern), full.turningPoints.map(\.delta.estimate.bitPattern))
        XCTAssertEqual(some.turningPoints.map(\.delta.se.bitPattern), full.turningPoints.map(\.delta.se.bitPattern))
        XCTAssertEqual(some.shifts.map(\.value.se.bitPattern), full.shifts.map(\.value.se.bitPattern))
        XCTAssertEqual(some.uTests.map(\.pValue.bitPattern), full.uTests.map(\.pValue.bitPattern))
    }

    /// For a W that is not row-standardised (here C/λ_max(C) on a graph of unequal degrees)
    /// t1 = 1'A1/N ≠ t2 = 1'AW1/N, so the total turning point must use (t1, t2), as the truth
    /// (TrueEstimands) does; the weights (1, 1) are exact only for a row-standardised W.
    /// Found by an independent review: (1, 1) shifted c* by about 0.02 at MODEL.md's defaults.
    func testTotalTurningPointUsesExactMultipliersForSpectralW() throws {
        let n = 120, t = 10
        var c = Matrix(rows: n, cols: n)
        for i in 0..<n {
            c[i, (i + 1) % n] = 1; c[(i + 1) % n, i] = 1
            if i % 3 == 0 { c[i, (i + 7) % n] = 1; c[(i + 7) % n, i] = 1 }
        }
        let lmax = try SymmetricEigen(c, computeVectors: false).values.last!
        let w = try SpatialWeights((1 / lmax) * c)
        let rs = RandomStream(seed: 5, purpose: 3)
        let ca = (0..<(n * t)).map { _ in 1 + 4 * rs.uniform() }
        let dd = (0..<(n * t)).map { _ in rs.normal() }
        let x = try Matrix(columns: [ca, ca.map { $0 * $0 }, zip(ca, dd).map { $0 * $1 }, dd])
        let beta = [-0.30, 0.06, -0.03, -0.02], theta = [-0.10, 0.03, -0.02, 0]
        let wx = w.applyPanel(x)
        var rhs = rs.normals(n * t, sd: 0.1)
        for r in 0..<(n * t) { for j in 0..<4 { rhs[r] += beta[j] * x[r, j] + theta[j] * wx[r, j] } }
        let y = try SpatialFilter(weights: w, rho: 0.3).solvePanel(rhs)
        let panel = try SpatialPanel(y: y, x: x, names: ["CA", "CA^2", "CA:D", "D"], n: n, t: t)
        let fit = try SpatialEstimator.fit(SpatialModelSpec(), panel: panel, weights: w)
        let res = try SpatialCurves.analyse(fit, weights: w, terms: terms, grid: [], moderatorValues: [0],
                                            lower: 1.2, upper: 4.8)
        let m = try ImpactKernel(weights: w).multipliers(rho: fit.rho!)
        XCTAssertGreaterThan(abs(m.t1 - m.t2), 1e-3, "the test needs t1 ≠ t2 to tell the weights apart")
        let cf = { (name: String) in fit.coefficients[fit.index(of: name)!] }
        let exact = -(m.t1 * cf("CA") + m.t2 * cf("W*CA")) / (2 * (m.t1 * cf("CA^2") + m.t2 * cf("W*CA^2")))
        let unitWeights = -(cf("CA") + cf("W*CA")) / (2 * (cf("CA^2") + cf("W*CA^2")))
        let tp = try XCTUnwrap(res.turningPoints.first { $0.kind == .total })
        assertClose(exact, tp.delta.estimate, tolerance: 1e-10, "closed form with (t1, t2); rounding only")
        XCTAssertGreaterThan(abs(exact - unitWeights), 1e-4, "(1, 1) would give a different turning point here")
    }

    /// With β2 = −0.03 against θ2 = 0.03 the direct curvature a1β2 + a2θ2 is nearly zero, so the
    /// slope keeps the sign of the linear terms on [x_l, x_h] and the U-test cannot reject
    /// (p ≥ 0.5 by construction when the endpoint slopes share their sign).
    func testUTestDoesNotRejectMonotoneCurve() throws {
        let (panel, w, ca) = try Self.quadraticPanel(beta2: -0.03, seed: 22)
        let fit = try SpatialEstimator.fit(SpatialModelSpec(), panel: panel, weights: w)
        let res = try SpatialCurves.analyse(fit, weights: w, terms: terms, grid: [], moderatorValues: [0],
                                            lower: Statistics.quantile(ca, 0.05), upper: Statistics.quantile(ca, 0.95))
        let tot = try XCTUnwrap(res.uTests.first { $0.kind == .direct })
        XCTAssertTrue(tot.sameSignSlopes, "β2 + θ2-weighted curvature is small against the linear slope")
        XCTAssertGreaterThanOrEqual(tot.pValue, 0.5)
    }

    /// Fieller sets by case, with hand-solved quadratics.
    func testFiellerCases() {
        // g1 = −2, g2 = 1 (x* = 1), s11 = 0.04, s12 = 0, s22 = 0.01, q = 2:
        // (−2 + 2x)² ≤ 4(0.04 + 0.04x²) ⇔ 3.84x² − 8x + 3.84 ≤ 0.
        let b = SpatialCurves.fieller(g1: -2, g2: 1, s11: 0.04, s12: 0, s22: 0.01, q: 2)
        guard case .bounded(let l, let u) = b else { return XCTFail("expected bounded, got \(b)") }
        let r = (64.0 - 4 * 3.84 * 3.84).squareRoot()
        assertClose((8 - r) / 7.68, l, tolerance: 1e-12, "root of the hand-expanded quadratic")
        assertClose((8 + r) / 7.68, u, tolerance: 1e-12, "root of the hand-expanded quadratic")
        // g2 insignificant (ĝ2² < q²s22) but g1 significant: two disjoint rays.
        let d = SpatialCurves.fieller(g1: -2, g2: 0.1, s11: 0.04, s12: 0, s22: 0.01, q: 2)
        guard case .disjoint = d else { return XCTFail("expected disjoint, got \(d)") }
        // Both insignificant: the whole line.
        XCTAssertEqual(SpatialCurves.fieller(g1: -0.1, g2: 0.1, s11: 0.04, s12: 0, s22: 0.01, q: 2), .wholeLine)
    }
}
