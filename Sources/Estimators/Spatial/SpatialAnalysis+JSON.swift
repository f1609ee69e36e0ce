import Foundation
import Numerics

// The `estimate sdm --json` report (keys documented in docs/spatial.md). Property
// names are the JSON keys.

/// A profile-likelihood interval (`ProfileLikelihoodInterval`): `lower_end`/`upper_end` are `root`
/// or `boundary` (the set reaches the bound of the stable interval, which is then the end).
public struct ProfileIntervalJSON: Encodable, Sendable {
    public let parameter: String
    @FiniteOrNull public var estimate: Double
    @FiniteOrNull public var lower: Double
    @FiniteOrNull public var upper: Double
    public let lower_end: String
    public let upper_end: String
    public let disconnected: Bool
    @FiniteOrNull public var critical: Double
    @FiniteOrNull public var lr_p_value_at_zero: Double

    init(_ p: ProfileLikelihoodInterval) {
        parameter = p.parameter.rawValue
        estimate = p.estimate
        lower = p.lower
        upper = p.upper
        lower_end = p.lowerEnd.rawValue
        upper_end = p.upperEnd.rawValue
        disconnected = p.disconnected
        critical = p.critical
        lr_p_value_at_zero = p.pValueAtZero
    }
}

/// `{estimate, se, lower, upper}`.
public struct IntervalJSON: Encodable, Sendable {
    @FiniteOrNull public var estimate: Double
    @FiniteOrNull public var se: Double
    @FiniteOrNull public var lower: Double
    @FiniteOrNull public var upper: Double

    init(_ e: IntervalEstimate) {
        estimate = e.estimate
        se = e.se
        lower = e.lower
        upper = e.upper
    }
}

public struct SpatialAnalysisJSON: Encodable, Sendable {
    public struct Impact: Encodable, Sendable {
        public let variable: String
        public let direct, indirect, total: EstimateJSON
    }
    public struct Test: Encodable, Sendable {
        public let name: String
        @FiniteOrNull public var statistic: Double
        public let df: Int
        @FiniteOrNull public var p: Double
    }
    public struct SimulatedEffectJSON: Encodable, Sendable {
        @FiniteOrNull public var mean: Double
        @FiniteOrNull public var sd: Double
        @FiniteOrNull public var lower: Double
        @FiniteOrNull public var upper: Double
    }
    public struct SimulatedImpactJSON: Encodable, Sendable {
        public let variable: String
        public let direct, indirect, total: SimulatedEffectJSON
    }
    public struct Simulation: Encodable, Sendable {
        public let draws, used, dropped: Int
        public let impacts: [SimulatedImpactJSON]
    }
    public struct PointJSON: Encodable, Sendable {
        public let x: Double
        @FiniteOrNull public var estimate: Double
        @FiniteOrNull public var se: Double
        @FiniteOrNull public var lower: Double
        @FiniteOrNull public var upper: Double
    }
    public struct Curve: Encodable, Sendable {
        public let effect: EffectKind
        @NullWhenAbsent public var moderator: Double?
        public let points: [PointJSON]
    }
    /// The Fieller set: `type` and the bounds its shape has.
    public struct Fieller: Encodable, Sendable {
        public let type: String
        @FiniteOrNull public var lower: Double
        @FiniteOrNull public var upper: Double
        @FiniteOrNull public var below: Double
        @FiniteOrNull public var above: Double
        let keys: Set<String>

        enum CodingKeys: String, CodingKey { case type, lower, upper, below, above }

