import Foundation
import Numerics

/// The co-agglomeration a panel ended up with, against the calibration targets of MODEL.md §2.3
/// (CA roughly 1–6 with the median near 3; corr(LQm, LQs) well below 0.99), and for the `neg`
/// mode how the fixed points went. Printed by `validate` and `generate`.
public struct SectorSummary: Sendable {
    public let mode: SectorSpec.Mode
    /// CA over all city-years: min, 5th, 50th, 95th percentile, max.
    public let ca: (min: Double, p5: Double, p50: Double, p95: Double, max: Double)
    public let lqCorrelation: Double
    /// `neg` only: the largest fixed-point residual and the iterations over all years, and the
    /// smallest traditional-sector share of a city's workers (negative: the model's assumption of an
    /// active traditional sector everywhere fails there).
    public let maxResidual: Double?
    public let iterations: Int?
    public let minTraditionalShare: Double?

    public init(_ p: SyntheticPanel, mode: SectorSpec.Mode) {
        self.mode = mode
        let s = p.ca.sorted()
        func q(_ x: Double) -> Double { Statistics.quantile(sorted: s, x) }
        ca = (s.first ?? .nan, q(0.05), q(0.5), q(0.95), s.last ?? .nan)
        lqCorrelation = Statistics.correlation(p.lqm, p.lqs)
        maxResidual = p.equilibrium.map { $0.residual.max() ?? .nan }
        iterations = p.equilibrium.map { $0.iterations.reduce(0, +) }
        minTraditionalShare = p.equilibrium.map { $0.traditionalShare.min() ?? .nan }
    }

    /// One line for people, e.g. `CA p5 1.75, median 2.89, p95 4.20 (min 0.93, max 5.54); corr(LQm, LQs) 0.71`.
    public var text: String {
        func f(_ x: Double) -> String { String(format: "%.2f", x) }
        var line = "sectors (\(mode.rawValue)): CA p5 \(f(ca.p5)), median \(f(ca.p50)), p95 \(f(ca.p95)) "
            + "(min \(f(ca.min)), max \(f(ca.max))); corr(LQm, LQs) \(String(format: "%.3f", lqCorrelation))"
        if let r = maxResidual, let it = iterations, let tr = minTraditionalShare {
            line += "; equilibrium: \(it) iterations, largest residual \(String(format: "%.2g", r)), "
                + "smallest traditional-sector share \(f(tr))"
        }
        return line
    }

    /// Departures from the calibration targets, as warnings (the targets are guides, not errors).
    public var warnings: [String] {
        var w: [String] = []
        if ca.p50 < 2 || ca.p50 > 4 { w.append("city_system.sectors: the CA median \(String(format: "%.2f", ca.p50)) is far from the city-data value near 3") }
        if lqCorrelation > 0.99 { w.append("city_system.sectors: corr(LQm, LQs) = \(String(format: "%.3f", lqCorrelation)) — the two sectors are nearly collinear") }
        if let tr = minTraditionalShare, tr < 0 {
            w.append("city_system.sectors: manufacturing and services employ more workers than some city has (traditional-sector share \(String(format: "%.2f", tr))); wages would not stay at 1 there — lower eta or amenity_sd")
        }
        return w
    }
}
