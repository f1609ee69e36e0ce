import Foundation
import Numerics

/// `spillsim estimate sdm --dynamic --json` (keys in docs/spatial.md, "Dynamic SDM").
public struct DynamicSpatialAnalysisJSON: Encodable, Sendable {
    /// One horizon: the static report's effect, curve and turning-point keys, or why it is absent.
    public struct Horizon: Encodable, Sendable {
        public let horizon: String
        public let available: Bool
        public let reason: String?
        public let impacts: [SpatialAnalysisJSON.Impact]
        public let curves: [SpatialAnalysisJSON.Curve]?
        public let turning_points: [SpatialAnalysisJSON.TurningPointJSON]?
        public let turning_point_shifts: [SpatialAnalysisJSON.Shift]?

        init(_ h: DynamicHorizonAnalysis) {
            horizon = h.horizon.rawValue
            available = h.fit != nil
            reason = h.unavailable
            if let fit = h.fit {
                let j = SpatialAnalysisJSON(SpatialAnalysis(fit: fit, impacts: h.impacts, nonlinear: h.nonlinear, tests: [],
                                                            simulation: nil))
                impacts = j.impacts
                curves = j.curves
                turning_points = j.turning_points
                turning_point_shifts = j.turning_point_shifts
            } else {
                impacts = []; curves = nil; turning_points = nil; turning_point_shifts = nil
            }
        }
    }
    public struct Uncorrected: Encodable, Sendable {
        public let coefficients: [NamedEstimateJSON]
        public let rho: EstimateJSON
        @FiniteOrNull public var sigma2: Double
        @FiniteOrNull public var loglik: Double
    }

    public let model = "sdm"
    public let dynamic = true
    public let effects = "twoways"
    public let approach = "lee-yu"
    public let bias_correction: String
    public let correction_applied: Bool
    public let tau: EstimateJSON
    public let eta: EstimateJSON
    public let rho: EstimateJSON
    public let coefficients: [NamedEstimateJSON]
    @FiniteOrNull public var sigma2: Double
    @FiniteOrNull public var loglik: Double
    @FiniteOrNull public var largest_root: Double
    public let n, n_units, n_periods, n_periods_used: Int
    public let converged: Bool
    public let termination: String
    public let reason: String
    public let uncorrected: Uncorrected
    public let short_run: Horizon
    public let long_run: Horizon

    public init(_ a: DynamicSpatialAnalysis) {
        let d = a.dynamic, f = d.fit, u = d.uncorrected
        let est = { (e: EstimateWithSE) in EstimateJSON(e.estimate, e.se) }
        bias_correction = d.biasCorrection.rawValue
        correction_applied = d.correctionApplied
        tau = est(d.tau)
        eta = est(d.eta)
        rho = est(d.rho)
        coefficients = f.coefficientTable.map { NamedEstimateJSON(name: $0.name, estimate: $0.value.estimate, se: $0.value.se) }
        sigma2 = f.sigma2
        loglik = f.logLikelihood
        largest_root = d.largestRoot
        n = f.nObservations
        n_units = f.n
        n_periods = f.t + 1
        n_periods_used = f.t
        converged = f.converged
        termination = f.termination.rawValue
        reason = f.reason
        uncorrected = Uncorrected(
            coefficients: u.coefficientTable.map { NamedEstimateJSON(name: $0.name, estimate: $0.value.estimate, se: $0.value.se) },
            rho: est(u.rhoEstimate!), sigma2: u.sigma2, loglik: u.logLikelihood)
        short_run = Horizon(a.shortRun)
        long_run = Horizon(a.longRun)
    }
}
