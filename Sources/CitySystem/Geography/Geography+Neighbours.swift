import Foundation
import Numerics

extension Geography {
    /// Locations only (no centres, one region): what a spatial-HAC variance needs from
    /// coordinates read with the data. `isLonLat`: x = longitude, y = latitude in degrees and
    /// great-circle distances; otherwise planar km.
    public static func locations(x: [Double], y: [Double], isLonLat: Bool) throws -> Geography {
        guard x.count == y.count, !x.isEmpty else {
            throw NumericsError("locations: \(x.count) x and \(y.count) y coordinates; give one pair per location")
        }
        if let bad = x.indices.first(where: { !x[$0].isFinite || !y[$0].isFinite }) {
            throw NumericsError("locations: coordinates of location \(bad + 1) are not finite (\(x[bad]), \(y[bad]))")
        }
        if isLonLat, let bad = x.indices.first(where: { abs(x[$0]) > 180 || abs(y[$0]) > 90 }) {
            throw NumericsError("locations: location \(bad + 1) has longitude \(x[bad]), latitude \(y[bad]); longitude must lie in [−180, 180] and latitude in [−90, 90]")
        }
        let n = x.count
        return try Geography(ids: (1...n).map(String.init), x: x, y: y, isLonLat: isLonLat,
                             isCentre: [Bool](repeating: false, count: n), region: [Int](repeating: 0, count: n), regionGrid: [1, 1])
    }

    /// Every pair of cities within `radius` km, found by the grid search of `SpatialGrid`
    /// (no N × N matrix: memory linear in N plus the pairs; distances bit-identical to
    /// `distance(i, j)`).
    public func neighbours(within radius: Double) throws -> NeighbourList {
        guard radius.isFinite, radius > 0 else { throw NumericsError("neighbour radius must be a positive number of km, got \(radius)") }
        let grid = SpatialGrid(self, cell: radius)
        return try NeighbourList(radius: radius, rows: (0..<count).map { grid.within($0, radius: radius) })
    }
}
