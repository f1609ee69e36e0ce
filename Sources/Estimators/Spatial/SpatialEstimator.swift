import Foundation
import Numerics

/// Exact quasi-maximum-likelihood estimation of the spatial Durbin family on a
/// balanced panel (MODEL.md §4).
public enum SpatialEstimator {
    /// Bracket width at which Brent stops. The concentrated likelihood is flat to
    /// rounding within about √(ε|f|/f'') ≈ 3e-8 of the optimum, so function values
    /// cannot locate it better; Newton steps on the analytic score then take the
    /// estimate to rounding level (|step| < 1e-12) in two or three iterations.
    static let brentTolerance = 1e-6

    /// Fits `spec` to `panel` with the log-determinant method of `weights` (the cached
    /// spectrum, or sparse factorisations / series when W is held sparse).
    ///
    /// Per fit: one product with W (O(N²T)), two least-squares fits, a Brent search
    /// whose evaluations cost O(N) (SAR/SDM) or O(p³ + N) (SEM/SDEM), and the analytic
    /// information matrix in O(N²T). No O(N³) step unless W has no symmetric form.
    /// A boundary solution or iteration limit is reported in `termination`, not thrown.
    /// `conley` (the cutoff, kernel, lag and the units' neighbour list) is required with `variance: .conley`;
    /// `clusterCorrection` applies to `variance: .cluster` and `.conley` (any other value than `.cr1` is refused otherwise).
    public static func fit(_ spec: SpatialModelSpec, panel: SpatialPanel, weights: SpatialWeights,
                           variance: SpatialVarianceMethod = .analytic, clusterCorrection: ClusterCorrection = .standard,
                           conley: ConleySpec? = nil, clock: StageClock? = nil,
                           shared: (fits: SharedSpatialFits, weightsName: String)? = nil) throws -> SpatialFitResult {
        try fit(spec, panel: panel, weights: weights, variance: variance, clusterCorrection: clusterCorrection, conley: conley,
                clock: clock, shared: shared, design: nil)
    }

