import Foundation
import XCTest
@testable import Estimators
import Numerics
import TestSupport

/// The SDM with the policy interacted into the curve (`PolicyCurve`, issue 26) against R spatialreg
/// `lagsarlm(Durbin = TRUE, method = "eigen")` and a shift computed in R from its estimates and
/// variance with curve weights from W's eigenvalues and a central-difference gradient (fixture,
/// versions and calls: scripts/fixtures/make_policy_curve_spatialreg.R).
final class PolicyCurveFixtureTests: XCTestCase {
    func fixtureURL(_ name: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"), name)
    }

    func fit(curvature: Bool) throws -> (SpatialFitResult, SpatialWeights) {
        let table = try DataTable.read(csv: try fixtureURL("policy_curve_cross_section.csv"))
        let wt = try WeightsTable.read(csv: try fixtureURL("cross_section_sdm_W.csv"))
        let ids = try table.strings("id")
        let index = try PanelIndex.build(ids: ids, times: ids.map { _ in 0 }, source: "policy_curve_cross_section.csv", unitOrder: wt.ids)
        let ca = index.arrange(try table.numbers("CA")), p = index.arrange(try table.numbers("P"))
        let ca2 = ca.map { $0 * $0 }
        var columns = [ca, ca2, p, zip(p, ca).map(*)], names = ["CA", "CA2", "P", "PxCA"]
        if curvature { columns.append(zip(p, ca2).map(*)); names.append("PxCA2") }
        let panel = try SpatialPanel(y: index.arrange(try table.numbers("y")), x: try Matrix(columns: columns), names: names, n: index.n, t: 1)
        let w = try SpatialWeights(WeightsTable.rowStandardised(try wt.reordered(to: index.units, source: "W")))
        return (try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, effects: .none, durbin: .all), panel: panel, weights: w), w)
    }

    /// Coefficients to 1e-6 and SEs to 1e-5 relative: both maximise the same exact likelihood
    /// (eigenvalue log-determinants; R's `optimize` at tol 2e-12) and use the same asymptotic
    /// information (the bars of the other spatialreg fixtures). The shift and slope are smooth
    /// functions of those estimates: 1e-5 relative to their SE. R's gradient is a central
    /// difference with step 1e-6 (truncation error ~1e-12 relative), so the SEs agree to 1e-5 relative.
    func compare(curvature: Bool, key: String) throws {
        let ref = try XCTUnwrap(loadSpatialFixture("spatialreg_policy_curve")[key] as? [String: Any])
        let (fit, w) = try fit(curvature: curvature)
        XCTAssertTrue(fit.converged, fit.reason)
        assertClose(ref["rho"] as! Double, fit.rho!, tolerance: 1e-6, "\(key) rho")
        XCTAssertEqual(ref["df"] as! Double, fit.tDegreesOfFreedom, "\(key): t degrees of freedom n − k")
        for c in ref["coefficients"] as! [[String: Any]] {
            let name = c["name"] as! String
            guard let k = fit.index(of: name) else {
                return XCTFail("\(key): no coefficient \(name) in \(fit.names)")
            }
            assertClose(c["estimate"] as! Double, fit.coefficients[k], tolerance: 1e-6, "\(key) \(name)")
            let se = c["se"] as! Double
            assertClose(se, fit.standardErrors[k], tolerance: 1e-5 * se, "\(key) \(name) SE")
        }
        let terms = PolicyCurveTerms(linear: "CA", square: "CA2", policyLinear: "PxCA", policySquare: curvature ? "PxCA2" : nil)
        let shifts = try PolicyCurve.shifts(fit, weights: w, terms: terms)
        let effects = ref["effects"] as! [String: [String: Any]]
        for s in shifts {
            let e = try XCTUnwrap(effects[s.kind.rawValue])
            let shiftSE = e["shift_se"] as! Double, slopeSE = e["slope_se"] as! Double
            assertClose(e["shift"] as! Double, s.shift.estimate, tolerance: 1e-5 * shiftSE, "\(key) \(s.kind) shift")
            assertClose(shiftSE, s.shift.se, tolerance: 1e-5 * shiftSE, "\(key) \(s.kind) shift SE")
            assertClose(e["slope"] as! Double, s.slope.estimate, tolerance: 1e-5 * slopeSE, "\(key) \(s.kind) slope")
            assertClose(slopeSE, s.slope.se, tolerance: 1e-5 * slopeSE, "\(key) \(s.kind) slope SE")
            // interact: curve — the test-inversion set of the difference of ratios, which R finds by scanning
            // the Wald statistic with numerical gradients and refining the crossings by uniroot.
            switch (e["fieller_type"] as! String, s.fieller) {
            case ("bounded", .bounded(let lo, let hi)?):
                // The set's ends move with the estimates and the (co)variances: 1e-5 of the shift's SE.
                assertClose(e["fieller_lower"] as! Double, lo, tolerance: 1e-5 * shiftSE, "\(key) \(s.kind) Fieller lower")
                assertClose(e["fieller_upper"] as! Double, hi, tolerance: 1e-5 * shiftSE, "\(key) \(s.kind) Fieller upper")
            case let (type, set):
                XCTFail("\(key) \(s.kind): Fieller set \(String(describing: set)), R's is \(type)")
            }
        }
    }

    /// `estimate sdm --quadratic CA --moderator P` fits the slope-only model (CA, CA², CA:P, P and
    /// their W-lags) and reports dx*/dP: on a 0/1 policy that is the slope-only policy shift, so the
    /// two routes must agree (one fit, two computations of −h1/(2g2) and its Fieller set).
    func testSlopeOnlyShiftIsTheModeratorShiftOfEstimateSDM() throws {
        let (fit, w) = try fit(curvature: false)
        let policy = try PolicyCurve.shifts(fit, weights: w, terms: PolicyCurveTerms(linear: "CA", square: "CA2", policyLinear: "PxCA", policySquare: nil))
        let curves = try SpatialCurves.analyse(fit, weights: w, terms: QuadraticTerms(linear: "CA", square: "CA2", interaction: "PxCA", moderator: "P"),
                                               grid: [2, 3, 4], moderatorValues: [0, 1], lower: 2, upper: 4)
        for s in policy {
            let m = try XCTUnwrap(curves.shifts.first { $0.kind == s.kind })
            // Same arithmetic on the same fit, in another order: rounding only.
            assertClose(m.value.estimate, s.shift.estimate, tolerance: 1e-10 * max(1, abs(m.value.estimate)), "\(s.kind) shift")
            assertClose(m.value.se, s.shift.se, tolerance: 1e-8 * m.value.se, "\(s.kind) shift SE")
            XCTAssertEqual(m.fieller.label, s.fieller?.label, "\(s.kind) Fieller set type")
        }
    }

    func testShiftWithPolicyCurvature() throws { try compare(curvature: true, key: "curve") }

    func testShiftSlopeOnlyWithFieller() throws { try compare(curvature: false, key: "slope") }

    /// The difference-of-ratios set is {s : (A − sB)² ≤ q² Var(f_s)}: membership by brute force on a
    /// grid (the Wald statistic of f_s = g1h2 − h1g2 − 2s g2(g2 + h2) with a central-difference gradient)
    /// agrees with the returned set, which is bounded when g2 and g2 + h2 are well determined, and two
    /// rays (disjoint) or the whole line when a denominator is not distinguishable from 0.
    func testDifferenceOfRatiosSetInvertsTheWaldTest() throws {
        let q = 1.96
        // (g1, g2, h1, h2) as the parameters themselves: unit gradients, covariance Σ.
        func check(_ p: [Double], _ sigma: [[Double]], expect label: String) throws {
            let unit = (0..<4).map { j in (0..<4).map { $0 == j ? 1.0 : 0.0 } }
            let v = try Matrix(columns: sigma)
            let set = PolicyCurve.differenceOfRatiosSet(g1: (p[0], unit[0]), g2: (p[1], unit[1]), h1: (p[2], unit[2]),
                                                        h2: (p[3], unit[3]), v: v, q: q)
            XCTAssertEqual(set.label, label, "\(p)")
            let estimate = -(p[0] + p[2]) / (2 * (p[1] + p[3])) + p[0] / (2 * p[1])
            func wald(_ s: Double) -> Double {
                func f(_ x: [Double]) -> Double { x[0] * x[3] - x[2] * x[1] - 2 * s * x[1] * (x[1] + x[3]) }
                let g = (0..<4).map { j -> Double in
                    var up = p, dn = p; up[j] += 1e-6; dn[j] -= 1e-6
                    return (f(up) - f(dn)) / 2e-6
                }
                var variance = 0.0
                for i in 0..<4 { for j in 0..<4 { variance += g[i] * sigma[i][j] * g[j] } }
                return f(p) * f(p) / variance
            }
            func inside(_ s: Double) -> Bool {
                switch set {
                case .bounded(let lo, let hi): return s >= lo && s <= hi
                case .disjoint(let lo, let hi): return s <= lo || s >= hi
                case .wholeLine: return true
                case .unboundedBelow(let hi): return s <= hi
                case .unboundedAbove(let lo): return s >= lo
                case .empty: return false
                }
            }
            XCTAssertTrue(inside(estimate), "the estimate lies in its own set")
            for k in -200...200 {
                let s = estimate + Double(k) * 0.05
                let w = wald(s)
                // Points within rounding of the boundary are not checked.
                guard abs(w - q * q) > 1e-6 * q * q else { continue }
                XCTAssertEqual(inside(s), w <= q * q, "s = \(s): Wald \(w), set \(set)")
            }
        }
        let small = [[0.001, 0.0002, 0, 0], [0.0002, 0.001, 0, 0], [0, 0, 0.001, 0.0001], [0, 0, 0.0001, 0.001]]
        try check([-1.2, 0.3, 0.4, 0.1], small, expect: "bounded")
        // g2 + h2 ≈ 0 relative to its SE: the set contains s → ±∞.
        let wide = [[0.01, 0, 0, 0], [0, 0.04, 0, 0], [0, 0, 0.01, 0], [0, 0, 0, 0.04]]
        let weak = try PolicyCurve.differenceOfRatiosSet(
            g1: (-1.2, [1, 0, 0, 0]), g2: (0.3, [0, 1, 0, 0]), h1: (0.4, [0, 0, 1, 0]), h2: (-0.25, [0, 0, 0, 1]),
            v: try Matrix(columns: wide), q: q)
        XCTAssertTrue(["disjoint", "whole-line"].contains(weak.label), "\(weak)")
        try check([-1.2, 0.3, 0.4, -0.25], wide, expect: weak.label)
    }
}