        init(_ f: FiellerInterval) {
            type = f.label
            var bounds: [String: Double] = [:]
            switch f {
            case .bounded(let l, let u): bounds = ["lower": l, "upper": u]
            case .disjoint(let l, let u): bounds = ["below": l, "above": u]
            case .unboundedBelow(let u): bounds = ["upper": u]
            case .unboundedAbove(let l): bounds = ["lower": l]
            case .wholeLine, .empty: break
            }
            keys = Set(bounds.keys)
            lower = bounds["lower"] ?? .nan
            upper = bounds["upper"] ?? .nan
            below = bounds["below"] ?? .nan
            above = bounds["above"] ?? .nan
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(type, forKey: .type)
            for (key, value) in [(CodingKeys.lower, _lower), (.upper, _upper), (.below, _below), (.above, _above)]
            where keys.contains(key.rawValue) {
                try c.encode(value, forKey: key)
            }
        }
    }
    public struct UTest: Encodable, Sendable {
        public let lower, upper: Double
        public let slope_lower, slope_upper: EstimateJSON
        @FiniteOrNull public var t_lower: Double
        @FiniteOrNull public var t_upper: Double
        @FiniteOrNull public var statistic: Double
        @FiniteOrNull public var p: Double
        public let same_sign_slopes: Bool
    }
    public struct TurningPointJSON: Encodable, Sendable {
        public let effect: EffectKind
        @NullWhenAbsent public var moderator: Double?
        public let shape: CurveShape
        public let delta: IntervalJSON
        public let fieller: Fieller
        public let u_test: UTest?
    }
    public struct Shift: Encodable, Sendable {
        public let effect: EffectKind
        public let dxstar_dD: IntervalJSON
        public let fieller: Fieller
    }

    /// How log|I − ρW| was computed, its stated accuracy at the estimate, and the Hutchinson
    /// tr(GᵀG) when W is held sparse (docs/large-n.md).
    public struct LogDeterminantJSON: Encodable, Sendable {
        public let method: String
        @FiniteOrNull public var truncation_bound: Double
        @FiniteOrNull public var mcse: Double
        public let bound_rigorous: Bool
        public let trace_GtG: TraceJSON?
    }
    public struct TraceJSON: Encodable, Sendable {
        @FiniteOrNull public var value: Double
        @FiniteOrNull public var mcse: Double
        public let probes: Int
    }

    public let model, effects, approach: String
    public let logdet: LogDeterminantJSON
    /// The variance behind every SE: `oim` (inverse analytic information) or `cluster` (sandwich by unit).
    public let vce: String
    /// Degrees of freedom of the Student t behind every interval, p-value and test: G − 1
    /// when clustered (`clusters` = G), n* − k otherwise (docs/MODEL.md §5).
    public let t_df: Double
    @NullWhenAbsent public var clusters: Int?
    /// `cr1`, `cr2` or `cr3` when clustered, else null.
    @NullWhenAbsent public var cluster_correction: String?
    /// The SAC model: `expected` or `observed`, the information matrix the variance inverts (the
    /// sandwiches' bread); null for the other models (always the expected information).
    @NullWhenAbsent public var information: String?
    /// The SAC model with `--interval profile`: the profile-likelihood 95% intervals of ρ and λ; else null.
    @NullWhenAbsent public var profile_intervals: [ProfileIntervalJSON]?
    /// Why a profile interval that was asked for is absent; else null.
    @NullWhenAbsent public var profile_failure: String?
    public let coefficients: [NamedEstimateJSON]
    /// With the CR2 cluster variance: each coefficient's Satterthwaite degrees of freedom, in the
    /// order of `coefficients` (the t reference of its p-value and interval; docs/MODEL.md §5); else null.
    @NullWhenAbsent public var coefficient_df: [Double]?
    /// The σ̂² of `sigma2_rule` (the one every SE is evaluated at).
    @FiniteOrNull public var sigma2: Double
    /// `qml` (e'e/n*, default) or `dof` (e'e/(n − fixed effects − p)); docs/MODEL.md §4.
    public let sigma2_rule: String
    /// e'e/(n − fixed effects − p), the degrees-of-freedom-corrected residual variance (null when not a balanced fit).
    @NullWhenAbsent public var sigma2_dof: Double?
    @FiniteOrNull public var loglik: Double
    @FiniteOrNull public var aic: Double
    @FiniteOrNull public var bic: Double
    public let n, n_units, n_periods: Int
    public let converged: Bool
    /// `FitTermination`'s raw value: converged, boundary, iterationLimit, searchFailed, varianceUnavailable.
    public let termination: String
    public let reason: String
    public let iterations: Int
    public let impacts: [Impact]
    public let tests: [Test]
    @NullWhenAbsent public var rho: EstimateJSON?
    public let lambda: EstimateJSON?
    public let impacts_simulation: Simulation?
    public let curves: [Curve]?
    public let turning_points: [TurningPointJSON]?
    public let turning_point_shifts: [Shift]?

