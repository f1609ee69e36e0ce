import XCTest
import Numerics
import TestSupport
@testable import Estimators

final class DIDPanelOLSTests: XCTestCase {
    /// An unbalanced, weighted two-way panel: 14 units × 6 periods with 9 observations removed.
    private func makePanel() -> (y: [Double], x: Matrix, unit: [Int], time: [Int], w: [Double]) {
        let rng = RandomStream(seed: 5)
        var y: [Double] = [], a: [Double] = [], b: [Double] = [], unit: [Int] = [], time: [Int] = [], w: [Double] = []
        let alpha = (0..<14).map { _ in rng.normal() }, gamma = (0..<6).map { _ in rng.normal() }
        for t in 0..<6 { for i in 0..<14 {
            if (i * 7 + t * 3) % 10 == 0 { continue }
            let xa = rng.normal() + 0.5 * alpha[i], xb = rng.normal() + gamma[t]
            y.append(alpha[i] + gamma[t] + 1.5 * xa - 0.7 * xb + rng.normal())
            a.append(xa); b.append(xb); unit.append(100 + i); time.append(2000 + t); w.append(rng.uniform(0.5, 2))
        } }
        return (y, try! Matrix(columns: [a, b]), unit, time, w)
    }

    /// Dummy-variable design: regressors, all unit dummies, time dummies but the first.
    private func lsdv(_ x: Matrix, _ unit: [Int], _ time: [Int]) -> Matrix {
        let units = Array(Set(unit)).sorted(), times = Array(Set(time)).sorted()
        var cols = (0..<x.cols).map { x.column($0) }
        for u in units { cols.append(unit.map { $0 == u ? 1 : 0 }) }
        for t in times.dropFirst() { cols.append(time.map { $0 == t ? 1 : 0 }) }
        return try! Matrix(columns: cols)
    }

    /// The lookup-table path (small non-negative codes) and the hash-map path (large or negative
    /// codes) number levels alike, in order of first appearance, and agree on nesting.
    func testRecodeAndNestingAgreeForSmallAndLargeCodes() {
        let small = [5, 3, 5, 9, 3, 0, 9]
        for shift in [0, 1_000_000, -50] {
            let codes = small.map { $0 + shift }
            XCTAssertEqual(PanelOLS.recode(codes), [0, 1, 0, 2, 1, 3, 2], "shift \(shift)")
            XCTAssertTrue(PanelOLS.isNested(codes, in: [1, 2, 1, 3, 2, 4, 3]), "shift \(shift)")
            XCTAssertFalse(PanelOLS.isNested(codes, in: [1, 2, 7, 3, 2, 4, 3]), "shift \(shift)")
        }
        XCTAssertEqual(PanelOLS.recode([]), [])
    }

    /// Two units, two-way effects, a DID dummy: the two clusters' scores are ± each other and both
    /// vanish, so the CR1 and CR2 SEs are 0 up to rounding — refused as a degenerate variance, not
    /// printed with p = 0; and G ≤ p clusters cannot identify the variance of p coefficients.
    func testDegenerateClusterVarianceIsRefused() throws {
        let rng = RandomStream(seed: 11)
        var y: [Double] = [], d: [Double] = [], z: [Double] = [], unit: [Int] = [], time: [Int] = []
        for i in 0..<2 { for t in 0..<6 {
            d.append(i == 0 && t >= 3 ? 1 : 0); z.append(rng.normal())
            y.append(Double(i) + 0.3 * Double(t) + 2 * d.last! + rng.normal()); unit.append(i); time.append(t)
        } }
        let x = try Matrix(columns: [d])
        for v in [PanelVariance.cluster(unit), .clusterCR2(unit)] {
            XCTAssertThrowsError(try PanelOLS.fit(y: y, x: x, names: ["D"], unit: unit, time: time, variance: v)) {
                XCTAssertEqual(($0 as? TreatmentError)?.kind, .degenerateVariance, "\($0)")
            }
        }
        XCTAssertNoThrow(try PanelOLS.fit(y: y, x: x, names: ["D"], unit: unit, time: time), "the iid variance is fine")
        XCTAssertThrowsError(try PanelOLS.fit(y: y, x: try Matrix(columns: [d, z]), names: ["D", "z"], unit: unit, time: time,
                                              variance: .cluster(unit))) {
            XCTAssertEqual(($0 as? TreatmentError)?.kind, .degenerateVariance, "\($0)")
        }
    }

