import Foundation
import Yams

/// One value of a scenario document — a scalar, a list or a mapping — as the
/// targets above CitySystem see it (they do not import Yams). Equality is YAML
/// node equality: a grid `filter` matches a factor value written the same way.
public struct ScenarioValue: Equatable, @unchecked Sendable {
    // Yams' Node is a value type (enum of structs holding strings and arrays) with
    // no shared mutable state; scenario documents are read concurrently by workers.
    let node: Node

    init(_ node: Node) { self.node = node }

    /// Composes YAML text (an empty text is an empty mapping); `source` names it in messages.
    /// A key given twice in one mapping, at any depth, is refused here (`refuseDuplicateKeys`).
    public init(yaml: String, source: String) throws {
        do {
            node = try Yams.compose(yaml: yaml) ?? Node.mapping(Node.Mapping([]))
        } catch let e as YamlError {
            throw ScenarioError(source: source, path: "", reason: "not valid YAML: \(e)")
        } catch {
            throw ScenarioError(source: source, path: "", reason: "not valid YAML: \(error)")
        }
        try Self.refuseDuplicateKeys(node, path: "", source: source)
    }

    /// Yams keeps every pair of a mapping, and each reader looks a key up its own way (first match,
    /// last match, a dictionary): a key written twice would be read as one value by one section and
    /// the other by another (a cell labelled ρ = 0.2 generated with 0.6). So the whole tree is
    /// checked once, when it is composed, and no section can miss the check. Paths are dotted, list
    /// elements by `[index]` (`cells[0].city_system.outcome.rho`).
    static func refuseDuplicateKeys(_ node: Node, path: String, source: String) throws {
        switch node {
        case .mapping(let m):
            var first: [String: Mark?] = [:]
            for (key, value) in m {
                let name = key.scalar?.string ?? compact(key)
                let here = path.isEmpty ? name : "\(path).\(name)"
                if let earlier = first[name] {
                    var at = ""
                    if let a = earlier, let b = key.mark {
                        at = a.line == b.line ? " (line \(a.line), columns \(a.column) and \(b.column))" : " (lines \(a.line) and \(b.line))"
                    }
                    throw ScenarioError(source: source, path: here, reason: "key given twice" + at,
                                        fix: "keep one (a later value would silently replace the earlier)")
                }
                first[name] = key.mark
                try refuseDuplicateKeys(value, path: here, source: source)
            }
        case .sequence(let list):
            for (i, element) in list.enumerated() { try refuseDuplicateKeys(element, path: "\(path)[\(i)]", source: source) }
        default:
            break
        }
    }

    /// A plain scalar, e.g. `.scalar("5")`.
    public static func scalar(_ text: String) -> ScenarioValue { ScenarioValue(Node(text)) }

    /// The text of a scalar; nil for a list or a mapping.
    public var scalarText: String? { node.scalar?.string }
    /// A scalar read as YAML reads a number (finite or not); nil otherwise.
    public var number: Double? { node.scalar == nil ? nil : node.float }
    public var list: [ScenarioValue]? { node.sequence.map { $0.map(ScenarioValue.init) } }
    /// The keys and values of a mapping in file order; nil for a scalar or a list.
    public var entries: [(key: String, value: ScenarioValue)]? {
        node.mapping.map { m in m.map { (key: $0.key.string ?? ScenarioValue($0.key).compactText, value: ScenarioValue($0.value)) } }
    }

    /// The value under `key` of a mapping; nil when absent or not a mapping.
    public subscript(key: String) -> ScenarioValue? { node.mapping?[key].map(ScenarioValue.init) }

    /// The value at a dotted key path below this one (`outcome.rho`; a number indexes a list), or nil.
    public func value(atKeyPath path: String) -> ScenarioValue? {
        var node: ScenarioValue? = self
        for key in path.split(separator: ".").map(String.init) {
            guard let here = node else { return nil }
            if let list = here.list { node = Int(key).flatMap { list.indices.contains($0) ? list[$0] : nil } } else { node = here[key] }
        }
        return node
    }

    /// A compact one-line rendering of a scalar or small collection, used for
    /// factor values in cell labels, HDF5 attributes and summary columns.
    public var compactText: String { Self.compact(node) }

    /// What the value is, for messages: "the scalar 'x'", "a mapping", "a list".
    var kind: String {
        switch node {
        case .scalar(let s): return "the scalar '\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        @unknown default: return "an unsupported node"
        }
    }

    private static func compact(_ n: Node) -> String {
        switch n {
        case .scalar(let s): return s.string
        case .sequence(let s): return "[" + s.map(compact).joined(separator: ", ") + "]"
        case .mapping(let m): return "{" + m.map { "\(compact($0.key)): \(compact($0.value))" }.joined(separator: ", ") + "}"
        @unknown default: return ""
        }
    }
}

/// Typed reads of scenario values outside the generator's sections (the Monte
/// Carlo sections, estimator options): each failure is a `ScenarioError` naming
/// the file and the key path.
public struct ScenarioValueReader: Sendable {
    public let source: String
    public init(source: String) { self.source = source }

    public func error(_ path: String, _ reason: String, fix: String? = nil) -> ScenarioError {
        ScenarioError(source: source, path: path, reason: reason, fix: fix)
    }

    public func string(_ value: ScenarioValue, _ path: String) throws -> String {
        guard let s = value.scalarText else { throw error(path, "must be a string") }
        return s
    }

    public func integer(_ value: ScenarioValue, _ path: String, minimum: Int? = nil) throws -> Int {
        guard let s = value.scalarText, let v = Int(s) else { throw error(path, "must be an integer; got `\(value.compactText)`") }
        if let minimum, v < minimum { throw error(path, "must be at least \(minimum); got \(v)") }
        return v
    }

    public func double(_ value: ScenarioValue, _ path: String) throws -> Double {
        guard let v = value.number, v.isFinite else { throw error(path, "must be a finite number; got `\(value.compactText)`") }
        return v
    }

    public func doubles(_ value: ScenarioValue, _ path: String) throws -> [Double] {
        guard let list = value.list else { throw error(path, "must be a list of numbers") }
        return try list.enumerated().map { try double($1, "\(path)[\($0)]") }
    }

    /// An entry `at` of a list of named mappings (`estimators`, `cells`): its key–value pairs and
    /// its name, the string under `nameKey`. `contents` completes "must be a mapping with …";
    /// `missing` is the reason given when the name is absent.
    public func namedEntry(_ entry: ScenarioValue, at: String, nameKey: String, contents: String,
                           missing: String) throws -> (entries: [(key: String, value: ScenarioValue)], name: String) {
        guard let entries = entry.entries else { throw error(at, "must be a mapping with \(contents)") }
        guard let nameNode = entry[nameKey] else { throw error("\(at).\(nameKey)", missing) }
        return (entries, try string(nameNode, "\(at).\(nameKey)"))
    }
}
