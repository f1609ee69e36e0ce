import CitySystem
import Estimators
import Numerics
import TestSupport
import XCTest

/// The O(N²) cross-unit term Σ_{i>j} S(ρ)_ij² w_ij of `SquaredGSeries` against the exact dense sum,
/// S(ρ) = V diag(ω/(1 − ρω)) Vᵀ formed entry by entry in 80-bit arithmetic from the same V (so the
/// reference's own error is negligible), with the cluster sandwich's pair weights w_ij = 2P_ij²,
/// P = EEᵀ from the residuals of an SDM fit. The tolerance is derived, not chosen: the certified
/// truncation bound the series returns plus a worst-case rounding bound of its evaluation (below).
final class SquaredGSeriesTests: XCTestCase {
    /// Worst-case rounding of the series value: each S₀^{m+1} entry is a length-N dot product of
    /// |terms| summing to ≤ γ^{m+1} (V's rows have unit norm), so it is within N·u·γ^{m+1}; H_s's entry
    /// sums s + 1 products of two such entries, within (s + 1)(2N + s + 2)·u·γ^{s+2}; the inner product
    /// with w adds at most pairs·u·Σ|H_s w|. Summed with the weights |δ|^s:
    /// γ²/(1 − r)² · (2N + K + 2 + pairs) · u · Σ|w| (Higham 2002, §3.1, to first order in u).
    func roundingBound(n: Int, order: Int, r: Double, gamma: Double, weights w: [Double]) -> Double {
        let u = Double.ulpOfOne / 2
        let size = Double(2 * n + order + 2 + SquaredGSeries.pairCount(n))
        return gamma * gamma / ((1 - r) * (1 - r)) * size * u * w.reduce(0) { $0 + abs($1) }
    }

    func reference(_ spectrum: WeightSpectrum, rho: Double, weights w: [Double]) throws -> Double {
        let f = try XCTUnwrap(spectrum.symmetricForm)
        let n = spectrum.real.count
        let g = spectrum.real.map { Float80($0) / (1 - Float80(rho) * Float80($0)) }
        let v = f.vectors.data.map { Float80($0) }
        var total: Float80 = 0
        var q = 0
        for j in 0..<n {
            for i in (j + 1)..<n {
                var s: Float80 = 0
                for a in 0..<n { s += v[i + a * n] * g[a] * v[j + a * n] }
                total += s * s * Float80(w[q])
                q += 1
            }
        }
        return Double(total)
    }

    /// Cluster pair weights 2P_ij² and ν = 2Σ_i P_ii² from time-major residuals.
    func clusterWeights(_ e: [Double], n: Int, t: Int) -> (w: [Double], nu: Double) {
        let p = Matrix(rows: n, cols: t, uncheckedColumnMajor: e).outerProduct()
        var tr = 0.0
        for i in 0..<n { tr += p[i, i] * p[i, i] }
        return (SquaredGSeries.packLower(p) { 2 * $0 * $0 }, 2 * tr)
    }

    /// Every ρ: the term within its tolerance of the reference; returns (series, dense) counts.
    func check(_ weights: SpatialWeights, residuals e: [Double], n: Int, t: Int, rhos: [Double],
               file: StaticString = #filePath, line: UInt = #line) throws -> (series: Int, dense: Int) {
        let series = try XCTUnwrap(weights.squaredG)
        let spectrum = try XCTUnwrap(weights.spectrum)
        let (w, nu) = clusterWeights(e, n: n, t: t)
        var counts = (series: 0, dense: 0)
        for rho in rhos {
            let term = series.term(rho: rho, pairWeights: w, nuclearBound: nu)
            let exact = try reference(spectrum, rho: rho, weights: w)
            let g0: [Double], r: Double, order: Int
            switch term.method {
            case let .series(k, node):
                counts.series += 1
                g0 = spectrum.real.map { $0 / (1 - node * $0) }
                let gamma = g0.reduce(0) { max($0, abs($1)) }
                r = abs(rho - node) * gamma
                order = k
                XCTAssertLessThanOrEqual(term.truncationBound, SquaredGSeries.relativeTolerance * exact * (1 + 1e-12),
                                         "ρ = \(rho): the certified bound is at the stated relative level", file: file, line: line)
            case .dense:
                counts.dense += 1
                g0 = spectrum.real.map { $0 / (1 - rho * $0) }
                r = 0
                order = 0
            }
            let gamma = g0.reduce(0) { max($0, abs($1)) }
            let tolerance = term.truncationBound + roundingBound(n: n, order: order, r: r, gamma: gamma, weights: w)
            XCTAssertLessThanOrEqual(abs(term.value - exact), tolerance, "ρ = \(rho) (\(term.method))", file: file, line: line)
            XCTAssertGreaterThan(exact, 0)
        }
        return counts
    }

