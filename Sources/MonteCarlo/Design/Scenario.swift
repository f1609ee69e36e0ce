import CitySystem
import Foundation

/// The Monte Carlo side of a scenario file. The generator (CitySystem) owns
/// `name`, `description`, `seed` and `city_system`; this target owns
/// `monte_carlo`, `estimators`, `cells`, `grid`, `filter` and `known_dgp` (built-in
/// experiments with a textbook truth, used to check the engine itself).
public struct MonteCarloScenario: Sendable {
    /// The file's text, stored verbatim in every result file.
    public var text: String { document.text }
    public var file: String { document.source }
    public let name: String
    public let seed: UInt64
    public let settings: MonteCarloSettings
    public let estimators: [EstimatorSpec]
    public let factors: [GridFactor]
    /// The `cells:` list: labelled cells, each with its settings (crossed with the grid).
    public let labelledCells: [LabelledCell]
    /// Partial assignments of factor values; a cell matching any of them is not run.
    public let exclusions: [[String: ScenarioValue]]
    /// The whole document; cells apply their factor values to it.
    public let document: ScenarioDocument

    /// The `known_dgp:` section as one line (for `validate`), or nil.
    public var knownDGPSummary: String? { document["known_dgp"]?.compactText }

    public static func load(path: String) throws -> MonteCarloScenario {
        try MonteCarloScenario(document: ScenarioDocument.load(path: path))
    }

    public init(text: String, file: String = "<scenario>") throws {
        try self.init(document: ScenarioDocument(text: text, source: file))
    }

    public init(document: ScenarioDocument) throws {
        self.document = document
        let file = document.source
        let reader = ScenarioValueReader(source: file)
        guard let entries = document.root.entries else {
            throw reader.error("", "the top level must be a mapping of keys (name, seed, city_system, monte_carlo, estimators, grid, …)")
        }
        let known = ScenarioDocument.topLevelKeys
        for (k, _) in entries where !known.contains(k) {
            let hint = KeySuggestion.closest(to: k, among: known).map { "did you mean '\($0)'? " } ?? ""
            throw reader.error(k, "unknown top-level key; \(hint)known keys are \(known.sorted().joined(separator: ", "))")
        }
        name = try document["name"].map { try reader.string($0, "name") } ?? document.defaultName
        if let problem = ScenarioDocument.nameProblem(name) { throw reader.error("name", problem.reason, fix: problem.fix) }
        // Without `seed:` the generator's default applies (one constant, documented in scenarios/README.md).
        seed = UInt64(try document["seed"].map { try reader.integer($0, "seed", minimum: 0) } ?? ScenarioParser.defaultSeed)
        settings = try MonteCarloSettings(document["monte_carlo"], reader)
        estimators = try EstimatorSpec.parseList(document["estimators"], reader)
        factors = try GridFactor.parse(document["grid"], reader)
        for factor in factors where factor.path.hasPrefix("estimators") {
            try Self.checkEstimatorFactor(factor.path, values: factor.values, at: "grid.\(factor.path)", document: document,
                                          estimators: estimators, reader: reader)
        }
        labelledCells = try LabelledCell.parseList(document["cells"], factors: factors, reader)
        for (k, cell) in labelledCells.enumerated() {
            for (path, value) in cell.settings where path.hasPrefix("estimators") {
                try Self.checkEstimatorFactor(path, values: [value], at: "cells[\(k)].\(path)", document: document,
                                              estimators: estimators, reader: reader)
            }
        }
        exclusions = try Self.parseFilter(document["filter"], factors, reader)
        if document["city_system"] == nil && document["known_dgp"] == nil {
            throw reader.error("", "nothing to simulate: add a `city_system:` section (or `known_dgp:` for the built-in checks)")
        }
        try Self.refuseSettingsNoCellUses(try cells(), world: document.world)
    }

