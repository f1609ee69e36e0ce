import Foundation
import Numerics

/// A Fieller confidence set for a turning point x* = −g1/(2 g2): the x0 with
/// (ĝ1 + 2ĝ2x0)² ≤ q²(s11 + 4x0 s12 + 4x0² s22). It need not be an interval.
public enum FiellerInterval: Sendable, Equatable {
    case bounded(lower: Double, upper: Double)
    /// (−∞, lower] ∪ [upper, ∞): two disjoint unbounded pieces.
    case disjoint(lower: Double, upper: Double)
    /// (−∞, upper].
    case unboundedBelow(upper: Double)
    /// [lower, ∞).
    case unboundedAbove(lower: Double)
    /// Every real number: the data cannot locate the turning point.
    case wholeLine
    case empty

    public var label: String {
        switch self {
        case .bounded: "bounded"
        case .disjoint: "disjoint"
        case .unboundedBelow, .unboundedAbove: "half-line"
        case .wholeLine: "whole-line"
        case .empty: "empty"
        }
    }
}

/// A confidence interval around an estimate.
public struct IntervalEstimate: Sendable, Codable {
    public let estimate: Double
    public let se: Double
    public let lower: Double
    public let upper: Double
}

/// The marginal effect of x on y (direct, indirect or total) at x and D.
public struct CurvePoint: Sendable {
    public let x: Double
    public let effect: IntervalEstimate
}

public struct EffectCurve: Sendable {
    public let kind: EffectKind
    /// The moderator value D the curve is drawn at (nil without a moderator).
    public let moderatorValue: Double?
    public let points: [CurvePoint]
}

/// Turning point of one curve at one moderator value (MODEL.md §5).
public struct TurningPoint: Sendable {
    public let kind: EffectKind
    public let moderatorValue: Double?
    public let shape: CurveShape
    /// x* with its delta-method SE and interval.
    public let delta: IntervalEstimate
    public let fieller: FiellerInterval
}

/// dx*/dD = −(m1β3 + m2θ3)/(2(m1β2 + m2θ2)) with a delta-method interval and its
/// Fieller set (the same ratio form as a turning point, with h = m1β3 + m2θ3 for g1).
public struct TurningPointShift: Sendable {
    public let kind: EffectKind
    public let value: IntervalEstimate
    public let fieller: FiellerInterval
}

/// Lind & Mehlum (2010) test of a U (or inverted U) on [lower, upper].
public struct UShapeTest: Sendable {
    public let kind: EffectKind
    public let moderatorValue: Double?
    public let shape: CurveShape
    public let lower: Double
    public let upper: Double
    public let slopeAtLower: EstimateWithSE
    public let slopeAtUpper: EstimateWithSE
    public let tLower: Double
    public let tUpper: Double
    /// min of the two endpoint t-statistics, signed so that large values support the shape.
    public let statistic: Double
    /// max of the two one-sided p-values; slopes of the same sign give p ≥ 0.5 (never reject).
    public let pValue: Double
    public let sameSignSlopes: Bool
    /// True when the slopes are those of β + θ (weights (1, 1): the total effect under a
    /// row-standardised W, whose common factor 1/(1 − ρ) is left out), not the effect curve's.
    public let unweighted: Bool
}

public struct NonlinearEffects: Sendable {
    public let curves: [EffectCurve]
    public let turningPoints: [TurningPoint]
    public let shifts: [TurningPointShift]
    public let uTests: [UShapeTest]
    /// Degrees of freedom of the t reference distribution (n* − number of parameters).
    public let degreesOfFreedom: Double
}

/// Nonlinear (quadratic, moderated) effect curves, turning points and U-tests (MODEL.md §5).
public enum SpatialCurves {
    /// Curve weights (m1, m2) and ρ-derivatives. Curves use the effect multipliers (direct a,
    /// indirect k = t − a, total t); turning points and U-tests use (a1, a2), (k1, k2) and
    /// (t1, t2) for the total effect. When W is row-standardised t1 = t2 = 1/(1 − ρ), a
    /// positive common factor that moves neither the zero nor the sign of the total curve,
    /// so the weights (1, 1) of MODEL.md §5 are used and keep ρ̂'s noise out of the total
    /// turning point and U-test. For any other W (e.g. spectrally normalised) t1 ≠ t2 in
    /// general, and the exact multipliers must be used, as the truth does (TrueEstimands).
    static func curveWeights(_ kind: EffectKind, _ m: EffectMultipliers, forShape: Bool) -> (Double, Double, Double, Double) {
        if forShape && kind == .total && m.totalIsCommonFactor { return (1, 1, 0, 0) }
        return m.weights(kind)
    }

