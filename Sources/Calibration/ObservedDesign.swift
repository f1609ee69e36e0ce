import CitySystem
import Estimators
import Foundation
import Numerics

/// An observed design, ready to replicate: the panel's regressors, W, N and T, the fixed
/// effects and residuals recovered at the calibrated parameters, and the outcome model at
/// the generating parameters (the calibration unless the scenario overrides it).
///
/// Each replication draws errors ε (normal, bootstrap or wild; `ObservedErrors`) and solves
///
///   y_t = (I − ρW)⁻¹ (X_t β + W X_t θ + μ + α_t 1 + ε_t)
///
/// with μ, α the fitted fixed effects: r = y − ρ̂Wy − Xβ̂ − WXθ̂ splits into its fixed-effect
/// part r − Qr and the fitted residuals Qr (Q the within transform of the calibration's
/// effects), so with ε = Qr and the calibrated parameters the data are reproduced exactly.
/// Everything but the errors and one O(N²T) solve is built once here.
public struct ObservedDesign: Sendable {
    public let spec: ObservedDesignSpec
    /// The scenario file, for messages.
    public let source: String
    public let dataset: SpatialDataset
    /// μ_i + α_t (+ the constant) per observation, time-major, at the calibrated values.
    public let fixedEffects: [Double]
    /// The fitted residuals Q(y − ρ̂Wy − Xβ̂ − WXθ̂) at the calibrated values.
    public let residuals: [Double]
    /// The centred residuals rescaled to mean square σ² of the outcome: the pool of the
    /// bootstrap and the wild draws.
    public let scaledResiduals: [Double]
    public let truth: ObservedTruth
    /// The serial and spatial correlation of the fitted residuals (what the error laws keep or lose).
    public let dependence: ResidualDependence
    /// X β + W X θ + fixed effects at the generating values: the part of the outcome that
    /// does not change across replications.
    let systematic: [Double]
    let filter: SpatialFilter

    public var n: Int { dataset.panel.n }
    public var t: Int { dataset.panel.t }
    public var names: [String] { dataset.panel.names }

    /// Loads the files (refusing changed ones) and builds the design. Each file is read once:
    /// the bytes that are hashed are the bytes that are parsed.
    public init(spec: ObservedDesignSpec, source: String) throws {
        let (table, weights, _) = try Self.readFiles(spec: spec, source: source)
        let dataset = try SpatialDataLoader.build(
            table: table, weights: weights, weightsSource: spec.weightsPath, id: spec.id, time: spec.time, y: spec.y,
            x: spec.x, quadratic: spec.quadratic, moderator: spec.moderator, rowStandardise: spec.rowStandardise)
        try self.init(spec: spec, source: source, dataset: dataset)
    }

    /// The data and W tables, each file's bytes hash-checked and then parsed (so the bytes that are
    /// hashed are the bytes that are read).
    static func readFiles(spec: ObservedDesignSpec, source: String) throws -> (table: DataTable, weights: WeightsTable, merges: CityMerges?) {
        func hashed(_ key: String, _ path: String, _ recorded: String) throws -> DataTable {
            guard let bytes = FileManager.default.contents(atPath: path) else { throw CalibrationError.unreadable(path: path) }
            let found = ContentHash.label(bytes)
            guard found == recorded else {
                throw CalibrationError.changedFile(scenario: source, key: key, path: path, recorded: recorded, found: found)
            }
            guard let text = String(data: bytes, encoding: .utf8) else {
                throw DataError("\(path): the file is not UTF-8 text; save it as a UTF-8 CSV")
            }
            return try DataTable.parse(csv: text, source: path)
        }
        let table = try hashed("data", spec.dataPath, spec.dataHash)
        let merges = try spec.merges.map { try CityMerges.parse(try hashed("merges", $0.resolvedPath, $0.hash)) }
        return (table, try WeightsTable.parse(try hashed("weights", spec.weightsPath, spec.weightsHash)), merges)
    }

