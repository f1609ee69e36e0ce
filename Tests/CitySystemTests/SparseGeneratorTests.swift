@testable import CitySystem
import Foundation
import Numerics
import TestSupport
import XCTest

/// The generator's large-N path (W held sparse, issue 16): grid neighbour search, the truncated
/// diffusion kernel and the process-convolution city-effect field, each against its dense form.
final class SparseGeneratorTests: XCTestCase {
    /// 300 cities around 6 centres in a 2,000 km square, and the same map in lon/lat degrees.
    func geographies() throws -> [Geography] {
        var s = Small.spec(cities: 300, centres: 6)
        s.geography.squareKm = 2000
        s.geography.minSeparationKm = 300
        let g = try CitySystemCell(spec: s, seed: 7, source: "t").geography
        let lonlat = try Geography(ids: g.ids, x: g.x.map { 100 + $0 / 90 }, y: g.y.map { 20 + $0 / 111 }, isLonLat: true,
                                   isCentre: g.isCentre, region: g.region, regionGrid: [2, 2])
        return [g, lonlat]
    }

    /// Neighbours from the grid give the dense builders' C entry for entry (same distances,
    /// same formulas): compared exactly.
    func testSparseConnectivityEqualsTheDenseOneExactly() throws {
        for g in try geographies() {
            let lnSize = (0..<g.count).map { 4 + 0.001 * Double($0) }
            var specs: [WeightSpec] = []
            for (k, sym) in [(1, false), (6, false), (6, true), (25, true)] {
                var s = WeightSpec(name: "knn"); s.kind = .knn; s.k = k; s.symmetrise = sym; specs.append(s)
            }
            for r in [300.0, 450.0] { var s = WeightSpec(name: "band"); s.kind = .band; s.bandKm = r; specs.append(s) }
            for kind in [WeightSpec.Kind.exponential, .inverseDistance] {
                var s = WeightSpec(name: "cut"); s.kind = kind; s.cutoffKm = 400; specs.append(s)
            }
            for kind in [WeightSpec.Kind.delaunay, .block] { var s = WeightSpec(name: "x"); s.kind = kind; specs.append(s) }
            for s in specs {
                let dense = try WeightBuilder.connectivity(s, geography: g.withDenseDistances(), lnSize: lnSize, meanD: nil, source: "t")
                let sparse = try WeightBuilder.sparseConnectivity(s, geography: g, lnSize: lnSize, meanD: nil, source: "t")
                XCTAssertEqual(sparse.dense(), dense, "\(s.kind) k=\(s.k) sym=\(s.symmetrise) band=\(s.bandKm) lonlat=\(g.isLonLat)")
                let (wd, rd) = try WeightBuilder.build(s, geography: g.withDenseDistances(), lnSize: lnSize, logDeterminant: .exact, source: "t")
                let method: LogDeterminantMethod = rd.connectivitySymmetric ? .sparse : .chebyshev   // sparse needs a symmetric form
                let (ws, rs) = try WeightBuilder.build(s, geography: g, lnSize: lnSize, logDeterminant: method, source: "t")
                XCTAssertNotNil(ws.sparse)
                XCTAssertNil(ws.spectrum, "held sparse")
                XCTAssertEqual(ws.sparse!.dense(), wd.matrix, "W entries, \(s.kind)")
                XCTAssertEqual(rs.components, rd.components)
                XCTAssertEqual(rs.connectivitySymmetric, rd.connectivitySymmetric)
                XCTAssertEqual(rs.symmetric, rd.symmetric)
                XCTAssertEqual([rs.minNeighbours, rs.maxNeighbours], [rd.minNeighbours, rd.maxNeighbours])
            }
        }
    }

    func testKindsThatConnectEveryPairAreRefusedWhenHeldSparse() throws {
        let g = try geographies()[0]
        for kind in [WeightSpec.Kind.economic, .exponential] {
            var s = WeightSpec(name: "w"); s.kind = kind
            assertThrows(try WeightBuilder.build(s, geography: g, lnSize: (0..<g.count).map { Double($0) }, logDeterminant: .sparse, source: "t"),
                         as: ScenarioError.self) { XCTAssertEqual($0.path, "city_system.weights") }
        }
        var s = WeightSpec(name: "w"); s.kind = .knn; s.normalise = .spectral
        assertThrows(try WeightBuilder.build(s, geography: g, lnSize: g.x, logDeterminant: .sparse, source: "t"),
                     as: ScenarioError.self) { XCTAssertEqual($0.path, "city_system.weights.normalise") }
    }

