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

    /// The spatial estimators (and W selection's fits) of each cell, with the cell's settings.
    public init(cells: [DesignCell]) throws {
        var groups: [(cells: [String], key: [[String]], omissions: [(estimators: [String], terms: [String])])] = []
        for cell in cells {
            let spec = try ScenarioParser.parse(cell.document).citySystem
            var omissions: [(estimators: [String], terms: [String])] = []
            for e in cell.estimators {
                guard let terms = Self.omitted(by: e, in: spec) else { continue }
                if let k = omissions.firstIndex(where: { $0.terms == terms }) { omissions[k].estimators.append(e.name) }
                else { omissions.append(([e.name], terms)) }
            }
            let key = omissions.map { $0.estimators + ["|"] + $0.terms }
            if let k = groups.firstIndex(where: { $0.key == key }) { groups[k].cells.append(Self.label(cell)) }
            else { groups.append(([Self.label(cell)], key, omissions)) }
        }
        self.groups = groups.map { Group(cells: $0.cells, omissions: $0.omissions) }
    }

    /// A cell's name: its label when the scenario gives one, else its factors.
    static func label(_ cell: DesignCell) -> String {
        if let t = cell.title { return "\"\(t)\"" }
        return cell.label
    }

    /// The terms estimator `e` (with its cell's settings) omits in a world `spec`: the DGP's terms
    /// beyond the regressors that its fixed effects do not remove, the spatial lag or W-lags its model
    /// lacks, and the true W when it fits another. Nil for the DID family (not a model of Mis in CA).
    static func omitted(by e: EstimatorSpec, in spec: CitySystemSpec) -> [String]? {
        let model: SpatialModelSpec, weights: String?
        var dynamic = false
        switch e.settings {
        case .spatial(let s): model = s.spec; weights = s.weights
        case .wSelection(let s):
            model = s.spec; weights = nil
            if case .dynamic = s.model { dynamic = true }
        case .dynamic(let s):
            model = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: s.durbin); weights = s.weights
            dynamic = true
        default: return nil
        }
        let durbin = model.model.allowsDurbin && model.durbin == .all
        var terms: [String] = []
        let o = spec.outcome
        if !model.model.hasLag && o.rho != 0 { terms.append("spatial lag ρ·W·Mis (ρ = \(o.rho))") }
        if !durbin && (o.theta.contains { $0 != 0 } || o.controls.contains { $0.theta != 0 }) {
            terms.append("W-lags of the regressors (θ ≠ 0)")
        }
        if !dynamic && (o.tau != 0 || o.eta != 0) {
            terms.append("the dynamics τ·Mis_{t−1} + η·W·Mis_{t−1} (τ = \(o.tau), η = \(o.eta))")
        }
        if let w = weights, w != "true" { terms.append("the true W (fits `\(w)`)") }
        terms += spec.termsBeyondSpatialRegressors
            .filter { $0.omitted(unitEffects: model.effects.removesUnitEffects, timeEffects: model.effects.removesTimeEffects,
                                 errorProcess: model.model.hasErrorLag && weights == "true") }
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
