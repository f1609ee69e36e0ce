import Foundation
import XCTest
@testable import Estimators
import Numerics
import TestSupport

/// The SDM on an unbalanced panel (issue 24): equal to the balanced estimator when nothing
/// is missing, and to an independent brute-force computation with state-years removed.
final class UnbalancedSDMTests: XCTestCase {
    struct Cigarette {
        let panel: SpatialPanel
        let w: Matrix
        let units: [String]
        let years: [Double]
    }

    static func cigarette() throws -> Cigarette {
        let dir = TestPaths.cigarette
        let table = try DataTable.read(csv: dir.appendingPathComponent("cigarette.csv"))
        let wt = try WeightsTable.read(csv: dir.appendingPathComponent("usa46_contiguity.csv"))
        let index = try PanelIndex.build(ids: try table.strings("state"), times: try table.numbers("year"),
                                         source: "cigarette.csv", unitOrder: wt.ids)
        let x = try Matrix(columns: [index.arrange(try table.numbers("logp")), index.arrange(try table.numbers("logy"))])
        let panel = try SpatialPanel(y: index.arrange(try table.numbers("logc")), x: x, names: ["logp", "logy"],
                                     n: index.n, t: index.t)
        let w = try WeightsTable.rowStandardised(try wt.reordered(to: index.units, source: "W"))
        return Cigarette(panel: panel, w: w, units: index.units, years: index.times)
    }

    /// The committed pattern of removed (state, year) pairs.
    static func removed(_ c: Cigarette) throws -> Set<Int> {
        let url = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/cigarette_unbalanced_removed.csv")
        let table = try DataTable.read(csv: url)
        let states = try table.strings("state"), years = try table.numbers("year")
        return Set(zip(states, years).map { s, y in
            c.years.firstIndex(of: y)! * c.panel.n + c.units.firstIndex(of: s)!
        })
    }

    func testNoGapsEqualsBalancedEstimator() throws {
        let c = try Self.cigarette()
        let balancedW = try SpatialWeights(c.w)
        let panel = try UnbalancedPanel(c.panel) { _, _ in true }
        let pw = try PeriodWeights(w: try XCTUnwrap(SparseMatrix(dense: c.w)), panel: panel)
        XCTAssertEqual(pw.distinctCount, 1)
        for effects in FixedEffects.allCases {
            let spec = SpatialModelSpec(model: .sdm, effects: effects, approach: .direct)
            let ref = try SpatialEstimator.fit(spec, panel: c.panel, weights: balancedW)
            let u = try UnbalancedEstimator.fit(spec, panel: panel, weights: pw)
            let fit = u.fit
            XCTAssertEqual(fit.termination, ref.termination, effects.rawValue)
            XCTAssertEqual(fit.names, ref.names)
            XCTAssertEqual(fit.nObservations, ref.nObservations)
            // Same likelihood; the exact FE projection and the double demeaning differ by rounding
            // (≈1e-15 relative) and ρ is solved to |Newton step| < 1e-12: 1e-10 is the bound.
            assertClose(ref.rho!, fit.rho!, tolerance: 1e-10, "\(effects.rawValue) rho")
            for k in 0..<ref.coefficients.count {
                assertClose(ref.coefficients[k], fit.coefficients[k], tolerance: 1e-10, "\(effects.rawValue) \(ref.names[k])")
            }
            assertClose(ref.sigma2, fit.sigma2, tolerance: 1e-10 * ref.sigma2, "\(effects.rawValue) sigma2")
            assertClose(ref.logLikelihood, fit.logLikelihood, tolerance: 1e-9, "\(effects.rawValue) loglik")
            // SEs: the unbalanced estimator's information uses ḡ = M_D G μ̂ (the exact expected
            // E[Wy], fixed effects included), the balanced one Elhorst's ḡ = G Z̃β̂; on this panel
            // they differ by at most 0.4 % (ρ's SE, two-way), so 1 % relative.
            for (a, b) in zip(ref.standardErrors, fit.standardErrors) {
                assertClose(a, b, tolerance: 1e-2 * a, "\(effects.rawValue) SE")
            }
            let ri = try SpatialImpacts.delta(ref, weights: balancedW)
            let ui = try SpatialImpacts.delta(fit, kernel: try pw.effectKernel())
            for (a, b) in zip(ri, ui) {
                for kind in EffectKind.allCases {
                    assertClose(a.value(kind).estimate, b.value(kind).estimate, tolerance: 1e-10, "\(a.variable) \(kind)")
                    assertClose(a.value(kind).se, b.value(kind).se, tolerance: 1e-2 * a.value(kind).se, "\(a.variable) \(kind) SE (as above)")
                }
            }
            XCTAssertEqual(u.pattern.rowsUsed, c.panel.n * c.panel.t)
            XCTAssertEqual(u.pattern.isolatedCityYears, 0)
        }
    }

