import Foundation
import Numerics

/// City locations and the quantities derived from them, fixed across replications.
public struct Geography: Sendable {
    public let ids: [String]
    /// Planar km, or longitude / latitude in degrees when `isLonLat`.
    public let x: [Double]
    public let y: [Double]
    public let isLonLat: Bool
    public let isCentre: [Bool]
    /// Index of the nearest centre (a centre is its own).
    public let nearestCentre: [Int]
    /// Distance to the nearest centre, km.
    public let distanceToCentre: [Double]
    public let region: [Int]
    public let regionCount: Int
    /// The N × N distance matrix when kept (`withDenseDistances()`, the small-N generator);
    /// nil at large N, where neighbours come from `SpatialGrid` and no N × N array exists.
    let denseDistances: Matrix?

    /// Pairwise distances in km (great-circle for lon/lat): the cached matrix, or built now
    /// (O(N²) memory; the large-N generator never asks).
    public var distances: Matrix { denseDistances ?? Geography.pairwise(x: x, y: y, isLonLat: isLonLat) }

    public var count: Int { ids.count }

    /// Coordinates in planar km (an equirectangular projection about the mean
    /// latitude for lon/lat input — adequate for triangulating city networks).
    public var planar: (x: [Double], y: [Double]) {
        guard isLonLat else { return (x, y) }
        let lat0 = y.reduce(0, +) / Double(y.count) * .pi / 180
        let r = Geography.earthRadiusKm
        return (x.map { r * $0 * .pi / 180 * cos(lat0) }, y.map { r * $0 * .pi / 180 })
    }

    /// Mean Earth radius (IUGG), km.
    public static let earthRadiusKm = 6371.0088

    init(ids: [String], x: [Double], y: [Double], isLonLat: Bool, isCentre: [Bool], region: [Int]?, regionGrid: [Int],
         regionCount: Int? = nil) throws {
        let n = ids.count
        self.ids = ids; self.x = x; self.y = y; self.isLonLat = isLonLat; self.isCentre = isCentre
        denseDistances = nil
        let centres = (0..<n).filter { isCentre[$0] }
        var near = [Int](repeating: 0, count: n), dist = [Double](repeating: 0, count: n)
        func d(_ i: Int, _ j: Int) -> Double { Geography.distance(i, j, x: x, y: y, isLonLat: isLonLat) }
        for i in 0..<n {
            let c = centres.min { d(i, $0) < d(i, $1) } ?? i
            near[i] = c; dist[i] = centres.isEmpty ? 0 : d(i, c)
        }
        nearestCentre = near
        distanceToCentre = dist
        if let region {
            self.region = region
            self.regionCount = max(regionCount ?? 0, (region.max() ?? 0) + 1)
        } else {
            // Grid cells over the bounding box; a city takes its nearest centre's cell.
            let (px, py) = (x, y)
            let (x0, x1) = (px.min()!, px.max()!), (y0, y1) = (py.min()!, py.max()!)
            let rows = regionGrid[0], cols = regionGrid[1]
            func cell(_ k: Int) -> Int {
                let c = min(cols - 1, max(0, Int(Double(cols) * (px[k] - x0) / max(x1 - x0, 1e-9))))
                let r = min(rows - 1, max(0, Int(Double(rows) * (py[k] - y0) / max(y1 - y0, 1e-9))))
                return r * cols + c
            }
            self.region = (0..<n).map { cell(near[$0]) }
            self.regionCount = rows * cols
        }
    }

    private init(copying g: Geography, denseDistances: Matrix) {
        ids = g.ids; x = g.x; y = g.y; isLonLat = g.isLonLat; isCentre = g.isCentre
        nearestCentre = g.nearestCentre; distanceToCentre = g.distanceToCentre
        region = g.region; regionCount = g.regionCount
        self.denseDistances = denseDistances
    }

    /// The same geography with the N × N distance matrix cached (the small-N generator).
    public func withDenseDistances() -> Geography {
        denseDistances == nil ? Geography(copying: self, denseDistances: distances) : self
    }