    /// Builds the design on an already loaded data set (no file access; tests and `calibrate`).
    public init(spec: ObservedDesignSpec, source: String, dataset: SpatialDataset) throws {
        self.spec = spec
        self.source = source
        self.dataset = dataset
        let p = dataset.panel, w = dataset.weights
        guard p.names == spec.fit.beta.map(\.name) else {
            throw CalibrationError.regressorMismatch(scenario: source, expected: spec.fit.beta.map(\.name), found: p.names)
        }
        let wx = w.applyPanel(p.x)
        func linear(_ q: ObservedDesignSpec.Parameters) -> [Double] {
            var out = p.x.multiply(q.beta.map(\.value))
            let lagged = wx.multiply(q.theta.map(\.value))
            for k in out.indices { out[k] += lagged[k] }
            return out
        }
        let effects = FixedEffects(rawValue: spec.effects) ?? .twoWays
        let wy = w.applyPanel(p.y)
        let fitted = linear(spec.fit)
        let r = (0..<p.y.count).map { p.y[$0] - spec.fit.rho * wy[$0] - fitted[$0] }
        let e: [Double]
        if effects == .none {
            let m = Statistics.mean(r)
            e = r.map { $0 - m }
        } else {
            e = WithinTransform.apply(r, n: p.n, t: p.t, effects: effects)
        }
        residuals = e
        dependence = ResidualDependence(residuals: e, n: p.n, weights: w)
        let fe = zip(r, e).map { $0 - $1 }
        fixedEffects = fe
        let centre = Statistics.mean(e)
        let meanSquare = e.reduce(0) { $0 + ($1 - centre) * ($1 - centre) } / Double(e.count)
        let scale = (spec.outcome.sigma2 / meanSquare).squareRoot()
        scaledResiduals = e.map { ($0 - centre) * scale }
        let generating = linear(spec.outcome)
        systematic = zip(generating, fe).map { $0 + $1 }
        let (lo, hi) = w.stableInterval
        guard spec.outcome.rho > lo, spec.outcome.rho < hi else {
            throw CalibrationError.unstableRho(scenario: source, key: spec.outcome.rho == spec.fit.rho ? "fit.rho" : "outcome.rho",
                                               rho: spec.outcome.rho, lower: lo, upper: hi)
        }
        filter = try SpatialFilter(weights: w, rho: spec.outcome.rho)
        truth = try ObservedTruth(spec: spec, dataset: dataset)
    }

    /// The outcome for given errors ε (time-major, N·T): (I − ρW)⁻¹(Xβ + WXθ + μ + α + ε), O(N²T).
    public func outcome(errors: [Double]) throws -> [Double] {
        guard errors.count == systematic.count else {
            throw EstimationError("\(errors.count) errors for a panel of N·T = \(systematic.count) observations")
        }
        return try filter.solvePanel(zip(systematic, errors).map { $0 + $1 })
    }

    /// The panel of one replication: the data's regressors with a regenerated outcome.
    /// A pure function of (seed, cell, replication).
    public func generate(seed: UInt64, cell: Int, replication: Int) throws -> SpatialPanel {
        let stream = RandomStream(StreamID(seed: seed, cell: cell, replication: replication, purpose: ObservedStreamPurpose.errors))
        let y = try outcome(errors: ObservedErrors.draw(spec.errors, sigma2: spec.outcome.sigma2, pool: scaledResiduals, units: n, stream: stream))
        return try SpatialPanel(y: y, x: dataset.panel.x, names: dataset.panel.names, n: n, t: t)
    }
}

/// Stream purposes of the observed design (0x0B5 prefix, apart from the city system's 0xC17).
public enum ObservedStreamPurpose {
    public static let errors: UInt64 = 0x0B5_0001
}