    /// As the public `fit`, on a design already built when `design` is given (the dynamic SDM's
    /// augmented design with its own likelihood shape, `DynamicSpatialEstimator`).
    static func fit(_ spec: SpatialModelSpec, panel: SpatialPanel, weights: SpatialWeights, variance: SpatialVarianceMethod,
                    clusterCorrection: ClusterCorrection = .standard, conley: ConleySpec? = nil, clock: StageClock?,
                    shared: (fits: SharedSpatialFits, weightsName: String)?, design: SpatialDesign?) throws -> SpatialFitResult {
        guard variance == .cluster || variance == .conley || clusterCorrection == .cr1 else {
            throw EstimationError("the cluster correction \(clusterCorrection.rawValue) applies to the cluster and Conley variances, not to \(variance.rawValue)")
        }
        if spec.residualVariance != .qml {
            // The dof σ̂² is a plug-in for the information matrix; the sandwiches carry their own
            // small-sample corrections (CR1–CR3) and the Hessian is the curvature at the maximum.
            guard variance == .analytic else {
                throw EstimationError("the degrees-of-freedom σ̂² (residual variance dof) applies to the analytic variance, not to \(variance.rawValue); use the QML σ̂² with it")
            }
            guard spec.model != .sac, design == nil else {
                throw EstimationError("the degrees-of-freedom σ̂² (residual variance dof) is implemented for the static SDM family without a second weight matrix (sdm, sar, slx, sem, sdem, ols), not for the SAC or dynamic model")
            }
        }
        guard spec.information == .expected || spec.model == .sac else {
            throw EstimationError("the observed information is implemented for the SAC model, not \(spec.model.rawValue); use the expected information")
        }
        guard spec.interval == .wald || spec.model == .sac else {
            throw EstimationError("the profile-likelihood interval is implemented for the SAC model's ρ and λ, not \(spec.model.rawValue); use the Wald interval")
        }
        if spec.model == .sac {
            guard design == nil else { throw EstimationError("the SAC model has no dynamic form") }
            return try clock.measure("fit") {
                try SACEstimator.fit(spec, panel: panel, weights: weights, variance: variance, clusterCorrection: clusterCorrection,
                                     conley: conley)
            }
        }
        guard (variance == .conley) == (conley != nil) else {
            throw EstimationError(variance == .conley ? "the Conley variance needs its settings (cutoff, kernel, lag, neighbours)"
                                                      : "Conley settings were given but the variance is \(variance.rawValue)")
        }
        let key = shared.map { SharedSpatialFits.FitKey(weights: $0.weightsName, spec: spec) }
        let prepared: SharedSpatialFits.Entry
        if let key, let hit = shared?.fits.entries[key] {
            prepared = hit
        } else {
            let (d, point) = try estimatePoint(spec, panel: panel, weights: weights, clock: clock,
                                               design: design, shared: design == nil ? shared : nil)
            let atSigma2 = try point.withSigma2(residualVariance(spec.residualVariance, point: point, design: d))
            // The replication's later fits on this W (`SharedSpatialFits.plan`) estimated now, so that
            // their analytic variances share this one's products with W's eigenvectors; they find their
            // entries when they come. Only for an even number of periods, where the products side by side
            // keep each fit's bits (`SpatialOperators.applyG(_:rhos:weights:)`).
            let later = design == nil && (d.z.rows / max(d.n, 1)) % 2 == 0 ? laterFits(on: key, weights: weights, shared: shared) : []
            let ahead = later.isEmpty ? [] : clock.measure("fits ahead (batched variance)") {
                fitsAhead(later, panel: panel, weights: weights, shared: shared)
            }
            let analytic: Result<(vcov: Matrix, traceGtG: TraceEstimate?), Error>
            if ahead.isEmpty {
                analytic = Result {
                    try clock.measure("variance") { try SpatialVariance.analyticCovariance(d, point: atSigma2, weights: weights) }
                }
            } else {
                let all = clock.measure("variance") {
                    SpatialVariance.analyticCovariances([(d, atSigma2)] + ahead.map { ($0.design, $0.atSigma2) }, weights: weights)
                }
                analytic = all[0]
                for (later, result) in zip(ahead, all.dropFirst()) {
                    shared?.fits.entries[later.key] = SharedSpatialFits.Entry(design: later.design, point: later.point, analytic: result)
                }
            }
            prepared = SharedSpatialFits.Entry(design: d, point: point, analytic: analytic)
            if let key { shared?.fits.entries[key] = prepared }
        }
        let d = prepared.design, point = prepared.point
        // CR2/CR3: unit g's leverage adjustment A_g is built once per fit, where the cluster sandwich
        // first needs it, and reused for CR2's Satterthwaite degrees of freedom below (the same object,
        // so the same bits as building it twice).
        var adjustments: SpatialVariance.UnitAdjustments? = nil
        func unitAdjustments() throws -> SpatialVariance.UnitAdjustments {
            if let adjustments { return adjustments }
            let made = try SpatialVariance.UnitAdjustments(d, correction: clusterCorrection)
            adjustments = made
            return made
        }
        // The analytic covariance's trace estimate is reported whichever variance is asked for.
        let traceGtG = try? prepared.analytic.get().traceGtG
        let (vcov, termination, reason) = point.withVariance {
            let analytic = try prepared.analytic.get().vcov
            switch variance {
            case .analytic: return analytic
            case .numericalHessian:
                return try SpatialVariance.numericalHessianCovariance(d, point: point, weights: weights, scale: analytic)
            case .cluster:
                return try clock.measure("variance (cluster)") {
                    try SpatialVariance.clusterCovariance(d, point: point, weights: weights, bread: analytic, correction: clusterCorrection,
                                                          shared: shared, adjustments: unitAdjustments)
                }
            case .conley:
                guard let conley else { throw EstimationError("the Conley variance needs its settings (cutoff, kernel, lag, neighbours)") }
                return try clock.measure("variance (Conley)") {
                    try SpatialVariance.conleyCovariance(d, point: point, weights: weights, bread: analytic, conley: conley,
                                                         correction: clusterCorrection, shared: shared)
                }
            }
        }
        let loglik = clock.measure("fit") {
            // The lag models' e'e at the estimates is known from the fit (no pass over Z̃ again).
            if let ee = point.residualSumOfSquares, let rho = point.spatial {
                return d.logLikelihood(residualSumOfSquares: ee, spatial: rho, sigma2: point.sigma2, spectrum: weights.logDeterminant)
            }
            return d.logLikelihood(coefficients: point.coefficients, spatial: point.spatial ?? 0,
                                   sigma2: point.sigma2, spectrum: weights.logDeterminant)
        }
        var result = SpatialFitResult(
            spec: spec, names: d.names, coefficients: point.coefficients,
            rho: spec.model.hasLag ? point.spatial : nil, lambda: spec.model.hasErrorLag ? point.spatial : nil,
            sigma2: try residualVariance(spec.residualVariance, point: point, design: d), vcov: vcov, varianceMethod: variance,
            logLikelihood: loglik,
            nObservations: Int(d.shape.nStar.rounded()), n: d.n, t: d.t, iterations: point.iterations,
            termination: termination, reason: reason,
            regressors: d.regressors, durbinIndex: d.durbinPairs, interval: weights.stableInterval,
            logDeterminant: weights.logDeterminant.method,
            logDeterminantAccuracy: weights.logDeterminant.accuracy(rho: point.spatial ?? 0), traceGtG: traceGtG)
        if variance == .cluster { result.clusterCount = d.n; result.clusterCorrection = clusterCorrection }
        if variance == .cluster, clusterCorrection == .cr2, termination == .converged {
            result.coefficientDegreesOfFreedom = try clock.measure("variance (cluster)") {
                SpatialVariance.satterthwaiteDegreesOfFreedom(d, adjustments: try unitAdjustments())
            }
        }
        if variance == .conley, clusterCorrection != .cr1 { result.clusterCorrection = clusterCorrection }
        let left = Double(FixedEffects.observationsLeft(spec.effects, n: d.n, t: d.t) - d.p)
        result.sigma2DOF = left > 0 ? point.sigma2 * d.shape.nStar / left : nil
        result.sigma2QML = point.sigma2
        return result
    }