    /// Distance between cities i and j in km, bit-identical to the entry of `distances`
    /// (always evaluated with the lower index first, as the matrix is filled).
    public func distance(_ i: Int, _ j: Int) -> Double { Geography.distance(i, j, x: x, y: y, isLonLat: isLonLat) }

    static func distance(_ i: Int, _ j: Int, x: [Double], y: [Double], isLonLat: Bool) -> Double {
        if i == j { return 0 }
        let (a, b) = i < j ? (i, j) : (j, i)
        return isLonLat ? greatCircle(lon1: x[a], lat1: y[a], lon2: x[b], lat2: y[b])
                        : ((x[a] - x[b]) * (x[a] - x[b]) + (y[a] - y[b]) * (y[a] - y[b])).squareRoot()
    }

    static func pairwise(x: [Double], y: [Double], isLonLat: Bool) -> Matrix {
        let n = x.count
        var d = Matrix(rows: n, cols: n)
        for j in 0..<n {
            for i in 0..<j {
                let v = distance(i, j, x: x, y: y, isLonLat: isLonLat)
                d[i, j] = v; d[j, i] = v
            }
        }
        return d
    }

    /// Haversine distance in km.
    public static func greatCircle(lon1: Double, lat1: Double, lon2: Double, lat2: Double) -> Double {
        let r = Double.pi / 180
        let dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r
        let a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * r) * cos(lat2 * r) * sin(dlon / 2) * sin(dlon / 2)
        return 2 * earthRadiusKm * asin(min(1, a.squareRoot()))
    }

    /// Centre–periphery geography (MODEL.md §2.1): `centres` points uniform in the
    /// square with a minimum separation (rejection sampling), then peripheral cities
    /// scattered N(0, sd²) in each coordinate around a uniformly chosen centre.
    static func synthetic(_ g: GeographySpec, stream: RandomStream, source: String) throws -> Geography {
        var cx: [Double] = [], cy: [Double] = []
        var attempts = 0
        while cx.count < g.centres {
            attempts += 1
            if attempts > 200_000 {
                throw ScenarioError(source: source, path: "city_system.geography.min_separation_km",
                                    reason: "cannot place \(g.centres) centres \(g.minSeparationKm) km apart in a \(g.squareKm) km square",
                                    fix: "lower min_separation_km or centres, or raise square_km")
            }
            let px = stream.uniform(0, g.squareKm), py = stream.uniform(0, g.squareKm)
            if zip(cx, cy).allSatisfy({ (($0 - px) * ($0 - px) + ($1 - py) * ($1 - py)).squareRoot() >= g.minSeparationKm }) {
                cx.append(px); cy.append(py)
            }
        }
        var x = cx, y = cy
        for _ in g.centres..<g.cities {
            let c = stream.integer(below: g.centres)
            x.append(cx[c] + stream.normal(mean: 0, sd: g.peripherySdKm))
            y.append(cy[c] + stream.normal(mean: 0, sd: g.peripherySdKm))
        }
        let ids = (1...g.cities).map { String($0) }
        let centre = (0..<g.cities).map { $0 < g.centres }
        // Regions by grid over the square itself (not the scattered bounding box).
        let rows = g.regionGrid[0], cols = g.regionGrid[1]
        func cell(_ k: Int) -> Int {
            let c = min(cols - 1, max(0, Int(Double(cols) * cx[k] / g.squareKm)))
            let r = min(rows - 1, max(0, Int(Double(rows) * cy[k] / g.squareKm)))
            return r * cols + c
        }
        let pre = try Geography(ids: ids, x: x, y: y, isLonLat: false, isCentre: centre, region: nil, regionGrid: g.regionGrid)
        let region = (0..<g.cities).map { cell(pre.nearestCentre[$0]) }
        return try Geography(ids: ids, x: x, y: y, isLonLat: false, isCentre: centre, region: region,
                             regionGrid: g.regionGrid, regionCount: rows * cols)
    }
}
