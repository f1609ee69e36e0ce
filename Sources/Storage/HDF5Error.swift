import CHDF5
import Foundation

/// A failed HDF5 (or file-system) call: names the C function, the file or
/// object it was working on, and what went wrong, taken from HDF5's error
/// stack (most specific message first) or stated by Storage itself.
public struct HDF5Error: Error, CustomStringConvertible, Equatable {
    /// The C function that failed, e.g. "H5Fopen", "H5Dread", "rename".
    public let function: String
    /// The file, or "file:/object/path", the call was about.
    public let object: String
    /// HDF5's own explanation, or Storage's when the problem was caught before the call.
    public let detail: String
    /// HDF5's error-stack messages, most specific first (empty when Storage stated the problem).
    public let causes: [String]
    /// What kind of failure opening a file was, decided by Storage (not read from HDF5's text).
    public let kind: Kind

    /// Why a file could not be opened, where Storage can tell; `.other` for every other failure.
    public enum Kind: Sendable, Equatable {
        /// The file has no HDF5 signature.
        case notHDF5
        /// Another process holds the file's lock.
        case locked
        /// The file has an HDF5 signature and is not locked, yet HDF5 cannot open it: truncated or damaged.
        case unreadable
        case other
    }

    public init(function: String, object: String, detail: String, causes: [String] = [], kind: Kind = .other) {
        self.function = function
        self.object = object
        self.detail = detail
        self.causes = causes
        self.kind = kind
    }

    public var description: String {
        detail.isEmpty ? "\(function) failed for \(object)" : "\(function) failed for \(object): \(detail)"
    }
}

extension HDF5Error {
    /// Builds an error from the calling thread's HDF5 error stack, then clears it.
    static func fromStack(_ function: String, _ object: String, hint: String = "") -> HDF5Error {
        let causes = HDF5ErrorStack.takeMessages()
        var detail = causes.isEmpty ? "HDF5 gave no further detail" : causes.joined(separator: " ← ")
        if !hint.isEmpty { detail += "; \(hint)" }
        return HDF5Error(function: function, object: object, detail: detail, causes: causes)
    }
}

/// Reads HDF5's per-thread error stack into text.
enum HDF5ErrorStack {
    private final class Collector { var messages: [String] = [] }

    /// The stack's first three descriptions, most specific first, without repeats; clears the stack.
    static func takeMessages() -> [String] {
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        _ = withExtendedLifetime(collector) {
            H5Ewalk2(spill_H5E_DEFAULT(), H5E_WALK_UPWARD, { _, record, data in
                guard let record, let data else { return 0 }
                let c = Unmanaged<Collector>.fromOpaque(data).takeUnretainedValue()
                if let d = record.pointee.desc {
                    let s = String(cString: d).trimmingCharacters(in: .whitespaces)
                    if !s.isEmpty, !c.messages.contains(s) { c.messages.append(s) }
                }
                return 0
            }, context)
        }
        H5Eclear2(spill_H5E_DEFAULT())
        return Array(collector.messages.prefix(3))
    }
}

/// Turns a negative HDF5 status (herr_t or htri_t) into an `HDF5Error`.
@inline(__always)
func h5check(_ status: Int32, _ function: String, _ object: @autoclosure () -> String) throws {
    if status < 0 { throw HDF5Error.fromStack(function, object()) }
}

/// Turns an invalid (negative) HDF5 identifier into an `HDF5Error`; returns it otherwise.
@inline(__always)
func h5id(_ id: hid_t, _ function: String, _ object: @autoclosure () -> String, hint: String = "") throws -> hid_t {
    if id < 0 { throw HDF5Error.fromStack(function, object(), hint: hint) }
    return id
}

/// Runs `body` with a freshly created HDF5 identifier, closing it afterwards
/// whatever happens (property lists, dataspaces, types and attributes are all
/// short-lived inside one Storage call).
func withH5ID<R>(_ id: hid_t, close: (hid_t) -> herr_t, _ body: (hid_t) throws -> R) rethrows -> R {
    defer { _ = close(id) }
    return try body(id)
}

extension HDF5Object {
    /// The names an HDF5 iteration over this object (H5Literate, H5Aiterate2) visits, in its
    /// order. `iterate` runs the C iterator on the object's live identifier with a callback that
    /// calls `NameCollector.append` and the given context (a C callback cannot capture, so each
    /// call site spells its own); the iterator's status is checked here.
    func collectNames(_ function: String,
                      _ iterate: (_ id: hid_t, _ context: UnsafeMutableRawPointer) -> herr_t) throws -> [String] {
        let id = try liveID(function)
        let names = NameCollector()
        let status = withExtendedLifetime(names) { iterate(id, Unmanaged.passUnretained(names).toOpaque()) }
        try h5check(status, function, location)
        return names.list
    }
}

/// Collects names from an HDF5 iteration callback.
final class NameCollector {
    var list: [String] = []

    /// The body of every name-collecting callback: appends `name` to the collector behind
    /// `context` (−1 stops the iteration with an error when either is missing).
    static func append(_ name: UnsafePointer<CChar>?, to context: UnsafeMutableRawPointer?) -> herr_t {
        guard let name, let context else { return -1 }
        Unmanaged<NameCollector>.fromOpaque(context).takeUnretainedValue().list.append(String(cString: name))
        return 0
    }
}