    /// Exact row errors 2 m_i / s_i of the truncated kernel against the dense one stay within the
    /// stated bound; where the cut-off covers the map nothing is dropped and D equals the dense D.
    func testTruncatedDiffusionKernelWithinItsBound() throws {
        for g in try geographies() {
            let dense = Digital.diffusionMatrix(g.withDenseDistances(), decayKm: 150)
            let (kernel, bound, median) = try DiffusionKernel.truncated(g, decayKm: 150, tolerance: 1e-3)
            guard case .truncated(let v) = kernel else { return XCTFail("not truncated") }
            var worst = 0.0
            for i in 0..<g.count {
                var e = 0.0
                for j in 0..<g.count { e += abs(dense[i, j] - v[i, j]) }
                worst = max(worst, e)
            }
            XCTAssertGreaterThan(v.nonzeroCount, 0)
            XCTAssertLessThanOrEqual(worst, bound, "exact max row ℓ1 error within the stated bound (lonlat \(g.isLonLat))")
            XCTAssertLessThan(bound, 0.05, "the bound is informative on this map")
            XCTAssertLessThanOrEqual(median, bound)

            // Simulated D: one-step perturbation ≤ ψ (½ + π_I) · bound · range(D), accumulated over T steps.
            var spec = DigitalSpec()
            spec.integrationBoost = 1
            let years = Array(2003...2012), n = g.count
            let shocks = Digital.drawShocks(spec, n: n, periods: years.count, stream: RandomStream(StreamID(seed: 3, cell: 0, replication: 0, purpose: 1)))
            let adoption = (0..<n).map { $0 % 3 == 0 ? Optional(2007) : nil }
            let dd = Digital.simulate(spec, geography: g, years: years, v: .dense(dense), shocks: shocks, adoption: adoption)
            let ds = Digital.simulate(spec, geography: g, years: years, v: kernel, shocks: shocks, adoption: adoption)
            let range = dd.max()! - dd.min()!
            let allowed = Double(years.count) * spec.diffusion * (0.5 + spec.integrationBoost) * bound * range
            XCTAssertLessThanOrEqual(zip(dd, ds).map { abs($0 - $1) }.max()!, allowed)
        }
        // Decay long enough that d_c = decay · ln 1000 exceeds every distance: nothing is dropped.
        let g = try geographies()[0]
        let dense = Digital.diffusionMatrix(g.withDenseDistances(), decayKm: 600)
        let (kernel, bound, _) = try DiffusionKernel.truncated(g, decayKm: 600, tolerance: 1e-3)
        XCTAssertEqual(bound, 0)
        guard case .truncated(let v) = kernel else { return XCTFail("not truncated") }
        let x = (0..<g.count).map { sin(Double($0)) }
        assertClose(dense.multiply(x), v.multiply(x), tolerance: 1e-14, "untruncated kernel = dense kernel to rounding")
    }

    /// corr(u_i, u_j) = Σ_k K_ik K_jk against exp(−d²/range²): the stated 2e^{−12.5} ≈ 7.5e-6
    /// truncation bound (1e-5 allowed), unit variances to rounding.
    func testCityEffectFieldHasTheStatedCorrelation() throws {
        let g = try geographies()[0]
        guard case .convolution(let k) = try CityEffectField.convolution(g, rangeKm: 150) else { return XCTFail("not a convolution") }
        let kt = k.transposed()
        var worst = 0.0
        for i in stride(from: 0, to: g.count, by: 10) {
            let row = kt.multiply(SparseMatrix.unitVector(k, row: i))   // K_i· as a knot vector
            let corr = k.multiply(row)
            for j in 0..<g.count {
                let target = i == j ? 1 : exp(-pow(g.distance(i, j) / 150, 2))
                worst = max(worst, abs(corr[j] - target))
            }
        }
        XCTAssertLessThan(worst, 1e-5)
    }

    /// The large-N path is a pure function of (scenario, seed, replication), and the gate
    /// leaves `exact` scenarios dense.
    func testLargeNPanelsReproducibleBySeed() throws {
        var s = Small.spec(cities: 200, centres: 4)
        s.weights.kind = .knn; s.weights.k = 6
        s.logDeterminant = .sparse
        let a = try CitySystemCell(spec: s, seed: 11, source: "t"), b = try CitySystemCell(spec: s, seed: 11, source: "t")
        XCTAssertNil(a.geography.denseDistances)
        XCTAssertGreaterThan(a.diffusionTruncationBound, 0)
        let p = try a.generate(replication: 4), q = try b.generate(replication: 4), r = try a.generate(replication: 5)
        XCTAssertEqual(p.mis, q.mis); XCTAssertEqual(p.d, q.d); XCTAssertEqual(p.ca, q.ca); XCTAssertEqual(p.treat, q.treat)
        XCTAssertNotEqual(p.mis, r.mis)
        s.logDeterminant = .exact
        let e = try CitySystemCell(spec: s, seed: 11, source: "t")
        XCTAssertNotNil(e.geography.denseDistances)
        XCTAssertEqual(e.diffusionTruncationBound, 0)
        XCTAssertEqual(try Small.parse("city_system: {digital: {kernel_tolerance: 1e-5}}").citySystem.digital.kernelTolerance, 1e-5)
        assertThrows(try Small.parse("city_system: {digital: {kernel_tolerance: 0}}"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.digital.kernel_tolerance")
        }
    }
}

private extension SparseMatrix {
    /// e_i of length `a.rows` (a helper to read row i of a through products).
    static func unitVector(_ a: SparseMatrix, row i: Int) -> [Double] {
        var e = [Double](repeating: 0, count: a.rows); e[i] = 1; return e
    }
}