    /// A setting written for one branch of a section (an error law's `df`, a csv geography's `file`)
    /// is refused when no design cell uses it: accepted and ignored, it would be the worst kind of bad
    /// input. One used by some cells (a grid over `law: [normal, t]` with `df` set) is fine. A cell
    /// whose generator section does not parse is skipped here; building it reports its error.
    static func refuseSettingsNoCellUses(_ cells: [DesignCell], world: WorldKind) throws {
        var common: [String: ScenarioError]? = nil
        for cell in cells {
            let unused = Worlds.type(of: world).unusedSettings(cell.document)
            let here = Dictionary(unused.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
            common = common.map { $0.filter { here[$0.key] != nil } } ?? here
        }
        if let first = common?.values.sorted(by: { $0.path < $1.path }).first { throw first }
    }

    /// A grid factor on an estimator's setting (`estimators.1.variance`) is applied per cell
    /// (`DesignCell.estimators`); here each level is checked as the estimator would read it,
    /// so a bad level is refused at load naming the factor and the valid values. The
    /// estimator's name, model and estimands are its results layout and cannot vary by cell;
    /// neither can its W when it scores ρ or θ (their comparability is recorded per estimator).
    private static func checkEstimatorFactor(_ path: String, values: [ScenarioValue], at: String, document: ScenarioDocument,
                                             estimators: [EstimatorSpec], reader: ScenarioValueReader) throws {
        let keys = path.split(separator: ".").map(String.init)
        guard keys.count >= 3, let i = Int(keys[1]) else {
            throw reader.error(at, "a grid factor on an estimator sets one of its settings, e.g. `estimators.0.approach`; list one estimator per configuration instead of varying a whole entry")
        }
        guard estimators.indices.contains(i) else {
            throw reader.error(at, "there is no estimator \(i) (the scenario lists \(estimators.count), numbered from 0)")
        }
        let e = estimators[i]
        if EstimatorSpec.identityKeys.contains(keys[2]) {
            throw reader.error(at, "`\(keys[2])` of estimator `\(e.name)` cannot vary by design cell: it fixes what the results file records for the estimator; list one estimator per \(keys[2]) instead")
        }
        var comparability: [Bool] = []
        for value in values {
            let cell: [EstimatorSpec]
            do {
                cell = try EstimatorSpec.parseList(try document.setting(value, atKeyPath: path)["estimators"], reader)
            } catch let error as ScenarioError {
                // Name the inner key only when it is not the factor's own (e.g. a rule between two options).
                let own = error.path == "estimators[\(i)].\(keys[2...].joined(separator: "."))"
                throw reader.error(at, "level `\(value.compactText)`: \(own ? "" : "\(error.path): ")\(error.reason)", fix: error.fix)
            }
            comparability.append(cell[i].notComparableEstimands == nil)
        }
        if Set(comparability).count > 1 {
            let parameters = e.estimands.filter(EstimatorSpec.holdsOnlyUnderTrueW)
            throw reader.error(at, "estimator `\(e.name)` scores \(parameters.joined(separator: ", ")), whose truth holds only under the true W, so its W cannot vary by design cell; list one estimator per W instead")
        }
    }

    private static func parseFilter(_ node: ScenarioValue?, _ factors: [GridFactor],
                                    _ reader: ScenarioValueReader) throws -> [[String: ScenarioValue]] {
        guard let node else { return [] }
        guard let m = node.entries else { throw reader.error("filter", "must be a mapping with an `exclude:` list") }
        for (key, _) in m where key != "exclude" {
            throw reader.error("filter.\(key)", "unknown key; `filter` accepts only `exclude:` (a list of factor assignments)")
        }
        guard let list = node["exclude"]?.list else { throw reader.error("filter.exclude", "must be a list of mappings {factor key path: value}") }
        if factors.isEmpty {
            throw reader.error("filter", "the scenario has no `grid:`; a filter excludes cells of the grid cross (labelled cells are listed one by one: remove the ones not to run)",
                               fix: "remove `filter`")
        }
        let names = factors.map(\.path)
        return try list.enumerated().map { i, entry in
            guard let em = entry.entries else { throw reader.error("filter.exclude[\(i)]", "must be a mapping {factor key path: value}") }
            var rule: [String: ScenarioValue] = [:]
            for (path, v) in em {
                guard let factor = factors.first(where: { $0.path == path }) else {
                    let hint = KeySuggestion.closest(to: path, among: names).map { "did you mean `\($0)`? " } ?? ""
                    throw reader.error("filter.exclude[\(i)].\(path)", "not a grid factor; \(hint)factors are \(names.sorted().joined(separator: ", "))")
                }
                // Values match as written (`0.2` is not `0.20`): one that is no level of its factor would exclude nothing.
                guard factor.values.contains(v) else {
                    throw reader.error("filter.exclude[\(i)].\(path)", "`\(v.compactText)` is not a level of the factor; its levels are \(factor.values.map(\.compactText).joined(separator: ", "))",
                                       fix: "write the value as the grid lists it")
                }
                rule[path] = v
            }
            return rule
        }
    }

    /// The design cells: the labelled cells (`cells:`, in order; one unlabelled cell when
    /// there are none), each crossed with the grid factors (the last factor varies fastest),
    /// minus excluded cells. A cell's `index` is (its labelled cell's `cell_index`, by default
    /// its position) × the size of the grid cross + its position in the cross, so adding a
    /// filter, or a labelled cell at the end, never changes another cell's random streams.
    public func cells() throws -> [DesignCell] {
        var result: [DesignCell] = []
        let counts = factors.map(\.values.count)
        let total = counts.reduce(1, *)
        let reader = ScenarioValueReader(source: file)
        let explicit: [LabelledCell?] = labelledCells.isEmpty ? [nil] : labelledCells
        for (position, labelled) in explicit.enumerated() {
            for g in 0..<total {
                var rest = g
                var levels = [Int](repeating: 0, count: factors.count)
                for f in stride(from: factors.count - 1, through: 0, by: -1) {
                    levels[f] = rest % counts[f]
                    rest /= counts[f]
                }
                let excluded = exclusions.contains { rule in
                    rule.allSatisfy { path, value in factors.indices.contains { factors[$0].path == path && factors[$0].values[levels[$0]] == value } }
                }
                if excluded { continue }
                var values = (labelled?.settings ?? []).map {
                    FactorValue(path: $0.path, value: $0.value, label: nil, origin: "cells[\(position)].\($0.path)")
                }
                values += factors.indices.map { f in
                    FactorValue(path: factors[f].path, value: factors[f].values[levels[f]], label: factors[f].labels?[levels[f]],
                                origin: "grid.\(factors[f].path)")
                }
                var doc = document
                for v in values {
                    do { doc = try doc.setting(v.value, atKeyPath: v.path) } catch let e as ScenarioError {
                        throw ScenarioError(source: file, path: v.origin, reason: "\(e.path): \(e.reason)", fix: e.fix)
                    }
                }
                // Estimator settings set by the design apply to this cell; the checks at load make this parse succeed.
                let estimators = try values.contains { $0.path.hasPrefix("estimators.") }
                    ? EstimatorSpec.parseList(doc["estimators"], reader) : self.estimators
                let title = ([labelled?.label] + values.map(\.label)).compactMap { $0 }
                result.append(DesignCell(index: (labelled?.index ?? position) * total + g, factors: values, document: doc,
                                         estimators: estimators, title: title.isEmpty ? nil : title.joined(separator: ", ")))
            }
        }
        if result.isEmpty { throw ScenarioError(source: file, path: "filter", reason: "excludes every design cell; nothing to run") }
        return result
    }

    /// What each replication of every cell records: one layout per estimator.
    public var layouts: [EstimatorLayout] { estimators.map { EstimatorLayout(name: $0.name, estimands: $0.estimands) } }
}

/// Run settings under `monte_carlo:`.
public struct MonteCarloSettings: Sendable, Equatable {
    /// Replications per design cell (overridden by `spillsim run --reps`).
    public var replications = 200
    /// Replications per checkpoint: each completed chunk is made durable at once.
    /// 50 keeps checkpoint overhead small while losing at most a few seconds on a kill.
    public var chunkSize = 50
    /// Level of the tests whose rejection rates are reported.
    public var alpha = 0.05

