import Foundation
import Yams

/// Scenario files as Yams node trees: loading, and setting a value at a dotted key
/// path (how the Monte Carlo grid overrides one parameter per design cell before
/// the tree is parsed).
public enum ScenarioNode {
    /// Reads and composes a YAML file; errors name the file and the YAML position.
    public static func load(path: String) throws -> Node {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ScenarioError(source: path, path: "", reason: "cannot read the file (\(error.localizedDescription))",
                                fix: "check the path")
        }
        return try compose(text, source: path)
    }

    /// Composes YAML text; `source` names it in messages.
    public static func compose(_ text: String, source: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else { return Node.mapping(Node.Mapping([])) }
            return node
        } catch let e as YamlError {
            throw ScenarioError(source: source, path: "", reason: "not valid YAML: \(e)")
        } catch {
            throw ScenarioError(source: source, path: "", reason: "not valid YAML: \(error)")
        }
    }

    /// Returns `root` with the value at `path` (dotted keys; a number indexes a list,
    /// e.g. `city_system.estimator_weights.1.k`) replaced by `value`.
    ///
    /// Missing mapping keys are created when `createMissing` is true (the default),
    /// because a scenario may omit a key to take its default; the parse that follows
    /// then rejects a misspelt key by its path. With `createMissing: false` a path
    /// that does not exist in the tree is an error. Walking into a scalar, or a list
    /// index out of range, is always an error.
    public static func setting(_ root: Node, path: String, value: Node, source: String = "override",
                               createMissing: Bool = true) throws -> Node {
        let keys = path.split(separator: ".").map(String.init)
        guard !keys.isEmpty, !keys.contains(where: { $0.isEmpty }) else {
            throw ScenarioError(source: source, path: path, reason: "not a valid dotted key path", fix: "write it as a.b.c")
        }
        return try set(root, keys[...], value: value, done: [], source: source, createMissing: createMissing)
    }

    /// Convenience: the value given as YAML text (e.g. "0.5" or "[1, 2]").
    public static func setting(_ root: Node, path: String, yaml: String, source: String = "override",
                               createMissing: Bool = true) throws -> Node {
        let v = try compose(yaml, source: "\(source) value for \(path)")
        return try setting(root, path: path, value: v, source: source, createMissing: createMissing)
    }

    private static func set(_ node: Node, _ keys: ArraySlice<String>, value: Node, done: [String],
                            source: String, createMissing: Bool) throws -> Node {
        guard let key = keys.first else { return value }
        let here = (done + [key]).joined(separator: ".")
        switch node {
        case .mapping(var m):
            let idx = m.firstIndex { $0.key.scalar?.string == key }
            if let idx {
                let child = try set(m[idx].value, keys.dropFirst(), value: value, done: done + [key],
                                    source: source, createMissing: createMissing)
                m[idx] = (key: m[idx].key, value: child)
            } else {
                guard createMissing else {
                    let known = m.compactMap { $0.key.scalar?.string }
                    throw ScenarioError(source: source, path: here, reason: "no such key in the scenario",
                                        fix: KeySuggestion.closest(to: key, among: known).map { "did you mean '\($0)'?" }
                                            ?? "existing keys: \(known.joined(separator: ", "))")
                }
                let child = try set(Node.mapping(Node.Mapping([])), keys.dropFirst(), value: value, done: done + [key],
                                    source: source, createMissing: createMissing)
                m[Node(key)] = child
            }
            return .mapping(m)
        case .sequence(var s):
            guard let i = Int(key) else {
                throw ScenarioError(source: source, path: here, reason: "the parent is a list; use a number to pick an element")
            }
            guard i >= 0, i < s.count else {
                throw ScenarioError(source: source, path: here, reason: "list index \(i) out of range (the list has \(s.count) elements)")
            }
            s[i] = try set(s[i], keys.dropFirst(), value: value, done: done + [key], source: source, createMissing: createMissing)
            return .sequence(s)
        case .scalar(let sc) where createMissing && (sc.string.isEmpty || sc.string == "~" || sc.string == "null"):
            return try set(Node.mapping(Node.Mapping([])), keys, value: value, done: done, source: source, createMissing: createMissing)
        default:
            throw ScenarioError(source: source, path: (done).joined(separator: "."),
                                reason: "is a scalar; cannot descend into it to set '\(key)'")
        }
    }
}
