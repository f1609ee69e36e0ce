import Foundation
// EffectKind, CurveShape and NullWhenAbsent live in Vocabulary (shared with CitySystem's truth);
// every user of Estimators sees them as before.
@_exported import Vocabulary

/// A number in a JSON report under the one policy of every `--json` output
/// (docs/cli-json.md): JSON has no NaN or infinity, so a non-finite value is `null`.
@propertyWrapper
public struct FiniteOrNull: Encodable, Sendable {
    public var wrappedValue: Double
    public init(wrappedValue: Double) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if wrappedValue.isFinite { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

/// A finite number, or nil (with `NullWhenAbsent`: `null` either way).
public func finiteOrNil(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }

/// The text of a `--json` output: one object, sorted keys, indented.
public enum JSONOutput {
    public static func text<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// A named coefficient `{name, estimate, se}`.
public struct NamedEstimateJSON: Encodable, Sendable {
    public let name: String
    @FiniteOrNull public var estimate: Double
    @FiniteOrNull public var se: Double
}

/// `{estimate, se}` of one coefficient or effect.
public struct EstimateJSON: Encodable, Sendable {
    @FiniteOrNull public var estimate: Double
    @FiniteOrNull public var se: Double

    public init(_ estimate: Double, _ se: Double) {
        self.estimate = estimate
        self.se = se
    }
}
