import Foundation
import Numerics

/// The mediator model of `SpatialMediation` (docs/MODEL.md §10, assumption A2 and its dynamic form A2′).
public enum MediatorModel: Sendable {
    /// Exposure mapping, static: M on own treatment and the treated-neighbour share E·P per treated
    /// period, controls, two-way effects.
    case exposure
    /// The generator's diffusion equation (§2.4) as a regression on the panel from its second period:
    ///   M_it = φ M_i,t−1 + λ (E M_t−1)_i + τ_t + Σ_s 1[t = s] ω_s c_i + Σ_s 1[t = s] a_s c_i P_it
    ///          + b (L_t M_t−1)_i + X_it γ + u_it,
    /// with L_t x = P_t∘(E(P_t∘x) − x∘(E P_t)) the diffusion among treated pairs, c_i the unit's
    /// target factor (time-invariant; nil: 1 for every unit, and no τ_t·c_i terms), year effects τ_t, no
    /// unit effects (a unit's level is c_i's and its own history's), CR1 by cluster. The policy's
    /// effect on M is then propagated through the estimated recursion:
    ///   ΔM̂_t = (φ̂ I + λ̂ E) ΔM̂_t−1 + Σ_s 1[t = s] â_s c∘P_t + b̂ L_t M_t−1,  ΔM̂ = 0 before the first treated period,
    /// the L_t term read at the observed (treated-world) M, as in the world without the policy it is 0.
    case dynamic(targetFactor: [Double]?)

    /// The word of the `mediator_model` key and `--mediator-model` option.
    public var word: String {
        switch self {
        case .exposure: return "static"
        case .dynamic: return "dynamic"
        }
    }
}

/// The fitted mediator model and what the NIE needs from it: ΔM̂ for every observation and its
/// derivative with respect to each mediator coefficient that moves it (the others' derivatives are 0).
struct MediatorPrediction {
    let fit: PanelOLSResult
    let delta: [Double]
    let jacobian: [(index: Int, column: [Double])]
    /// The periods with any treated unit.
    let periods: [Int]
}

extension SpatialMediation {
    /// The static exposure model: ΔM̂ = Σ_s 1[t = s](â_s P + ê_s EP) is linear in (a, e), so the
    /// derivative columns are the regressors themselves.
    static func staticMediator(_ d: SpatialMediationData, exposure: [Double], exposureLabel: String,
                               controls: [[Double]]) throws -> MediatorPrediction {
        let n = d.n, t = d.t, count = n * t
        let periods = (0..<t).filter { s in (0..<n).contains { d.treatment[s * n + $0] != 0 } }
        var columns: [[Double]] = [], names: [String] = []
        for s in periods {
            var own = [Double](repeating: 0, count: count), near = own
            for i in 0..<n { own[s * n + i] = d.treatment[s * n + i]; near[s * n + i] = exposure[s * n + i] }
            columns += [own, near]
            names += ["TP@\(s)", "\(exposureLabel)@\(s)"]
        }
        let unit = (0..<count).map { $0 % n }, time = (0..<count).map { $0 / n }
        let fit = try PanelOLS.fit(y: d.mediator, x: try Matrix(columns: columns + controls), names: names + d.controlNames,
                                   unit: unit, time: time, effects: .twoWays, variance: .cluster(d.cluster ?? unit))
        var delta = [Double](repeating: 0, count: count)
        for (j, column) in columns.enumerated() { for k in 0..<count { delta[k] += fit.coefficients[j] * column[k] } }
        return MediatorPrediction(fit: fit, delta: delta, jacobian: Array(columns.enumerated().map { ($0.offset, $0.element) }),
                                  periods: periods)
    }

