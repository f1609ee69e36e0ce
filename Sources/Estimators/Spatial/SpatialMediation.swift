import Foundation
import Numerics

/// Natural direct and indirect effects of a policy P through a mediator M under interference
/// (issue 26; docs/MODEL.md §10, "Mediation with spillovers"). Two models, as the city-system
/// generator has them:
///
/// * mediator (exposure mapping, Aronow & Samii 2017): a two-way fixed-effects regression
///     M_it = μ_i + τ_t + Σ_s 1[t = s](a_s P_it + e_s (EP)_it) + X_it γ + u_it,
///   one own-treatment coefficient a_s and one treated-neighbour-share coefficient e_s per period s
///   with any treated unit (the policy's effect on M grows as it diffuses), CR1 by cluster;
///   E the exposure matrix (W by default; the generator's diffusion kernel with
///   `exposure_weights: diffusion`), ΔM̂ = Σ_s 1[t = s](a_s P + e_s EP) is then every unit's predicted M(P) − M(0), the
///   never-treated neighbours' included;
/// * outcome: the SDM y = ρWy + β_M M + β_P P + [β_c C + β_c2 C² + β_cM C·M] + Xγ + W(θ…) + FE + ε
///   by exact QML (`SpatialEstimator`), C the moderator (CA) when given.
///
/// With S = (I − ρW)⁻¹ per period and ℓ the mean over the treated city-years (P = 1):
///   NIE = ℓ'S[(β_M + β_cM C)∘ΔM̂ + W((θ_M + θ_cM C)∘ΔM̂)],  NDE = ℓ'S[β_P P + θ_P WP],
/// the treated's mean of y(P, M(P)) − y(P, M(0)) and of y(P, M(0)) − y(0, M(0)) over the whole
/// assignment vector (everyone's exposure at its observed value against no policy anywhere);
/// the outcome is additive in M and P, so the two reference worlds give the same NIE. Standard
/// errors by the delta method with the two models' estimates independent (their errors are, under
/// sequential ignorability, so the cross term of the sandwich vanishes): Var = g_a'V_a g_a + g_o'V_o g_o,
/// with ∂S/∂ρ = SWS for ρ̂'s part.
@dynamicMemberLookup
public struct SpatialMediationData: Sendable {
    /// Time-major (observation (t, i) at t·N + i), N·T values each; clusters for the mediator
    /// model's CR1 (nil: by unit). Read through as `data.outcome`, ….
    public var columns: MediationColumns
    public var n: Int
    public var t: Int

    public init(outcome: [Double], mediator: [Double], treatment: [Double], moderator: [Double]?, controls: Matrix,
                controlNames: [String], n: Int, t: Int, cluster: [Int]? = nil) {
        columns = MediationColumns(outcome: outcome, mediator: mediator, treatment: treatment, moderator: moderator, controls: controls,
                                   controlNames: controlNames, cluster: cluster, moderatorName: "C")
        self.n = n; self.t = t
    }

    public subscript<Value>(dynamicMember path: WritableKeyPath<MediationColumns, Value>) -> Value {
        get { columns[keyPath: path] }
        set { columns[keyPath: path] = newValue }
    }
}

extension SpatialMediationData {
    /// The columns of a panel loaded by `SpatialDataLoader` (time-major in W's unit order) with
    /// regressors mediator, treat, post, the moderator and the controls: treatment = treat × post,
    /// clusters by unit.
    public static func columns(of dataset: SpatialDataset, mediator: String, treat: String, post: String, moderator: String?,
                               controls: [String]) throws -> SpatialMediationData {
        let p = dataset.panel
        func column(_ name: String) throws -> [Double] {
            guard let j = p.names.firstIndex(of: name) else { throw EstimationError("spatial mediation: no column `\(name)` in the loaded panel") }
            return (0..<p.x.rows).map { p.x[$0, j] }
        }
        let tr = try column(treat), po = try column(post)
        for (name, v) in [(treat, tr), (post, po)] where v.contains(where: { $0 != 0 && $0 != 1 }) {
            throw EstimationError("spatial mediation: column `\(name)` must be 0/1")
        }
        var d = SpatialMediationData(outcome: p.y, mediator: try column(mediator), treatment: zip(tr, po).map(*),
                                     moderator: try moderator.map(column), controls: controls.isEmpty ? Matrix(rows: p.y.count, cols: 0) : try Matrix(columns: try controls.map(column)),
                                     controlNames: controls, n: p.n, t: p.t)
        d.mediatorName = mediator
        if let moderator { d.moderatorName = moderator }
        return d
    }
}

