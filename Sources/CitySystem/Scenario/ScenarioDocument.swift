import Foundation
import Yams

/// The three kinds of world a scenario can simulate.
public enum WorldKind: String, Sendable, Equatable {
    /// The synthetic city system (`city_system:`, the generator's DGP).
    case synthetic
    /// An observed design (`city_system.observed`, from `spillsim calibrate`): a real panel's
    /// regressors, W and fixed effects with a calibrated outcome.
    case observed
    /// A built-in experiment with a textbook truth (`known_dgp:`), to check the engine itself.
    case knownDGP = "known_dgp"
}

/// A scenario file, loaded once: its text (stored verbatim in result files), the
/// name it is reported under, and its YAML tree. The generator (`ScenarioParser`),
/// the Monte Carlo design (`MonteCarloScenario`, the grid expansion) and `validate`
/// all read this one value; this is the only place that parses YAML.
///
/// The top-level keys are listed here, once: the generator's section and the
/// Monte Carlo sections. A new top-level key is added to one of the two lists and
/// read by the section's owner.
public struct ScenarioDocument: Sendable {
    /// Top-level keys the generator reads (`ScenarioParser`).
    public static let generatorKeys = ["name", "description", "seed", "city_system"]
    /// Top-level keys the Monte Carlo design reads (`MonteCarloScenario`); the generator accepts and ignores them.
    public static let monteCarloKeys = ["monte_carlo", "estimators", "cells", "grid", "filter", "known_dgp"]
    public static var topLevelKeys: [String] { generatorKeys + monteCarloKeys }

    /// The file's text as read.
    public let text: String
    /// The file name (or other label) every message names.
    public let source: String
    /// The YAML tree; an empty file is an empty mapping.
    public let root: ScenarioValue

    /// Reads and composes a YAML file; errors name the file and the YAML position.
    public static func load(path: String) throws -> ScenarioDocument {
        // Each failure in words a user can act on (Foundation's own text is a bare
        // "NSCocoaErrorDomain error 256" for a directory, and "isn't in the correct format" for binary).
        func unreadable(_ reason: String, _ fix: String) -> ScenarioError { ScenarioError(source: path, path: "", reason: reason, fix: fix) }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { throw unreadable("no such file", "check the path") }
        if isDirectory.boolValue { throw unreadable("is a directory, not a scenario file", "give the path of a scenario's YAML file (e.g. scenarios/baseline.yaml)") }
        guard fm.isReadableFile(atPath: path), let data = fm.contents(atPath: path) else {
            throw unreadable("cannot read the file (permission denied or an I/O error)", "check the file's permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw unreadable("the file is not UTF-8 text (is it a binary file, e.g. a result file?)", "give a scenario's YAML file, saved as UTF-8")
        }
        return try ScenarioDocument(text: text, source: path)
    }

    /// Composes YAML text; `source` names it in messages.
    public init(text: String, source: String = "<scenario>") throws {
        self.text = text
        self.source = source
        self.root = try ScenarioValue(yaml: text, source: source)
    }

    init(text: String, source: String, root: ScenarioValue) {
        self.text = text
        self.source = source
        self.root = root
    }

    /// Where relative paths in the scenario (a coordinates CSV) are resolved: the file's directory.
    public var baseDirectory: String { URL(fileURLWithPath: source).deletingLastPathComponent().path }

    /// The name a scenario without `name:` gets: its file name without extension.
    public var defaultName: String { URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent }

    /// Why `name` cannot name a scenario (nil when it can), with a fix. The name becomes the default
    /// result file `results/NAME.h5` (and a shard's `results/NAME-shardKofN.h5`), so a path separator
    /// would write outside `results/` or into a folder the user never asked for. It is refused rather
    /// than rewritten: the name is also stored in the result file and printed by every report, and a
    /// silently different name would not be the one the user looks for.
    public static func nameProblem(_ name: String) -> (reason: String, fix: String)? {
        let separators = name.contains("/") || name.contains("\\")
        let control = name.unicodeScalars.contains { CharacterSet.controlCharacters.contains($0) }
        let dotsOnly = !name.isEmpty && name.allSatisfy { $0 == "." }
        guard name.isEmpty || separators || control || dotsOnly else { return nil }
        if name.isEmpty { return ("is empty", "give the scenario a name, e.g. `name: my-design`") }
        var safe = name.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.map(String.init).joined()
        safe = safe.replacingOccurrences(of: "\\", with: "/").split(separator: "/").filter { $0 != "." && $0 != ".." }.joined(separator: "-")
        return ("`\(name)` names the default result file results/NAME.h5, so it must not contain a path separator (/ or \\), `..` as a path part or a control character",
                safe.isEmpty ? "use letters, digits, `-` and `_`" : "e.g. `name: \(safe)`")
    }

    /// A top-level section, nil when absent.
    public subscript(key: String) -> ScenarioValue? { root[key] }

    /// True when the file has a Monte Carlo design (`estimators` or `known_dgp`);
    /// a generator-only file is valid for `generate` and `truth` but not `run`.
    public var declaresDesign: Bool { self["estimators"] != nil || self["known_dgp"] != nil }

    /// The kind of world the scenario simulates, decided here once from its sections; every
    /// part that differs by world switches on this value.
    public var world: WorldKind {
        if self["known_dgp"] != nil { return .knownDGP }
        return value(atKeyPath: "city_system.observed") != nil ? .observed : .synthetic
    }

    /// The value at a dotted key path (`city_system.outcome.rho`; a number indexes a list), or nil.
    public func value(atKeyPath path: String) -> ScenarioValue? { root.value(atKeyPath: path) }

    /// The document with the value at `path` (dotted keys; a number indexes a list,
    /// e.g. `city_system.estimator_weights.1.k`) replaced by `value`. How a grid
    /// factor sets its value in a design cell.
    ///
    /// Missing mapping keys are created when `createMissing` is true (the default),
    /// because a scenario may omit a key to take its default; the parse that follows
    /// then rejects a misspelt key by its path. With `createMissing: false` a path
    /// that does not exist in the tree is an error. Walking into a scalar, or a list
    /// index out of range, is always an error.
    public func setting(_ value: ScenarioValue, atKeyPath path: String, createMissing: Bool = true) throws -> ScenarioDocument {
        let keys = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !keys.isEmpty, !keys.contains(where: { $0.isEmpty }) else {
            throw ScenarioError(source: source, path: path, reason: "not a valid dotted key path", fix: "write it as a.b.c")
        }
        let node = try Self.set(root.node, keys[...], value: value.node, done: [], source: source, createMissing: createMissing)
        return ScenarioDocument(text: text, source: source, root: ScenarioValue(node))
    }

    /// Convenience: the value given as YAML text (e.g. "0.5" or "[1, 2]").
    public func setting(yaml: String, atKeyPath path: String, createMissing: Bool = true) throws -> ScenarioDocument {
        try setting(ScenarioValue(yaml: yaml, source: "\(source) value for \(path)"), atKeyPath: path, createMissing: createMissing)
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
            throw ScenarioError(source: source, path: done.joined(separator: "."),
                                reason: "is a scalar; cannot descend into it to set '\(key)'")
        }
    }
}