/// The error laws of an observed design. `pool` holds the centred fitted residuals rescaled
/// to mean square σ² (time-major, N·T), so every resampling law has mean 0 and variance σ² (the
/// bootstrap exactly over its discrete distribution, the others on average over observations).
/// What each keeps of the data's dependence (issue 20): normal and bootstrap nothing; wild each
/// observation's variance; unit_block each unit's serial dependence; time_block each year's
/// cross-sectional (spatial) dependence; unit_wild each unit's serial dependence and variance.
/// None keeps both serial and cross-unit dependence (that would need the whole panel).
public enum ObservedErrors {
    public static func draw(_ law: ObservedDesignSpec.Errors, sigma2: Double, pool: [Double], units n: Int,
                            stream: RandomStream) -> [Double] {
        let periods = n > 0 ? pool.count / n : 0
        switch law {
        case .normal:
            return stream.normals(pool.count, sd: sigma2.squareRoot())
        case .bootstrap:
            // Efron's residual bootstrap: i.i.d. draws from the empirical distribution of the residuals.
            return (0..<pool.count).map { _ in pool[stream.integer(below: pool.count)] }
        case .wild:
            // Rademacher multipliers (Liu 1988; Davidson & Flachaire 2008): ±1 with probability 1/2.
            return pool.map { stream.bernoulli(0.5) ? $0 : -$0 }
        case .unitBlock:
            // Block bootstrap over units (Kapetanios 2008's cross-sectional resampling): unit i gets
            // unit j's whole series, j drawn with replacement.
            let source = (0..<n).map { _ in stream.integer(below: n) }
            var e = [Double](repeating: 0, count: pool.count)
            for t in 0..<periods { for i in 0..<n { e[t * n + i] = pool[t * n + source[i]] } }
            return e
        case .timeBlock:
            // Block bootstrap over periods: year t gets year s's whole cross-section, s drawn with replacement.
            let source = (0..<periods).map { _ in stream.integer(below: periods) }
            var e = [Double](repeating: 0, count: pool.count)
            for t in 0..<periods { for i in 0..<n { e[t * n + i] = pool[source[t] * n + i] } }
            return e
        case .unitWild:
            // Wild cluster multipliers (Cameron, Gelbach & Miller 2008): one Rademacher sign per unit.
            let sign = (0..<n).map { _ in stream.bernoulli(0.5) ? 1.0 : -1.0 }
            var e = pool
            for t in 0..<periods { for i in 0..<n { e[t * n + i] *= sign[i] } }
            return e
        }
    }
}

/// The dependence left in a panel's within residuals (time-major, N·T), as `calibrate` reports it.
public struct ResidualDependence: Sendable, Equatable {
    /// Pooled lag-1 autocorrelation within units, Σ_i Σ_{t≥2} e_it e_i,t−1 / Σ e².
    public let serial: Double
    /// Pooled spatial correlation Σ_t e_tᵀ W e_t / Σ e² (Moran's I of the residuals for a
    /// row-standardised W, whose entries sum to N).
    public let spatial: Double

    init(serial: Double, spatial: Double) { self.serial = serial; self.spatial = spatial }

    public init(residuals e: [Double], n: Int, weights: SpatialWeights) {
        let t = n > 0 ? e.count / n : 0
        let ss = e.reduce(0) { $0 + $1 * $1 }
        var lag = 0.0
        for p in 1..<max(t, 1) { for i in 0..<n { lag += e[p * n + i] * e[(p - 1) * n + i] } }
        let we = weights.applyPanel(e)
        serial = ss > 0 ? lag / ss : .nan
        spatial = ss > 0 ? zip(e, we).reduce(0) { $0 + $1.0 * $1.1 } / ss : .nan
    }

    /// What each law keeps of this dependence, for `calibrate`'s report.
    public static func keeps(_ law: ObservedDesignSpec.Errors) -> String {
        switch law {
        case .normal: return "neither (i.i.d. normal)"
        case .bootstrap: return "neither (i.i.d. draws of the residuals)"
        case .wild: return "neither; each observation's variance"
        case .unitBlock: return "serial, not spatial"
        case .timeBlock: return "spatial, not serial"
        case .unitWild: return "serial and each unit's variance, not spatial"
        }
    }
}

extension ObservedDesign {
    /// One generated panel as CSV in the data's own columns: id, time, the regenerated outcome,
    /// then the regressors as read (x and the moderator; constructed terms are left out).
    public func csv(_ panel: SpatialPanel) -> String {
        let raw = spec.x + [spec.moderator].compactMap { $0 }.filter { !spec.x.contains($0) }
        let columns = [(name: spec.y, values: panel.y)] + raw.compactMap { name in
            panel.names.firstIndex(of: name).map { (name: name, values: panel.x.column($0)) }
        }
        return PanelCSV.long(idName: spec.id, ids: dataset.units, timeName: spec.time,
                             times: dataset.times.map(PanelIndex.format), columns: columns)
    }
}