    func testCigarettePanelOverARangeOfRho() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w)
        let e = try HandSDMScores(panel: panel, weights: w, fit: fit).residuals(fit.coefficients)
        // From far below to next to the pole at 1/ω_max = 1: the nodes crowd towards the poles
        // (uniform in ψ), so r = |δ|γ stays ≲ 0.07 and the series meets the bound everywhere.
        let rhos = [-0.6, -0.2, 0.0, 0.1, try XCTUnwrap(fit.rho), 0.27, 0.45, 0.62, 0.8, 0.97, 0.995]
        let counts = try check(w, residuals: e, n: panel.n, t: panel.t, rhos: rhos)
        XCTAssertEqual(counts.series, rhos.count, "the series covers the whole range of ρ̂")
        // Residuals of one state 1e6 times the others': ν (the diagonal P_ii²) is ~1e12 times the
        // cross-unit term, so away from a node no cached order meets 1e-15 of it and the exact
        // product is used (at a node itself δ = 0 and the order-0 term is exact).
        var loud = e
        for r in 0..<loud.count where r % panel.n != 0 { loud[r] *= 1e-6 }
        let forced = try check(w, residuals: loud, n: panel.n, t: panel.t, rhos: [0.0, try XCTUnwrap(fit.rho), 0.6])
        XCTAssertGreaterThanOrEqual(forced.dense, 2, "the fallback is exercised")
    }

    /// The generator's own W (exponential decay, row-standardised: every pair linked) on a small city
    /// system, with the residuals of an SDM fit to a panel simulated on it.
    func testGeneratorWeights() throws {
        var s = CitySystemSpec()
        s.geography.cities = 60
        s.geography.centres = 4
        s.geography.firstYear = 2003
        s.geography.lastYear = 2010
        s.treatment.t0 = 2006
        let cell = try CitySystemCell(spec: s, seed: 2026, source: "test")
        let w = try XCTUnwrap(cell.trueWeights)
        let panel = try SpatialTestData.simulatedSDM(weights: w, t: 8, rho: 0.3, beta: [1, -0.5], theta: [0.3, 0.2], seed: 5)
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w)
        let e = try HandSDMScores(panel: panel, weights: w, fit: fit).residuals(fit.coefficients)
        let rhos = stride(from: -0.3, through: 0.9, by: 0.15).map { $0 } + [try XCTUnwrap(fit.rho), 0.999]
        let counts = try check(w, residuals: e, n: panel.n, t: panel.t, rhos: rhos)
        XCTAssertEqual(counts.series, rhos.count)
        var loud = e
        for r in 0..<loud.count where r % panel.n != 7 { loud[r] *= 1e-6 }
        XCTAssertGreaterThanOrEqual(try check(w, residuals: loud, n: panel.n, t: panel.t, rhos: [0.2, 0.37, 0.5]).dense, 2)
    }

    /// The dense path is the fallback's exact product: equal to the reference to its own rounding.
    func testDensePathAndTally() throws {
        let (panel, w) = try SpatialTestData.cigarette()
        let series = try XCTUnwrap(w.squaredG)
        let e = (0..<(panel.n * panel.t)).map { sin(Double($0)) }
        let (pw, nu) = clusterWeights(e, n: panel.n, t: panel.t)
        let before = SquaredGSeries.Tally.shared.counts
        let dense = series.dense(rho: 0.3, pairWeights: pw)
        let viaSeries = series.term(rho: 0.3, pairWeights: pw, nuclearBound: nu)
        let after = SquaredGSeries.Tally.shared.counts
        XCTAssertEqual(dense.method, .dense)
        XCTAssertGreaterThanOrEqual(after.dense - before.dense, 1)
        XCTAssertGreaterThanOrEqual(after.series - before.series, 1)
        let exact = try reference(try XCTUnwrap(w.spectrum), rho: 0.3, weights: pw)
        let gamma = try XCTUnwrap(w.spectrum).real.reduce(0) { max($0, abs($1 / (1 - 0.3 * $1))) }
        XCTAssertLessThanOrEqual(abs(dense.value - exact), roundingBound(n: panel.n, order: 0, r: 0, gamma: gamma, weights: pw))
        XCTAssertNotEqual(viaSeries.method, .dense)
    }

    /// `clusterPairWeights` packs P = EEᵀ's lower triangle as it stands: the same bits as packing the mirrored
    /// outer product with 2x² (the cluster sandwich's pair weights before), and the same ν = 2Σ_i P_ii².
    func testClusterPairWeightsEqualThePackedOuterProduct() throws {
        let (panel, _) = try SpatialTestData.cigarette()
        let stream = RandomStream(seed: 20261207, purpose: 3)
        for (n, t) in [(panel.n, panel.t), (7, 3), (2, 1)] {
            let e = stream.normals(n * t)
            let viaMatrix = clusterWeights(e, n: n, t: t)
            let packed = SquaredGSeries.clusterPairWeights(residuals: e, n: n, t: t)
            XCTAssertEqual(packed.pairWeights.map(\.bitPattern), viaMatrix.w.map(\.bitPattern), "N = \(n), T = \(t)")
            XCTAssertEqual(packed.nuclearBound.bitPattern, viaMatrix.nu.bitPattern, "N = \(n), T = \(t)")
        }
    }

    /// The Conley sandwiches' pair weights: m_ij + m_ji for i > j in `packLower`'s order, from a matrix
    /// that is not symmetric (small integers: the sums are exact).
    func testPackPairSumsAddsBothTriangles() throws {
        let n = 5
        var m = Matrix(rows: n, cols: n)
        for j in 0..<n { for i in 0..<n { m[i, j] = Double(10 * i + j) } }
        let w = SquaredGSeries.packPairSums(m)
        XCTAssertEqual(w.count, SquaredGSeries.pairCount(n))
        var q = 0
        for j in 0..<n {
            for i in (j + 1)..<n {
                XCTAssertEqual(w[q], Double(10 * i + j + 10 * j + i), "pair (\(i), \(j))")
                q += 1
            }
        }
        let symmetric = Matrix(rows: n, cols: n, uncheckedColumnMajor: (0..<(n * n)).map { k in Double(k % n + k / n) })
        XCTAssertEqual(SquaredGSeries.packPairSums(symmetric), SquaredGSeries.packLower(symmetric) { 2 * $0 })
    }
}