    public init(_ a: SpatialAnalysis) {
        let f = a.fit
        let est = { (e: EstimateWithSE) in EstimateJSON(e.estimate, e.se) }
        model = f.spec.model.rawValue
        effects = f.spec.effects.rawValue
        approach = f.spec.approach.rawValue
        let acc = f.logDeterminantAccuracy
        logdet = LogDeterminantJSON(method: f.logDeterminant.rawValue, truncation_bound: acc.truncationBound,
                                    mcse: acc.monteCarloSE, bound_rigorous: acc.rigorous,
                                    trace_GtG: f.traceGtG.map { TraceJSON(value: $0.value, mcse: $0.monteCarloSE, probes: $0.probes) })
        vce = [.cluster: "cluster", .conley: "conley"][f.varianceMethod] ?? "oim"
        t_df = f.tDegreesOfFreedom
        clusters = f.clusterCount
        cluster_correction = f.clusterCorrection?.rawValue
        information = f.spec.model == .sac ? f.spec.information.rawValue : nil
        profile_intervals = f.spec.interval == .profile
            ? SACParameter.allCases.compactMap { f.profileIntervals[$0].map(ProfileIntervalJSON.init) } : nil
        profile_failure = f.profileFailure
        coefficients = f.coefficientTable.map { NamedEstimateJSON(name: $0.name, estimate: $0.value.estimate, se: $0.value.se) }
        coefficient_df = f.coefficientDegreesOfFreedom
        sigma2 = f.sigma2
        sigma2_rule = f.spec.residualVariance.rawValue
        sigma2_dof = f.sigma2DOF
        loglik = f.logLikelihood
        aic = f.aic
        bic = f.bic
        n = f.nObservations
        n_units = f.n
        n_periods = f.t
        converged = f.converged
        termination = f.termination.rawValue
        reason = f.reason
        iterations = f.iterations
        impacts = a.impacts.map { Impact(variable: $0.variable, direct: est($0.direct), indirect: est($0.indirect), total: est($0.total)) }
        tests = a.tests.map { Test(name: $0.name, statistic: $0.statistic, df: $0.degreesOfFreedom, p: $0.pValue) }
        rho = f.rhoEstimate.map(est)
        lambda = f.lambdaEstimate.map(est)
        impacts_simulation = a.simulation.map { sim in
            let eff = { (e: SimulatedEffect) in SimulatedEffectJSON(mean: e.mean, sd: e.sd, lower: e.lower, upper: e.upper) }
            return Simulation(draws: sim.requested, used: sim.used, dropped: sim.dropped, impacts: sim.impacts.map {
                SimulatedImpactJSON(variable: $0.variable, direct: eff($0.direct), indirect: eff($0.indirect), total: eff($0.total))
            })
        }
        let nl = a.nonlinear
        curves = nl?.curves.map { c in
            Curve(effect: c.kind, moderator: finiteOrNil(c.moderatorValue), points: c.points.map {
                PointJSON(x: $0.x, estimate: $0.effect.estimate, se: $0.effect.se, lower: $0.effect.lower, upper: $0.effect.upper)
            })
        }
        turning_points = nl.map { nl in
            nl.turningPoints.map { tp in
                let u = nl.uTests.first { $0.kind == tp.kind && $0.moderatorValue == tp.moderatorValue }
                return TurningPointJSON(
                    effect: tp.kind, moderator: finiteOrNil(tp.moderatorValue), shape: tp.shape,
                    delta: IntervalJSON(tp.delta), fieller: Fieller(tp.fieller),
                    u_test: u.map { u in
                        UTest(lower: u.lower, upper: u.upper, slope_lower: est(u.slopeAtLower), slope_upper: est(u.slopeAtUpper),
                              t_lower: u.tLower, t_upper: u.tUpper, statistic: u.statistic, p: u.pValue, same_sign_slopes: u.sameSignSlopes)
                    })
            }
        }
        turning_point_shifts = nl?.shifts.map { Shift(effect: $0.kind, dxstar_dD: IntervalJSON($0.value), fieller: Fieller($0.fieller)) }
    }
}