extension SpatialMediationData {
    /// A time-invariant column of a loaded panel as one value per unit (W's order), e.g. the dynamic
    /// mediator model's target factor; refused when a unit's value changes over time.
    public static func unitConstant(of dataset: SpatialDataset, column name: String) throws -> [Double] {
        let p = dataset.panel
        guard let j = p.names.firstIndex(of: name) else { throw EstimationError("spatial mediation: no column `\(name)` in the loaded panel") }
        let values = (0..<p.n).map { p.x[$0, j] }
        for s in 1..<max(p.t, 1) {
            if let i = (0..<p.n).first(where: { p.x[s * p.n + $0, j] != values[$0] }) {
                throw EstimationError("spatial mediation: column `\(name)` must be constant within each unit (the target factor is time-invariant); unit \(dataset.units[i]) changes in period \(s + 1)")
            }
        }
        return values
    }
}

public struct SpatialMediationResult: Sendable {
    public struct Quantity: Sendable {
        public let estimate: Double
        public let se: Double
        public let lower: Double
        public let upper: Double
        /// Two-sided normal (Wald) test of 0.
        public let pValue: Double
    }
    /// Mean ΔM̂ on the treated (the first stage with its spillback).
    public let firstStage: Quantity
    /// Mean ΔM̂ on the never-treated units' observations in treated periods (diffusion to them).
    public let spilloverMediator: Quantity
    public let indirect: Quantity
    public let direct: Quantity
    /// NIE + NDE.
    public let total: Quantity
    /// NIE / (NIE + NDE), delta method.
    public let share: Quantity
    /// Fieller's set for the share: the s with (NIE − s·T)² ≤ z² Var(NIE − s·T), T = NIE + NDE, the
    /// variance from the same gradients as the delta method. Unbounded (two rays or the whole line)
    /// when T is not distinguishable from 0, where the delta-method SE is meaningless.
    public let shareFieller: FiellerInterval
    public let mediatorFit: PanelOLSResult
    public let outcomeFit: SpatialFitResult
    public let treatedObservations: Int
}

