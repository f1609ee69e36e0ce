import Foundation

/// Delaunay triangulation by the Bowyer–Watson algorithm (Bowyer 1981; Watson 1981):
/// insert points one at a time into a super-triangle, remove every triangle whose
/// circumcircle contains the new point, and re-triangulate the cavity from its
/// boundary. O(n²) in this plain form — ample for a few thousand cities, and run
/// once per geography.
public enum Delaunay {
    public struct Triangle: Hashable, Sendable { public let a: Int, b: Int, c: Int }

    /// Triangles as index triples into the input (super-triangle removed).
    /// Points are shifted and scaled to the unit box first so the in-circle test is well conditioned.
    public static func triangulate(x: [Double], y: [Double]) -> [Triangle] {
        let n = x.count
        guard n >= 3 else { return [] }
        let x0 = x.min()!, y0 = y.min()!
        let span = max(x.max()! - x0, y.max()! - y0, 1e-12)
        var px = x.map { ($0 - x0) / span }, py = y.map { ($0 - y0) / span }
        // Super-triangle far outside the unit box.
        px += [-50, 51, 0.5]; py += [-50, -50, 60]
        var tris: [Triangle] = [Triangle(a: n, b: n + 1, c: n + 2)]
        var circ: [(cx: Double, cy: Double, r2: Double)] = [circumcircle(n, n + 1, n + 2, px, py)]
        for p in 0..<n {
            var bad: [Int] = []
            for (t, c) in circ.enumerated() {
                let dx = px[p] - c.cx, dy = py[p] - c.cy
                if dx * dx + dy * dy < c.r2 * (1 + 1e-12) { bad.append(t) }
            }
            // Boundary of the cavity: edges of bad triangles not shared by another bad triangle.
            var edgeCount: [Edge: Int] = [:]
            for t in bad {
                let tr = tris[t]
                for e in [Edge(tr.a, tr.b), Edge(tr.b, tr.c), Edge(tr.c, tr.a)] { edgeCount[e, default: 0] += 1 }
            }
            let badSet = Set(bad)
            var keep: [Triangle] = [], keepC: [(cx: Double, cy: Double, r2: Double)] = []
            for t in 0..<tris.count where !badSet.contains(t) { keep.append(tris[t]); keepC.append(circ[t]) }
            // Deterministic order of the new triangles: sort boundary edges.
            for e in edgeCount.filter({ $0.value == 1 }).keys.sorted(by: { ($0.u, $0.v) < ($1.u, $1.v) }) {
                keep.append(Triangle(a: e.u, b: e.v, c: p))
                keepC.append(circumcircle(e.u, e.v, p, px, py))
            }
            tris = keep; circ = keepC
        }
        return tris.filter { $0.a < n && $0.b < n && $0.c < n }
    }

    /// Undirected edges of the triangulation, each as (i, j) with i < j, sorted.
    public static func edges(x: [Double], y: [Double]) -> [(Int, Int)] {
        var s = Set<Edge>()
        for t in triangulate(x: x, y: y) { s.insert(Edge(t.a, t.b)); s.insert(Edge(t.b, t.c)); s.insert(Edge(t.c, t.a)) }
        return s.map { ($0.u, $0.v) }.sorted { $0 < $1 }
    }

    struct Edge: Hashable {
        let u: Int, v: Int
        init(_ a: Int, _ b: Int) { u = min(a, b); v = max(a, b) }
    }

    static func circumcircle(_ i: Int, _ j: Int, _ k: Int, _ x: [Double], _ y: [Double]) -> (cx: Double, cy: Double, r2: Double) {
        let ax = x[i], ay = y[i], bx = x[j], by = y[j], cx = x[k], cy = y[k]
        let d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
        if abs(d) < 1e-300 { return (0, 0, .infinity) }   // collinear: contains everything, removed at once
        let a2 = ax * ax + ay * ay, b2 = bx * bx + by * by, c2 = cx * cx + cy * cy
        let ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
        let uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
        return (ux, uy, (ax - ux) * (ax - ux) + (ay - uy) * (ay - uy))
    }
}
