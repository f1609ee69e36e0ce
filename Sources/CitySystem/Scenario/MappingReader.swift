import Foundation
import Yams

/// Reads one YAML mapping of a scenario, remembering which keys were asked for so
/// that `finish()` can reject every other key by name (with a suggestion).
///
/// Every accessor is called unconditionally by the parser, so the set of keys
/// asked for is exactly the schema of that section.
struct MappingReader {
    let source: String
    let path: String
    private let pairs: [(key: String, value: Node)]
    private(set) var known: [String] = []

    /// `node` nil means the section was omitted: every key takes its default.
    init(_ node: Node?, source: String, path: String) throws {
        self.source = source
        self.path = path
        guard let node else { pairs = []; return }
        if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" {
            pairs = []
            return
        }
        guard let m = node.mapping else {
            throw ScenarioError(source: source, path: path, reason: "expected a mapping of keys, got \(ScenarioValue(node).kind)",
                                fix: "write it as `key: value` lines indented under '\(path.split(separator: ".").last.map(String.init) ?? path)'")
        }
        // A key given twice was refused when the document was composed (`ScenarioValue.refuseDuplicateKeys`).
        var p: [(String, Node)] = []
        for (k, v) in m {
            guard let ks = k.scalar?.string else {
                throw ScenarioError(source: source, path: path, reason: "a key is not a plain string")
            }
            p.append((ks, v))
        }
        pairs = p.map { (key: $0.0, value: $0.1) }
    }

    func sub(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ reason: String, fix: String? = nil) -> ScenarioError {
        ScenarioError(source: source, path: sub(key), reason: reason, fix: fix)
    }

    /// The raw node for `key` (nil when absent or explicitly null), recording the key as known.
    mutating func node(_ key: String) -> Node? {
        known.append(key)
        ScenarioKeyRecorder.note(sub(key))
        guard let v = pairs.first(where: { $0.key == key })?.value else { return nil }
        if case .scalar(let s) = v, s.style == .plain || s.style == .any, ["~", "null", "Null", "NULL", ""].contains(s.string) {
            return nil
        }
        return v
    }

    mutating func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// The keys present, in file order.
    var keys: [String] { pairs.map(\.key) }

    private func scalarString(_ key: String, _ v: Node, expected: String) throws -> String {
        guard case .scalar(let s) = v else {
            throw error(key, "expected \(expected), got \(ScenarioValue(v).kind)")
        }
        return s.string
    }

    /// The value under `key` converted by `parse`, or nil when absent (recording the key as known).
    private mutating func value<T>(_ key: String, _ parse: (String, Node) throws -> T) throws -> T? {
        try node(key).map { try parse(key, $0) }
    }

    mutating func double(_ key: String, _ def: Double) throws -> Double { try value(key, parseDouble) ?? def }

    /// Reads a section's plain-number keys from one table of `(key, field)`, in the table's
    /// order: each field of `spec` holds its default and takes the key's value when given.
    /// The table is the section's list of number keys, written once.
    mutating func numbers<Spec>(_ table: KeyValuePairs<String, WritableKeyPath<Spec, Double>>, into spec: inout Spec) throws {
        for (key, field) in table { spec[keyPath: field] = try double(key, spec[keyPath: field]) }
    }
    mutating func optionalDouble(_ key: String) throws -> Double? { try value(key, parseDouble) }
    mutating func int(_ key: String, _ def: Int) throws -> Int { try value(key, parseInt) ?? def }
    mutating func optionalInt(_ key: String) throws -> Int? { try value(key, parseInt) }

    func parseDouble(_ key: String, _ v: Node) throws -> Double {
        let s = try scalarString(key, v, expected: "a number")
        guard let x = Double(s.trimmingCharacters(in: .whitespaces)), x.isFinite else {
            throw error(key, "expected a finite number, got '\(s)'", fix: "write a decimal number such as 0.3")
        }
        return x
    }

    func parseInt(_ key: String, _ v: Node) throws -> Int {
        let s = try scalarString(key, v, expected: "an integer")
        guard let x = Int(s.trimmingCharacters(in: .whitespaces)) else {
            throw error(key, "expected an integer, got '\(s)'", fix: "write a whole number such as 5")
        }
        return x
    }

    mutating func bool(_ key: String, _ def: Bool) throws -> Bool {
        guard let v = node(key) else { return def }
        let s = try scalarString(key, v, expected: "true or false")
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(key, "expected true or false, got '\(s)'")
        }
    }

    mutating func string(_ key: String, _ def: String) throws -> String {
        guard let v = node(key) else { return def }
        return try scalarString(key, v, expected: "a string")
    }

    mutating func optionalString(_ key: String) throws -> String? {
        guard let v = node(key) else { return nil }
        return try scalarString(key, v, expected: "a string")
    }

    /// One of `allowed` (case-sensitive), naming the options on error.
    mutating func choice(_ key: String, _ def: String, allowed: [String]) throws -> String {
        let s = try string(key, def)
        guard allowed.contains(s) else {
            let hint = KeySuggestion.closest(to: s, among: allowed).map { "did you mean '\($0)'? " } ?? ""
            throw error(key, "'\(s)' is not one of \(allowed.joined(separator: ", "))", fix: "\(hint)choose one of the listed values")
        }
        return s
    }

    mutating func sequence(_ key: String) throws -> [Node]? {
        guard let v = node(key) else { return nil }
        guard let s = v.sequence else { throw error(key, "expected a list, got \(ScenarioValue(v).kind)", fix: "write it as [a, b, …]") }
        return Array(s)
    }

    mutating func doubles(_ key: String, _ def: [Double]) throws -> [Double] {
        guard let s = try sequence(key) else { return def }
        return try s.enumerated().map { try parseDouble("\(key).\($0.offset)", $0.element) }
    }

    mutating func ints(_ key: String, _ def: [Int]) throws -> [Int] {
        guard let s = try sequence(key) else { return def }
        return try s.enumerated().map { try parseInt("\(key).\($0.offset)", $0.element) }
    }

    /// A nested section (nil node → all defaults).
    mutating func section(_ key: String) throws -> MappingReader {
        try MappingReader(node(key), source: source, path: sub(key))
    }

    /// Rejects every key that no accessor asked for, naming it and suggesting the closest known key.
    func finish() throws {
        for (k, _) in pairs where !known.contains(k) {
            let hint = KeySuggestion.closest(to: k, among: known)
            throw ScenarioError(source: source, path: sub(k), reason: "unknown key",
                                fix: hint.map { "did you mean '\($0)'?" } ?? "known keys here: \(known.joined(separator: ", "))")
        }
    }

    /// Requires `cond`, else throws naming `key`.
    func require(_ cond: Bool, _ key: String, _ reason: String, fix: String? = nil) throws {
        if !cond { throw error(key, reason, fix: fix) }
    }
}