    /// The planned fits on the same W as `key` that have no entry yet and whose analytic variance takes a
    /// product with W's eigenvectors (lag models on a dense W with a symmetric form); none when `key`'s
    /// own variance takes no such product.
    static func laterFits(on key: SharedSpatialFits.FitKey?, weights: SpatialWeights,
                          shared: (fits: SharedSpatialFits, weightsName: String)?) -> [SharedSpatialFits.FitKey] {
        guard let key, let shared, SharedSpatialFits.batchesVariance(key.spec, weights: weights) else { return [] }
        return shared.fits.planned.filter {
            $0.weights == key.weights && $0 != key && shared.fits.entries[$0] == nil && SharedSpatialFits.batchesVariance($0.spec, weights: weights)
        }
    }

    /// The `later` fits estimated as their own `fit` would (the same calls, so the same bits). One that
    /// fails to estimate is left out: its own `fit` meets the same error when it comes.
    static func fitsAhead(_ later: [SharedSpatialFits.FitKey], panel: SpatialPanel, weights: SpatialWeights,
                          shared: (fits: SharedSpatialFits, weightsName: String)?)
        -> [(key: SharedSpatialFits.FitKey, design: SpatialDesign, point: PointEstimate, atSigma2: PointEstimate)] {
        later.compactMap { k in
            guard let (d, point) = try? estimatePoint(k.spec, panel: panel, weights: weights, clock: nil, shared: shared),
                  let sigma2 = try? residualVariance(k.spec.residualVariance, point: point, design: d) else { return nil }
            return (k, d, point, point.withSigma2(sigma2))
        }
    }

    /// The σ̂² of `rule` at the point estimate (docs/MODEL.md §4, "Which σ̂²"): the QML e'e/n*, or
    /// e'e/(NT − f − p) with f the absorbed fixed effects and p the coefficients. Under Lee–Yu
    /// NT − f = n*, so the second is e'e/(n* − p); under the direct approach it also removes f.
    static func residualVariance(_ rule: ResidualVariance, point: PointEstimate, design d: SpatialDesign) throws -> Double {
        switch rule {
        case .qml: return point.sigma2
        case .dof:
            let left = FixedEffects.observationsLeft(d.spec.effects, n: d.n, t: d.t) - d.p
            guard left > 0 else {
                throw EstimationError("the degrees-of-freedom σ̂² needs more observations than fixed effects and coefficients (\(left) left); use the QML σ̂²")
            }
            return point.sigma2 * d.shape.nStar / Double(left)
        }
    }

