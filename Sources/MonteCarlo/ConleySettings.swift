import CitySystem
import Estimators
import Foundation
import Numerics

/// An estimator's `variance: conley` options in a scenario (`cutoff_km`, `kernel`, `lag`); the
/// neighbour list comes from the generated panel's coordinates (the generator's geography:
/// planar km or lon/lat great-circle), by the grid search — O(N · neighbours), no N × N matrix.
struct ConleySettings: Sendable, Equatable {
    let cutoffKm: Double
    let kernel: ConleyKernel
    let lag: Int

    /// Reads `variance` (`cluster`, the default, or `conley`) and, for `conley`, its keys; nil
    /// for `cluster`. The Conley keys without `variance: conley` are refused, not ignored.
    static func parse(options: inout [String: ScenarioValue], at path: String, reader: ScenarioValueReader) throws -> ConleySettings? {
        func take(_ key: String) throws -> String? {
            try options.removeValue(forKey: key).map { try reader.string($0, "\(path).\(key)") }
        }
        let variance = try take("variance") ?? "cluster"
        guard variance == "conley" || variance == "cluster" else {
            throw reader.error("\(path).variance", "`\(variance)` is not one of cluster, conley")
        }
        return try parseKeys(options: &options, at: path, reader: reader, wanted: variance == "conley")
    }

    /// The Conley keys (`cutoff_km`, `kernel`, `lag`) when `wanted` (the estimator's variance is
    /// `conley`), else nil after refusing any of them.
    static func parseKeys(options: inout [String: ScenarioValue], at path: String, reader: ScenarioValueReader,
                          wanted: Bool) throws -> ConleySettings? {
        func take(_ key: String) throws -> String? {
            try options.removeValue(forKey: key).map { try reader.string($0, "\(path).\(key)") }
        }
        guard wanted else {
            if let stray = ["cutoff_km", "kernel", "lag"].first(where: { options[$0] != nil }) {
                throw reader.error("\(path).\(stray)", "belongs to the Conley variance; add `variance: conley` or remove it")
            }
            return nil
        }
        guard let node = options.removeValue(forKey: "cutoff_km") else {
            throw reader.error("\(path).cutoff_km", "`variance: conley` needs `cutoff_km`, the distance (km) beyond which errors are uncorrelated")
        }
        let cutoff = try reader.double(node, "\(path).cutoff_km")
        guard cutoff.isFinite, cutoff > 0 else { throw reader.error("\(path).cutoff_km", "must be a positive number of km, got \(cutoff)") }
        let kernelName = try take("kernel") ?? "bartlett"
        guard let kernel = ConleyKernel(rawValue: kernelName) else {
            throw reader.error("\(path).kernel", "`\(kernelName)` is not one of bartlett, uniform")
        }
        let lag = try options.removeValue(forKey: "lag").map { try reader.integer($0, "\(path).lag", minimum: 0) } ?? 0
        return ConleySettings(cutoffKm: cutoff, kernel: kernel, lag: lag)
    }

    /// The Conley settings for a generated panel (city i at location i).
    func spec(for p: SyntheticPanel) throws -> ConleySpec {
        let g = try Geography.locations(x: p.coordinateX, y: p.coordinateY, isLonLat: p.isLonLat)
        return try ConleySpec(cutoffKm: cutoffKm, kernel: kernel, lag: lag, neighbours: g.neighbours(within: cutoffKm))
    }
}