public enum SpatialMediation {
    /// - Parameters:
    ///   - exposure: the matrix E of the mediator model's exposure (E P)_it, or of its diffusion E·M_t−1
    ///     in the dynamic model (nil: W, as the outcome model). The outcome model's W-lags, the
    ///     multiplier and NDE's θ_P WP keep W.
    ///   - mediatorModel: the static exposure model (A2) or the dynamic diffusion model (A2′).
    public static func estimate(_ d: SpatialMediationData, weights w: SpatialWeights, exposure e: ExposureWeights? = nil,
                                mediatorModel: MediatorModel = .exposure,
                                spec: SpatialModelSpec = SpatialModelSpec(approach: .standard),
                                variance: SpatialVarianceMethod = .standard, level: Double = 0.95) throws -> SpatialMediationResult {
        let n = d.n, t = d.t, count = n * t
        guard w.count == n else { throw EstimationError("spatial mediation: W has \(w.count) units, the panel \(n)") }
        if let e, e.count != n { throw EstimationError("spatial mediation: the exposure weights have \(e.count) units, the panel \(n)") }
        guard d.outcome.count == count, d.mediator.count == count, d.treatment.count == count, d.controls.cols == 0 || d.controls.rows == count,
              d.moderator.map({ $0.count == count }) ?? true, d.cluster.map({ $0.count == count }) ?? true else {
            throw EstimationError("spatial mediation: outcome, mediator, treatment, moderator, controls and clusters must have N·T = \(count) values (time-major)")
        }
        guard spec.model == .sdm || spec.model == .sar else {
            throw EstimationError("spatial mediation: the outcome model is the SDM (or SAR with durbin none); \(spec.model) has no ρWy multiplier to propagate through")
        }
        let treated = (0..<count).filter { d.treatment[$0] != 0 }
        guard !treated.isEmpty else { throw EstimationError("spatial mediation: no treated observation (treat × post is 0 everywhere)") }
        let lagP = w.applyPanel(d.treatment)
        let applyE: ([Double]) -> [Double] = { x in e?.applyPanel(x) ?? w.applyPanel(x) }
        let exposureLabel = e == nil ? "W·TP" : "E·TP"
        let controls = (0..<d.controls.cols).map { j in (0..<count).map { d.controls[$0, j] } }
        let mediator: MediatorPrediction
        switch mediatorModel {
        case .exposure:
            mediator = try staticMediator(d, exposure: applyE(d.treatment), exposureLabel: exposureLabel, controls: controls)
        case .dynamic(let c):
            mediator = try dynamicMediator(d, targetFactor: c, applyE: applyE, exposureLabel: e == nil ? "W·\(d.mediatorName)" : "E·\(d.mediatorName)",
                                           controls: controls)
        }
        let mediatorFit = mediator.fit, delta = mediator.delta, periods = mediator.periods

        // Outcome model.
        let m = d.mediatorName, c = d.moderatorName
        var columns = [d.mediator, d.treatment], names = [m, "TP"]
        if let ca = d.moderator {
            columns += [ca, ca.map { $0 * $0 }, zip(ca, d.mediator).map(*)]
            names += [c, SpatialDataLoader.squareName(c), SpatialDataLoader.interactionName(c, m)]
        }
        let fit = try SpatialEstimator.fit(spec, panel: try SpatialPanel(y: d.outcome, x: try Matrix(columns: columns + controls),
                                                                         names: names + d.controlNames, n: n, t: t),
                                           weights: w, variance: variance)
        guard let rho = fit.rho, let rhoIndex = fit.spatialIndex else {
            throw EstimationError("spatial mediation: the outcome fit has no ρ")
        }
        let filter = try SpatialFilter(weights: w, rho: rho)
        func coefficient(_ name: String?) -> (value: Double, index: Int?) {
            guard let name, let k = fit.index(of: name) else { return (0, nil) }
            return (fit.coefficients[k], k)
        }
        let interaction = d.moderator == nil ? nil : SpatialDataLoader.interactionName(c, m)
        let bM = coefficient(m), tM = coefficient(spatialLagName(m))
        let bMC = coefficient(interaction), tMC = coefficient(interaction.map(spatialLagName))
        let bP = coefficient("TP"), tP = coefficient(spatialLagName("TP"))
        let ca = d.moderator ?? [Double](repeating: 0, count: count)
        let mean: ([Double]) -> Double = { v in treated.reduce(0) { $0 + v[$1] } / Double(treated.count) }
        // The outcome's response to a change x of M: (β_M + β_cM C)∘x + W((θ_M + θ_cM C)∘x).
        func channel(_ x: [Double]) -> [Double] {
            var own = x, lag = x
            for k in 0..<count {
                own[k] = (bM.value + bMC.value * ca[k]) * x[k]
                lag[k] = (tM.value + tMC.value * ca[k]) * x[k]
            }
            let wl = w.applyPanel(lag)
            for k in 0..<count { own[k] += wl[k] }
            return own
        }
        // ℓ'S v for several v at once (one solve of the stacked periods).
        func effects(_ vs: [[Double]]) throws -> [Double] {
            guard !vs.isEmpty else { return [] }
            let solved = try filter.solvePanel(vs.flatMap { $0 })
            return vs.indices.map { j in mean(Array(solved[(j * count)..<((j + 1) * count)])) }
        }
        let caDelta = zip(ca, delta).map(*)
        let rI = channel(delta)
        let rD = (0..<count).map { bP.value * d.treatment[$0] + tP.value * lagP[$0] }
        let sI = try filter.solvePanel(rI), sD = try filter.solvePanel(rD)
        let nie = mean(sI), nde = mean(sD)
        let p = fit.parameterCount
        var gI = [Double](repeating: 0, count: p), gD = gI
        let outcomeParts = try effects([delta, w.applyPanel(delta), caDelta, w.applyPanel(caDelta),
                                        d.treatment, lagP, w.applyPanel(sI), w.applyPanel(sD)])
        for (slot, value) in [(bM.index, outcomeParts[0]), (tM.index, outcomeParts[1]), (bMC.index, outcomeParts[2]),
                              (tMC.index, outcomeParts[3])] {
            if let slot { gI[slot] = value }
        }
        for (slot, value) in [(bP.index, outcomeParts[4]), (tP.index, outcomeParts[5])] { if let slot { gD[slot] = value } }
        gI[rhoIndex] = outcomeParts[6]; gD[rhoIndex] = outcomeParts[7]
        let q = mediatorFit.coefficients.count
        var gA = [Double](repeating: 0, count: q)
        let mediatorParts = try effects(mediator.jacobian.map { channel($0.column) })
        for (j, part) in zip(mediator.jacobian.map(\.index), mediatorParts) { gA[j] = part }

        let vo = fit.vcov, va = mediatorFit.covariance
        func quadratic(_ g: [Double], _ h: [Double], _ v: Matrix) -> Double { Vector.dot(g, v.multiply(h)) }
        let z = Normal.quantile(0.5 + level / 2)
        func quantity(_ value: Double, outcome go: [Double], mediator ga: [Double]) -> SpatialMediationResult.Quantity {
            let se = (quadratic(go, go, vo) + quadratic(ga, ga, va)).squareRoot()
            return .init(estimate: value, se: se, lower: value - z * se, upper: value + z * se,
                         pValue: se > 0 ? 2 * Normal.survival(abs(value / se)) : .nan)
        }
        let zeroA = [Double](repeating: 0, count: q)
        let total = nie + nde
        let gT = zip(gI, gD).map(+)
        // share = NIE/T: ∂ = (∂NIE − share·∂T)/T.
        let share = total != 0 ? nie / total : .nan
        let gShareO = zip(gI, gT).map { ($0 - share * $1) / total }
        let gShareA = gA.map { $0 * (1 - share) / total }
        // First stage: mean ΔM̂ on the treated and on the never-treated in treated periods.
        let everTreated = Set(treated.map { $0 % n })
        let controlObs = periods.flatMap { s in (0..<n).filter { !everTreated.contains($0) }.map { s * n + $0 } }
        func meanOver(_ idx: [Int], _ v: [Double]) -> Double { idx.isEmpty ? .nan : idx.reduce(0) { $0 + v[$1] } / Double(idx.count) }
        // Var(NIE), Cov(NIE, T), Var(T): the mediator gradient of T is NIE's (NDE has none).
        let vNN = quadratic(gI, gI, vo) + quadratic(gA, gA, va), vTT = quadratic(gT, gT, vo) + quadratic(gA, gA, va)
        let vNT = quadratic(gI, gT, vo) + quadratic(gA, gA, va)
        // (NIE − sT)² ≤ z²(vNN − 2s vNT + s² vTT) is the turning-point form with g1 = NIE, g2 = −T/2.
        let shareFieller = SpatialCurves.fieller(g1: nie, g2: -total / 2, s11: vNN, s12: -vNT / 2, s22: vTT / 4, q: z)
        var gFirst = zeroA, gSpill = zeroA
        for (j, column) in mediator.jacobian { gFirst[j] = mean(column); gSpill[j] = meanOver(controlObs, column) }
        let zeroO = [Double](repeating: 0, count: p)
        return SpatialMediationResult(
            firstStage: quantity(mean(delta), outcome: zeroO, mediator: gFirst),
            spilloverMediator: quantity(meanOver(controlObs, delta), outcome: zeroO, mediator: gSpill),
            indirect: quantity(nie, outcome: gI, mediator: gA), direct: quantity(nde, outcome: gD, mediator: zeroA),
            total: quantity(total, outcome: gT, mediator: gA), share: quantity(share, outcome: gShareO, mediator: gShareA),
            shareFieller: shareFieller,
            mediatorFit: mediatorFit, outcomeFit: fit, treatedObservations: treated.count)
    }
}