    /// The transformed data and the point estimates (before any variance), with the checks on them.
    static func estimatePoint(_ spec: SpatialModelSpec, panel: SpatialPanel, weights: SpatialWeights,
                              clock: StageClock?, design: SpatialDesign? = nil,
                              shared: (fits: SharedSpatialFits, weightsName: String)? = nil) throws -> (SpatialDesign, PointEstimate) {
        let d = try design ?? clock.measure("design") {
            guard let shared else { return try SpatialDesign(spec: spec, panel: panel, weights: weights) }
            let key = SharedSpatialFits.OutcomeKey(weights: shared.weightsName, effects: spec.effects)
            let built = try SpatialDesign(spec: spec, panel: panel, weights: weights, outcome: shared.fits.outcomes[key],
                                          regressors: spec.model.hasErrorLag ? nil : shared.fits.regressors[spec.effects])
            shared.fits.outcomes[key] = built.outcome
            if shared.fits.regressors[spec.effects] == nil, let r = built.regressorColumns { shared.fits.regressors[spec.effects] = r }
            return built
        }
        let point: PointEstimate
        do {
            point = try clock.measure("fit") {
                switch spec.model {
                case .sdm, .sar: return try fitLag(d, weights: weights)
                case .sem, .sdem: return try fitError(d, weights: weights)
                case .slx, .ols: return try fitOLS(d)
                case .sac: throw EstimationError("internal: the SAC model is fitted by SACEstimator")
                }
            }
        } catch let e as CollinearColumnError {
            throw d.collinearityError(e)
        }
        // A residual variance at rounding level means y is (nearly) an exact function of the
        // regressors — e.g. the outcome listed among them. Standard errors would be rounding
        // noise, so refuse rather than report z-statistics of 1e12.
        // At a boundary solution σ² → 0 is the boundary's symptom (the likelihood is unbounded
        // there), reported as such rather than as an exact fit.
        let varY = LagLeastSquares.variance(d.y)
        guard point.termination == .boundary || point.sigma2 > 1e-20 * max(varY, .leastNormalMagnitude) else {
            throw EstimationError("the regressors fit the outcome exactly (residual variance \(point.sigma2) against an outcome variance of \(varY)); check that the outcome is not among the regressors")
        }
        return (d, point)
    }

    /// SAR/SDM: e(ρ) = e0 − ρ ed with e0, ed the residuals of Qy and Q(Wy) on QZ, so
    /// each likelihood evaluation costs O(N) (the log-determinant) once e0'e0, e0'ed, ed'ed are known.
    static func fitLag(_ d: SpatialDesign, weights: SpatialWeights) throws -> PointEstimate {
        try fitLag(d, logDeterminant: weights.logDeterminant, interval: weights.stableInterval,
                   gridPoints: gridPoints(weights))
    }

    /// The same search with the Jacobian of `d.shape` over any log-determinant source (e.g. the
    /// sum over the years of an unbalanced panel) on `interval`.
    static func fitLag(_ d: SpatialDesign, logDeterminant: any LogDeterminantSource,
                       interval: (lower: Double, upper: Double), gridPoints points: Int) throws -> PointEstimate {
        // Both outcomes on QZ from one factorisation (normal equations or QR, `LagLeastSquares`).
        let ls = try LagLeastSquares.fit(z: d.z, y: d.y, wy: d.wy)
        let (s00, s0d, sdd) = ls.residualProducts
        let nStar = d.shape.nStar
        let spectrum = logDeterminant
        let shape = d.shape
        // e'e is formed by cancellation, so below a few ulps of its terms it is rounding noise of
        // either sign: it is held at that floor, where the fit is exact to working precision. The
        // objective then stays finite and keeps falling towards a bound where y − ρWy is fitted
        // exactly, and the search reports a boundary solution whichever way the rounding went.
        let objective: (any LogDeterminantSource) -> (Double) -> Double = { source in
            { rho in
                let floor = 8 * Double.ulpOfOne * (s00 + 2 * abs(rho * s0d) + rho * rho * sdd)
                let ee = max(s00 - 2 * rho * s0d + rho * rho * sdd, floor)
                guard ee > 0 else { return .infinity }
                return 0.5 * nStar * log(ee / nStar) - shape.jacobian(rho, spectrum: source)
            }
        }
        // The same objective with the screened log-determinant (one log per eight eigenvalues) and
        // a bound on its distance from `objective`: the grid then evaluates `objective` only where the
        // minimum can be (`Brent.minimizeOnInterval`), with the same result.
        let screen: (Double) -> ScreenedValue? = { rho in
            guard let ld = spectrum.screenedLogDeterminant(rho: rho) else { return nil }
            let floor = 8 * Double.ulpOfOne * (s00 + 2 * abs(rho * s0d) + rho * rho * sdd)
            let ee = max(s00 - 2 * rho * s0d + rho * rho * sdd, floor)
            guard ee > 0 else { return nil }
            let fit = 0.5 * nStar * log(ee / nStar), jac = shape.jacobian(rho, logDeterminant: ld.value)
            // The final subtraction and scaling round at most a few units of the last place of each term.
            let bound = shape.periods * ld.bound * (1 + 1e-12) + 8 * Double.ulpOfOne * (abs(fit) + abs(jac))
            return ScreenedValue(value: fit - jac, bound: bound)
        }
        let (lo, hi) = interval
        // Score of the concentrated log-likelihood: −f'(ρ) with
        // f'(ρ) = n*(ρ·sdd − s0d)/e'e + c·tr_eff(G), and its derivative.
        let score: (Double) -> (Double, Double) = { rho in
            let ee = s00 - 2 * rho * s0d + rho * rho * sdd
            let u = rho * sdd - s0d
            let f1 = nStar * u / ee + shape.periods * shape.traceG(rho, spectrum: spectrum)
            let f2 = nStar * (sdd * ee - 2 * u * u) / (ee * ee) + shape.periods * shape.traceG2(rho, spectrum: spectrum)
            return (-f1, -f2)
        }
        let rho: Double, iterations: Int, termination: FitTermination, reason: String
        if let surrogate = spectrum.searchSurrogate,
           let hit = surrogateSearch(objective(surrogate), lower: lo, upper: hi, score: score) {
            (rho, iterations, termination, reason) = (hit.rho, hit.iterations, .converged, "converged")
        } else {
            let m = search(objective(spectrum), lower: lo, upper: hi, gridPoints: points, screen: screen)
            let (r, steps, t, why) = certify(m, lower: lo, upper: hi, score)
            (rho, iterations, termination, reason) = (r, m.iterations + steps, t, why)
        }
        let beta = zip(ls.b0, ls.bd).map { $0 - rho * $1 }
        let ee = s00 - 2 * rho * s0d + rho * rho * sdd
        return PointEstimate(coefficients: beta, spatial: rho, sigma2: ee / nStar, iterations: iterations,
                             termination: termination, reason: reason, crossProduct: ls.crossProduct, residualSumOfSquares: ee)
    }