    /// Value and gradient of m1·(l1'b) + m2·(l2'b) over the full parameter vector.
    static func combination(_ fit: SpatialFitResult, _ w: (Double, Double, Double, Double),
                            l1: [Double], l2: [Double]) -> (Double, [Double]) {
        var g = [Double](repeating: 0, count: fit.parameterCount)
        let value = combination(fit, w, l1: l1, l2: l2, gradient: &g)
        return (value, g)
    }

    /// The same value, with the gradient written into `g` (length `fit.parameterCount`, every
    /// entry overwritten): for the curve grid's hundreds of points without an array each.
    static func combination(_ fit: SpatialFitResult, _ w: (Double, Double, Double, Double),
                            l1: [Double], l2: [Double], gradient g: inout [Double]) -> Double {
        let (m1, m2, dm1, dm2) = w
        let b = fit.coefficients
        let c1 = Vector.dot(l1, b), c2 = Vector.dot(l2, b)
        for k in g.indices { g[k] = 0 }
        for k in 0..<b.count { g[k] = m1 * l1[k] + m2 * l2[k] }
        if fit.rho != nil, let r = fit.spatialIndex { g[r] = dm1 * c1 + dm2 * c2 }
        return m1 * c1 + m2 * c2
    }

    /// gᵀ V h: `Vector.dot(g, v.multiply(h))` bit for bit, without a BLAS call (`Matrix.bilinearForm`).
    static func variance(_ g: [Double], _ h: [Double], _ v: Matrix) -> Double { v.bilinearForm(g, h) }

    /// Sets `l` to s0·e_k0 + s1·e_k1 + s2·e_k2 (absent indices skipped), adding in the order given as
    /// the sums of unit vectors it replaces did (three terms as arguments: no array per call).
    static func setUnits(_ l: inout [Double], _ t0: (Int?, Double), _ t1: (Int?, Double), _ t2: (Int?, Double)) {
        for k in l.indices { l[k] = 0 }
        if let k = t0.0 { l[k] += t0.1 }
        if let k = t1.0 { l[k] += t1.1 }
        if let k = t2.0 { l[k] += t2.1 }
    }

    /// Curves on `grid` at each moderator value, turning points (delta and Fieller), dx*/dD and
    /// the U-test on [lower, upper] for the direct, indirect and total effects.
    /// Inference uses Student t with n* − k degrees of freedom at `level`.
    public static func analyse(_ fit: SpatialFitResult, weights: SpatialWeights, terms: QuadraticTerms,
                               grid: [Double], moderatorValues: [Double], lower: Double, upper: Double,
                               level: Double = 0.95, curvesWanted: ((EffectKind, Double?) -> Bool)? = nil,
                               pointsWanted: ((EffectKind, Double?, Int) -> Bool)? = nil) throws -> NonlinearEffects {
        try analyse(fit, kernel: ImpactKernel(weights: weights), terms: terms, grid: grid, moderatorValues: moderatorValues,
                    lower: lower, upper: upper, level: level, curvesWanted: curvesWanted, pointsWanted: pointsWanted)
    }

