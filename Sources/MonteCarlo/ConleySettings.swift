import CitySystem
import Estimators
import Foundation
import Numerics

/// An estimator's `variance: conley` options in a scenario (`cutoff_km`, `kernel`, `lag`, `serial_kernel`,
/// `small_sample` — the last for the DID estimators only); the
/// neighbour list comes from the generated panel's coordinates (the generator's geography:
/// planar km or lon/lat great-circle), by the grid search — O(N · neighbours), no N × N matrix.
struct ConleySettings: Sendable, Equatable {
    let cutoffKm: Double
    let kernel: ConleyKernel
    let lag: Int
    let serialKernel: ConleyKernel
    let smallSample: ConleySmallSample

    /// The Conley keys when `wanted` (the estimator's variance is `conley`); otherwise nil,
    /// after refusing any of them (a setting accepted and ignored would be worse than an error).
    /// `smallSampleApplies`: the estimator is a linear panel regression (psm_did), where
    /// `small_sample` has a meaning; elsewhere the key is refused.
    static func read(_ o: inout EstimatorOptions, wanted: Bool, smallSampleApplies: Bool = false) throws -> ConleySettings? {
        guard wanted else {
            if let stray = ["cutoff_km", "kernel", "lag", "serial_kernel", "small_sample"].first(where: { o.has($0) }) {
                throw o.error(stray, "belongs to the Conley variance; add `variance: conley` or remove it")
            }
            return nil
        }
        guard let node = o.node("cutoff_km") else {
            throw o.error("cutoff_km", "`variance: conley` needs `cutoff_km`, the distance (km) beyond which errors are uncorrelated")
        }
        let cutoff = try o.reader.double(node, o.path("cutoff_km"))
        guard cutoff.isFinite, cutoff > 0 else { throw o.error("cutoff_km", "must be a positive number of km, got \(cutoff)") }
        let kernel = try o.choose("kernel", default: ConleyKernel.bartlett, spellings: ConleyKernel.allCases.map(\.rawValue)) {
            ConleyKernel(rawValue: $0)
        }
        let lag = try o.node("lag").map { try o.reader.integer($0, o.path("lag"), minimum: 0) } ?? 0
        let serial = try o.choose("serial_kernel", default: ConleyKernel.bartlett, spellings: ConleyKernel.allCases.map(\.rawValue)) {
            ConleyKernel(rawValue: $0)
        }
        if !smallSampleApplies, o.has("small_sample") {
            throw o.error("small_sample", "is the small-sample factor of the DID estimators' Conley variance (psm_did); the spatial models' Conley variance has none: remove it")
        }
        let small = try o.choose("small_sample", default: ConleySmallSample.none, spellings: ConleySmallSample.allCases.map(\.rawValue)) {
            ConleySmallSample(rawValue: $0)
        }
        return ConleySettings(cutoffKm: cutoff, kernel: kernel, lag: lag, serialKernel: serial, smallSample: small)
    }

    /// The Conley settings for a generated panel (city i at location i), or for the sub-panel of
    /// `cities` (unit k at city cities[k]'s location).
    func spec(for p: SyntheticPanel, cities: [Int]? = nil) throws -> ConleySpec {
        let x = cities.map { $0.map { p.coordinateX[$0] } } ?? p.coordinateX
        let y = cities.map { $0.map { p.coordinateY[$0] } } ?? p.coordinateY
        let g = try Geography.locations(x: x, y: y, isLonLat: p.isLonLat)
        return try ConleySpec(cutoffKm: cutoffKm, kernel: kernel, lag: lag, serialKernel: serialKernel,
                              smallSample: smallSample, neighbours: g.neighbours(within: cutoffKm))
    }
}