    /// SEM/SDEM: given λ, β is GLS on (Qy − λQWy, QZ − λQWZ). The cross products are
    /// quadratic in λ, so they are formed once and each evaluation costs O(p³ + N).
    static func fitError(_ d: SpatialDesign, weights: SpatialWeights) throws -> PointEstimate {
        guard let wz = d.wz else { throw EstimationError("internal: error model without Q(WZ)") }
        let z = d.z
        let a0 = z.crossProduct()
        let zw = Matrix.product(z, wz, transposeA: true)
        let a1 = zw + zw.transposed()
        let a2 = wz.crossProduct()
        let zty = z.multiply(d.y, transpose: true), ztwy = z.multiply(d.wy, transpose: true)
        let wzty = wz.multiply(d.y, transpose: true), wztwy = wz.multiply(d.wy, transpose: true)
        let b1 = zip(ztwy, wzty).map { $0 + $1 }
        let c0 = Vector.dot(d.y, d.y), c1 = 2 * Vector.dot(d.y, d.wy), c2 = Vector.dot(d.wy, d.wy)
        let p = z.cols
        let nStar = d.shape.nStar
        let spectrum = weights.logDeterminant
        let shape = d.shape
        // β(λ) by GLS from the cross products and the residual sum of squares e'e(λ) at it;
        // nil when the filtered cross-product matrix is not positive definite.
        let concentrated: (Double) -> (b: [Double], ee: Double)? = { lam in
            var xtx = a0
            for k in 0..<(p * p) { xtx.data[k] += -lam * a1.data[k] + lam * lam * a2.data[k] }
            var xty = [Double](repeating: 0, count: p)
            for k in 0..<p { xty[k] = zty[k] - lam * b1[k] + lam * lam * wztwy[k] }
            guard let ch = try? Cholesky(xtx), let b = try? ch.solve(xty) else { return nil }
            return (b, c0 - lam * c1 + lam * lam * c2 - Vector.dot(xty, b))
        }
        let objective: (Double) -> Double = { lam in
            guard let ee = concentrated(lam)?.ee, ee > 0 else { return .infinity }
            return 0.5 * nStar * log(ee / nStar) - shape.jacobian(lam, spectrum: spectrum)
        }
        let (lo, hi) = weights.stableInterval
        let m = search(objective, lower: lo, upper: hi, gridPoints: gridPoints(weights))
        // Envelope theorem: d e'e/dλ at fixed β(λ) = c'(λ) − 2β'b'(λ) + β'A'(λ)β, so the
        // score −(n*/2)(d e'e/dλ)/e'e + J'(λ) is analytic; Newton with a central-difference
        // derivative of this precise score polishes λ.
        let score: (Double) -> Double = { lam in
            guard let fit = concentrated(lam) else { return .nan }
            let (b, ee) = fit
            var dA = a1
            for k in 0..<(p * p) { dA.data[k] = -a1.data[k] + 2 * lam * a2.data[k] }
            let db = (0..<p).map { -b1[$0] + 2 * lam * wztwy[$0] }
            let dee = (-c1 + 2 * lam * c2) - 2 * Vector.dot(b, db) + Vector.dot(b, dA.multiply(b))
            return -0.5 * nStar * dee / ee - shape.periods * shape.traceG(lam, spectrum: spectrum)
        }
        let (lam, steps, termination, reason) = certify(m, lower: lo, upper: hi) { x in
            let h = 1e-6
            return (score(x), (score(x + h) - score(x - h)) / (2 * h))
        }
        // Final β by QR on the filtered data for accuracy.
        var xs = z
        for k in 0..<xs.data.count { xs.data[k] -= lam * wz.data[k] }
        let ys = zip(d.y, d.wy).map { $0 - lam * $1 }
        let ls = try LeastSquares(x: xs, y: ys)
        return PointEstimate(coefficients: ls.coefficients, spatial: lam, sigma2: ls.residualSumOfSquares / nStar,
                             iterations: m.iterations + steps, termination: termination, reason: reason)
    }

