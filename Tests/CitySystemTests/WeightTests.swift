import CitySystem
import Numerics
import TestSupport
import XCTest

final class WeightTests: XCTestCase {
    func testDelaunayOnKnownPointSet() {
        // Unit square plus its centre: 4 triangles, the 4 sides and 4 spokes, no diagonals.
        let x = [0.0, 1, 0, 1, 0.5], y = [0.0, 0, 1, 1, 0.5]
        let e = Delaunay.edges(x: x, y: y).map { "\($0.0)-\($0.1)" }
        XCTAssertEqual(Set(e), ["0-1", "0-2", "1-3", "2-3", "0-4", "1-4", "2-4", "3-4"])
        XCTAssertEqual(Delaunay.triangulate(x: x, y: y).count, 4)
    }

    func testDelaunayEmptyCircumcircleOnRandomPoints() {
        let s = RandomStream(seed: 5)
        let x = (0..<60).map { _ in s.uniform() }, y = (0..<60).map { _ in s.uniform() }
        let tris = Delaunay.triangulate(x: x, y: y)
        // A triangulation of n points with h on the hull has 2n − 2 − h triangles (Euler), so 60 points give
        // between 60 and 118; then the defining property: no point strictly inside any circumcircle.
        XCTAssertGreaterThanOrEqual(tris.count, 60)
        XCTAssertLessThanOrEqual(tris.count, 118)
        for t in tris {
            let (ax, ay, bx, by, cx, cy) = (x[t.a], y[t.a], x[t.b], y[t.b], x[t.c], y[t.c])
            let d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
            let ux = ((ax * ax + ay * ay) * (by - cy) + (bx * bx + by * by) * (cy - ay) + (cx * cx + cy * cy) * (ay - by)) / d
            let uy = ((ax * ax + ay * ay) * (cx - bx) + (bx * bx + by * by) * (ax - cx) + (cx * cx + cy * cy) * (bx - ax)) / d
            let r2 = (ax - ux) * (ax - ux) + (ay - uy) * (ay - uy)
            for p in 0..<60 where ![t.a, t.b, t.c].contains(p) {
                XCTAssertGreaterThan((x[p] - ux) * (x[p] - ux) + (y[p] - uy) * (y[p] - uy), r2 * (1 - 1e-9))
            }
        }
    }

    func builtWeights(_ spec: WeightSpec, cities: Int = 40) throws -> (SpatialWeights, WeightReport, Geography) {
        var s = Small.spec(cities: cities)
        s.estimatorWeights = [spec]
        let cell = try CitySystemCell(spec: s, seed: 2, source: "t")
        let (w, r) = try WeightBuilder.build(spec, geography: cell.geography, lnSize: cell.lnSize, source: "t")
        return (w, r, cell.geography)
    }

    func testEveryKindRowStandardisedWithZeroDiagonal() throws {
        for kind in WeightSpec.Kind.allCases {
            var spec = WeightSpec(name: kind.rawValue)
            spec.kind = kind
            spec.bandKm = 400
            let (w, _, _) = try builtWeights(spec)
            let sums = w.matrix.rowSums()
            assertClose([Double](repeating: 1, count: w.count), sums, tolerance: 1e-12, "row standardisation, kind \(kind)")
            assertClose([Double](repeating: 0, count: w.count), w.matrix.diagonalElements, tolerance: 0, "zero diagonal")
            assertClose(1, w.spectrum!.maximum, tolerance: 1e-9, "row-stochastic W has ω_max = 1 (\(kind))")
        }
    }

    func testKnnHasKNeighbours() throws {
        var spec = WeightSpec(name: "k")
        spec.kind = .knn; spec.k = 4; spec.symmetrise = false
        let (w, r, g) = try builtWeights(spec)
        for i in 0..<w.count {
            let nb = (0..<w.count).filter { w.matrix[i, $0] != 0 }
            XCTAssertEqual(nb.count, 4)
            let nearest = (0..<g.count).filter { $0 != i }.sorted { g.distances[i, $0] < g.distances[i, $1] }.prefix(4)
            XCTAssertEqual(Set(nb), Set(nearest))
        }
        XCTAssertFalse(r.connectivitySymmetric)
        spec.symmetrise = true
        let (ws, rs, _) = try builtWeights(spec)
        XCTAssertTrue(rs.connectivitySymmetric)
        XCTAssertGreaterThanOrEqual(rs.minNeighbours, 4)
        XCTAssertNotNil(ws.spectrum!.symmetricForm)
    }

    func testSpectralNormalisationAndComponents() throws {
        var spec = WeightSpec(name: "b")
        spec.kind = .block; spec.normalise = .spectral
        let (w, r, g) = try builtWeights(spec)
        assertClose(1, max(abs(w.spectrum!.minimum), abs(w.spectrum!.maximum)), tolerance: 1e-10, "spectral radius scaled to 1")
        XCTAssertTrue(r.symmetric)
        XCTAssertEqual(r.components, Set(g.region).count, "a block W has one component per occupied region")
        XCTAssertEqual(r.warnings.isEmpty, r.components == 1)
    }

    func testIslandRejectedNamingTheKey() throws {
        var spec = WeightSpec(name: "band")
        spec.kind = .band; spec.bandKm = 0.5
        spec.path = "city_system.estimator_weights.2"
        assertThrows(try builtWeights(spec), as: ScenarioError.self) { e in
            XCTAssertEqual(e.path, "city_system.estimator_weights.2", "\(e)")
            let s = "\(e)"
            XCTAssertTrue(s.contains("island") && s.contains("band_km"), "names the problem and the key to change: \(s)")
        }
    }
}