    /// scripts/fixtures/make_cigarette_unbalanced.py: explicit dummies, dense slogdet per year,
    /// scipy bounded search polished by Newton steps on central differences.
    func testRemovedStateYearsMatchBruteForce() throws {
        let fixture = try loadSpatialFixture("cigarette_unbalanced_reference")
        let c = try Self.cigarette()
        let removed = try Self.removed(c)
        XCTAssertEqual(removed.count, fixture["removed_state_years"] as? Int)
        let panel = try UnbalancedPanel(c.panel) { i, t in !removed.contains(t * c.panel.n + i) }
        for (key, restandardise) in [("restandardised", true), ("not_restandardised", false)] {
            let ref = try XCTUnwrap(fixture[key] as? [String: Any])
            let pw = try PeriodWeights(w: try XCTUnwrap(SparseMatrix(dense: c.w)), panel: panel, restandardise: restandardise)
            let u = try UnbalancedEstimator.fit(SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .direct),
                                                panel: panel, weights: pw)
            XCTAssertTrue(u.fit.converged, u.fit.reason)
            XCTAssertEqual(u.pattern.rowsUsed, ref["n_obs"] as? Int)
            XCTAssertEqual(u.pattern.distinctWeights, ref["distinct_W"] as? Int)
            XCTAssertEqual(u.pattern.isolatedCityYears, ref["isolated_state_years"] as? Int)
            // The brute force resolves ρ to ~1e-9 (Newton on differences of a flat objective): 1e-6 is the bound.
            assertClose(ref["rho"] as! Double, u.fit.rho!, tolerance: 1e-6, "\(key) rho; brute force")
            let coefs = ref["coefficients"] as! [String: Double]
            for (name, value) in coefs {
                assertClose(value, u.fit.coefficients[u.fit.index(of: name)!], tolerance: 1e-6, "\(key) \(name)")
            }
            let s2 = ref["sigma2"] as! Double
            assertClose(s2, u.fit.sigma2, tolerance: 1e-6 * s2, "\(key) sigma2")
            assertClose(ref["loglik"] as! Double, u.fit.logLikelihood, tolerance: 1e-6, "\(key) loglik")
            let effects = ref["effects"] as! [String: [String: Double]]
            for imp in try SpatialImpacts.delta(u.fit, kernel: try pw.effectKernel()) {
                for kind in EffectKind.allCases {
                    assertClose(effects[imp.variable]![kind.rawValue]!, imp.value(kind).estimate, tolerance: 1e-6,
                                "\(key) \(imp.variable) \(kind); dense inverses per year")
                }
            }
            XCTAssertGreaterThan(u.sigma2DOF, u.fit.sigma2)
            // With isolated state-years the year effects leak into Wy: the information must use
            // E[Wy] with the fixed effects (Elhorst's G Z̃β̂ gave W*logy a 5× too small SE).
            let numeric = try Self.numericalStandardErrors(u, panel: panel, weights: pw)
            for (q, name) in u.fit.parameterNames.enumerated() {
                XCTAssertLessThan(abs(u.fit.standardErrors[q] - numeric[q]) / numeric[q], 0.05,
                                  "\(key) \(name): analytic \(u.fit.standardErrors[q]), numerical \(numeric[q])")
            }
        }
    }

    /// M_D v is orthogonal to every unit and period dummy and M_D is idempotent, to rounding,
    /// on the committed pattern (where double demeaning is not the projection).
    func testFixedEffectProjectionIsExact() throws {
        let c = try Self.cigarette()
        let removed = try Self.removed(c)
        let panel = try UnbalancedPanel(c.panel) { i, t in !removed.contains(t * c.panel.n + i) }
        let projection = try FixedEffectProjection(panel: panel, effects: .twoWays)
        let q = projection.apply(panel.y)
        var unitSum = [Double](repeating: 0, count: panel.n), periodSum = [Double](repeating: 0, count: panel.t)
        for (k, v) in q.enumerated() { unitSum[panel.unit[k]] += v; periodSum[panel.period[k]] += v }
        let scale = panel.y.map(abs).max()!
        // Sums of ≤ 46 terms of size ≤ scale after a T × T solve: rounding ≈ 1e-14 scale.
        for s in unitSum + periodSum { XCTAssertLessThan(abs(s), 1e-12 * scale) }
        let qq = projection.apply(q)
        for (a, b) in zip(q, qq) { XCTAssertLessThan(abs(a - b), 1e-12 * scale) }
        // rank(D) = 46 states + 29 independent year effects (the panel stays connected).
        XCTAssertEqual(projection.rank, panel.n + panel.t - 1)
        // The simple double demeaning is not the projection here: its unit sums are not zero.
        var um = [Double](repeating: 0, count: panel.n), uc = um, tm = [Double](repeating: 0, count: panel.t), tc = tm
        for k in 0..<panel.observations {
            um[panel.unit[k]] += panel.y[k]; uc[panel.unit[k]] += 1
            tm[panel.period[k]] += panel.y[k]; tc[panel.period[k]] += 1
        }
        let grand = panel.y.reduce(0, +) / Double(panel.observations)
        var naive = [Double](repeating: 0, count: panel.n)
        for k in 0..<panel.observations {
            naive[panel.unit[k]] += panel.y[k] - um[panel.unit[k]] / uc[panel.unit[k]] - tm[panel.period[k]] / tc[panel.period[k]] + grand
        }
        XCTAssertGreaterThan(naive.map(abs).max()!, 1e-6 * scale)
    }
    /// Simulates the unbalanced SDM itself: y_t = (I − ρW_t)⁻¹(X_tβ + W_tX_tθ + μ + α_t + ε_t)
    /// on the cities kept (MCAR at `missing`), W_t the ring W restricted and re-standardised.
    static func simulated(n: Int, t: Int, missing: Double, rho: Double, seed: UInt64) throws
        -> (panel: UnbalancedPanel, weights: PeriodWeights) {
        let w = try SpatialTestData.ringWeights(n)
        let rs = RandomStream(seed: seed, purpose: 241)
        let keep = (0..<(n * t)).map { _ in rs.uniform() >= missing }
        let mu = rs.normals(n), alpha = rs.normals(t)
        var x = Matrix(rows: n * t, cols: 2)
        for r in 0..<(n * t) { x[r, 0] = rs.normal(); x[r, 1] = rs.normal() + 0.5 * mu[r % n] }
        let shell = try UnbalancedPanel(try SpatialPanel(y: [Double](repeating: 0, count: n * t), x: x, names: ["x1", "x2"],
                                                        n: n, t: t)) { i, p in keep[p * n + i] }
        let pw = try PeriodWeights(w: try XCTUnwrap(SparseMatrix(dense: w.matrix)), panel: shell)
        let wx = pw.lag(shell.x)
        var y = [Double](repeating: 0, count: shell.observations)
        for (p, k) in pw.setOfPeriod.enumerated() {
            let r = shell.periodStart[p]..<shell.periodStart[p + 1]
            let rhs = r.map { j in
                x1Beta * shell.x[j, 0] + x2Beta * shell.x[j, 1] + 0.3 * wx[j, 0] - 0.2 * wx[j, 1]
                    + mu[shell.unit[j]] + alpha[p] + rs.normal()
            }
            var a = Matrix.identity(r.count)
            let wt = pw.sets[k].weights.matrix
            for q in 0..<a.data.count { a.data[q] -= rho * wt.data[q] }
            let sol = try LUDecomposition(a).solve(rhs)
            for (j, v) in zip(r, sol) { y[j] = v }
        }
        let panel = try UnbalancedPanel(y: y, x: shell.x, names: shell.names, n: n, t: t, unit: shell.unit, period: shell.period)
        return (panel, pw)
    }
    static let x1Beta = 1.0, x2Beta = -0.5

    /// SEs from the inverse numerical Hessian of the log-likelihood with the fixed effects
    /// concentrated out (central differences, steps 1 % of the analytic SEs).
    static func numericalStandardErrors(_ u: UnbalancedFit, panel: UnbalancedPanel, weights pw: PeriodWeights) throws -> [Double] {
        let spec = u.fit.spec
        let d = try UnbalancedEstimator.design(spec, panel: panel, weights: pw,
                                               projection: try FixedEffectProjection(panel: panel, effects: spec.effects))
        let theta = u.fit.parameters, k = theta.count, p = d.p
        let source = pw.logDeterminant
        let f: ([Double]) -> Double = { v in
            d.logLikelihood(coefficients: Array(v[0..<p]), spatial: v[p], sigma2: v[k - 1], spectrum: source)
        }
        let h = u.fit.standardErrors.map { 0.01 * $0 }
        var hess = Matrix(rows: k, cols: k)
        for i in 0..<k {
            for j in 0...i {
                func at(_ a: Double, _ b: Double) -> Double {
                    var v = theta; v[i] += a * h[i]; v[j] += b * h[j]; return f(v)
                }
                let value = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[i] * h[j])
                hess[i, j] = value; hess[j, i] = value
            }
        }
        let inv = try LUDecomposition(-1 * hess).inverse()
        return (0..<k).map { inv[$0, $0].squareRoot() }
    }

    /// Analytic (expected-information) SEs against the inverse numerical Hessian of the full
    /// log-likelihood with the fixed effects concentrated out, on a simulated unbalanced panel.
    func testAnalyticStandardErrorsAgreeWithNumericalHessian() throws {
        let (panel, pw) = try Self.simulated(n: 80, t: 15, missing: 0.2, rho: 0.4, seed: 11)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .direct)
        let u = try UnbalancedEstimator.fit(spec, panel: panel, weights: pw)
        XCTAssertTrue(u.fit.converged, u.fit.reason)
        let numeric = try Self.numericalStandardErrors(u, panel: panel, weights: pw)
        // Expected vs observed information at n ≈ 960 differ by O(n^-1/2) sampling noise: on this
        // seed at most 3.1 % (ρ), the others within 1 % (measured); the balanced suite allows 8 %.
        for q in numeric.indices {
            let a = u.fit.standardErrors[q], b = numeric[q]
            XCTAssertLessThan(abs(a - b) / b, 0.05, "\(u.fit.parameterNames[q]): analytic \(a), numerical \(b)")
        }
        XCTAssertEqual(u.pattern.rowsUsed, panel.observations)
        XCTAssertGreaterThan(u.pattern.distinctWeights, 10)
    }
    /// The expected score of ρ on a balanced panel with a row-standardised W is
    /// −[tr G + (T − 1)/(1 − ρ)] (the direct and Lee–Yu Jacobians' difference), and the
    /// bias-corrected direct estimates move most of the way to Lee–Yu's.
    func testBiasCorrectionOnBalancedPanelMatchesLeeYu() throws {
        let c = try Self.cigarette()
        let w = try SpatialWeights(c.w)
        let panel = try UnbalancedPanel(c.panel) { _, _ in true }
        let pw = try PeriodWeights(w: try XCTUnwrap(SparseMatrix(dense: c.w)), panel: panel)
        let u = try UnbalancedEstimator.fit(SpatialModelSpec(), panel: panel, weights: pw)
        let rho = u.fit.rho!
        let expected = w.logDeterminant.traceG(rho: rho) + Double(c.panel.t - 1) / (1 - rho)
        // Traces from the spectrum vs sums of projected G columns: rounding ≈ 1e-13 of tr G ≈ 10.
        assertClose(expected, try XCTUnwrap(u.traceProjectedG), tolerance: 1e-9, "tr(P_D G), balanced closed form")
        let ly = try SpatialEstimator.fit(SpatialModelSpec(approach: .leeYu), panel: c.panel, weights: w)
        let bc = try XCTUnwrap(u.biasCorrected)
        // First-order corrections agree with Lee–Yu up to O(1/n) of the correction itself.
        XCTAssertLessThan(abs(bc.rho! - ly.rho!), 0.1 * abs(u.fit.rho! - ly.rho!))
        XCTAssertLessThan(abs(bc.sigma2 - ly.sigma2), 0.1 * abs(u.fit.sigma2 - ly.sigma2))
    }
}