    /// Brent on the interval; when GSL refuses the objective (a non-finite value inside the
    /// bracket, e.g. a perfect fit at some ρ), the best of 201 grid points is returned as a
    /// non-converged result with the reason, so the failure is reported rather than thrown.
    /// `gridPoints` seeds Brent (41 by default, cheap with the spectrum: O(N) per point); with W
    /// held sparse each point is a sparse factorisation, so 9 points (spacing 0.2 on (−1, 1))
    /// seed it instead — the concentrated likelihood of ρ is smooth and the edge walk of
    /// `minimizeOnInterval` still finds a boundary optimum.
    static func search(_ f: @escaping (Double) -> Double, lower: Double, upper: Double,
                       gridPoints: Int = 41, screen: ((Double) -> ScreenedValue?)? = nil) -> SearchOutcome {
        do {
            let m = try Brent.minimizeOnInterval(f, lower: lower, upper: upper, gridPoints: gridPoints,
                                                 absoluteTolerance: brentTolerance, screen: screen)
            return SearchOutcome(argmin: m.argmin, iterations: m.iterations, termination: m.termination, message: m.message)
        } catch {
            let h = (upper - lower) / 202
            var best = (x: lower + h, v: Double.infinity)
            for i in 1...201 {
                let x = lower + Double(i) * h
                let v = f(x)
                if v < best.v || (!best.v.isFinite && v.isFinite) { best = (x, v) }
            }
            return SearchOutcome(argmin: [best.x], iterations: 201, termination: .searchFailed,
                                      message: "likelihood search failed (\(error)); best of a 201-point grid reported")
        }
    }

    /// The likelihood searched with a surrogate log-determinant (`LogDeterminantSource.searchSurrogate`),
    /// then Newton steps on the exact score from the surrogate's maximiser: the estimate is the
    /// exact likelihood's maximum, certified as in `certify` by a step below 1e-12 (the surrogate
    /// only chooses the basin and saves the ≈ 20 exact evaluations of a search). Steps are capped at
    /// `surrogateStepLimit` and must stay inside the interval on a concave score. Nil — the caller
    /// then searches on the exact log-determinant as without a surrogate — when the surrogate's
    /// maximum is not interior or Newton does not certify within 30 steps.
    static func surrogateSearch(_ f: @escaping (Double) -> Double, lower: Double, upper: Double,
                                score: (Double) -> (Double, Double)) -> (rho: Double, iterations: Int)? {
        let m = search(f, lower: lower, upper: upper)
        guard m.termination == .converged,
              !Brent.isNearBound(m.argmin[0], lower: lower, upper: upper, absoluteTolerance: surrogateStepLimit) else { return nil }
        var x = m.argmin[0]
        for step in 1...30 {
            let (s1, s2) = score(x)
            guard s1.isFinite, s2.isFinite, s2 < 0 else { return nil }
            let d = max(-surrogateStepLimit, min(surrogateStepLimit, -s1 / s2))
            guard x + d > lower, x + d < upper else { return nil }
            x += d
            if abs(d) < 1e-12 { return (x, m.iterations + step) }
        }
        return nil
    }

