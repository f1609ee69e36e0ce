import Foundation
import Numerics

/// The SDM with a binary policy P (treat × post) interacted into a quadratic curve (issue 26;
/// the applied papers' "integration shifts the turning point" test):
///
///   y = ρWy + β1 x + β2 x² + β5 P·x + β6 P·x² + β7 P + W(θ1 x + θ2 x² + θ5 P·x + θ6 P·x² + θ7 P) + … ,
///
/// so that with the curve weights (m1, m2) of an effect kind (MODEL.md §3, §5) the slope is
/// g1 + 2 g2 x without the policy and (g1 + h1) + 2(g2 + h2) x with it,
/// g1 = m1β1 + m2θ1, g2 = m1β2 + m2θ2, h1 = m1β5 + m2θ5, h2 = m1β6 + m2θ6. The policy moves the
/// turning point from c0 = −g1/(2g2) to c1 = −(g1 + h1)/(2(g2 + h2)):
///
///   shift = c1 − c0,  ∇shift = ∇c1 − ∇c0 (delta method over β, θ and ρ through m1, m2).
///
/// Without the P·x² term (h2 ≡ 0) the shift is the ratio −h1/(2g2) and has the Fieller set of
/// MODEL.md §5 with (h1, g2) in place of (g1, g2) — exact in β, θ, linearised in ρ̂ through m1, m2,
/// as every Fieller set of `SpatialCurves`. With it the shift is a difference of two ratios; its set
/// inverts the Wald test of the restriction multiplied through by both denominators
/// (`differenceOfRatiosSet`), a quadratic inequality in the shift like Fieller's.
public struct PolicyCurveTerms: Sendable {
    public let linear: String
    public let square: String
    /// P·x.
    public let policyLinear: String
    /// P·x², or nil when the policy does not change the curvature.
    public let policySquare: String?

    public init(linear: String, square: String, policyLinear: String, policySquare: String?) {
        self.linear = linear; self.square = square; self.policyLinear = policyLinear; self.policySquare = policySquare
    }
}

/// One effect kind's policy shift of the curve.
public struct PolicyCurveShift: Sendable {
    public let kind: EffectKind
    /// c1 − c0 with its delta-method SE and interval; `pValue` is the two-sided t test of shift = 0.
    public let shift: IntervalEstimate
    public let pValue: Double
    /// The Fieller set of −h1/(2g2) (`interact: slope`), or with the curvature interacted too the
    /// test-inversion set of the difference of two ratios (`differenceOfRatiosSet`).
    public let fieller: FiellerInterval?
    /// The policy's change of the K effect's slope in x, h1 with the effect multipliers (the total
    /// effect's 1/(1 − ρ) included), Wald interval and p-value.
    public let slope: IntervalEstimate
    public let slopePValue: Double
    /// c0 and c1 (delta-method), for printing.
    public let withoutPolicy: IntervalEstimate
    public let withPolicy: IntervalEstimate
}

public enum PolicyCurve {
    /// The shifts of the direct, indirect and total curves, under the fit's one quantile rule
    /// (`SpatialFitResult.tDegreesOfFreedom`) at `level`.
    public static func shifts(_ fit: SpatialFitResult, kernel: some EffectMultiplierSource, terms: PolicyCurveTerms,
                              level: Double = 0.95) throws -> [PolicyCurveShift] {
        let p = fit.coefficients.count
        func idx(_ name: String) throws -> (Int, Int?) {
            guard let b = fit.index(of: name) else {
                throw EstimationError("the policy-curve analysis needs the coefficient '\(name)', which the model does not have (coefficients: \(fit.names.joined(separator: ", ")))")
            }
            return (b, fit.index(of: spatialLagName(name)))
        }
        let (b1, t1) = try idx(terms.linear), (b2, t2) = try idx(terms.square), (b5, t5) = try idx(terms.policyLinear)
        let b6t6 = try terms.policySquare.map(idx)
        func unit(_ k: Int?) -> [Double] {
            var v = [Double](repeating: 0, count: p)
            if let k { v[k] = 1 }
            return v
        }
        func sum(_ a: (Double, [Double]), _ b: (Double, [Double])) -> (Double, [Double]) { (a.0 + b.0, zip(a.1, b.1).map(+)) }
        let q = fit.criticalValue(level: level)
        let v = fit.vcov
        let m = kernel.multipliers(rho: SpatialImpacts.effectRho(fit))
        func interval(_ value: Double, _ gradient: [Double]) -> IntervalEstimate {
            let se = SpatialCurves.variance(gradient, gradient, v).squareRoot()
            return IntervalEstimate(estimate: value, se: se, lower: value - q * se, upper: value + q * se)
        }
        return EffectKind.allCases.map { kind in
            let ws = SpatialCurves.curveWeights(kind, m, forShape: true)
            let wc = SpatialCurves.curveWeights(kind, m, forShape: false)
            let g1 = SpatialCurves.combination(fit, ws, l1: unit(b1), l2: unit(t1))
            let g2 = SpatialCurves.combination(fit, ws, l1: unit(b2), l2: unit(t2))
            let h1 = SpatialCurves.combination(fit, ws, l1: unit(b5), l2: unit(t5))
            let h2 = b6t6.map { SpatialCurves.combination(fit, ws, l1: unit($0.0), l2: unit($0.1)) }
                ?? (0, [Double](repeating: 0, count: fit.parameterCount))
            let num1 = sum(g1, h1), den1 = sum(g2, h2)
            let c0 = -g1.0 / (2 * g2.0), c1 = -num1.0 / (2 * den1.0)
            let grad0 = SpatialCurves.ratioGradient(num: g1, den: g2), grad1 = SpatialCurves.ratioGradient(num: num1, den: den1)
            let shift = interval(c1 - c0, zip(grad1, grad0).map(-))
            let fieller = terms.policySquare == nil
                ? SpatialCurves.fieller(g1: h1.0, g2: g2.0, s11: SpatialCurves.variance(h1.1, h1.1, v),
                                        s12: SpatialCurves.variance(h1.1, g2.1, v), s22: SpatialCurves.variance(g2.1, g2.1, v), q: q)
                : differenceOfRatiosSet(g1: g1, g2: g2, h1: h1, h2: h2, v: v, q: q)
            let slope = SpatialCurves.combination(fit, wc, l1: unit(b5), l2: unit(t5))
            let slopeInterval = interval(slope.0, slope.1)
            return PolicyCurveShift(kind: kind, shift: shift, pValue: fit.twoSidedPValue(shift.estimate / shift.se), fieller: fieller,
                                    slope: slopeInterval, slopePValue: fit.twoSidedPValue(slopeInterval.estimate / slopeInterval.se),
                                    withoutPolicy: interval(c0, grad0), withPolicy: interval(c1, grad1))
        }
    }