    /// As above with the effect multipliers of `kernel` (e.g. averaged over an unbalanced panel's years).
    /// `curvesWanted(kind, moderator value)`, when given, limits the effect curves on the grid to
    /// those it accepts (a Monte Carlo run forms only the curves it scores: each is 41 delta-method
    /// points); turning points, shifts and U-tests are always all formed. `pointsWanted(kind, moderator
    /// value, j)`, when given, limits a formed curve's points to those it accepts (j: the grid index; a
    /// Monte Carlo run scores every 4th or 20th): the others keep their x with a NaN estimate, SE and
    /// bounds (not formed), so a curve still has one point per grid value and index j is grid point j.
    public static func analyse(_ fit: SpatialFitResult, kernel: some EffectMultiplierSource, terms: QuadraticTerms,
                               grid: [Double], moderatorValues: [Double], lower: Double, upper: Double,
                               level: Double = 0.95, curvesWanted: ((EffectKind, Double?) -> Bool)? = nil,
                               pointsWanted: ((EffectKind, Double?, Int) -> Bool)? = nil) throws -> NonlinearEffects {
        let p = fit.coefficients.count
        func idx(_ name: String?) throws -> (Int?, Int?) {
            guard let name else { return (nil, nil) }
            guard let b = fit.index(of: name) else {
                throw EstimationError("the quadratic analysis needs the coefficient '\(name)', which the model does not have (coefficients: \(fit.names.joined(separator: ", ")))")
            }
            return (b, fit.index(of: spatialLagName(name)))
        }
        let (b1, t1) = try idx(terms.linear)
        let (b2, t2) = try idx(terms.square)
        let (b3, t3) = try idx(terms.interaction)
        guard lower < upper else { throw EstimationError("U-test interval [\(lower), \(upper)] is empty") }
        // The unit combinations l1 = Σ s·e_k and l2 in two buffers for the whole analysis (`setUnits`: the
        // values of the sums of unit vectors they replace, bit for bit), not arrays per combination.
        var l1 = [Double](repeating: 0, count: p), l2 = l1
        func linear(_ w: (Double, Double, Double, Double), _ u0: (Int?, Double), _ u1: (Int?, Double),
                    _ v0: (Int?, Double), _ v1: (Int?, Double)) -> (Double, [Double]) {
            setUnits(&l1, u0, u1, (nil, 0))
            setUnits(&l2, v0, v1, (nil, 0))
            return combination(fit, w, l1: l1, l2: l2)
        }
        // The fit's one quantile rule: t(G − 1) when clustered, t(n* − k) otherwise.
        let df = fit.tDegreesOfFreedom
        let q = fit.criticalValue(level: level)
        let m = kernel.multipliers(rho: SpatialImpacts.effectRho(fit))
        let ds: [Double?] = terms.interaction == nil || moderatorValues.isEmpty ? [nil] : moderatorValues.map { $0 }
        let v = fit.vcov

        var curves: [EffectCurve] = [], tps: [TurningPoint] = [], shifts: [TurningPointShift] = [], tests: [UShapeTest] = []
        for kind in EffectKind.allCases {
            let wc = curveWeights(kind, m, forShape: false), ws = curveWeights(kind, m, forShape: true)
            // slope(x, d) = g1(d) + 2 g2 x with g1 = m1(β1 + β3 d) + m2(θ1 + θ3 d), g2 = m1β2 + m2θ2.
            func g1(_ w: (Double, Double, Double, Double), _ d: Double?) -> (Double, [Double]) {
                linear(w, (b1, 1), (b3, d ?? 0), (t1, 1), (t3, d ?? 0))
            }
            let g2 = linear(ws, (b2, 1), (nil, 0), (t2, 1), (nil, 0))
            let shape: CurveShape = g2.0 > 0 ? .u : .invertedU
            let s22 = variance(g2.1, g2.1, v)   // the same for every d and the shift (one form, not four)
            for d in ds {
                if curvesWanted?(kind, d) ?? true {
                    // One set of buffers for the whole grid (the arithmetic of combination unchanged); the
                    // formed points' gradients side by side, their variances gᵀVg in one call
                    // (`Matrix.quadraticForms`: each the bits of dot(g, V g) with V g by dgemv).
                    var g = [Double](repeating: 0, count: fit.parameterCount)
                    var formed: [Int] = [], values: [Double] = [], gradients: [Double] = []
                    for (j, x) in grid.enumerated() where pointsWanted?(kind, d, j) ?? true {
                        setUnits(&l1, (b1, 1), (b2, 2 * x), (b3, d ?? 0))
                        setUnits(&l2, (t1, 1), (t2, 2 * x), (t3, d ?? 0))
                        values.append(combination(fit, wc, l1: l1, l2: l2, gradient: &g))
                        gradients.append(contentsOf: g)
                        formed.append(j)
                    }
                    let variances = v.quadraticForms(gradients, count: formed.count)
                    var pts = grid.map { CurvePoint(x: $0, effect: IntervalEstimate(estimate: .nan, se: .nan, lower: .nan, upper: .nan)) }
                    for (i, j) in formed.enumerated() {
                        let val = values[i], se = variances[i].squareRoot()
                        pts[j] = CurvePoint(x: grid[j], effect: IntervalEstimate(estimate: val, se: se, lower: val - q * se, upper: val + q * se))
                    }
                    curves.append(EffectCurve(kind: kind, moderatorValue: d, points: pts))
                }

                let a = g1(ws, d)
                let s11 = variance(a.1, a.1, v), s12 = variance(a.1, g2.1, v)
                let xStar = -a.0 / (2 * g2.0)
                let grad = ratioGradient(num: a, den: g2)
                let se = variance(grad, grad, v).squareRoot()
                tps.append(TurningPoint(kind: kind, moderatorValue: d, shape: shape,
                                        delta: IntervalEstimate(estimate: xStar, se: se, lower: xStar - q * se, upper: xStar + q * se),
                                        fieller: fieller(g1: a.0, g2: g2.0, s11: s11, s12: s12, s22: s22, q: q)))
                tests.append(uTest(kind: kind, d: d, shape: shape, g1: a.0, g2: g2.0, s11: s11, s12: s12, s22: s22,
                                   lower: lower, upper: upper, df: df, unweighted: kind == .total && m.totalIsCommonFactor))
            }
            if terms.interaction != nil {
                let h = linear(ws, (b3, 1), (nil, 0), (t3, 1), (nil, 0))
                let val = -h.0 / (2 * g2.0)
                let grad = ratioGradient(num: h, den: g2)
                let se = variance(grad, grad, v).squareRoot()
                let set = fieller(g1: h.0, g2: g2.0, s11: variance(h.1, h.1, v), s12: variance(h.1, g2.1, v), s22: s22, q: q)
                shifts.append(TurningPointShift(kind: kind, value: IntervalEstimate(estimate: val, se: se, lower: val - q * se, upper: val + q * se),
                                                fieller: set))
            }
        }
        return NonlinearEffects(curves: curves, turningPoints: tps, shifts: shifts, uTests: tests, degreesOfFreedom: df)
    }

