import Foundation

/// A scenario file that cannot be run: names the file, the key path and the fix.
public struct MonteCarloScenarioError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let keyPath: String
    public let reason: String

    public init(file: String, keyPath: String, _ reason: String) {
        self.file = file
        self.keyPath = keyPath
        self.reason = reason
    }

    public var description: String {
        keyPath.isEmpty ? "\(file): \(reason)" : "\(file): `\(keyPath)`: \(reason)"
    }
}