    /// Largest Newton step from the surrogate's maximiser (its error is a few 10⁻³ at most, and the exact
    /// derivatives come from interpolants 0.02 wide).
    static let surrogateStepLimit = 0.02

    /// The estimate and how the search ended, after a Newton polish of Brent's optimum.
    ///
    /// Brent stops at a bracket of 1e-6 (or cycles at its iteration limit inside a bracket
    /// narrower than rounding allows); a Newton step below 1e-12 on the analytic score
    /// certifies the optimum. Within Brent's tolerance of a bound only that certificate
    /// counts: where the likelihood diverges at the bound (a perfect fit at ρ = 1/ω), the sign
    /// of rounding errors decides whether Brent's walk reaches the bound or "converges" just
    /// inside it, and both are a boundary solution.
    static func certify(_ m: SearchOutcome, lower: Double, upper: Double,
                        _ score: (Double) -> (Double, Double)) -> (Double, Int, FitTermination, String) {
        let (x, steps, polished) = newtonPolish(m, lower: lower, upper: upper, score)
        if polished { return (x, steps, .converged, "converged") }
        if m.termination != .searchFailed,
           Brent.isNearBound(m.argmin[0], lower: lower, upper: upper, absoluteTolerance: brentTolerance) {
            return (x, steps, .boundary, "maximum on the boundary of the stable interval (the likelihood rises towards the bound)")
        }
        let termination = FitTermination(m.termination)
        return (x, steps, termination, termination == .converged ? "converged" : m.message)
    }

    /// Seed points of the likelihood search (see `search`).
    static func gridPoints(_ weights: SpatialWeights) -> Int { weights.spectrum == nil ? 9 : 41 }

    /// Newton iterations on a score s(x) (returning s and s') from the Brent optimum.
    /// Steps must stay inside the interval and below 1e-3; the search is certified
    /// (`polished`) when a step falls below 1e-12. Not run from a boundary solution.
    static func newtonPolish(_ m: SearchOutcome, lower: Double, upper: Double,
                             _ score: (Double) -> (Double, Double)) -> (Double, Int, Bool) {
        var x = m.argmin[0]
        guard m.termination == .converged || m.termination == .iterationLimit else { return (x, 0, false) }
        var steps = 0
        for _ in 0..<8 {
            let (s1, s2) = score(x)
            guard s1.isFinite, s2.isFinite, s2 < 0 else { break }
            let step = -s1 / s2
            guard abs(step) < 1e-3, x + step > lower, x + step < upper else { break }
            x += step
            steps += 1
            if abs(step) < 1e-12 { return (x, steps, true) }
        }
        return (x, steps, false)
    }

    /// SLX and the non-spatial model: least squares on the transformed data, σ² = e'e/n*.
    static func fitOLS(_ d: SpatialDesign) throws -> PointEstimate {
        let ls = try LeastSquares(x: d.z, y: d.y)
        return PointEstimate(coefficients: ls.coefficients, spatial: nil, sigma2: ls.residualSumOfSquares / d.shape.nStar,
                             iterations: 0, termination: .converged, reason: "converged")
    }
}

/// Where the one-dimensional search ended.
struct SearchOutcome {
    let argmin: [Double]
    let iterations: Int
    let termination: SearchTermination
    let message: String
}

/// Point estimates before the variance step.
struct PointEstimate {
    let coefficients: [Double]
    /// ρ or λ.
    let spatial: Double?
    let sigma2: Double
    let iterations: Int
    let termination: FitTermination
    let reason: String
    /// Z̃ᵀZ̃ of the design when the fit formed it (the lag models' normal equations); the analytic
    /// variance then reuses it instead of forming it again.
    var crossProduct: Matrix? = nil
    /// e'e at these estimates when the fit knows it without another pass over the data (the lag
    /// models: s00 − 2ρs0d + ρ²sdd, equal to ‖Qy − ρQ(Wy) − Z̃β̂‖² in exact arithmetic since β̂ = b0 − ρbd).
    var residualSumOfSquares: Double? = nil