    public init() {}

    init(_ node: ScenarioValue?, _ reader: ScenarioValueReader) throws {
        guard let node else { return }
        guard let m = node.entries else { throw reader.error("monte_carlo", "must be a mapping (replications, chunk_size, alpha)") }
        for (k, v) in m {
            switch k {
            case "replications": replications = try reader.integer(v, "monte_carlo.replications", minimum: 1)
            case "chunk_size": chunkSize = try reader.integer(v, "monte_carlo.chunk_size", minimum: 1)
            case "alpha":
                alpha = try reader.double(v, "monte_carlo.alpha")
                if !(alpha > 0 && alpha < 1) { throw reader.error("monte_carlo.alpha", "must lie in (0, 1); got \(alpha)") }
            default:
                throw reader.error("monte_carlo.\(k)", "unknown key; `monte_carlo` accepts replications, chunk_size, alpha")
            }
        }
    }
}

/// One `estimators:` entry: a name (unique; used in result files), the model,
/// the estimands scored, the model options as written and their typed settings
/// (`EstimatorRegistry`), checked when the entry is read.
public struct EstimatorSpec: Sendable {
    public let name: String
    public let model: String
    public let estimands: [String]
    public let options: [String: ScenarioValue]
    let settings: EstimatorSettings

    /// The keys of an entry that identify the estimator and what it records (the
    /// results layout): the same in every design cell, so no grid factor may set them.
    static let identityKeys = ["name", "model", "estimands"]

