import Foundation
import Numerics

/// A balanced panel for the treatment-effect estimators, in plain arrays and laid out
/// time-major (observation (t, i) at index t·N + i, as everywhere in spillsim).
///
/// `adoption[i]` is the first period in which unit i is treated (nil = never treated);
/// common timing is the special case where every treated unit has the same value.
/// Treatment is absorbing: D_it = 1[t ≥ adoption_i].
public struct TreatmentPanel: Sendable {
    public let unitCount: Int
    /// Period values, strictly increasing.
    public let periods: [Double]
    /// Outcome, N·T values, time-major.
    public let outcome: [Double]
    /// Covariates, (N·T) × p, time-major rows; may have 0 columns.
    public let covariates: Matrix
    public let covariateNames: [String]
    /// Adoption period per unit (nil = never treated).
    public let adoption: [Double?]
    /// Unit labels used in messages (defaults to "1", "2", …).
    public let unitLabels: [String]

    public var periodCount: Int { periods.count }
    public var everTreated: [Bool] { adoption.map { $0 != nil } }

    public init(unitCount: Int, periods: [Double], outcome: [Double], covariates: Matrix,
                covariateNames: [String], adoption: [Double?], unitLabels: [String]? = nil) throws {
        let nt = unitCount * periods.count
        guard unitCount > 0, !periods.isEmpty else { throw TreatmentError("panel: need at least one unit and one period") }
        guard zip(periods, periods.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw TreatmentError("panel: periods must be strictly increasing")
        }
        guard outcome.count == nt else { throw TreatmentError("panel: outcome has \(outcome.count) values; N·T = \(nt)") }
        guard covariates.rows == nt || (covariates.cols == 0) else {
            throw TreatmentError("panel: covariates have \(covariates.rows) rows; N·T = \(nt)")
        }
        guard covariateNames.count == covariates.cols else {
            throw TreatmentError("panel: \(covariates.cols) covariate columns but \(covariateNames.count) names")
        }
        guard adoption.count == unitCount else { throw TreatmentError("panel: \(adoption.count) adoption entries for \(unitCount) units") }
        guard outcome.allSatisfy({ $0.isFinite }) else { throw TreatmentError("panel: the outcome has non-finite values") }
        let labels = unitLabels ?? (1...unitCount).map(String.init)
        for (i, a) in adoption.enumerated() {
            if let a, !periods.contains(a), a <= periods.last! {
                throw TreatmentError("panel: unit '\(labels[i])' adopts in \(PanelIndex.format(a)), which is not one of the panel's periods")
            }
        }
        self.unitCount = unitCount
        self.periods = periods
        self.outcome = outcome
        self.covariates = covariates.rows == nt ? covariates : Matrix(rows: nt, cols: 0)
        self.covariateNames = covariateNames
        self.adoption = adoption
        self.unitLabels = labels
    }

    /// Convenience for generated panels: covariates as named time-major columns (N·T values each).
    public init(unitCount: Int, periods: [Double], outcome: [Double], covariates: [(name: String, values: [Double])],
                adoption: [Double?], unitLabels: [String]? = nil) throws {
        let nt = unitCount * periods.count
        for c in covariates where c.values.count != nt {
            throw TreatmentError("panel: covariate '\(c.name)' has \(c.values.count) values; N·T = \(nt)")
        }
        let m = covariates.isEmpty ? Matrix(rows: nt, cols: 0) : try Matrix(columns: covariates.map { $0.values })
        try self.init(unitCount: unitCount, periods: periods, outcome: outcome, covariates: m,
                      covariateNames: covariates.map { $0.name }, adoption: adoption, unitLabels: unitLabels)
    }

    /// D_it = 1[t ≥ adoption_i], time-major.
    public var treatmentIndicator: [Double] {
        var d = [Double](repeating: 0, count: unitCount * periodCount)
        // Each unit's first treated period (periodCount: never), then its 1s from there on.
        let first = adoption.map { a in a.flatMap { a in periods.firstIndex { $0 >= a } } ?? periodCount }
        d.withUnsafeMutableBufferPointer { d in
            for (i, f) in first.enumerated() { for t in f..<periodCount { d[t * unitCount + i] = 1 } }
        }
        return d
    }

    /// Fails when a treated unit is already treated in the first period (no pre-period to compare).
    func requirePrePeriod(for what: String, needNeverTreated: Bool = true) throws {
        let bad = (0..<unitCount).filter { adoption[$0].map { $0 <= periods[0] } ?? false }
        if !bad.isEmpty {
            throw TreatmentError("\(what): \(bad.count) unit(s) are treated from the first period \(PanelIndex.format(periods[0])) (e.g. '\(unitLabels[bad[0]])'), so they have no pre-treatment period; drop them or start the panel earlier")
        }
        if !adoption.contains(where: { $0 != nil }) { throw TreatmentError("\(what): no unit is ever treated") }
        if !adoption.contains(where: { $0.map { $0 <= periods.last! } ?? false }) {
            throw TreatmentError("\(what): every adoption period is after the panel's last period \(PanelIndex.format(periods.last!)); no treated observation to estimate from")
        }
        if needNeverTreated && !adoption.contains(where: { $0 == nil }) {
            throw TreatmentError("\(what): every unit is eventually treated; there is no never-treated control group")
        }
    }

    /// Unit-level covariates averaged over the periods before the earliest adoption.
    func preTreatmentCovariateMeans() throws -> Matrix {
        let first = adoption.compactMap { $0 }.min() ?? periods.last! + 1
        let pre = (0..<periodCount).filter { periods[$0] < first }
        guard !pre.isEmpty else { throw TreatmentError("panel: no period precedes the earliest adoption (\(PanelIndex.format(first))); pre-treatment covariates cannot be formed") }
        var m = Matrix(rows: unitCount, cols: covariates.cols)
        let n = unitCount, rows = covariates.rows, count = Double(pre.count)
        m.data.withUnsafeMutableBufferPointer { out in
            covariates.data.withUnsafeBufferPointer { x in
                // Each unit's values summed over the pre-periods in order from 0, then divided (the order
                // of a left fold); the periods outermost, so that each reads a contiguous row of units.
                for j in 0..<covariates.cols {
                    let o = j * n
                    for i in 0..<n { out[o + i] = 0 }
                    for t in pre {
                        let r = j * rows + t * n
                        for i in 0..<n { out[o + i] += x[r + i] }
                    }
                    for i in 0..<n { out[o + i] /= count }
                }
            }
        }
        return m
    }
}