    /// Gradient of −num/(2·den): −∇num/(2 den) + num ∇den/(2 den²).
    static func ratioGradient(num: (Double, [Double]), den: (Double, [Double])) -> [Double] {
        let a: Double = -1 / (2 * den.0)
        let b: Double = num.0 / (2 * den.0 * den.0)
        var g = [Double](repeating: 0, count: num.1.count)
        for k in 0..<g.count { g[k] = a * num.1[k] + b * den.1[k] }
        return g
    }

    /// Fieller set: A x² + B x + C ≤ 0 with A = 4(ĝ2² − q²s22), B = 4(ĝ1ĝ2 − q²s12), C = ĝ1² − q²s11.
    public static func fieller(g1: Double, g2: Double, s11: Double, s12: Double, s22: Double, q: Double) -> FiellerInterval {
        let q2 = q * q
        let a = 4 * (g2 * g2 - q2 * s22)
        let b = 4 * (g1 * g2 - q2 * s12)
        let c = g1 * g1 - q2 * s11
        let scale = max(4 * g2 * g2, 4 * q2 * s22, .leastNormalMagnitude)
        if abs(a) <= 1e-12 * scale {
            if b > 0 { return .unboundedBelow(upper: -c / b) }
            if b < 0 { return .unboundedAbove(lower: -c / b) }
            return c <= 0 ? .wholeLine : .empty
        }
        let disc = b * b - 4 * a * c
        if a > 0 {
            // x̂* = −ĝ1/(2ĝ2) always lies in the set (its left side is 0 there), so disc ≥ 0
            // exactly; a negative value is rounding at a degenerate (zero-variance) point.
            guard disc >= 0 else { let x = -b / (2 * a); return .bounded(lower: x, upper: x) }
            let r = disc.squareRoot()
            return .bounded(lower: (-b - r) / (2 * a), upper: (-b + r) / (2 * a))
        }
        guard disc > 0 else { return .wholeLine }
        let r = disc.squareRoot()
        let x1 = (-b + r) / (2 * a), x2 = (-b - r) / (2 * a)
        return .disjoint(lower: min(x1, x2), upper: max(x1, x2))
    }

    /// Lind & Mehlum (2010): for a U, H1 is s(x_l) < 0 < s(x_h); statistic min(−t_l, t_h),
    /// p = max(p_l, p_h) with one-sided Student-t p-values; reversed signs for an inverted U.
    static func uTest(kind: EffectKind, d: Double?, shape: CurveShape, g1: Double, g2: Double, s11: Double, s12: Double,
                      s22: Double, lower: Double, upper: Double, df: Double, unweighted: Bool) -> UShapeTest {
        func slope(_ x: Double) -> EstimateWithSE {
            EstimateWithSE(estimate: g1 + 2 * g2 * x, se: (s11 + 4 * x * s12 + 4 * x * x * s22).squareRoot())
        }
        let sl = slope(lower), sh = slope(upper)
        let tl = sl.estimate / sl.se, th = sh.estimate / sh.se
        let sign: Double = shape == .u ? 1 : -1
        let pl = StudentT.cdf(sign * tl, df: df)          // H0: sign·s(x_l) ≥ 0
        let ph = StudentT.survival(sign * th, df: df)     // H0: sign·s(x_h) ≤ 0
        return UShapeTest(kind: kind, moderatorValue: d, shape: shape, lower: lower, upper: upper,
                          slopeAtLower: sl, slopeAtUpper: sh, tLower: tl, tUpper: th,
                          statistic: min(-sign * tl, sign * th), pValue: max(pl, ph),
                          sameSignSlopes: (sl.estimate < 0) == (sh.estimate < 0), unweighted: unweighted)
    }
}
