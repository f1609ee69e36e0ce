import Foundation
import Yams

/// An observed design (`city_system.observed`, written by `spillsim calibrate`): the
/// regressors, W, N, T and fixed effects are a real panel's, the outcome is regenerated
/// each replication from calibrated SDM parameters. This is the parsed section only;
/// reading the files, checking their hashes and generating live in the Calibration
/// target (which can read CSV panels). Key reference: scenarios/README.md.
/// `spec.y` … read and write `columns`.
@dynamicMemberLookup
public struct ObservedDesignSpec: Sendable, Equatable {
    /// How each replication's errors are drawn. The observation-level laws (normal, bootstrap,
    /// wild) destroy the residuals' serial and cross-sectional dependence; the block laws keep one
    /// of them (issue 20; MODEL.md §7c).
    public enum Errors: String, Sendable, CaseIterable {
        /// i.i.d. N(0, σ²).
        case normal
        /// Drawn with replacement from the centred fitted residuals, rescaled to variance σ².
        case bootstrap
        /// Each fitted residual (centred, rescaled) times an independent Rademacher sign.
        case wild
        /// Whole units' residual series drawn with replacement: keeps serial dependence.
        case unitBlock = "unit_block"
        /// Whole years' cross-sections drawn with replacement: keeps spatial (cross-unit) dependence.
        case timeBlock = "time_block"
        /// One Rademacher sign per unit times its own residual series: keeps serial dependence and
        /// each unit's variance.
        case unitWild = "unit_wild"

        /// The default: keeps the most of a typical panel's dependence once two-way effects are
        /// out — the serial correlation within units (cigarette: lag-1 ≈ 0.75) and each unit's own
        /// variance; `calibrate` prints the serial and spatial correlation it finds, so a panel
        /// whose spatial correlation dominates can choose `time_block`.
        public static let standard: Errors = .unitWild

        /// λ of the errors' spatial process (`ModelTruth.lambda`): the design's model is the SDM,
        /// whose errors no law makes an SAR process on W. The observation-level laws and the unit
        /// laws draw errors independent across units, so λ = 0 — unit_block included: units that
        /// draw the same source share one error series, a dependence the time effects do not absorb,
        /// but the pairs are drawn at random, not along W, so it is no SAR process on W; `time_block` keeps each
        /// year's cross-section of the data's residuals, whose spatial dependence no λ describes:
        /// no truth (issue 23).
        public var trueLambda: Double? {
            switch self {
            case .normal, .bootstrap, .wild, .unitBlock, .unitWild: return 0
            case .timeBlock: return nil
            }
        }
    }

    /// Values of ρ, β, θ (by regressor name, `W*` omitted) and σ².
    public struct Parameters: Sendable, Equatable {
        public var rho: Double
        public var sigma2: Double
        public var beta: [(name: String, value: Double)]
        public var theta: [(name: String, value: Double)]

        public init(rho: Double, sigma2: Double, beta: [(name: String, value: Double)], theta: [(name: String, value: Double)]) {
            self.rho = rho; self.sigma2 = sigma2; self.beta = beta; self.theta = theta
        }

        public static func == (a: Parameters, b: Parameters) -> Bool {
            a.rho == b.rho && a.sigma2 == b.sigma2 && a.beta.map(\.name) == b.beta.map(\.name) && a.beta.map(\.value) == b.beta.map(\.value)
                && a.theta.map(\.name) == b.theta.map(\.name) && a.theta.map(\.value) == b.theta.map(\.value)
        }
    }

    /// The panel CSV as written in the scenario (relative to the scenario file) and resolved.
    public var data: String
    public var dataPath: String
    /// `fnv1a64:<16 hex digits>` of the file's bytes at calibration.
    public var dataHash: String
    public var weights: String
    public var weightsPath: String
    public var weightsHash: String
    public var rowStandardise = true
    /// A file the design reads beside the data: as written in the scenario, resolved, and its content hash.
    public struct HashedFile: Sendable, Equatable {
        public var path: String
        public var resolvedPath: String
        public var hash: String
        public init(path: String, resolvedPath: String, hash: String) { self.path = path; self.resolvedPath = resolvedPath; self.hash = hash }
    }
    /// The merges CSV (city,into,year; docs/unbalanced.md "Merges"), nil without merges.
    public var merges: HashedFile? = nil
    public var columns: ModelColumns
    /// `individual`, `time`, `twoways` or `none`: the fixed effects recovered from the data.
    public var effects: String
    /// `direct` or `lee-yu`: how the calibration fit was made (recorded; the estimators choose their own).
    public var approach: String
    public var errors: Errors = .standard
    /// The calibrated values: they define the fixed effects and residuals recovered from the data.
    public var fit: Parameters
    /// The values the outcome is generated from: `fit` with the `outcome:` overrides applied.
    public var outcome: Parameters

    public init(data: String, dataPath: String, dataHash: String, weights: String, weightsPath: String, weightsHash: String,
                rowStandardise: Bool, columns: ModelColumns, effects: String, approach: String, errors: Errors, fit: Parameters, outcome: Parameters) {
        self.data = data; self.dataPath = dataPath; self.dataHash = dataHash
        self.weights = weights; self.weightsPath = weightsPath; self.weightsHash = weightsHash
        self.rowStandardise = rowStandardise; self.columns = columns; self.effects = effects; self.approach = approach
        self.errors = errors; self.fit = fit; self.outcome = outcome
    }

    public subscript<T>(dynamicMember path: WritableKeyPath<ModelColumns, T>) -> T {
        get { columns[keyPath: path] }
        set { columns[keyPath: path] = newValue }
    }

