import CitySystem
import Numerics
import TestSupport
import XCTest

final class TruthTests: XCTestCase {
    /// ∂Mis_j/∂CA_i of period `p` by central differences of the generator's own outcome map.
    /// The map is quadratic in CA, so central differences are exact up to rounding.
    func jacobian(_ m: OutcomeModel, ca: [Double], d: [Double], controls: [[Double]], h: Double = 1e-3) throws -> Matrix {
        let n = ca.count
        let other = [Double](repeating: 0.2, count: n)
        var j = Matrix(rows: n, cols: n)
        for i in 0..<n {
            var up = ca, dn = ca
            up[i] += h; dn[i] -= h
            let yu = try m.solve(ca: up, d: d, controls: controls, other: other)
            let yd = try m.solve(ca: dn, d: d, controls: controls, other: other)
            for r in 0..<n { j[r, i] = (yu[r] - yd[r]) / (2 * h) }
        }
        return j
    }

    func period(_ p: SyntheticPanel, _ t: Int) -> (ca: [Double], d: [Double], x: [[Double]]) {
        let r = (t * p.n)..<((t + 1) * p.n)
        return (Array(p.ca[r]), Array(p.d[r]), p.controls.map { Array($0[r]) })
    }

    func checkClosedForm(weights: WeightSpec, file: StaticString = #filePath, line: UInt = #line) throws {
        var spec = Small.spec(cities: 25, centres: 3, last: 2008, t0: 2006)
        spec.weights = weights
        spec.outcome.rho = 0.45
        spec.outcome.theta = [-0.12, 0.04, -0.03, 0.01]   // θ not ∝ β: direct and indirect turning points differ
        let cell = try CitySystemCell(spec: spec, seed: 9, source: "t")
        let m = try XCTUnwrap(cell.outcomeModel)
        let cache = try XCTUnwrap(cell.truthCache)
        let p = try cell.generate(replication: 0)
        let n = p.n, nn = Double(n)

        // (1) Observed points of one period: tr(S)/N and 1ᵀS1/N against the Jacobian.
        let (ca, d, x) = period(p, 3)
        let jac = try jacobian(m, ca: ca, d: d, controls: x)
        let b = zip(ca, d).map { m.beta[0] + 2 * m.beta[1] * $0 + m.beta[2] * $1 }
        let t = zip(ca, d).map { m.theta[0] + 2 * m.theta[1] * $0 + m.theta[2] * $1 }
        let avg = cache.averaged(b: b, t: t)
        let fdTotal = jac.data.reduce(0, +) / nn
        // 1e-6: the brief's bound; differences here are rounding (≈1e-12) over h = 1e-3.
        assertClose(jac.trace / nn, avg.direct, tolerance: 1e-6, "closed-form mean direct effect vs FD Jacobian", file: file, line: line)
        assertClose(fdTotal, avg.total, tolerance: 1e-6, "closed-form mean total effect vs FD Jacobian", file: file, line: line)

        // (2) A common point (c, d) for every city: the eigenvalue formulas of MODEL.md §3.
        let c0 = 2.7, d0 = 0.4
        let jc = try jacobian(m, ca: [Double](repeating: c0, count: n), d: [Double](repeating: d0, count: n), controls: x)
        let s = EffectFormulas.caSlopes(beta: m.beta, theta: m.theta, c: c0, d: d0)
        let e = EffectFormulas.effects(b: s.b, t: s.t, weights: cache.weights)
        let dir = jc.trace / nn, tot = jc.data.reduce(0, +) / nn
        assertClose(dir, e.direct, tolerance: 1e-6, "DE = a1 b + a2 t", file: file, line: line)
        assertClose(tot - dir, e.indirect, tolerance: 1e-6, "IE = k1 b + k2 t", file: file, line: line)
        assertClose(tot, e.total, tolerance: 1e-6, "TE", file: file, line: line)

        // (3) Turning points: the FD direct (indirect) effect vanishes at c*(d).
        let q = p.truth.model, d50 = try XCTUnwrap(q.moderatorValue("p50"))
        for tp in q.turningPoints where tp.label == "p50" && tp.effect != .total {
            let cs = try XCTUnwrap(tp.cStar)
            let jt = try jacobian(m, ca: [Double](repeating: cs, count: n), d: [Double](repeating: d50, count: n), controls: x)
            let de = jt.trace / nn, ie = jt.data.reduce(0, +) / nn - de
            assertClose(0, tp.effect == .direct ? de : ie, tolerance: 1e-6, "\(tp.effect) effect at its turning point", file: file, line: line)
            // dc*/dD by a finite difference of the closed form (linear in d, so exact up to rounding).
            let (m1, m2) = p.truth.effectWeights.multipliers(tp.effect)
            let up = EffectFormulas.turningPoint(m1: m1, m2: m2, beta: m.beta, theta: m.theta, d: d50 + 0.1).cStar!
            assertClose(tp.shift!, (up - cs) / 0.1, tolerance: 1e-9, "c*(d) is linear in d", file: file, line: line)
        }
        let tps = q.turningPoints.filter { $0.label == "p50" }
        XCTAssertGreaterThan(abs(tps[0].cStar! - tps[1].cStar!), 0.01, "θ not ∝ β: direct and indirect c* differ", file: file, line: line)
        // Ordinary regressor effects are the same formulas with (β_k, θ_k).
        let dEff = p.truth.regressorEffects.first { $0.name == "D" }!
        assertClose(cache.weights.a1 * m.beta[3] + cache.weights.a2 * m.theta[3], dEff.direct, tolerance: 1e-14, "DE_k formula",
                    file: file, line: line)
    }