    /// ρ, λ and θ of a model estimated with a W other than the true one (`weights:` set
    /// to a name other than `true`, the reserved name of the true W) are different
    /// parameters from the truth's: they are not comparable (docs/monte-carlo.md). λ's process
    /// runs through the model's own W (the SAC's M is its W), so the generator's λ through the
    /// true W is its truth only when that W is the true one.
    var notComparableEstimands: [String]? {
        guard let w = settings.weights, w != "true" else { return nil }
        let names = estimands.filter(Self.holdsOnlyUnderTrueW)
        return names.isEmpty ? nil : names
    }

    /// An estimand whose truth is the parameter of the model only under the true W.
    static func holdsOnlyUnderTrueW(_ name: String) -> Bool { name == "rho" || name == "lambda" || name.hasPrefix("theta.") }

    static func parseList(_ node: ScenarioValue?, _ reader: ScenarioValueReader) throws -> [EstimatorSpec] {
        guard let list = node?.list, !list.isEmpty else {
            // A mapping or a scalar here is a list written without its dashes.
            let what = node.map { $0.list == nil ? "must be a list of estimators" : "is empty" } ?? "missing"
            throw reader.error("estimators", "\(what); list at least one estimator, e.g. `- {name: sdm, model: sdm, estimands: [rho]}`")
        }
        var specs: [EstimatorSpec] = []
        for (i, entry) in list.enumerated() {
            let at = "estimators[\(i)]"
            let (m, name) = try reader.namedEntry(entry, at: at, nameKey: "name", contents: "name, model and estimands", missing: "missing")
            guard name.range(of: "^[A-Za-z0-9_.-]+$", options: .regularExpression) != nil else {
                throw reader.error("\(at).name", "`\(name)` must use only letters, digits, `_`, `-` and `.` (it names an HDF5 group)")
            }
            if specs.contains(where: { $0.name == name }) { throw reader.error("\(at).name", "`\(name)` is used twice; names must be unique") }
            guard let modelNode = entry["model"] else { throw reader.error("\(at).model", "missing") }
            let model = try reader.string(modelNode, "\(at).model")
            guard let estimandNode = entry["estimands"] else { throw reader.error("\(at).estimands", "missing; list the estimands to score") }
            guard let estimandList = estimandNode.list else {
                let written = estimandNode.compactText
                throw reader.error("\(at).estimands", "must be a list, got \(estimandNode.entries == nil ? "`\(written)`" : "a mapping")",
                                   fix: "write `estimands: [\(estimandNode.scalarText ?? "rho")]`")
            }
            guard !estimandList.isEmpty else { throw reader.error("\(at).estimands", "is empty; list the estimands to score") }
            let estimands = try estimandList.enumerated().flatMap { k, node -> [String] in
                let name = try reader.string(node, "\(at).estimands[\(k)]")
                if name.hasPrefix("curve.") || name.hasPrefix("curve_lr."), name.contains("*") {
                    guard let all = SpatialEstimand.expandCurve(name) else {
                        throw reader.error("\(at).estimands[\(k)]", "`\(name)` is not a curve shorthand; use curve.K.L.* or curve_lr.K.L.* (all 41 points) or …/s (every s-th, s ≥ 1)")
                    }
                    return all
                }
                return [name]
            }
            if let twice = Dictionary(grouping: estimands, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw reader.error("\(at).estimands", "lists the estimand `\(twice)` twice (a curve shorthand includes its points)")
            }
            var options: [String: ScenarioValue] = [:]
            for (key, v) in m where !identityKeys.contains(key) { options[key] = v }
            let settings = try EstimatorRegistry.settings(model: model, options: options, at: at, reader: reader)
            // The profile interval moves only ρ's and λ's bounds: without them it would be accepted and ignored.
            if case .spatial(let s) = settings, s.spec.interval == .profile, !estimands.contains("rho"), !estimands.contains("lambda") {
                throw reader.error("\(at).interval", "`profile` sets the interval of ρ and λ, which this estimator does not score; add `rho` or `lambda` to its estimands, or remove `interval`")
            }
            specs.append(EstimatorSpec(name: name, model: model, estimands: estimands, options: options, settings: settings))
        }
        return specs
    }
}

/// A `grid:` factor: a dotted key path into the scenario, the values it takes and,
/// when given as `{values: [...], labels: [...]}`, a label for each value.
public struct GridFactor: Sendable {
    public let path: String
    public let values: [ScenarioValue]
    public let labels: [String]?

