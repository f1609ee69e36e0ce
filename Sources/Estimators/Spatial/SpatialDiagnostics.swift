import Foundation
import Numerics

/// A χ² test statistic.
public struct ChiSquaredTest: Sendable, Codable {
    public let name: String
    public let statistic: Double
    public let degreesOfFreedom: Int
    public let pValue: Double

    init(_ name: String, _ statistic: Double, df: Int) {
        self.name = name
        self.statistic = statistic
        degreesOfFreedom = df
        pValue = statistic.isFinite ? ChiSquared.survival(max(statistic, 0), df: Double(df)) : .nan
    }
}

/// Lagrange-multiplier tests on the non-spatial fixed-effects model.
public struct LagrangeMultiplierTests: Sendable {
    public let lag: ChiSquaredTest
    public let error: ChiSquaredTest
    public let robustLag: ChiSquaredTest
    public let robustError: ChiSquaredTest
}

/// Specification tests for the spatial Durbin family (MODEL.md §4; Elhorst 2014, §3.5).
public enum SpatialDiagnostics {
    /// Wald test of SDM → SAR: θ = 0 (all W-lags of regressors), χ²(number of lags).
    public static func waldSDMtoSAR(_ fit: SpatialFitResult) throws -> ChiSquaredTest {
        let lags = fit.durbinIndex.compactMap { $0.theta }
        guard fit.spec.model == .sdm, !lags.isEmpty else {
            throw EstimationError("the Wald test SDM → SAR needs an SDM fit with W-lagged regressors")
        }
        let h = lags.map { fit.coefficients[$0] }
        let jac = lags.map { k -> [Double] in
            var g = [Double](repeating: 0, count: fit.parameterCount)
            g[k] = 1
            return g
        }
        return ChiSquaredTest("Wald SDM→SAR (θ = 0)", try wald(h, jac, fit.vcov), df: h.count)
    }

    /// Nonlinear Wald test of SDM → SEM: θ_k + ρβ_k = 0 for every lagged regressor (common
    /// factor restriction), delta-method variance with ∂/∂θ_k = 1, ∂/∂β_k = ρ, ∂/∂ρ = β_k.
    public static func waldSDMtoSEM(_ fit: SpatialFitResult) throws -> ChiSquaredTest {
        guard fit.spec.model == .sdm, let rho = fit.rho, let r = fit.spatialIndex else {
            throw EstimationError("the Wald test SDM → SEM needs an SDM fit")
        }
        let pairs = fit.durbinIndex.compactMap { p in p.theta.map { (p.beta, $0) } }
        guard !pairs.isEmpty else { throw EstimationError("the Wald test SDM → SEM needs W-lagged regressors") }
        let h = pairs.map { fit.coefficients[$0.1] + rho * fit.coefficients[$0.0] }
        let jac = pairs.map { (b, t) -> [Double] in
            var g = [Double](repeating: 0, count: fit.parameterCount)
            g[t] = 1
            g[b] = rho
            g[r] = fit.coefficients[b]
            return g
        }
        return ChiSquaredTest("Wald SDM→SEM (θ = −ρβ)", try wald(h, jac, fit.vcov), df: h.count)
    }

    static func wald(_ h: [Double], _ jac: [[Double]], _ v: Matrix) throws -> Double {
        let q = h.count
        var c = Matrix(rows: q, cols: q)
        for i in 0..<q { let vi = v.multiply(jac[i]); for j in 0..<q { c[j, i] = Vector.dot(jac[j], vi) } }
        let x = try Cholesky(c).solve(h)
        return Vector.dot(h, x)
    }

    /// LR = 2(ℓ_unrestricted − ℓ_restricted), χ² with the difference in parameter counts.
    /// Both fits must use the same data, effects and approach (same n*).
    public static func likelihoodRatio(restricted: SpatialFitResult, unrestricted: SpatialFitResult) throws -> ChiSquaredTest {
        guard restricted.nObservations == unrestricted.nObservations,
              restricted.spec.effects == unrestricted.spec.effects,
              restricted.spec.approach == unrestricted.spec.approach else {
            throw EstimationError("LR test: the two fits differ in effects, approach or sample size; they are not nested")
        }
        let df = unrestricted.parameterCount - restricted.parameterCount
        guard df > 0 else { throw EstimationError("LR test: the unrestricted model has no more parameters than the restricted one") }
        let name = "LR \(unrestricted.spec.model.rawValue.uppercased())→\(restricted.spec.model.rawValue.uppercased())"
        return ChiSquaredTest(name, 2 * (unrestricted.logLikelihood - restricted.logLikelihood), df: df)
    }

    /// LM lag and error tests and their robust versions (Anselin et al. 1996; panel form of
    /// Elhorst 2014, §3.5) on the non-spatial model with the given effects:
    /// d_ρ = e'Q(Wy)/σ², d_λ = e'(I⊗W)e/σ², T_W = c·[tr(W'W) + tr(W²)] (effective traces),
    /// J = [(WZ̃β̂)'M(WZ̃β̂) + T_W σ²]/σ²; LM_lag = d_ρ²/J, LM_err = d_λ²/T_W,
    /// robust lag = (d_ρ − d_λ)²/(J − T_W), robust error = (d_λ − T_W d_ρ/J)²/(T_W(1 − T_W/J)).
    public static func lagrangeMultiplier(panel: SpatialPanel, weights: SpatialWeights,
                                          effects: FixedEffects, approach: SpatialApproach = .direct) throws -> LagrangeMultiplierTests {
        let spec = SpatialModelSpec(model: .ols, effects: effects, approach: approach, durbin: .none)
        let d = try SpatialDesign(spec: spec, panel: panel, weights: weights)
        let ls = try LeastSquares(x: d.z, y: d.y)
        let e = ls.residuals
        let s2 = ls.residualSumOfSquares / d.shape.nStar
        let dRho = Vector.dot(e, d.wy) / s2
        let dLam = Vector.dot(e, weights.applyPanel(e)) / s2
        let tw = d.shape.periods * (d.shape.traceG2(0, spectrum: weights.logDeterminant)
            + (try SpatialVariance.effectiveTraceGtG(0, shape: d.shape, weights: weights).value))
        // J needs W Z̃β̂ with the fixed effects removed, as every other regressor: the annihilator
        // of the full design (dummies included) is M_Z̃ Q. Unit demeaning leaves W Z̃β̂ unchanged
        // (its unit sums are already zero), but time effects do not: 1'W Z̃_t β̂ ≠ 0 in general.
        let wzb = WithinTransform.apply(weights.applyPanel(d.z.multiply(ls.coefficients)), n: d.n, t: d.t, effects: effects)
        let mw = try LeastSquares(x: d.z, y: wzb).residuals
        let j = (Vector.dot(mw, mw) + tw * s2) / s2
        return LagrangeMultiplierTests(
            lag: ChiSquaredTest("LM lag", dRho * dRho / j, df: 1),
            error: ChiSquaredTest("LM error", dLam * dLam / tw, df: 1),
            robustLag: ChiSquaredTest("robust LM lag", (dRho - dLam) * (dRho - dLam) / (j - tw), df: 1),
            robustError: ChiSquaredTest("robust LM error", pow(dLam - tw / j * dRho, 2) / (tw * (1 - tw / j)), df: 1))
    }
}
