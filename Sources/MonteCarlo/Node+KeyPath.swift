import Yams

extension Node {
    /// The node at a dotted key path (`city_system.outcome.rho`), or nil.
    public func value(atKeyPath path: String) -> Node? {
        var node: Node? = self
        for key in path.split(separator: ".") {
            guard let mapping = node?.mapping else { return nil }
            node = mapping[String(key)]
        }
        return node
    }

    /// Sets the node at a dotted key path, creating intermediate mappings that are
    /// absent (the owner of the section validates the result and rejects keys it
    /// does not know). Fails when an intermediate key holds a non-mapping.
    public mutating func setValue(_ value: Node, atKeyPath path: String) throws {
        try Node.set(&self, value, Array(path.split(separator: ".").map(String.init)), path)
    }

    private static func set(_ node: inout Node, _ value: Node, _ keys: [String], _ path: String) throws {
        guard let first = keys.first else {
            node = value
            return
        }
        guard var mapping = node.mapping else {
            throw KeyPathError(path: path, reason: "`\(first)` is below a value that is not a mapping")
        }
        var child = mapping[first] ?? Node([(Node, Node)]())
        try set(&child, value, Array(keys.dropFirst()), path)
        mapping[first] = child
        node = .mapping(mapping)
    }
}

/// A dotted key path that cannot be applied to a scenario document.
public struct KeyPathError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "key path `\(path)`: \(reason)" }
}

extension Node {
    /// A compact one-line rendering of a scalar or small collection, used for
    /// factor values in cell labels, HDF5 attributes and summary columns.
    public var compactText: String {
        switch self {
        case .scalar(let s): return s.string
        case .sequence(let s): return "[" + s.map(\.compactText).joined(separator: ", ") + "]"
        case .mapping(let m): return "{" + m.map { "\($0.key.compactText): \($0.value.compactText)" }.joined(separator: ", ") + "}"
        }
    }
}

// Yams' Node is a value type (enum of structs holding strings and arrays) with
// no shared mutable state; scenario documents are read concurrently by workers.
extension Node: @retroactive @unchecked Sendable {}
