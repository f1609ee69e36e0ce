import Foundation
import Numerics

public struct CSDiDSpec: Sendable, Equatable {
    public enum Control: String, Sendable, CaseIterable {
        /// Units never treated in the panel.
        case never
        /// Never-treated units and units not yet treated by max(t, base period).
        case notyet
    }
    public enum BasePeriod: String, Sendable, CaseIterable {
        /// Pre-treatment cells compare t with t − 1; post-treatment cells with g − 1 (`did`'s default).
        case varying
        /// Every cell compares with g − 1.
        case universal
    }
    public var control: Control = .never
    public var method: DiDMethod = .dr
    public var basePeriod: BasePeriod = .varying
    public var level: Double = 0.95

    public init(control: Control = .never, method: DiDMethod = .dr, basePeriod: BasePeriod = .varying, level: Double = 0.95) {
        self.control = control
        self.method = method
        self.basePeriod = basePeriod
        self.level = level
    }
}

/// One group-time average treatment effect.
public struct GroupTimeATT: Sendable, Equatable {
    public let group: Double
    public let time: Double
    public let att: Double
    public let standardError: Double
    public let treatedUnits: Int
    public let controlUnits: Int
}

/// An aggregated effect with its pointwise interval (normal critical value).
public struct AggregateATT: Sendable, Equatable {
    public let label: Double   // the group, or the event time; NaN for an overall value
    public let att: Double
    public let standardError: Double
    public let ciLower: Double
    public let ciUpper: Double
}

public struct CSDiDResult: Sendable {
    public let cells: [GroupTimeATT]
    /// Σ_g,t≥g P(G=g) ATT(g,t) / Σ P(G=g) over post-treatment cells (`aggte(type = "simple")`).
    public let simple: AggregateATT
    /// Per cohort: the mean of its post-treatment ATT(g,t); and the P(G=g)-weighted overall.
    public let group: [AggregateATT]
    public let groupOverall: AggregateATT
    /// Per event time e = t − g, cohort-share weighted; overall = mean over e ≥ 0.
    public let event: [AggregateATT]
    public let eventOverall: AggregateATT
    /// (g, t) cells skipped because no control unit was available.
    public let skippedCells: [(group: Double, time: Double)]
}

/// Callaway & Sant'Anna (2021, J. Econometrics 225:200) group-time ATTs for staggered adoption,
/// with analytic influence-function standard errors and the aggregations of their §4.
///
/// Matches R `did::att_gt(..., bstrap = FALSE)` / `aggte` conventions: per-cell influence
/// functions on the (g, t) subsample are rescaled by n/n_gt and stacked over all n units;
/// SE = √(Σψᵢ²)/n; aggregations add the estimation effect of the cohort-share weights
/// (`did`'s `wif`). Covariates are taken from each cell's base period. Balanced panels only.
public enum CallawaySantAnna {
    public static func estimate(panel: TreatmentPanel, spec: CSDiDSpec = CSDiDSpec()) throws -> CSDiDResult {
        let what = "Callaway–Sant'Anna"
        // Not-yet-treated designs can do without never-treated units.
        try panel.requirePrePeriod(for: what, needNeverTreated: spec.control == .never)
        let n = panel.unitCount, periods = panel.periods
        let nd = Double(n)
        let cohort = panel.adoption
        let groups = Array(Set(cohort.compactMap { $0 })).filter { $0 <= periods.last! }.sorted()
        let pIndex = Dictionary(uniqueKeysWithValues: periods.enumerated().map { ($1, $0) })
        var cells: [GroupTimeATT] = []
        var influence: [[Double]] = []
        var skipped: [(Double, Double)] = []
        for g in groups {
            let gi = pIndex[g]!
            for ti in (spec.basePeriod == .universal ? 0 : 1)..<periods.count {
                let t = periods[ti]
                let base: Int
                if spec.basePeriod == .universal || t >= g { base = gi - 1 } else { base = ti - 1 }
                if spec.basePeriod == .universal && ti == gi - 1 { continue }   // the reference cell, identically 0 (not reported)
                let horizon = max(t, periods[base])
                let units = (0..<n).filter { i in
                    if cohort[i] == g { return true }
                    switch spec.control {
                    case .never: return cohort[i] == nil
                    case .notyet: return cohort[i].map { $0 > horizon } ?? true
                    }
                }
                let d = units.map { cohort[$0] == g }
                let nC = d.filter { !$0 }.count
                if nC == 0 { skipped.append((g, t)); continue }
                // One treated unit: the cohort's mean change is its own value, its part of the
                // influence function is identically 0, and the SE would count the controls'
                // variation only (the cluster rule G ≤ p of `PanelOLS.checkClusterVariance`).
                guard units.count - nC >= 2 else {
                    let members = units.filter { cohort[$0] == g }.map { panel.unitLabels[$0] }
                    var error = TreatmentError(.degenerateVariance, "\(what), cell g = \(PanelIndex.format(g)), t = \(PanelIndex.format(t)): the cohort adopting in \(PanelIndex.format(g)) has 1 treated unit (\(members.joined(separator: ", "))), so the variance of its change cannot be estimated (its influence function is identically 0 and the standard error would count the \(nC) controls only); use cohorts of at least 2 units, or drop this cohort")
                    error.smallCohort = SmallCohort(adoption: g, time: t, units: members, controls: nC)
                    throw error
                }
                let dy = units.map { panel.outcome[ti * n + $0] - panel.outcome[base * n + $0] }
                let x = panel.covariates.rowsSubset(units.map { base * n + $0 })
                let cell: TwoByTwo
                do { cell = try DRDiD.estimate(dy: dy, d: d, x: x, names: panel.covariateNames, method: spec.method) } catch let e as TreatmentError {
                    throw TreatmentError("Callaway–Sant'Anna, cell g = \(PanelIndex.format(g)), t = \(PanelIndex.format(t)): \(e.message)")
                }
                var psi = [Double](repeating: 0, count: n)
                let scale = nd / Double(units.count)
                for (k, i) in units.enumerated() { psi[i] = scale * cell.influence[k] }
                cells.append(GroupTimeATT(group: g, time: t, att: cell.att, standardError: seOf(psi),
                                          treatedUnits: units.count - nC, controlUnits: nC))
                influence.append(psi)
            }
        }
        guard !cells.isEmpty else { throw TreatmentError("\(what): no group-time cell has both treated and control units") }
        let agg = Aggregator(cells: cells, influence: influence, cohort: cohort, n: n, level: spec.level)
        return CSDiDResult(cells: cells, simple: agg.simple(), group: agg.byGroup().list, groupOverall: agg.byGroup().overall,
                           event: agg.byEvent().list, eventOverall: agg.byEvent().overall,
                           skippedCells: skipped.map { (group: $0.0, time: $0.1) })
    }

