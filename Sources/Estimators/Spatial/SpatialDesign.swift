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
    /// Written straight into one column-major matrix (no per-column copies).
    static func columns(x: Matrix, names: [String], intercept: Bool, lagged: [Int], lag: (Matrix) -> Matrix)
        -> (matrix: Matrix, names: [String], pairs: [(beta: Int, theta: Int?)]) {
        let offset = intercept ? 1 : 0
        let rows = x.rows
        var nm: [String] = intercept ? ["(Intercept)"] : []
        nm += names.prefix(x.cols)
        var pairs: [(beta: Int, theta: Int?)] = (0..<names.count).map { (beta: $0 + offset, theta: nil) }
        let wx = lagged.isEmpty ? nil : lag(x.columns(lagged))
        var m = Matrix(rows: rows, cols: offset + x.cols + lagged.count)
        if intercept { for r in 0..<rows { m.data[r] = 1 } }
        m.data.replaceSubrange((offset * rows)..<((offset + x.cols) * rows), with: x.data)
        if let wx {
            m.data.replaceSubrange(((offset + x.cols) * rows)..<m.data.count, with: wx.data)
            for (k, j) in lagged.enumerated() {
                pairs[j].theta = offset + x.cols + k
                nm.append(spatialLagName(names[j]))
            }
        }
        return (m, nm, pairs)
    }

    /// The names and (β, θ) column pairs of `columns(x:names:intercept:lagged:lag:)`, without the matrix.
    static func columnNames(names: [String], intercept: Bool, lagged: [Int]) -> (names: [String], pairs: [(beta: Int, theta: Int?)]) {
        let offset = intercept ? 1 : 0
        var nm: [String] = intercept ? ["(Intercept)"] : []
        nm += names
        var pairs: [(beta: Int, theta: Int?)] = (0..<names.count).map { (beta: $0 + offset, theta: nil) }
        for (k, j) in lagged.enumerated() {
            pairs[j].theta = offset + names.count + k
            nm.append(spatialLagName(names[j]))
        }
        return (nm, pairs)
    }

    /// `vanishedColumn(_:raw:)` with the raw columns held in several matrices side by side (`parts`),
    /// the first of them transformed into column `first` of `z`.
    static func vanishedColumn(_ z: Matrix, rawParts parts: [Matrix], from first: Int = 0) -> Int? {
        var offset = first
        for part in parts {
            if let j = vanishedColumn(z, from: offset, raw: part) { return offset + j }
            offset += part.cols
        }
        return nil
    }

    /// The first column of the transformed `z` that the transformation wiped out (its sum of
    /// squares at most 1e-20 of the raw column's), or nil. Reads the columns in place.
    static func vanishedColumn(_ z: Matrix, raw: Matrix) -> Int? { vanishedColumn(z, from: 0, raw: raw) }

    /// The first column j of `raw` whose transform, column `first + j` of `z`, vanished (as above).
    private static func vanishedColumn(_ z: Matrix, from first: Int, raw: Matrix) -> Int? {
        let rows = z.rows
        return z.data.withUnsafeBufferPointer { zp in
            raw.data.withUnsafeBufferPointer { rp in
                for j in 0..<max(0, min(raw.cols, z.cols - first)) {
                    // Four partial sums each (the single chain was latency-bound): the sums only
                    // decide the 1e-20 threshold and enter no result.
                    var a = (0.0, 0.0, 0.0, 0.0), b = (0.0, 0.0, 0.0, 0.0)
                    var r = j * rows
                    let end = (j + 1) * rows
                    let shift = first * rows
                    while r + 4 <= end {
                        let q = r + shift
                        a.0 += zp[q] * zp[q]; a.1 += zp[q + 1] * zp[q + 1]; a.2 += zp[q + 2] * zp[q + 2]; a.3 += zp[q + 3] * zp[q + 3]
                        b.0 += rp[r] * rp[r]; b.1 += rp[r + 1] * rp[r + 1]; b.2 += rp[r + 2] * rp[r + 2]; b.3 += rp[r + 3] * rp[r + 3]
                        r += 4
                    }
                    while r < end { a.0 += zp[r + shift] * zp[r + shift]; b.0 += rp[r] * rp[r]; r += 1 }
                    let sa = (a.0 + a.1) + (a.2 + a.3), sb = (b.0 + b.1) + (b.2 + b.3)
                    if sa <= 1e-20 * max(sb, .leastNormalMagnitude) { return j }
                }
                return nil
            }
        }
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

    /// Qy and Q(Wy), as `outcome` hands them to another design on the same panel, W and effects.
    struct Outcome {
        let y: [Double]
        let wy: [Double]
    }

    var outcome: Outcome { Outcome(y: y, wy: wy) }

    /// Q[1?, X] as the first `columns` columns of `z` (a design of another lag model on the same panel
    /// and effects, whatever its W): a later design's own first columns, the same values by the same
    /// arithmetic (each column's transformation is its own), copied instead of formed and checked again.
    struct Regressors {
        let z: Matrix
        let columns: Int
    }

    /// This design's Q[1?, X] for `Regressors`, when its z starts with them (the lag models with W dense
    /// or sparse; the error models transform [1?, X, WX] with Q(WZ) beside them and do not share).
    var regressorColumns: Regressors? {
        spec.model.hasErrorLag ? nil : Regressors(z: z, columns: (spec.effects == .none ? 1 : 0) + regressors.count)
    }

    /// `outcome`, when given, is Qy and Q(Wy) of this panel under this W and these effects (from a
    /// design of another model on them); they are then not formed again.
    /// `regressors`, when given, is Q[1?, X] of this panel under these effects (`regressorColumns` of
    /// another lag model's design on them): with W dense they are then copied, not formed again.
    init(spec: SpatialModelSpec, panel: SpatialPanel, weights: SpatialWeights, shape: LikelihoodShape? = nil,
         outcome: Outcome? = nil, regressors shared: Regressors? = nil) throws {
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
        let vanished: Int?
        if spec.model.hasErrorLag {
            y = outcome?.y ?? WithinTransform.apply(panel.y, n: n, t: t, effects: spec.effects)
            wy = outcome?.wy ?? WithinTransform.apply(weights.applyPanel(panel.y), n: n, t: t, effects: spec.effects)
            let (raw, nm, pairs) = Self.columns(x: panel.x, names: panel.names, intercept: intercept, lagged: lagged) {
                weights.applyPanel($0)
            }
            names = nm
            durbinPairs = pairs
            z = WithinTransform.apply(raw, n: n, t: t, effects: spec.effects)
            wz = WithinTransform.apply(weights.applyPanel(raw), n: n, t: t, effects: spec.effects)
            vanished = Self.vanishedColumn(z, raw: raw)
        } else if let sparse = weights.sparse {
            // W held sparse: the lags and the within transformation in one pass (the same bits as below).
            let (nm, pairs) = Self.columnNames(names: panel.names, intercept: intercept, lagged: lagged)
            names = nm
            durbinPairs = pairs
            let built = LaggedWithinTransform.apply(x: panel.x, intercept: intercept, lagged: lagged,
                                                    y: outcome == nil ? panel.y : nil, weights: sparse, n: n, t: t,
                                                    effects: spec.effects)
            guard let qy = outcome?.y ?? built.y, let qwy = outcome?.wy ?? built.wy else {
                throw EstimationError("internal: the lagged within transformation formed no outcome")
            }
            y = qy
            wy = qwy
            z = built.z
            wz = nil
            vanished = built.vanished
        } else {
            // Z̃ = Q[1?, X, WX] written straight from X and WX: the untransformed [1?, X, WX] is never
            // assembled (the same values in the same order as transforming it, so the same bits).
            let (nm, pairs) = Self.columnNames(names: panel.names, intercept: intercept, lagged: lagged)
            names = nm
            durbinPairs = pairs
            let x = panel.x, len = n * t
            let lagSource = lagged.isEmpty ? nil : (lagged.count == x.cols && lagged == Array(0..<x.cols) ? x : x.columns(lagged))
            // When y needs its lag too, W·[X_L, y] is one product with W instead of two (W is packed
            // once, ≈ 0.04 ms at N = 280, T = 18). Bits: OpenBLAS's dgemm on this machine computes each
            // column whatever its neighbours except the last column of an odd-width product (measured,
            // docs/benchmarks.md, sessions 10 and 11), so with T even (widths T·L, T and T·(L + 1)) W·y
            // and W·X_L are the separate products' numbers; an odd T keeps the two products.
            let joint = outcome == nil && t % 2 == 0
                ? lagSource.map { Matrix(rows: len, cols: $0.cols + 1, uncheckedColumnMajor: $0.data + panel.y) } : nil
            let lags = (joint ?? lagSource).map { weights.applyPanel($0) }
            let own = (intercept ? 1 : 0) + x.cols
            // Q[1?, X] from another design on this panel and effects (checked there), else formed here.
            let prefix = shared.flatMap { $0.columns == own && $0.z.rows == len ? $0.z.data[0..<(own * len)] : nil }
            let raw = prefix == nil ? (intercept ? [Matrix(rows: len, cols: 1, repeating: 1)] : []) + [x] : []
            let parts = raw + (lags.map { [$0] } ?? [])
            // The vanished-column check rides on the transformation's passes (its sums of squares).
            let (made, gone) = WithinTransform.transform(concatenating: parts, after: prefix ?? [], n: n, t: t, effects: spec.effects)
            var transformed = made
            if joint != nil {
                // Its last column is Q(Wy).
                wy = Array(transformed.data[(transformed.data.count - len)...])
                transformed.data.removeLast(len)
                z = Matrix(rows: len, cols: transformed.cols - 1, uncheckedColumnMajor: transformed.data)
            } else {
                wy = outcome?.wy ?? WithinTransform.apply(weights.applyPanel(panel.y), n: n, t: t, effects: spec.effects)
                z = transformed
            }
            y = outcome?.y ?? WithinTransform.apply(panel.y, n: n, t: t, effects: spec.effects)
            wz = nil
            // The parts' columns are z's from `first` on (W·y, the joint product's last, has none there).
            let first = prefix == nil ? 0 : own
            vanished = gone.flatMap { first + $0 < z.cols ? first + $0 : nil }
        }
        if let j = vanished {
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
        return logLikelihood(ee: ee, jacobian: jac, sigma2: sigma2)
    }

    /// The same log-likelihood from e'e at the estimates when the fit knows it (`PointEstimate.residualSumOfSquares`).
    func logLikelihood(residualSumOfSquares ee: Double, spatial s: Double, sigma2: Double, spectrum: any LogDeterminantSource) -> Double {
        logLikelihood(ee: ee, jacobian: shape.jacobian(s, spectrum: spectrum), sigma2: sigma2)
    }

    private func logLikelihood(ee: Double, jacobian jac: Double, sigma2: Double) -> Double {
        guard sigma2 > 0, jac.isFinite else { return -.infinity }
        return -0.5 * shape.nStar * log(2 * Double.pi * sigma2) - ee / (2 * sigma2) + jac
    }
}
