import Foundation
import Numerics

/// Plain two-way fixed-effects DID, y_it = α_i + γ_t + τ D_it + ε_it with CR1 by unit (or by
/// `unitClusters`), on the observed unit-periods only: with gaps the panel stays unbalanced and
/// the two-way within projection (alternating projections, `PanelOLS`) is exact on any pattern —
/// fixest's `feols(y ~ D | unit + period, cluster = ~unit)` convention, and what `estimate twfe`
/// does with rows absent or a value missing.
public enum TWFEDiD {
    /// - Parameter observed: time-major N·T, whether each unit-period is in the data (nil = all).
    public static func estimate(panel: TreatmentPanel, observed: [Bool]? = nil, unitClusters: [Int]? = nil) throws -> PanelOLSResult {
        try panel.requirePrePeriod(for: "TWFE DID")
        let n = panel.unitCount, nt = n * panel.periodCount
        if let observed, observed.count != nt {
            throw TreatmentError("TWFE DID: \(observed.count) observed flags for \(nt) unit-periods")
        }
        let rows = (0..<nt).filter { observed?[$0] ?? true }
        guard !rows.isEmpty else { throw TreatmentError("TWFE DID: no unit-period is observed") }
        let d = panel.treatmentIndicator
        let cluster = try panel.clusterCodes(unitClusters)
        return try PanelOLS.fit(y: rows.map { panel.outcome[$0] }, x: Matrix(rows: rows.count, cols: 1, uncheckedColumnMajor: rows.map { d[$0] }),
                                names: ["D"], unit: rows.map { $0 % n }, time: rows.map { $0 / n }, effects: .twoWays,
                                variance: .cluster(rows.map { cluster[$0] }))
    }
}