    static let effectChoices = ["individual", "time", "twoways", "none"]
    static let approachChoices = ["direct", "lee-yu"]
}

extension ScenarioParser {
    /// `city_system.observed`: every other key of `city_system` belongs to the synthetic generator and is refused here.
    static func parseObserved(_ cs: inout MappingReader, baseDirectory: String) throws -> ObservedDesignSpec {
        var r = try cs.section("observed")
        func resolved(_ p: String) -> String { p.hasPrefix("/") ? p : URL(fileURLWithPath: baseDirectory).appendingPathComponent(p).standardized.path }
        func required(_ key: String) throws -> String {
            guard let s = try r.optionalString(key), !s.isEmpty else {
                throw r.error(key, "missing", fix: "an observed design needs data, data_hash, weights, weights_hash, id, time, y, x, fit; `spillsim calibrate` writes them")
            }
            return s
        }
        let data = try required("data"), dataHash = try required("data_hash")
        let weights = try required("weights"), weightsHash = try required("weights_hash")
        let rowStandardise = try r.bool("row_standardise", true)
        let mergesPath = try r.optionalString("merges"), mergesHash = try r.optionalString("merges_hash")
        if (mergesPath == nil) != (mergesHash == nil) {
            throw r.error(mergesPath == nil ? "merges_hash" : "merges", "merges and merges_hash go together", fix: "`spillsim calibrate --merges` writes both")
        }
        let id = try required("id"), time = try required("time"), y = try required("y")
        guard let xs = try r.sequence("x"), !xs.isEmpty else { throw r.error("x", "missing or empty; list the regressors") }
        let x = try xs.enumerated().map { k, n -> String in
            guard let s = n.scalar?.string, !s.isEmpty else { throw r.error("x.\(k)", "must be a column name") }
            return s
        }
        let quadratic = try r.optionalString("quadratic"), moderator = try r.optionalString("moderator")
        if let q = quadratic { try r.require(x.contains(q), "quadratic", "'\(q)' must be one of x (\(x.joined(separator: ", ")))") }
        try r.require(moderator == nil || quadratic != nil, "moderator", "needs quadratic (the moderator interacts with the quadratic regressor)")
        let effects = try r.choice("effects", "twoways", allowed: ObservedDesignSpec.effectChoices)
        let approach = try r.choice("approach", "lee-yu", allowed: ObservedDesignSpec.approachChoices)
        let errors = ObservedDesignSpec.Errors(rawValue: try r.choice("errors", ObservedDesignSpec.Errors.standard.rawValue, allowed: ObservedDesignSpec.Errors.allCases.map(\.rawValue)))!
        let names = regressorNames(x: x, quadratic: quadratic, moderator: moderator)
        var f = try r.section("fit")
        let fit = try parseParameters(&f, names: names, base: nil)
        try f.finish()
        var o = try r.section("outcome")
        let outcome = try parseParameters(&o, names: names, base: fit)
        try o.finish()
        try r.finish()
        var spec = ObservedDesignSpec(data: data, dataPath: resolved(data), dataHash: dataHash, weights: weights,
                                      weightsPath: resolved(weights), weightsHash: weightsHash, rowStandardise: rowStandardise,
                                      columns: ModelColumns(id: id, time: time, y: y, x: x, quadratic: quadratic, moderator: moderator),
                                      effects: effects, approach: approach, errors: errors, fit: fit, outcome: outcome)
        if let mergesPath, let mergesHash {
            spec.merges = ObservedDesignSpec.HashedFile(path: mergesPath, resolvedPath: resolved(mergesPath), hash: mergesHash)
        }
        return spec
    }

    /// The regressor names of the fit in the estimator's order: x, then X^2, then D (when the
    /// moderator is not in x), then X:D — as `SpatialDataLoader` builds them.
    public static func regressorNames(x: [String], quadratic: String?, moderator: String?) -> [String] {
        guard let q = quadratic else { return x }
        var names = x + ["\(q)^2"]
        if let d = moderator {
            if !x.contains(d) { names.append(d) }
            names.append("\(q):\(d)")
        }
        return names
    }

    /// `fit` (base nil: every value required) or `outcome` (base given: every value optional, defaulting to it).
    private static func parseParameters(_ r: inout MappingReader, names: [String],
                                        base: ObservedDesignSpec.Parameters?) throws -> ObservedDesignSpec.Parameters {
        func scalar(_ key: String, _ def: Double?) throws -> Double {
            if let v = try r.optionalDouble(key) { return v }
            guard let def else { throw r.error(key, "missing", fix: "the calibrated value is written by `spillsim calibrate`") }
            return def
        }
        let rho = try scalar("rho", base?.rho)
        let sigma2 = try scalar("sigma2", base?.sigma2)
        try r.require(sigma2 > 0, "sigma2", "must be positive (it is a variance)")
        try r.require(abs(rho) < 1e6, "rho", "is not a plausible value")
        func coefficients(_ key: String, _ def: [(name: String, value: Double)]?) throws -> [(name: String, value: Double)] {
            var m = try r.section(key)
            var out: [(name: String, value: Double)] = []
            for (k, name) in names.enumerated() {
                if let v = try m.optionalDouble(name) { out.append((name, v)) } else if let d = def?[k] { out.append(d) } else {
                    throw m.error(name, "missing", fix: "give a value for every regressor (\(names.joined(separator: ", ")))")
                }
            }
            try m.finish()
            return out
        }
        return ObservedDesignSpec.Parameters(rho: rho, sigma2: sigma2, beta: try coefficients("beta", base?.beta),
                                             theta: try coefficients("theta", base?.theta))
    }
}
