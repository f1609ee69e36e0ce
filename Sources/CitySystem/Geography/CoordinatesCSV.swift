import Foundation

/// Reads real coordinates: a CSV with header `id,x_km,y_km` (or `id,x,y`) for planar
/// km, or `id,lon,lat` for degrees (great-circle distances), plus a `centre` column
/// (0/1, required: the generator's gradients are measured from centres) and an
/// optional integer `region` column (otherwise regions come from `region_grid`).
enum CoordinatesCSV {
    static func read(path: String, units: String, regionGrid: [Int], scenario: String) throws -> Geography {
        let key = "city_system.geography.file"
        func fail(_ reason: String, _ fix: String? = nil) -> ScenarioError {
            ScenarioError(source: scenario, path: key, reason: "\(path): \(reason)", fix: fix)
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail("cannot read the file", "check the path (relative paths start at the scenario's folder)") }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let head = lines.first else { throw fail("the file is empty") }
        let cols = head.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        func col(_ names: [String]) -> Int? { names.lazy.compactMap { n in cols.firstIndex(of: n) }.first }
        let lonlat = units == "lonlat"
        guard let ic = col(["id"]) else { throw fail("no 'id' column", "the header must start id,…") }
        guard let xc = col(lonlat ? ["lon", "longitude"] : ["x_km", "x"]),
              let yc = col(lonlat ? ["lat", "latitude"] : ["y_km", "y"]) else {
            throw fail(lonlat ? "units: lonlat needs columns lon and lat" : "units: km needs columns x_km and y_km (or x, y)")
        }
        guard let cc = col(["centre", "center"]) else { throw fail("no 'centre' column (0/1)", "mark the centres with 1") }
        let rc = col(["region"])
        var ids: [String] = [], x: [Double] = [], y: [Double] = [], centre: [Bool] = [], region: [Int] = []
        for (ln, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == cols.count else { throw fail("line \(ln + 2) has \(f.count) fields, the header \(cols.count)") }
            guard let xv = Double(f[xc]), let yv = Double(f[yc]), xv.isFinite, yv.isFinite else {
                throw fail("line \(ln + 2): coordinates '\(f[xc])', '\(f[yc])' are not numbers")
            }
            if lonlat && (abs(yv) > 90 || abs(xv) > 180) { throw fail("line \(ln + 2): lon/lat out of range") }
            guard f[cc] == "0" || f[cc] == "1" else { throw fail("line \(ln + 2): centre must be 0 or 1, got '\(f[cc])'") }
            ids.append(f[ic]); x.append(xv); y.append(yv); centre.append(f[cc] == "1")
            if let rc {
                guard let r = Int(f[rc]), r >= 0 else { throw fail("line \(ln + 2): region must be a non-negative integer") }
                region.append(r)
            }
        }
        guard ids.count >= 3 else { throw fail("needs at least 3 cities, found \(ids.count)") }
        guard Set(ids).count == ids.count else { throw fail("city ids are not unique") }
        guard centre.contains(true) else { throw fail("no city is marked as a centre", "set centre = 1 for at least one city") }
        return try Geography(ids: ids, x: x, y: y, isLonLat: lonlat, isCentre: centre, region: rc == nil ? nil : region,
                             regionGrid: regionGrid)
    }
}
