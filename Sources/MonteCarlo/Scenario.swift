import CitySystem
import Foundation
import Yams

/// The Monte Carlo side of a scenario file. The generator (CitySystem) owns
/// `name`, `description`, `seed` and `city_system`; this target owns
/// `monte_carlo`, `estimators`, `grid`, `filter` and `known_dgp` (built-in
/// experiments with a textbook truth, used to check the engine itself).
public struct MonteCarloScenario: Sendable {
    /// The file's text, stored verbatim in every result file.
    public let text: String
    public let file: String
    public let name: String
    public let seed: UInt64
    public let settings: MonteCarloSettings
    public let estimators: [EstimatorSpec]
    public let factors: [GridFactor]
    /// Partial assignments of factor values; a cell matching any of them is not run.
    public let exclusions: [[String: Node]]
    /// The whole document; cells apply their factor values to it.
    public let document: Node

    static let ownKeys: Set<String> = ["monte_carlo", "estimators", "grid", "filter", "known_dgp"]
    static let generatorKeys: Set<String> = ["name", "description", "seed", "city_system"]

    /// True when the file has a Monte Carlo design (`estimators` or `known_dgp`);
    /// a generator-only file is valid for `generate` and `truth` but not `run`.
    public static func declaresDesign(path: String) throws -> Bool {
        let root = try? Yams.compose(yaml: try readText(path))
        return root?["estimators"] != nil || root?["known_dgp"] != nil
    }

    /// True when the file replaces the city system by a built-in `known_dgp:`
    /// experiment; `generate`, `truth` and the city-system checks of
    /// `validate` do not apply to it.
    public static func usesKnownDGP(path: String) throws -> Bool {
        (try? Yams.compose(yaml: try readText(path)))??["known_dgp"] != nil
    }