    static func parse(_ node: ScenarioValue?, _ reader: ScenarioValueReader) throws -> [GridFactor] {
        guard let node else { return [] }
        guard let m = node.entries else { throw reader.error("grid", "must be a mapping {dotted.key.path: [values]}") }
        for (k, (path, _)) in m.enumerated() {
            for earlier in m.prefix(k) {
                let levels = earlier.value.entries != nil ? earlier.value["values"]?.list ?? [] : earlier.value.list ?? []
                if let overwrite = overwrite(earlier: earlier.key, levels, later: path) {
                    throw reader.error("grid.\(path)", "\(overwrite.sentence(earlier: earlier.key, later: path)); keep one factor for that key path")
                }
            }
        }
        return try m.map { path, v in
            try checkPath(path, at: "grid.\(path)", reader)
            if let levels = v.entries {
                for (key, _) in levels where key != "values" && key != "labels" {
                    throw reader.error("grid.\(path).\(key)", "unknown key; a labelled factor is `{values: [v1, v2], labels: [name1, name2]}`")
                }
                guard let values = v["values"]?.list, !values.isEmpty else {
                    throw reader.error("grid.\(path).values", "must be a non-empty list of values")
                }
                guard let list = v["labels"]?.list, list.count == values.count else {
                    throw reader.error("grid.\(path).labels", "must list one label per value (\(values.count))")
                }
                let labels = try list.enumerated().map { try reader.string($1, "grid.\(path).labels[\($0)]") }
                if Set(labels).count != labels.count { throw reader.error("grid.\(path).labels", "labels must differ") }
                return GridFactor(path: path, values: values, labels: labels)
            }
            guard let values = v.list, !values.isEmpty else {
                throw reader.error("grid.\(path)", "must be a non-empty list of values (or {values: [...], labels: [...]})")
            }
            return GridFactor(path: path, values: values, labels: nil)
        }
    }

