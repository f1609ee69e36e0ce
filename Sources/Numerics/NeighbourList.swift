import Foundation

/// For each of `count` locations, the other locations within some radius and their distances
/// (km), in compressed rows: location i's neighbours are `neighbour[rowStart[i]..<rowStart[i + 1]]`
/// with `distance[…]`, ascending by index. What a spatial-HAC variance needs without an
/// N × N distance matrix: memory is linear in the number of pairs within the radius.
public struct NeighbourList: Sendable, Equatable {
    public let count: Int
    /// The radius the list was built with (km): every pair at distance ≤ radius is listed.
    public let radius: Double
    public let rowStart: [Int]
    public let neighbour: [Int]
    public let distance: [Double]

    /// Checks the shape: rowStart from 0 to the number of pairs, neighbours in range, not the
    /// location itself, ascending; distances finite, ≥ 0 and ≤ radius.
    public init(count: Int, radius: Double, rowStart: [Int], neighbour: [Int], distance: [Double]) throws {
        guard count >= 0, radius >= 0, radius.isFinite, rowStart.count == count + 1, rowStart.first == 0,
              rowStart.last == neighbour.count, neighbour.count == distance.count else {
            throw NumericsError("neighbour list: \(rowStart.count) row starts, \(neighbour.count) neighbours and \(distance.count) distances do not describe \(count) locations")
        }
        for i in 0..<count {
            guard rowStart[i] <= rowStart[i + 1] else { throw NumericsError("neighbour list: row \(i + 1) starts after it ends") }
            for k in rowStart[i]..<rowStart[i + 1] {
                guard neighbour[k] >= 0, neighbour[k] < count, neighbour[k] != i,
                      k == rowStart[i] || neighbour[k - 1] < neighbour[k] else {
                    throw NumericsError("neighbour list: location \(i + 1) has neighbours out of range, itself, or not ascending")
                }
                guard distance[k].isFinite, distance[k] >= 0, distance[k] <= radius else {
                    throw NumericsError("neighbour list: distance \(distance[k]) from location \(i + 1) to \(neighbour[k] + 1) is not in [0, \(radius)]")
                }
            }
        }
        self.count = count
        self.radius = radius
        self.rowStart = rowStart
        self.neighbour = neighbour
        self.distance = distance
    }

    /// Number of ordered pairs (i, j), i ≠ j, within the radius.
    public var pairCount: Int { neighbour.count }

    /// Builds the list from each location's neighbours (any order; sorted here).
    public init(radius: Double, rows: [[(j: Int, distance: Double)]]) throws {
        var start = [0], nb: [Int] = [], dist: [Double] = []
        nb.reserveCapacity(rows.reduce(0) { $0 + $1.count })
        dist.reserveCapacity(nb.capacity)
        for r in rows {
            for p in r.sorted(by: { $0.j < $1.j }) { nb.append(p.j); dist.append(p.distance) }
            start.append(nb.count)
        }
        try self.init(count: rows.count, radius: radius, rowStart: start, neighbour: nb, distance: dist)
    }
}