    /// The dynamic model (`MediatorModel.dynamic`), fitted on periods 1..<T, and its recursion.
    /// - Parameter applyE: E applied period by period to a time-major panel vector.
    static func dynamicMediator(_ d: SpatialMediationData, targetFactor c: [Double]?, applyE: ([Double]) -> [Double],
                                exposureLabel: String, controls: [[Double]]) throws -> MediatorPrediction {
        let n = d.n, t = d.t, count = n * t
        guard t >= 3 else { throw EstimationError("spatial mediation: the dynamic mediator model needs at least 3 periods (one is lost to the lag); the panel has \(t)") }
        if let c {
            guard c.count == n, c.allSatisfy(\.isFinite) else { throw EstimationError("spatial mediation: the target factor must have one finite value per unit (\(n))") }
            guard let first = c.first, c.contains(where: { $0 != first }) else {
                throw EstimationError("spatial mediation: the target factor is the same for every unit, so its year interactions are the year effects; drop it")
            }
        }
        let periods = (0..<t).filter { s in (0..<n).contains { d.treatment[s * n + $0] != 0 } }
        guard let firstTreated = periods.first, firstTreated >= 1 else {
            throw EstimationError("spatial mediation: the dynamic mediator model needs an untreated first period (its lag starts the recursion at ΔM = 0); units are treated in the first period")
        }
        let m = d.mediator, p = d.treatment
        let factor = c ?? [Double](repeating: 1, count: n)
        // Time-major vectors over the whole panel (index s·N + i); the regression keeps s ≥ 1.
        var lag = [Double](repeating: 0, count: count)
        for k in n..<count { lag[k] = m[k - n] }
        let eLag = applyE(lag)
        let eP = applyE(p)
        let treatedLag = (0..<count).map { p[$0] * lag[$0] }
        let eTreatedLag = applyE(treatedLag)
        // (L_t M_t−1)_i = P_it [(E(P_t∘M_t−1))_i − M_i,t−1 (E P_t)_i]: diffusion among treated pairs.
        let boost = (0..<count).map { k in p[k] * (eTreatedLag[k] - lag[k] * eP[k]) }
        var own: [[Double]] = []
        for s in periods {
            var column = [Double](repeating: 0, count: count)
            for i in 0..<n { column[s * n + i] = factor[i] * p[s * n + i] }
            own.append(column)
        }
        var targets: [[Double]] = []
        if let c {
            for s in 1..<t {
                var column = [Double](repeating: 0, count: count)
                for i in 0..<n { column[s * n + i] = c[i] }
                targets.append(column)
            }
        }
        let hasBoost = boost.contains { $0 != 0 }
        let ownName = c == nil ? "TP" : "c·TP"
        let names = ["\(d.mediatorName)_lag", "\(exposureLabel)_lag"] + periods.map { "\(ownName)@\($0)" }
            + (hasBoost ? ["L·\(d.mediatorName)_lag"] : []) + (c == nil ? [] : (1..<t).map { "c@\($0)" })
        let all = [lag, eLag] + own + (hasBoost ? [boost] : []) + targets + controls
        let rows = Array(n..<count)
        let unit = (0..<count).map { $0 % n }, time = (0..<count).map { $0 / n }
        let fit = try PanelOLS.fit(y: rows.map { m[$0] }, x: try Matrix(columns: all.map { col in rows.map { col[$0] } }),
                                   names: names + d.controlNames, unit: rows.map { unit[$0] }, time: rows.map { time[$0] },
                                   effects: .time, variance: .cluster(rows.map { (d.cluster ?? unit)[$0] }))
        let phi = fit.coefficients[0], lambda = fit.coefficients[1]
        let ownIndex = 2, boostIndex = hasBoost ? 2 + periods.count : nil
        // The policy's part of each period's equation (zero without the policy).
        var shift = [Double](repeating: 0, count: count)
        for (j, column) in own.enumerated() { for k in 0..<count { shift[k] += fit.coefficients[ownIndex + j] * column[k] } }
        if let boostIndex { for k in 0..<count { shift[k] += fit.coefficients[boostIndex] * boost[k] } }
        /// x_t = φ̂ x_t−1 + λ̂ E x_t−1 + input_t from x = 0 before the first treated period.
        func propagate(_ input: [Double]) -> [Double] {
            var x = [Double](repeating: 0, count: count)
            for s in firstTreated..<t {
                let prev = Array(x[((s - 1) * n)..<(s * n)])
                let ePrev = applyE(prev)   // one period: E applies to any multiple of N values
                for i in 0..<n { x[s * n + i] = phi * prev[i] + lambda * ePrev[i] + input[s * n + i] }
            }
            return x
        }
        let delta = propagate(shift)
        // ∂ΔM̂/∂θ obeys the same recursion with input ∂(input_t + M̂ ΔM̂_t−1)/∂θ: ΔM̂_t−1 for φ,
        // EΔM̂_t−1 for λ, the regressor for a_s and b.
        var deltaLag = [Double](repeating: 0, count: count)
        for k in n..<count { deltaLag[k] = delta[k - n] }
        var jacobian = [(index: Int, column: [Double])]()
        jacobian.append((0, propagate(deltaLag)))
        jacobian.append((1, propagate(applyE(deltaLag))))
        for (j, column) in own.enumerated() { jacobian.append((ownIndex + j, propagate(column))) }
        if let boostIndex { jacobian.append((boostIndex, propagate(boost))) }
        return MediatorPrediction(fit: fit, delta: delta, jacobian: jacobian, periods: periods)
    }
}