    func testWeightedUnbalancedTwoWayEqualsLSDV() throws {
        let p = makePanel()
        let fit = try PanelOLS.fit(y: p.y, x: p.x, names: ["a", "b"], unit: p.unit, time: p.time, effects: .twoWays, weights: p.w)
        let d = lsdv(p.x, p.unit, p.time)
        var dw = d
        for j in 0..<d.cols { for i in 0..<d.rows { dw[i, j] *= p.w[i].squareRoot() } }
        let ls = try LeastSquares(x: dw, y: zip(p.y, p.w).map { $0 * $1.squareRoot() })
        assertClose(Array(ls.coefficients[0..<2]), fit.coefficients, tolerance: 1e-9,
                    "FWL: within estimator = LSDV; alternating projections converged to 1e-12")
        XCTAssertGreaterThan(fit.projectionSweeps, 1, "an unbalanced weighted panel needs iteration")
    }

    func testCR1EqualsDirectSandwichWithFixestNestedK() throws {
        let p = makePanel()
        let fit = try PanelOLS.fit(y: p.y, x: p.x, names: ["a", "b"], unit: p.unit, time: p.time, effects: .twoWays,
                                   weights: p.w, variance: .cluster(p.unit))
        let d = lsdv(p.x, p.unit, p.time)
        let n = d.rows, k = d.cols
        var dw = d
        for j in 0..<k { for i in 0..<n { dw[i, j] *= p.w[i].squareRoot() } }
        let ls = try LeastSquares(x: dw, y: zip(p.y, p.w).map { $0 * $1.squareRoot() })
        let bread = try ls.xtxInverse()
        let e = zip(p.y, d.multiply(ls.coefficients)).map { $0 - $1 }
        let units = Array(Set(p.unit)).sorted()
        var meat = Matrix(rows: k, cols: k)
        for u in units {
            var s = [Double](repeating: 0, count: k)
            for i in 0..<n where p.unit[i] == u { for j in 0..<k { s[j] += p.w[i] * d[i, j] * e[i] } }
            for a in 0..<k { for b in 0..<k { meat[a, b] += s[a] * s[b] } }
        }
        let v = bread * meat * bread
        // fixest ssc(fixef.K = "nested"): unit FE nested in the unit clusters → K = p + T = 2 + 6.
        let g = Double(units.count)
        let factor = g / (g - 1) * Double(n - 1) / Double(n - 8)
        XCTAssertEqual(fit.parameterCount, 8)
        assertClose([v[0, 0], v[1, 1], v[0, 1]].map { $0 * factor },
                    [fit.covariance[0, 0], fit.covariance[1, 1], fit.covariance[0, 1]], tolerance: 1e-12,
                    "LSDV sandwich β-block = FWL sandwich; factor G/(G−1)(n−1)/(n−K)")
        assertClose(g - 1, fit.tDegreesOfFreedom, tolerance: 0, "t with G − 1 df")
    }

