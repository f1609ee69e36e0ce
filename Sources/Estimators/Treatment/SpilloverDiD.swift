import Foundation
import Numerics

public struct SpilloverRingSpec: Sendable, Equatable {
    /// Outer radii of the exposure rings, increasing (e.g. [50, 100, 150] km). Untreated units
    /// beyond the last ring are the clean controls.
    public var rings: [Double]
    public var level: Double = 0.95
    /// Cluster of each unit for the CR1 variance (e.g. its region); nil = by unit.
    public var unitClusters: [Int]? = nil

    public init(rings: [Double], level: Double = 0.95) {
        self.rings = rings
        self.level = level
    }
}

public struct SpilloverRingResult: Sendable {
    /// Direct effect on the treated, identified against controls beyond the last ring.
    public let att: Double
    public let standardError: Double
    public let ciLower: Double
    public let ciUpper: Double
    public let pValue: Double
    /// One row per ring: label = outer radius, estimate = spillover onto untreated units in that ring.
    public let rings: [AggregateATT]
    /// Untreated units per ring, and beyond the last ring.
    public let ringUnits: [Int]
    public let cleanControls: Int
    public let fit: PanelOLSResult
}

/// Spillover-robust DID with distance rings (Clarke 2017, "Estimating difference-in-differences
/// in the presence of spillovers"; Butts 2023, "Difference-in-differences with spatial
/// spillovers"): y_it = α_i + γ_t + τ D_it + Σ_k δ_k 1[i untreated, d_i ∈ (r_{k−1}, r_k], t ≥ t_i*] + ε_it,
/// with d_i the distance from unit i to the nearest treated unit and t_i* the adoption of that
/// unit (the earliest adoption when not given). Plain TWFE DID puts exposed neighbours in the
/// control group; when spillovers have the sign of the effect that biases τ toward zero. CR1 by unit.
public enum SpilloverDiD {
    /// - Parameters:
    ///   - distanceToTreated: per unit, the distance to the nearest treated unit (ignored for treated units).
    ///   - exposureOnset: per unit, the period its exposure starts (nil = the earliest adoption).
    ///   - observed: time-major N·T, whether each unit-period is in the data (nil = all). The
    ///     regression uses the observed rows only, as fixest's `feols` does on an unbalanced
    ///     panel (the two-way within projection is exact on any pattern); rings and adoption are
    ///     unit attributes and stay those of the whole panel.
    public static func estimate(panel: TreatmentPanel, distanceToTreated: [Double], exposureOnset: [Double?]? = nil,
                                observed: [Bool]? = nil, spec: SpilloverRingSpec) throws -> SpilloverRingResult {
        try panel.requirePrePeriod(for: "spillover DID")
        let n = panel.unitCount, tCount = panel.periodCount
        guard distanceToTreated.count == n else {
            throw TreatmentError("spillover DID: \(distanceToTreated.count) distances for \(n) units")
        }
        guard !spec.rings.isEmpty, spec.rings.first! > 0, zip(spec.rings, spec.rings.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw TreatmentError("spillover DID: ring radii must be positive and increasing (got \(spec.rings))")
        }
        let earliest = panel.adoption.compactMap { $0 }.min()!
        let onset = exposureOnset ?? [Double?](repeating: nil, count: n)
        var ringOf = [Int?](repeating: nil, count: n)
        for i in 0..<n where panel.adoption[i] == nil {
            ringOf[i] = spec.rings.firstIndex { distanceToTreated[i] <= $0 }
        }
        let ringUnits = spec.rings.indices.map { k in ringOf.filter { $0 == k }.count }
        let clean = (0..<n).filter { panel.adoption[$0] == nil && ringOf[$0] == nil }.count
        guard clean > 0 else {
            throw TreatmentError("spillover DID: every untreated unit lies inside the outer ring (\(spec.rings.last!)); use smaller rings so that some controls are unexposed")
        }
        for (k, c) in ringUnits.enumerated() where c == 0 {
            throw TreatmentError("spillover DID: ring \(k + 1) (≤ \(spec.rings[k])) contains no untreated unit; merge it with a neighbouring ring")
        }
        if let observed, observed.count != n * tCount {
            throw TreatmentError("spillover DID: \(observed.count) observed flags for \(n * tCount) unit-periods")
        }
        let rows = (0..<(n * tCount)).filter { observed?[$0] ?? true }
        guard !rows.isEmpty else { throw TreatmentError("spillover DID: no unit-period is observed") }
        var x = Matrix(rows: rows.count, cols: 1 + spec.rings.count)
        let d = panel.treatmentIndicator
        for (r, k) in rows.enumerated() {
            x[r, 0] = d[k]
            let i = k % n, t = panel.periods[k / n]
            if let ring = ringOf[i], t >= (onset[i] ?? earliest) { x[r, 1 + ring] = 1 }
        }
        let names = ["D"] + spec.rings.map { "ring≤\($0)" }
        let cluster = try panel.clusterCodes(spec.unitClusters)
        let fit = try PanelOLS.fit(y: rows.map { panel.outcome[$0] }, x: x, names: names, unit: rows.map { $0 % n },
                                   time: rows.map { $0 / n }, effects: .twoWays, variance: .cluster(rows.map { cluster[$0] }))
        let q = StudentT.quantile(0.5 + spec.level / 2, df: fit.tDegreesOfFreedom)
        let ci = fit.confidenceInterval(0, level: spec.level)
        let rings = spec.rings.indices.map { k in
            AggregateATT(label: spec.rings[k], att: fit.coefficients[k + 1], standardError: fit.standardErrors[k + 1],
                         ciLower: fit.coefficients[k + 1] - q * fit.standardErrors[k + 1],
                         ciUpper: fit.coefficients[k + 1] + q * fit.standardErrors[k + 1])
        }
        return SpilloverRingResult(att: fit.coefficients[0], standardError: fit.standardErrors[0], ciLower: ci.lower,
                                   ciUpper: ci.upper, pValue: fit.pValues[0], rings: rings, ringUnits: ringUnits,
                                   cleanControls: clean, fit: fit)
    }

    /// Euclidean distance from every unit to the nearest treated unit (0 for treated units).
    public static func nearestTreatedDistance(x: [Double], y: [Double], treated: [Bool]) -> [Double] {
        let t = treated.indices.filter { treated[$0] }
        return treated.indices.map { i in
            treated[i] ? 0 : t.map { hypot(x[$0] - x[i], y[$0] - y[i]) }.min() ?? .infinity
        }
    }
}