    /// The same estimates with σ̂² replaced (the point at which a variance is evaluated).
    func withSigma2(_ sigma2: Double) -> PointEstimate {
        PointEstimate(coefficients: coefficients, spatial: spatial, sigma2: sigma2, iterations: iterations,
                      termination: termination, reason: reason, crossProduct: crossProduct, residualSumOfSquares: residualSumOfSquares)
    }

    /// The covariance `compute` gives at these estimates and the fit's final status — one rule
    /// for the balanced and the unbalanced estimator. A covariance that throws becomes a NaN
    /// matrix with the error appended to the reason; a converged fit whose covariance is not
    /// finite is reported as `.varianceUnavailable` (its point estimates stay usable).
    func withVariance(_ compute: () throws -> Matrix) -> (vcov: Matrix, termination: FitTermination, reason: String) {
        var termination = self.termination
        var reason = self.reason
        let vcov: Matrix
        do {
            vcov = try compute()
        } catch {
            let k = coefficients.count + (spatial == nil ? 0 : 1) + 1
            vcov = Matrix(rows: k, cols: k, repeating: .nan)
            reason = (termination == .converged ? "" : self.reason + "; ") + "variance unavailable: \(error)"
        }
        if termination == .converged, !vcov.data.allSatisfy({ $0.isFinite }) {
            termination = .varianceUnavailable
            if !reason.contains("variance unavailable") { reason = "variance unavailable: the information matrix is not finite" }
        }
        return (vcov, termination, reason)
    }
}

/// Point fits shared by the estimators of one Monte Carlo replication that differ only in their
/// variance (e.g. `sdm` and `sdm_cluster`: same model, data and W): the transformed data, the
/// point estimates and the analytic covariance are computed once and reused, so the second
/// estimator pays only for its own variance. Results are the same bits as separate fits (the
/// same deterministic computation). Pass it with the name of the W (fits on different W never
/// share); one per replication's panel and thread, not thread-safe.
public final class SharedSpatialFits {
    struct Entry {
        let design: SpatialDesign
        let point: PointEstimate
        let analytic: Result<(vcov: Matrix, traceGtG: TraceEstimate?), Error>
    }

    // The keys are values, not text: a key spelled by interpolating the specification ("\(spec)")
    // went through Swift's reflection on every fit (≈ 0.1 ms per baseline replication).
    struct FitKey: Hashable { let weights: String; let spec: SpatialModelSpec }
    struct OutcomeKey: Hashable { let weights: String; let effects: FixedEffects }
    struct RhoKey: Hashable { let weights: String; let rhoBits: UInt64 }

    /// By weight-matrix name and model specification.
    var entries: [FitKey: Entry] = [:]
    /// The fits the replication will ask for, in order (`plan`).
    private(set) var planned: [FitKey] = []
    /// Unit multipliers by weight-matrix name and ρ (its bit pattern).
    var multipliers: [RhoKey: UnitMultipliers] = [:]
    /// Qy and Q(Wy) by weight-matrix name and fixed effects: every lag model of the replication on
    /// the same W and effects (sdm and sar) transforms the same outcome (the same bits, once).
    var outcomes: [OutcomeKey: SpatialDesign.Outcome] = [:]
    /// Q[1?, X] by fixed effects: they do not depend on W, so every lag model of the replication with
    /// these effects (sdm, sdm_knn5, sar) has the same first columns (the same bits, formed once when W is dense).
    var regressors: [FixedEffects: SpatialDesign.Regressors] = [:]

    public init() {}

    /// Registers a fit this replication will ask for (before the first fit), so that the first fit on
    /// its W also estimates it and forms both analytic variances' products with W's eigenvectors in one
    /// (`SpatialVariance.analyticCovariances`; e.g. `sdm` and `sar` on the true W). The results are the
    /// bits of separate fits; a fit that is planned but never asked for only costs its estimation.
    public func plan(_ spec: SpatialModelSpec, weightsName: String) {
        let key = FitKey(weights: weightsName, spec: spec)
        if !planned.contains(key) { planned.append(key) }
    }

    /// A fit whose analytic variance takes G(ρ̂)·Z̃β̂ through the eigenvectors of W (`SpatialOperators.applyG`'s
    /// dense symmetric-form path): a lag model other than SAC on a W with a symmetric form not factorised sparsely.
    static func batchesVariance(_ spec: SpatialModelSpec, weights: SpatialWeights) -> Bool {
        spec.model.hasLag && spec.model != .sac && weights.spectrum?.symmetricForm != nil && !weights.factorisesG
    }
}