    /// A balanced panel (9 units × 5 periods) with weights constant within each unit (as the pooled
    /// matching weights) and one regressor, a staggered DID dummy: the within projection stops after
    /// its first sweep, which is exact there (`WithinProjection.exactInOneSweep`), and the coefficient
    /// and its bread come from the closed form Σwx̃ỹ/Σwx̃² (`PanelOLS.leastSquares`). Both against the
    /// LSDV regression by QR with the unit and time dummies, and CR1 against the sandwich formed from
    /// the LSDV residuals, at 1e-12 (the dummy design is well conditioned: κ ≈ 10, n = 45). An unbalanced
    /// panel, or weights that vary within units and periods, keep the alternating projections.
    func testBalancedTwoWayWithUnitWeightsIsExactInOneSweepWithClosedFormCoefficient() throws {
        let rng = RandomStream(seed: 23)
        var y: [Double] = [], dummy: [Double] = [], unit: [Int] = [], time: [Int] = [], w: [Double] = []
        let unitWeight = (0..<9).map { _ in rng.uniform(0.5, 2) }
        for t in 0..<5 { for i in 0..<9 {
            let treated = i < 4 && t >= 2 + i % 2
            dummy.append(treated ? 1 : 0)
            y.append(0.3 * Double(i) - 0.2 * Double(t) + (treated ? -0.8 : 0) + rng.normal())
            unit.append(i); time.append(t); w.append(unitWeight[i])
        } }
        let x = try Matrix(columns: [dummy])
        let fit = try PanelOLS.fit(y: y, x: x, names: ["D"], unit: unit, time: time, effects: .twoWays, weights: w,
                                   variance: .cluster(unit))
        XCTAssertEqual(fit.projectionSweeps, 1)
        let d = lsdv(x, unit, time)
        let n = d.rows, k = d.cols
        var dw = d
        for j in 0..<k { for i in 0..<n { dw[i, j] *= w[i].squareRoot() } }
        let ls = try LeastSquares(x: dw, y: zip(y, w).map { $0 * $1.squareRoot() })
        assertClose(ls.coefficients[0], fit.coefficients[0], tolerance: 1e-12, "closed form after one sweep = LSDV")
        let bread = try ls.xtxInverse()
        let e = zip(y, d.multiply(ls.coefficients)).map { $0 - $1 }
        assertClose(e, fit.residuals, tolerance: 1e-12, "residuals from the one-sweep projection = LSDV residuals")
        var meat = Matrix(rows: k, cols: k)
        for u in 0..<9 {
            var s = [Double](repeating: 0, count: k)
            for i in 0..<n where unit[i] == u { for j in 0..<k { s[j] += w[i] * d[i, j] * e[i] } }
            for a in 0..<k { for b in 0..<k { meat[a, b] += s[a] * s[b] } }
        }
        // fixest ssc(fixef.K = "nested"): unit FE nested in the unit clusters → K = p + T = 1 + 5.
        let g = 9.0
        let factor = g / (g - 1) * Double(n - 1) / Double(n - 6)
        assertClose((bread * meat * bread)[0, 0] * factor, fit.covariance[0, 0], tolerance: 1e-12, "CR1 from the closed form")

        let codes = [PanelOLS.recode(unit), PanelOLS.recode(time)]
        XCTAssertTrue(WithinProjection(dims: codes, weights: w).exactInOneSweep)
        XCTAssertTrue(WithinProjection(dims: codes, weights: time.map { 1 + Double($0) }).exactInOneSweep, "weights constant within periods")
        XCTAssertFalse(WithinProjection(dims: codes, weights: (0..<n).map { 1 + Double($0 % 7) }).exactInOneSweep,
                       "weights that vary within units and within periods")
        let p = makePanel()
        XCTAssertFalse(WithinProjection(dims: [PanelOLS.recode(p.unit), PanelOLS.recode(p.time)],
                                        weights: [Double](repeating: 1, count: p.y.count)).exactInOneSweep, "unbalanced")
    }

    func testOneWayUnitEffectsCountOneParameterWhenNested() throws {
        let p = makePanel()
        let fit = try PanelOLS.fit(y: p.y, x: p.x, names: ["a", "b"], unit: p.unit, time: p.time, effects: .individual,
                                   variance: .cluster(p.unit))
        XCTAssertEqual(fit.parameterCount, 3, "pyfixest/fixest nested rule: p + N − N + 1")
        let time = try PanelOLS.fit(y: p.y, x: p.x, names: ["a", "b"], unit: p.unit, time: p.time, effects: .time,
                                    variance: .cluster(p.unit))
        XCTAssertEqual(time.parameterCount, 2 + 6, "time FE not nested in unit clusters: all T counted")
    }

    func testRegressorWithoutWithinVariationIsNamed() throws {
        let p = makePanel()
        let constantInUnit = try Matrix(columns: [p.unit.map { Double($0) }])
        assertThrows(try PanelOLS.fit(y: p.y, x: constantInUnit, names: ["region"], unit: p.unit, time: p.time), as: TreatmentError.self) { e in
            XCTAssertTrue("\(e)".contains("'region' has no variation"), "\(e)")
        }
    }

    func testWildBootstrapRejectsStrongEffectAndIsReproducible() throws {
        let p = makePanel()
        let run = { try WildClusterBootstrap.test(y: p.y, x: p.x, names: ["a", "b"], coefficient: 0, unit: p.unit,
                                                   time: p.time, effects: .twoWays, cluster: p.unit, replications: 399,
                                                   multipliers: .webb, stream: StreamID(seed: 3)) }
        let r1 = try run(), r2 = try run()
        XCTAssertEqual(r1.pValue, r2.pValue, "same stream, same draws")
        XCTAssertLessThan(r1.pValue, 0.01, "β_a = 1.5 with t ≈ 10 is rejected")
        // Under a true null (a coefficient on pure noise) the p-value should not be tiny.
        let rng = RandomStream(seed: 9)
        let noise = try Matrix(columns: [p.x.column(0), p.y.map { _ in rng.normal() }])
        let r0 = try WildClusterBootstrap.test(y: p.y, x: noise, names: ["a", "noise"], coefficient: 1, unit: p.unit,
                                               time: p.time, effects: .twoWays, cluster: p.unit, replications: 399,
                                               multipliers: .rademacher, stream: StreamID(seed: 3))
        XCTAssertGreaterThan(r0.pValue, 0.001)
    }
}