    /// The scenario file's text; an unreadable file is a scenario error naming the path.
    static func readText(_ path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw MonteCarloScenarioError(file: path, keyPath: "", "cannot read the file (\(error.localizedDescription)); check the path")
        }
    }

    /// The `known_dgp:` section as one line (for `validate`), or nil.
    public var knownDGPSummary: String? { document["known_dgp"]?.compactText }

    public static func load(path: String) throws -> MonteCarloScenario {
        let text = try readText(path)
        return try MonteCarloScenario(text: text, file: path)
    }

    public init(text: String, file: String = "<scenario>") throws {
        self.text = text
        self.file = file
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw MonteCarloScenarioError(file: file, keyPath: "", "not valid YAML: \(error)")
        }
        guard let root, let mapping = root.mapping else {
            throw MonteCarloScenarioError(file: file, keyPath: "", "the top level must be a mapping of keys (name, seed, city_system, monte_carlo, estimators, grid, …)")
        }
        let reader = NodeReader(file: file)
        for key in mapping.keys {
            let k = key.string ?? key.compactText
            if !Self.ownKeys.contains(k) && !Self.generatorKeys.contains(k) {
                let known = Self.ownKeys.union(Self.generatorKeys).sorted().joined(separator: ", ")
                throw MonteCarloScenarioError(file: file, keyPath: k, "unknown top-level key; known keys are \(known)")
            }
        }
        document = root
        name = try mapping["name"].map { try reader.string($0, "name") } ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        // Without `seed:` the generator's default applies (one constant, documented in scenarios/README.md).
        seed = UInt64(try mapping["seed"].map { try reader.integer($0, "seed", minimum: 0) } ?? ScenarioParser.defaultSeed)
        settings = try MonteCarloSettings(mapping["monte_carlo"], reader)
        estimators = try EstimatorSpec.parseList(mapping["estimators"], reader)
        factors = try GridFactor.parse(mapping["grid"], reader)
        exclusions = try Self.parseFilter(mapping["filter"], factors, reader)
        if mapping["city_system"] == nil && mapping["known_dgp"] == nil {
            throw MonteCarloScenarioError(file: file, keyPath: "", "nothing to simulate: add a `city_system:` section (or `known_dgp:` for the built-in checks)")
        }
    }

    private static func parseFilter(_ node: Node?, _ factors: [GridFactor], _ reader: NodeReader) throws -> [[String: Node]] {
        guard let node else { return [] }
        guard let m = node.mapping else { throw reader.error("filter", "must be a mapping with an `exclude:` list") }
        for key in m.keys where key.string != "exclude" {
            throw reader.error("filter.\(key.compactText)", "unknown key; `filter` accepts only `exclude:` (a list of factor assignments)")
        }
        guard let list = m["exclude"]?.sequence else { throw reader.error("filter.exclude", "must be a list of mappings {factor key path: value}") }
        let names = Set(factors.map(\.path))
        return try list.enumerated().map { i, entry in
            guard let em = entry.mapping else { throw reader.error("filter.exclude[\(i)]", "must be a mapping {factor key path: value}") }
            var rule: [String: Node] = [:]
            for (k, v) in em {
                let path = k.string ?? k.compactText
                guard names.contains(path) else {
                    throw reader.error("filter.exclude[\(i)].\(path)", "not a grid factor; factors are \(names.sorted().joined(separator: ", "))")
                }
                rule[path] = v
            }
            return rule
        }
    }

    /// The design cells: the grid factors fully crossed (the last factor varies
    /// fastest), minus excluded cells. A cell's `index` is its position in the
    /// full cross, so adding a filter never changes another cell's random streams.
    public func cells() throws -> [DesignCell] {
        var result: [DesignCell] = []
        let counts = factors.map(\.values.count)
        let total = counts.reduce(1, *)
        for index in 0..<total {
            var rest = index
            var assignment: [(String, Node)] = Array(repeating: ("", Node("")), count: factors.count)
            for f in stride(from: factors.count - 1, through: 0, by: -1) {
                assignment[f] = (factors[f].path, factors[f].values[rest % counts[f]])
                rest /= counts[f]
            }
            let excluded = exclusions.contains { rule in
                rule.allSatisfy { path, value in assignment.contains { $0.0 == path && $0.1 == value } }
            }
            if excluded { continue }
            var doc = document
            for (path, value) in assignment {
                do { try doc.setValue(value, atKeyPath: path) } catch {
                    throw MonteCarloScenarioError(file: file, keyPath: "grid.\(path)", "\(error)")
                }
            }
            result.append(DesignCell(index: index, factors: assignment.map { FactorValue(path: $0.0, value: $0.1) }, document: doc))
        }
        if result.isEmpty { throw MonteCarloScenarioError(file: file, keyPath: "filter", "excludes every design cell; nothing to run") }
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

    init(_ node: Node?, _ reader: NodeReader) throws {
        guard let node else { return }
        guard let m = node.mapping else { throw reader.error("monte_carlo", "must be a mapping (replications, chunk_size, alpha)") }
        for (k, v) in m {
            switch k.string ?? "" {
            case "replications": replications = try reader.integer(v, "monte_carlo.replications", minimum: 1)
            case "chunk_size": chunkSize = try reader.integer(v, "monte_carlo.chunk_size", minimum: 1)
            case "alpha":
                alpha = try reader.double(v, "monte_carlo.alpha")
                if !(alpha > 0 && alpha < 1) { throw reader.error("monte_carlo.alpha", "must lie in (0, 1); got \(alpha)") }
            default:
                throw reader.error("monte_carlo.\(k.compactText)", "unknown key; `monte_carlo` accepts replications, chunk_size, alpha")
            }
        }
    }
}

/// One `estimators:` entry: a name (unique; used in result files), the model,
/// the estimands scored, and model options (effects, approach, weights, …)
/// that the experiment for that model validates.
public struct EstimatorSpec: Sendable {
    public let name: String
    public let model: String
    public let estimands: [String]
    public let options: [String: Node]

    /// ρ and θ of a model estimated with a W other than the true one (`weights:` set
    /// to a name other than `true`, the reserved name of the true W) are different
    /// parameters from the truth's: they are not comparable (docs/monte-carlo.md).
    var notComparableEstimands: [String]? {
        guard let w = options["weights"]?.string, w != "true" else { return nil }
        let names = estimands.filter { $0 == "rho" || $0.hasPrefix("theta.") }
        return names.isEmpty ? nil : names
    }

