import CitySystem
import Estimators
import Foundation

/// Which terms of a synthetic world's DGP each spatial estimator leaves out (issue 20), so a
/// scenario that says "the SDM is the data-generating process" can be checked against what the
/// generator actually adds. Per design cell, because a grid may switch terms on and off.
public struct OmittedTerms: Sendable {
    /// Cells with the same omissions for every estimator, and those omissions by estimator.
    public struct Group: Sendable {
        public let cells: [String]
        /// (estimators, omitted terms), estimators with the same omissions listed together.
        public let omissions: [(estimators: [String], terms: [String])]
    }
    public let groups: [Group]

    /// The spatial estimators (and W selection's fits) of `scenario`, with their fixed effects,
    /// model and W as `CityEstimator` reads them (defaults: two-way effects, durbin all, true W).
    public init(scenario: MonteCarloScenario, cells: [DesignCell]) throws {
        let spatial = scenario.estimators.filter { SpatialModel(rawValue: $0.model) != nil || $0.model == "w_selection" }
        var groups: [(cells: [String], key: [[String]], omissions: [(estimators: [String], terms: [String])])] = []
        for cell in cells {
            let spec = try ScenarioParser.parse(cell.document).citySystem
            var omissions: [(estimators: [String], terms: [String])] = []
            for e in spatial {
                let terms = Self.omitted(by: e, in: spec)
                if let k = omissions.firstIndex(where: { $0.terms == terms }) { omissions[k].estimators.append(e.name) }
                else { omissions.append(([e.name], terms)) }
            }
            let key = omissions.map { $0.estimators + ["|"] + $0.terms }
            if let k = groups.firstIndex(where: { $0.key == key }) { groups[k].cells.append(Self.label(cell)) }
            else { groups.append(([Self.label(cell)], key, omissions)) }
        }
        self.groups = groups.map { Group(cells: $0.cells, omissions: $0.omissions) }
    }

    /// A cell's name: its `description` level when the grid labels cells that way, else its factors.
    static func label(_ cell: DesignCell) -> String {
        if let d = cell.factors.first(where: { $0.path == "description" }) { return "\"\(d.value.compactText)\"" }
        return cell.label
    }

    /// The terms estimator `e` omits in a world `spec`: the DGP's terms beyond the regressors that its
    /// fixed effects do not remove, the spatial lag or W-lags its model lacks, and the true W when it fits another.
    static func omitted(by e: EstimatorSpec, in spec: CitySystemSpec) -> [String] {
        let effects = e.options["effects"]?.scalarText.flatMap { FixedEffects(userSpelling: $0) } ?? .twoWays
        let model = e.model == "w_selection"
            ? (e.options["fit"]?.scalarText.flatMap { SpatialModel(rawValue: $0) } ?? .sdm)
            : (SpatialModel(rawValue: e.model) ?? .sdm)
        let durbin = model.allowsDurbin && e.options["durbin"]?.scalarText != "none"
        var terms: [String] = []
        let o = spec.outcome
        if !model.hasLag && o.rho != 0 { terms.append("spatial lag ρ·W·Mis (ρ = \(o.rho))") }
        if !durbin && (o.theta.contains { $0 != 0 } || o.controls.contains { $0.theta != 0 }) {
            terms.append("W-lags of the regressors (θ ≠ 0)")
        }
        if e.model != "w_selection", let w = e.options["weights"]?.scalarText, w != "true" {
            terms.append("the true W (fits `\(w)`)")
        }
        terms += spec.termsBeyondSpatialRegressors
            .filter { $0.omitted(unitEffects: effects.removesUnitEffects, timeEffects: effects.removesTimeEffects) }
            .map(\.text)
        return terms
    }

    /// `validate`'s lines.
    public func lines(cellCount: Int) -> [String] {
        var out: [String] = []
        for g in groups {
            let which = g.cells.count == cellCount ? (cellCount == 1 ? "" : " (every cell)") : " in " + g.cells.joined(separator: ", ")
            out.append("  DGP terms the spatial estimators omit\(which):")
            for o in g.omissions {
                out.append("    \(o.estimators.joined(separator: ", ")): " + (o.terms.isEmpty ? "none (the model is the DGP)" : o.terms.joined(separator: "; ")))
            }
        }
        return out
    }
}