    func testClosedFormMatchesJacobianSymmetricW() throws {
        try checkClosedForm(weights: WeightSpec(name: "true"))
    }

    /// A non-symmetrised kNN truth: asymmetric W, LU path, possibly complex eigenvalues.
    func testClosedFormMatchesJacobianAsymmetricW() throws {
        var w = WeightSpec(name: "true")
        w.kind = .knn; w.k = 3; w.symmetrise = false
        try checkClosedForm(weights: w)
    }

    /// Spectral normalisation: W not row-stochastic, so TE uses 1ᵀA1/N rather than 1/(1 − ρ).
    func testClosedFormMatchesJacobianSpectralW() throws {
        var w = WeightSpec(name: "true")
        w.kind = .inverseDistance; w.normalise = .spectral
        try checkClosedForm(weights: w)
    }

    func testRowStandardisedWeightsMatchModelForm() throws {
        let cell = try CitySystemCell(spec: Small.spec(cities: 30, centres: 3), seed: 4, source: "t")
        let w = cell.truthCache!.weights
        assertClose(1 / (1 - 0.3), w.t1, tolerance: 1e-12, "row-standardised: 1ᵀA1/N = 1/(1 − ρ) (MODEL.md §3)")
        assertClose(1 / (1 - 0.3), w.t2, tolerance: 1e-12, "row-standardised: 1ᵀAW1/N = 1/(1 − ρ)")
        assertClose(Statistics.mean(cell.truthCache!.diagA), w.a1, tolerance: 1e-12, "tr(A)/N: eigenvalues vs explicit inverse")
        assertClose(Statistics.mean(cell.truthCache!.diagAW), w.a2, tolerance: 1e-12, "tr(AW)/N: eigenvalues vs explicit inverse")
    }

    /// OLS of (I − ρW)Mis on the true regressors (CA, CA², CA·D, D, their W-lags, X, WX, Treat·Post,
    /// Z·(year − first), city and year dummies) recovers β and θ: with the true ρ this is the exact
    /// linear model with i.i.d. normal errors, so each estimate must lie within 4 of its OLS
    /// standard errors (a 4-SE band fails with probability < 1e-4 per coefficient when correct).
    func testRegressionOnTrueRegressorsRecoversBetaTheta() throws {
        // Power: a sparse true W (kNN) and more within-city CA variation make W·CA far less collinear
        // with the fixed effects than under the dense baseline W, so θ is pinned down too.
        var spec = Small.spec(cities: 80, centres: 4, first: 2003, last: 2014, t0: 2009)
        spec.outcome.error.sigma = 0.02
        spec.sectors.shockSd = 0.25
        spec.digital.shockSd = 0.1
        spec.weights.kind = .knn
        spec.weights.k = 5
        let cell = try CitySystemCell(spec: spec, seed: 21, source: "t")
        let p = try cell.generate(replication: 0)
        let w = p.trueWeights, n = p.n, nt = p.n * p.t, rho = spec.outcome.rho
        let wy = w.applyPanel(p.mis)
        let y = (0..<nt).map { p.mis[$0] - rho * wy[$0] }
        let r0 = p.ca, r1 = p.ca.map { $0 * $0 }, r2 = zip(p.ca, p.d).map { $0 * $1 }, r3 = p.d
        var cols: [[Double]] = [r0, r1, r2, r3].map { $0 } + [r0, r1, r2, r3].map { w.applyPanel($0) }
        cols += p.controls + p.controls.map { w.applyPanel($0) }
        cols.append((0..<nt).map { Double(p.treat[$0 % n] * p.post[$0]) })
        cols.append((0..<nt).map { p.z[$0 % n] * Double($0 / n) })
        for i in 0..<n { cols.append((0..<nt).map { $0 % n == i ? 1 : 0 }) }
        for t in 1..<p.t { cols.append((0..<nt).map { $0 / n == t ? 1 : 0 }) }
        let x = try Matrix(columns: cols)
        let ls = try LeastSquares(x: x, y: y)
        let s2 = ls.residualSumOfSquares / Double(nt - cols.count)
        let v = try ls.xtxInverse()
        let truth = spec.outcome.beta + spec.outcome.theta
        for k in 0..<8 {
            let se = (s2 * v[k, k]).squareRoot()
            XCTAssertLessThan(abs(ls.coefficients[k] - truth[k]), 4 * se, "coefficient \(k): \(ls.coefficients[k]) vs \(truth[k]), se \(se)")
        }
        assertClose(0.02, s2.squareRoot(), tolerance: 0.002, "σ̂ near σ = 0.02 (relative sampling sd ≈ 1/√(2(n − p)) ≈ 2.7% at n − p ≈ 850)")
    }
}
