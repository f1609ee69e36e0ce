import Foundation
import Numerics

/// The transformed data of one fit: Q y, Q(Wy), Q Z (and Q(WZ) for error models),
/// with Z = [intercept?, X, W·X_D]. Built once per fit in O(N²T) (one product with W).
struct SpatialDesign {
    let spec: SpatialModelSpec
    let n: Int
    let t: Int
    let shape: LikelihoodShape
    /// Names of the columns of Z.
    let names: [String]
    /// Original regressor names (without intercept or lags).
    let regressors: [String]
    /// For each regressor: its column in Z and the column of its W-lag (if any).
    let durbinPairs: [(beta: Int, theta: Int?)]
    let y: [Double]
    let wy: [Double]
    let z: Matrix
    /// Q(W Z), only for SEM / SDEM.
    let wz: Matrix?

    /// The user-facing error for a regressor column found collinear during a fit on this design.
    func collinearityError(_ e: CollinearColumnError) -> EstimationError {
        let which = e.column < names.count ? "'\(names[e.column])'" : "a regressor"
        return EstimationError("\(which) is collinear with earlier regressors after removing the \(spec.effects.rawValue) fixed effects (regressors: \(names.joined(separator: ", "))); drop it")
    }

    /// `shape` replaces the n* and Jacobian of `spec` (the dynamic SDM's transformation
    /// approach, `DynamicSpatialEstimator`); nil keeps the MODEL.md §4 table.

    /// The regressor columns: an intercept when asked, X, then the W-lags of the `lagged`
    /// columns of X (by `lag`), with their names and each regressor's (β, θ) column pair.
    static func columns(x: Matrix, names: [String], intercept: Bool, lagged: [Int], lag: (Matrix) -> Matrix)
        -> (columns: [[Double]], names: [String], pairs: [(beta: Int, theta: Int?)]) {
        var cols: [[Double]] = []
        var nm: [String] = []
        if intercept {
            cols.append([Double](repeating: 1, count: x.rows))
            nm.append("(Intercept)")
        }
        for j in 0..<x.cols { cols.append(x.column(j)); nm.append(names[j]) }
        let offset = intercept ? 1 : 0
        var pairs: [(beta: Int, theta: Int?)] = (0..<names.count).map { (beta: $0 + offset, theta: nil) }
        if !lagged.isEmpty {
            let wx = lag(x.columns(lagged))
            for (k, j) in lagged.enumerated() {
                pairs[j].theta = cols.count
                cols.append(wx.column(k))
                nm.append(spatialLagName(names[j]))
            }
        }
        return (cols, nm, pairs)
    }

    /// The regressors entered with a W-lag (the Durbin terms) under `spec`, as columns of `names`;
    /// an SLX model without any is refused. Shared by the balanced and unbalanced designs.
    static func laggedColumns(_ spec: SpatialModelSpec, names: [String]) throws -> [Int] {
        var lagged: [Int] = []
        if spec.model.allowsDurbin {
            switch spec.durbin {
            case .all: lagged = Array(0..<names.count)
            case .none: lagged = []
            case .only(let which):
                lagged = try which.map { name in
                    guard let j = names.firstIndex(of: name) else {
                        throw EstimationError("Durbin variable '\(name)' is not among the regressors (\(names.joined(separator: ", ")))")
                    }
                    return j
                }
            }
        }
        if spec.model == .slx, lagged.isEmpty {
            throw EstimationError("an SLX model needs at least one W-lagged regressor (Durbin variables are empty)")
        }
        return lagged
    }

    init(spec: SpatialModelSpec, panel: SpatialPanel, weights: SpatialWeights, shape: LikelihoodShape? = nil) throws {
        guard weights.count == panel.n else {
            throw EstimationError("W has \(weights.count) units but the panel has N = \(panel.n)")
        }
        if spec.approach == .leeYu, spec.effects.removesTimeEffects {
            guard weights.isRowStandardised else {
                throw EstimationError("the Lee–Yu transformation with time effects needs a row-standardised W (its rows sum to 1); row-standardise W or use the direct approach")
            }
        }
        if spec.effects != .none, panel.t < 2, spec.effects != .time {
            throw EstimationError("individual fixed effects need T ≥ 2 periods; a cross-section (T = 1) needs no fixed effects (effects none)")
        }
        self.spec = spec
        n = panel.n
        t = panel.t
        self.shape = shape ?? LikelihoodShape(effects: spec.effects, approach: spec.approach, n: n, t: t)
        regressors = panel.names

        let lagged = try Self.laggedColumns(spec, names: panel.names)
        let intercept = spec.effects == .none
        let (cols, nm, pairs) = Self.columns(x: panel.x, names: panel.names, intercept: intercept, lagged: lagged) {
            weights.applyPanel($0)
        }
        let raw = try Matrix(columns: cols)
        names = nm
        durbinPairs = pairs
        y = WithinTransform.apply(panel.y, n: n, t: t, effects: spec.effects)
        wy = WithinTransform.apply(weights.applyPanel(panel.y), n: n, t: t, effects: spec.effects)
        z = WithinTransform.apply(raw, n: n, t: t, effects: spec.effects)
        if spec.model.hasErrorLag {
            wz = WithinTransform.apply(weights.applyPanel(raw), n: n, t: t, effects: spec.effects)
        } else {
            wz = nil
        }
        for j in 0..<z.cols where Vector.dot(z.column(j), z.column(j)) <= 1e-20 * max(Vector.dot(raw.column(j), raw.column(j)), .leastNormalMagnitude) {
            throw EstimationError("regressor '\(names[j])' is constant after removing the \(spec.effects.rawValue) fixed effects; drop it")
        }
    }

    /// Already transformed data (the unbalanced-panel estimator builds its own lags and projection).
    init(spec: SpatialModelSpec, n: Int, t: Int, shape: LikelihoodShape, names: [String], regressors: [String],
         durbinPairs: [(beta: Int, theta: Int?)], y: [Double], wy: [Double], z: Matrix) {
        self.spec = spec
        self.n = n
        self.t = t
        self.shape = shape
        self.names = names
        self.regressors = regressors
        self.durbinPairs = durbinPairs
        self.y = y
        self.wy = wy
        self.z = z
        wz = nil
    }

    var p: Int { z.cols }

    /// Full (unconcentrated) log-likelihood at coefficients b, spatial parameter s and σ²
    /// (MODEL.md §4): −(n*/2) ln(2πσ²) − e'e/(2σ²) + J(s).
    func logLikelihood(coefficients b: [Double], spatial s: Double, sigma2: Double, spectrum: any LogDeterminantSource) -> Double {
        let fitted = z.multiply(b)
        var ee = 0.0
        if spec.model.hasLag {
            for k in 0..<y.count { let e = y[k] - s * wy[k] - fitted[k]; ee += e * e }
        } else if let wz {
            let wf = wz.multiply(b)
            for k in 0..<y.count { let e = (y[k] - s * wy[k]) - (fitted[k] - s * wf[k]); ee += e * e }
        } else {
            for k in 0..<y.count { let e = y[k] - fitted[k]; ee += e * e }
        }
        let jac = (spec.model.hasLag || spec.model.hasErrorLag) ? shape.jacobian(s, spectrum: spectrum) : 0
        guard sigma2 > 0, jac.isFinite else { return -.infinity }
        return -0.5 * shape.nStar * log(2 * Double.pi * sigma2) - ee / (2 * sigma2) + jac
    }
}
