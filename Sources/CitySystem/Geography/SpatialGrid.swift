import Foundation

/// Neighbour search without an N × N distance matrix: cities bucketed in a uniform grid of
/// cubes of side `cell` km, so a query visits only nearby cells (O(N) memory, about
/// O(neighbours) per query).
///
/// Planar cities sit at (x, y, 0); lon/lat cities on the sphere of radius R in 3-D, where the
/// straight-line (chord) distance c = 2R sin(g / 2R) is monotone in the great-circle distance
/// g — so the chord finds the candidates and `Geography.distance` (the exact distance of the
/// dense matrix, bit for bit) decides and orders them.
struct SpatialGrid {
    private struct Key: Hashable { let x: Int, y: Int, z: Int }
    private let geography: Geography
    private let points: [SIMD3<Double>]
    private let cell: Double
    private let buckets: [Key: [Int]]
    private let planar: Bool
    private let extent: Int
    /// Relative slack on chord comparisons, so rounding never drops a candidate at the boundary.
    private static let slack = 1e-9

    init(_ g: Geography, cell: Double) {
        geography = g
        planar = !g.isLonLat
        let r = Geography.earthRadiusKm, deg = Double.pi / 180
        points = (0..<g.count).map { i in
            guard g.isLonLat else { return SIMD3(g.x[i], g.y[i], 0) }
            let lat = g.y[i] * deg, lon = g.x[i] * deg
            return SIMD3(r * cos(lat) * cos(lon), r * cos(lat) * sin(lon), r * sin(lat))
        }
        self.cell = max(cell, 1e-6)
        var b: [Key: [Int]] = [:]
        for (i, p) in points.enumerated() { b[Self.key(p, self.cell), default: []].append(i) }
        buckets = b
        let keys = Array(b.keys)
        let span = [keys.map(\.x), keys.map(\.y), keys.map(\.z)].map { ($0.max() ?? 0) - ($0.min() ?? 0) }
        extent = span.max() ?? 0
    }

    /// A cell side giving about `perCell` cities per occupied cell of the bounding box.
    static func cellSide(_ g: Geography, perCell: Double) -> Double {
        let p = g.planar
        let w = (p.x.max()! - p.x.min()!), h = (p.y.max()! - p.y.min()!)
        let area = max(w * h, 1)
        return max((area * perCell / Double(g.count)).squareRoot(), 1e-3)
    }

    private static func key(_ p: SIMD3<Double>, _ h: Double) -> Key {
        Key(x: Int((p.x / h).rounded(.down)), y: Int((p.y / h).rounded(.down)), z: Int((p.z / h).rounded(.down)))
    }

    /// Chord length for a great-circle (or planar) distance.
    private func chord(_ distance: Double) -> Double {
        guard !planar else { return distance }
        let r = Geography.earthRadiusKm
        return 2 * r * sin(min(distance, .pi * r) / (2 * r))
    }

    /// Calls `body` for every city in the cells at Chebyshev index distance exactly `s` from `c`.
    private func shell(_ c: Key, _ s: Int, _ body: (Int) -> Void) {
        let zs = planar ? 0...0 : -s...s
        for dz in zs {
            for dy in -s...s {
                for dx in -s...s where max(abs(dx), abs(dy), abs(dz)) == s {
                    if let list = buckets[Key(x: c.x + dx, y: c.y + dy, z: c.z + dz)] { for j in list { body(j) } }
                }
            }
        }
    }

    /// Cities j ≠ i with distance(i, j) ≤ radius, ascending by index, with their distances.
    func within(_ i: Int, radius: Double) -> [(j: Int, distance: Double)] {
        let reach = chord(radius) * (1 + Self.slack) + Self.slack
        let s = Int((reach / cell).rounded(.up))
        let c = Self.key(points[i], cell)
        var out: [(j: Int, distance: Double)] = []
        for k in 0...min(s, extent + 1) {
            shell(c, k) { j in
                guard j != i, simd_distance(points[i], points[j]) <= reach else { return }
                let d = geography.distance(i, j)
                if d <= radius { out.append((j, d)) }
            }
        }
        return out.sorted { $0.j < $1.j }
    }

    /// Σ over occupied cells not wholly within `radius` of city i of (cities in the cell) ·
    /// f(lower bound on the distance from i to the cell): a bound on Σ_{j: d_ij > radius} f(d_ij)
    /// for any decreasing f ≥ 0 (for lon/lat the chord is below the great-circle distance).
    func sumOverCells(_ i: Int, beyond radius: Double, _ f: (Double) -> Double) -> Double {
        let p = points[i]
        var total = 0.0
        for (key, list) in buckets {
            let lo = SIMD3(Double(key.x), Double(key.y), Double(key.z)) * cell, hi = lo + cell
            let gap = (lo - p).replacing(with: 0, where: lo .< p) + (p - hi).replacing(with: 0, where: p .< hi)
            var far = SIMD3<Double>(abs(lo.x - p.x), abs(lo.y - p.y), abs(lo.z - p.z))
            far = far.replacing(with: SIMD3(abs(hi.x - p.x), abs(hi.y - p.y), abs(hi.z - p.z)), where: far .< SIMD3(abs(hi.x - p.x), abs(hi.y - p.y), abs(hi.z - p.z)))
            if planar { far.z = 0 }
            // A cell whose farthest corner is within the (chord) radius holds only kept cities.
            if simd_distance(far, .zero) * (1 + Self.slack) < chord(radius) { continue }
            total += Double(list.count) * f(simd_distance(gap, .zero))
        }
        return total
    }

    /// The k nearest cities to i (ties by lower index, as a stable sort of the dense row).
    func nearest(_ i: Int, k: Int) -> [Int] {
        let c = Self.key(points[i], cell)
        var chords: [(j: Int, c: Double)] = []
        var s = 0
        while true {
            shell(c, s) { j in if j != i { chords.append((j, simd_distance(points[i], points[j]))) } }
            // Every unvisited city lies more than s cells away: beyond s · cell.
            if chords.count >= k {
                let kth = chords.map(\.c).sorted()[k - 1]
                if kth * (1 + Self.slack) + Self.slack <= Double(s) * cell { break }
            }
            if s > extent + 1 { break }
            s += 1
        }
        let d = chords.map { (j: $0.j, d: geography.distance(i, $0.j)) }
        return d.sorted { $0.d < $1.d || ($0.d == $1.d && $0.j < $1.j) }.prefix(k).map(\.j)
    }
}

private func simd_distance(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double {
    let d = a - b
    return (d * d).sum().squareRoot()
}
