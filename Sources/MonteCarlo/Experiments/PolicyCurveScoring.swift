import CitySystem
import Estimators
import Foundation
import Numerics

/// `model: policy_curve` (issue 26): the SDM with the integration policy P = Treat × Post
/// interacted into the CA curve, Mis on CA, CA², P, P·CA and (with `interact: curve`, the
/// default) P·CA², the panel's controls and the W-lags of all of them (`durbin: all`), two-way
/// effects — the applied papers' "integration shifts the turning point" test (`PolicyCurve`).
/// D is left out: it is the channel the test is meant to find (with D and CA·D in the model the
/// policy terms would measure only what does not run through D). Scored against the mechanism
/// truths (MODEL.md §10): the policy's turning-point shift and CA-slope change through D.
struct PolicyCurveSettings: Sendable {
    enum Interaction: String, CaseIterable, Sendable {
        /// P·CA only: the policy moves the slope, not the curvature (the generator's truth); the shift is a ratio with a Fieller set.
        case slope
        /// P·CA and P·CA²: the shift is a difference of two ratios, delta method only.
        case curve
    }
    var spec: SpatialModelSpec
    var weights: String
    var variance: SpatialVarianceMethod
    var interaction: Interaction
}

/// | name | estimate | truth |
/// |---|---|---|
/// | `policy_shift.K` | c1 − c0 of the K curve (direct, indirect, total), delta-method interval and t test; Fieller set with `interact: slope` | dc*/dD · attD (`curveShifts[K].turningPoint`) |
/// | `policy_slope.K` | m1β5 + m2θ5, the K effect's slope change in CA, Wald test | (m1β3 + m2θ3) · attD (`curveShifts[K].slope`) |
enum PolicyCurveEstimand: Equatable, Sendable {
    case shift(EffectKind)
    case slope(EffectKind)

    static let forms = "policy_shift.K or policy_slope.K with K direct, indirect or total"

    init?(_ name: String) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, let k = EffectKind(rawValue: parts[1]) else { return nil }
        switch parts[0] {
        case "policy_shift": self = .shift(k)
        case "policy_slope": self = .slope(k)
        default: return nil
        }
    }

    func truth(_ m: MechanismTruth) -> Double {
        switch self {
        case .shift(let k): return m.curveShifts.first { $0.effect == k }?.turningPoint ?? .nan
        case .slope(let k): return m.curveShifts.first { $0.effect == k }?.slope ?? .nan
        }
    }
}

enum PolicyCurveScoring {
    static let terms = (full: PolicyCurveTerms(linear: "CA", square: "CA2", policyLinear: "PxCA", policySquare: "PxCA2"),
                        slope: PolicyCurveTerms(linear: "CA", square: "CA2", policyLinear: "PxCA", policySquare: nil))

    /// The regressors: CA, CA², P, P·CA (, P·CA²) and the controls, time-major.
    static func panel(_ p: SyntheticPanel, interaction: PolicyCurveSettings.Interaction) throws -> SpatialPanel {
        let count = p.n * p.t
        let policy = (0..<count).map { k in Double(p.treat[k % p.n] * p.post[k]) }
        let ca2 = p.ca.map { $0 * $0 }
        var columns = [p.ca, ca2, policy, zip(policy, p.ca).map(*)]
        var names = ["CA", "CA2", "P", "PxCA"]
        if interaction == .curve { columns.append(zip(policy, ca2).map(*)); names.append("PxCA2") }
        return try SpatialPanel(y: p.mis, x: try Matrix(columns: columns + p.controls), names: names + p.controlNames, n: p.n, t: p.t)
    }

    static func run(_ s: PolicyCurveSettings, estimands: [PolicyCurveEstimand], data: PanelData) -> FitOutcome {
        let truths = estimands.map { $0.truth(data.panel.truth.mechanism) }
        return MechanismSDM.run(weights: s.weights, truths: truths, data: data) { w in
            // No shared point fit: SharedSpatialFits is keyed by model and W, not by the regressors.
            let fit = try SpatialEstimator.fit(s.spec, panel: try panel(data.panel, interaction: s.interaction), weights: w, variance: s.variance)
            let shifts = try PolicyCurve.shifts(fit, weights: w, terms: s.interaction == .curve ? terms.full : terms.slope)
            let status = fit.converged ? FitStatus.ok : FitStatus(.notConverged, fit.reason)
            return FitOutcome(status: status, results: zip(estimands, truths).map { e, t in
                switch e {
                case .shift(let k):
                    guard let r = shifts.first(where: { $0.kind == k }) else { return .missing(truth: t) }
                    return EstimandResult(truth: t, estimate: r.shift.estimate, standardError: r.shift.se, lower: r.shift.lower,
                                          upper: r.shift.upper, pValue: r.pValue, confidenceSet: r.fieller.map(ConfidenceSet.init))
                case .slope(let k):
                    guard let r = shifts.first(where: { $0.kind == k }) else { return .missing(truth: t) }
                    return EstimandResult(truth: t, estimate: r.slope.estimate, standardError: r.slope.se, lower: r.slope.lower,
                                          upper: r.slope.upper, pValue: r.slopePValue)
                }
            })
        }
    }
}

/// The mechanism's SDMs (`policy_curve`, `spatial_mediation`): the fit on the panel's W named in the
/// settings, or, when there is no such W or the fit throws, a failed outcome with every truth kept.
enum MechanismSDM {
    static func run(weights name: String, truths: [Double], data: PanelData,
                    _ fit: (SpatialWeights) throws -> FitOutcome) -> FitOutcome {
        func failed(_ message: String) -> FitOutcome {
            FitOutcome(status: FitStatus(.failed, message), results: truths.map { .missing(truth: $0) })
        }
        guard let w = data.panel.estimatorWeights[name] else { return failed("no weight matrix `\(name)` in the panel") }
        do { return try fit(w) } catch { return failed("\(error)") }
    }
}