    static func parseList(_ node: Node?, _ reader: NodeReader) throws -> [EstimatorSpec] {
        guard let list = node?.sequence, !list.isEmpty else {
            throw reader.error("estimators", "missing or empty; list at least one estimator, e.g. `- {name: sdm, model: sdm, estimands: [rho]}`")
        }
        var specs: [EstimatorSpec] = []
        for (i, entry) in list.enumerated() {
            let at = "estimators[\(i)]"
            guard let m = entry.mapping else { throw reader.error(at, "must be a mapping with name, model and estimands") }
            guard let nameNode = m["name"] else { throw reader.error("\(at).name", "missing") }
            let name = try reader.string(nameNode, "\(at).name")
            guard name.range(of: "^[A-Za-z0-9_.-]+$", options: .regularExpression) != nil else {
                throw reader.error("\(at).name", "`\(name)` must use only letters, digits, `_`, `-` and `.` (it names an HDF5 group)")
            }
            if specs.contains(where: { $0.name == name }) { throw reader.error("\(at).name", "`\(name)` is used twice; names must be unique") }
            guard let modelNode = m["model"] else { throw reader.error("\(at).model", "missing") }
            let model = try reader.string(modelNode, "\(at).model")
            guard let estimandList = m["estimands"]?.sequence, !estimandList.isEmpty else {
                throw reader.error("\(at).estimands", "missing or empty; list the estimands to score")
            }
            let estimands = try estimandList.enumerated().map { try reader.string($1, "\(at).estimands[\($0)]") }
            if Set(estimands).count != estimands.count { throw reader.error("\(at).estimands", "lists an estimand twice") }
            var options: [String: Node] = [:]
            for (k, v) in m {
                let key = k.string ?? k.compactText
                if !["name", "model", "estimands"].contains(key) { options[key] = v }
            }
            specs.append(EstimatorSpec(name: name, model: model, estimands: estimands, options: options))
        }
        return specs
    }

    public init(name: String, model: String, estimands: [String], options: [String: Node] = [:]) {
        self.name = name
        self.model = model
        self.estimands = estimands
        self.options = options
    }
}

/// A `grid:` factor: a dotted key path into the scenario and the values it takes.
public struct GridFactor: Sendable {
    public let path: String
    public let values: [Node]

    static func parse(_ node: Node?, _ reader: NodeReader) throws -> [GridFactor] {
        guard let node else { return [] }
        guard let m = node.mapping else { throw reader.error("grid", "must be a mapping {dotted.key.path: [values]}") }
        return try m.map { k, v in
            let path = k.string ?? k.compactText
            guard let first = path.split(separator: ".").first, MonteCarloScenario.generatorKeys.union(MonteCarloScenario.ownKeys).contains(String(first)) else {
                throw reader.error("grid.\(path)", "must be a dotted key path into the scenario, e.g. `city_system.outcome.rho`")
            }
            if first == "grid" || first == "filter" || first == "monte_carlo" || first == "seed" {
                throw reader.error("grid.\(path)", "`\(first)` cannot be a grid factor")
            }
            guard let values = v.sequence, !values.isEmpty else { throw reader.error("grid.\(path)", "must be a non-empty list of values") }
            return GridFactor(path: path, values: Array(values))
        }
    }
}

/// One factor's value in one cell.
public struct FactorValue: Sendable, Equatable {
    public let path: String
    public let value: Node
}

/// One design cell: its index in the full cross (which enters its random
/// streams), its factor values, and the scenario document with them applied.
public struct DesignCell: Sendable {
    public let index: Int
    public let factors: [FactorValue]
    public let document: Node

    public var label: String {
        factors.isEmpty ? "cell \(index)" : factors.map { "\($0.path)=\($0.value.compactText)" }.joined(separator: ", ")
    }
}

/// Typed access to YAML nodes with errors that name the file and key path.
public struct NodeReader: Sendable {
    public let file: String
    public init(file: String) { self.file = file }

    public func error(_ path: String, _ reason: String) -> MonteCarloScenarioError { MonteCarloScenarioError(file: file, keyPath: path, reason) }

    public func string(_ node: Node, _ path: String) throws -> String {
        guard let s = node.scalar?.string else { throw error(path, "must be a string") }
        return s
    }

    public func integer(_ node: Node, _ path: String, minimum: Int? = nil) throws -> Int {
        guard let s = node.scalar?.string, let v = Int(s) else { throw error(path, "must be an integer; got `\(node.compactText)`") }
        if let minimum, v < minimum { throw error(path, "must be at least \(minimum); got \(v)") }
        return v
    }

    public func double(_ node: Node, _ path: String) throws -> Double {
        guard let v = node.float, v.isFinite, node.scalar != nil else { throw error(path, "must be a finite number; got `\(node.compactText)`") }
        return v
    }

    public func doubles(_ node: Node, _ path: String) throws -> [Double] {
        guard let seq = node.sequence else { throw error(path, "must be a list of numbers") }
        return try seq.enumerated().map { try double($1, "\(path)[\($0)]") }
    }
}