    /// The confidence set of shift = c1 − c0 with P·x² in the model, by inverting the Wald test of
    /// H0: shift = s written without denominators (Fieller's device, Dufour 1997):
    ///   f_s = g1 h2 − h1 g2 − 2s g2(g2 + h2) = 0   (c1 − c0 = s times 2g2(g2 + h2)).
    /// f_s is linear in s, A − sB with A = g1h2 − h1g2, B = 2g2(g2 + h2), and its gradient in
    /// (g1, g2, h1, h2) is u − sv, u = (h2, −h1, −g2, g1), v = (0, 2(2g2 + h2), 0, 2g2), so with Σ their
    /// covariance (through β, θ and ρ̂) the set {s : (A − sB)² ≤ q²(u − sv)'Σ(u − sv)} is a quadratic
    /// inequality in s: an interval, the whole line, or two rays (the complement of an interval) when
    /// B² < q² v'Σv — that is, when the denominators are not significantly away from zero. f_s is
    /// bilinear in the coefficients, so its variance is linearised in them (exact for the ratio-only
    /// `interact: slope` set, whose f_s is linear). The point estimate ŝ = A/B always lies in the set.
    static func differenceOfRatiosSet(g1: (Double, [Double]), g2: (Double, [Double]), h1: (Double, [Double]),
                                      h2: (Double, [Double]), v: Matrix, q: Double) -> FiellerInterval {
        let grads = [g1.1, g2.1, h1.1, h2.1]
        let sigma = grads.map { a in grads.map { b in SpatialCurves.variance(a, b, v) } }
        let u = [h2.0, -h1.0, -g2.0, g1.0], w = [0, 2 * (2 * g2.0 + h2.0), 0, 2 * g2.0]
        func form(_ x: [Double], _ y: [Double]) -> Double {
            var total = 0.0
            for i in 0..<4 { for j in 0..<4 { total += x[i] * sigma[i][j] * y[j] } }
            return total
        }
        let a = g1.0 * h2.0 - h1.0 * g2.0, b = 2 * g2.0 * (g2.0 + h2.0)
        // (A − sB)² ≤ q²(uΣu − 2s uΣv + s² vΣv) is SpatialCurves.fieller's (ĝ1 + 2ĝ2 s)² ≤ q²(s11 + 4s s12 + 4s² s22)
        // with ĝ1 = −A, ĝ2 = B/2, s11 = uΣu, s12 = −uΣv/2, s22 = vΣv/4.
        return SpatialCurves.fieller(g1: -a, g2: b / 2, s11: form(u, u), s12: -form(u, w) / 2, s22: form(w, w) / 4, q: q)
    }

    /// As above with the effect multipliers of `weights`.
    public static func shifts(_ fit: SpatialFitResult, weights: SpatialWeights, terms: PolicyCurveTerms,
                              level: Double = 0.95) throws -> [PolicyCurveShift] {
        try shifts(fit, kernel: ImpactKernel(weights: weights), terms: terms, level: level)
    }
}