    /// How setting `later` after `earlier` (in a cell: its `cells:` settings in order, then the grid
    /// factors in order) would silently replace a value `earlier` set. A whole mapping followed by a
    /// key inside it is the way to vary both (psm-did-spillovers.yaml sets `city_system.treatment`,
    /// then `city_system.treatment.z_slope`), as long as no level of the mapping sets that key itself;
    /// the key followed by its mapping, or the same path twice, loses a value while the cell's label
    /// still shows it. Typed, so each caller words it for where the two paths were written.
    enum Overwrite: Equatable {
        /// The same key path twice.
        case samePath
        /// `later` is a mapping that holds `earlier`, and replaces it whole.
        case replacesHolder
        /// `earlier` is a mapping whose value `value` sets `inner`, the rest of `later`'s path.
        case mappingSetsKey(inner: String, value: String)

        /// The wording when both paths were written in one place (one cell's settings, or the grid).
        func sentence(earlier: String, later: String) -> String {
            switch self {
            case .samePath: return "sets `\(later)`, which `\(earlier)` sets too"
            case .replacesHolder:
                return "`\(later)` is applied after `\(earlier)` and replaces the mapping that holds it, so `\(earlier)` would be lost"
            case .mappingSetsKey(let inner, let value):
                return "the value `\(value)` of `\(earlier)` sets `\(inner)` too, which `\(later)` would then replace"
            }
        }
    }

    static func overwrite(earlier: String, _ earlierValues: [ScenarioValue], later: String) -> Overwrite? {
        if earlier == later { return .samePath }
        if earlier.hasPrefix(later + ".") { return .replacesHolder }
        guard later.hasPrefix(earlier + ".") else { return nil }
        let inner = String(later.dropFirst(earlier.count + 1))
        if let level = earlierValues.first(where: { $0.value(atKeyPath: inner) != nil }) {
            return .mappingSetsKey(inner: inner, value: level.compactText)
        }
        return nil
    }

    /// A key path a grid factor or a labelled cell may set: into a known top-level section,
    /// and not one that is the same for every cell.
    static func checkPath(_ path: String, at: String, _ reader: ScenarioValueReader) throws {
        guard let first = path.split(separator: ".").first, ScenarioDocument.topLevelKeys.contains(String(first)) else {
            throw reader.error(at, "must be a dotted key path into the scenario, e.g. `city_system.outcome.rho`")
        }
        if ["grid", "filter", "cells", "monte_carlo", "seed", "name", "description"].contains(first) {
            throw reader.error(at, "`\(first)` cannot vary by design cell: it is the same for every cell")
        }
    }
}

/// One factor's value in one cell: a grid level or a labelled cell's setting.
public struct FactorValue: Sendable, Equatable {
    public let path: String
    public let value: ScenarioValue
    /// The level's label (`grid: {path: {values, labels}}`), nil when it has none.
    public let label: String?
    /// Where the value was written, for messages: `grid.PATH` or `cells[k].PATH`.
    public let origin: String
}

/// One design cell: its index in the full cross (which enters its random
/// streams), its factor values, and the scenario document with them applied.
public struct DesignCell: Sendable {
    public let index: Int
    public let factors: [FactorValue]
    public let document: ScenarioDocument
    /// The estimators with this cell's settings: the scenario's, with any grid factor on an
    /// estimator setting applied (names, models and estimands are the same in every cell).
    public let estimators: [EstimatorSpec]
    /// The cell's label: its `cells:` entry's `label` and its grid levels' labels, joined
    /// by ", "; nil when none was given.
    public var title: String? = nil

    public var label: String {
        if let title { return title }
        return factors.isEmpty ? "cell \(index)" : factors.map { "\($0.path)=\($0.value.compactText)" }.joined(separator: ", ")
    }
}