    static func seOf(_ psi: [Double]) -> Double { Vector.dot(psi, psi).squareRoot() / Double(psi.count) }
}

/// The `aggte` aggregations with the weight-estimation influence term.
struct Aggregator {
    let cells: [GroupTimeATT]
    let influence: [[Double]]
    let cohort: [Double?]
    let n: Int
    let level: Double

    /// P(G = g) of each cell's cohort.
    var pg: [Double] { cells.map { c in Double(cohort.filter { $0 == c.group }.count) / Double(n) } }

    /// Weighted combination Σ w_k ATT_k with w_k = pg_k/Σ pg over `keep`, and its influence function
    /// including the estimated-weights term (Callaway & Sant'Anna 2021, eq. (4.x) and `did`'s `wif`).
    func combine(_ keep: [Int], label: Double, estimatedWeights: Bool = true) -> (AggregateATT, [Double]) {
        let p = keep.map { pg[$0] }
        let sp = p.reduce(0, +)
        let att = zip(keep, p).reduce(0) { $0 + cells[$1.0].att * $1.1 } / sp
        var psi = [Double](repeating: 0, count: n)
        for (k, c) in keep.enumerated() { for i in 0..<n { psi[i] += p[k] / sp * influence[c][i] } }
        if estimatedWeights {
            // wif_ik = (1[Gᵢ = g_k] − pg_k)/Σpg − Σ_m(1[Gᵢ = g_m] − pg_m) · pg_k/(Σpg)²
            for i in 0..<n {
                var sumDev = 0.0
                for (k, c) in keep.enumerated() { sumDev += (cohort[i] == cells[c].group ? 1 : 0) - p[k] }
                var add = 0.0
                for (k, c) in keep.enumerated() {
                    let w = ((cohort[i] == cells[c].group ? 1 : 0) - p[k]) / sp - sumDev * p[k] / (sp * sp)
                    add += w * cells[c].att
                }
                psi[i] += add
            }
        }
        return (aggregate(label, att, psi), psi)
    }

    func aggregate(_ label: Double, _ att: Double, _ psi: [Double]) -> AggregateATT {
        let se = CallawaySantAnna.seOf(psi)
        let z = Normal.quantile(0.5 + level / 2)
        return AggregateATT(label: label, att: att, standardError: se, ciLower: att - z * se, ciUpper: att + z * se)
    }

    func simple() -> AggregateATT {
        combine(cells.indices.filter { cells[$0].time >= cells[$0].group }, label: .nan).0
    }

    func byGroup() -> (list: [AggregateATT], overall: AggregateATT) {
        let groups = Array(Set(cells.map { $0.group })).sorted()
        var list: [AggregateATT] = [], atts: [Double] = [], psis: [[Double]] = [], shares: [Double] = []
        for g in groups {
            let keep = cells.indices.filter { cells[$0].group == g && cells[$0].time >= g }
            guard !keep.isEmpty else { continue }
            // Equal weights within a cohort: no weight-estimation term.
            let (a, psi) = combine(keep, label: g, estimatedWeights: false)
            list.append(a); atts.append(a.att); psis.append(psi)
            shares.append(Double(cohort.filter { $0 == g }.count) / Double(n))
        }
        let sp = shares.reduce(0, +)
        let att = zip(atts, shares).reduce(0) { $0 + $1.0 * $1.1 } / sp
        var psi = [Double](repeating: 0, count: n)
        let gs = list.map { $0.label }
        for i in 0..<n {
            var sumDev = 0.0
            for (k, g) in gs.enumerated() { sumDev += (cohort[i] == g ? 1 : 0) - shares[k] }
            for (k, g) in gs.enumerated() {
                psi[i] += shares[k] / sp * psis[k][i]
                psi[i] += (((cohort[i] == g ? 1 : 0) - shares[k]) / sp - sumDev * shares[k] / (sp * sp)) * atts[k]
            }
        }
        return (list, aggregate(.nan, att, psi))
    }

    func byEvent() -> (list: [AggregateATT], overall: AggregateATT) {
        let events = Array(Set(cells.map { $0.time - $0.group })).sorted()
        var list: [AggregateATT] = [], post: [[Double]] = [], postATT: [Double] = []
        for e in events {
            let keep = cells.indices.filter { cells[$0].time - cells[$0].group == e }
            let (a, psi) = combine(keep, label: e)
            list.append(a)
            if e >= 0 { post.append(psi); postATT.append(a.att) }
        }
        let m = Double(max(post.count, 1))
        var psi = [Double](repeating: 0, count: n)
        for p in post { for i in 0..<n { psi[i] += p[i] / m } }
        return (list, aggregate(.nan, postATT.reduce(0, +) / m, psi))
    }
}
