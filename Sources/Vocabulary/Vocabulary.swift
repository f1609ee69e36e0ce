/// The words the generator's truth and the estimators share (MODEL.md §3): which effect, which
/// curve shape, which terms make a quadratic regressor's curve, and how a missing value is written. A small target of its own because
/// CitySystem (the truth) and Estimators (the estimates) may not import each other; both
/// re-export it, so `import CitySystem` or `import Estimators` brings these names along.

/// Which summary of S = (I − ρW)⁻¹(βI + θW) an effect is (MODEL.md §3).
public enum EffectKind: String, Sendable, CaseIterable, Codable {
    case direct, indirect, total
}

/// Shape of a curve whose slope is g1 + 2 g2 x.
public enum CurveShape: String, Sendable, Codable {
    case u = "U"
    case invertedU = "inverted-U"
}

/// A key that is always present and `null` when there is no value (an absent
/// key would be a plain optional).
@propertyWrapper
public struct NullWhenAbsent<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension NullWhenAbsent: Decodable where Value: Decodable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }
}

/// The columns of a long panel CSV that a spatial model reads: unit id, time, outcome,
/// regressors, and the optional quadratic regressor and its moderator. One record for a
/// calibration request and the observed design it writes (`city_system.observed`).
public struct ModelColumns: Sendable, Equatable {
    public var id: String
    public var time: String
    public var y: String
    public var x: [String]
    public var quadratic: String?
    public var moderator: String?

    public init(id: String, time: String, y: String, x: [String], quadratic: String? = nil, moderator: String? = nil) {
        (self.id, self.time, self.y, self.x, self.quadratic, self.moderator) = (id, time, y, x, quadratic, moderator)
    }
}

/// The terms of a regressor entered with its square and, optionally, its interaction
/// with a moderator: y = … + β1 x + β2 x² + β3 x·D + β4 D + W(θ1 x + θ2 x² + θ3 x·D + θ4 D).
/// Names are coefficient names of the fit; W-lags are looked up as `W*name` (absent = 0).
public struct QuadraticTerms: Sendable {
    public let linear: String
    public let square: String
    public let interaction: String?
    public let moderator: String?

    public init(linear: String, square: String, interaction: String? = nil, moderator: String? = nil) {
        self.linear = linear
        self.square = square
        self.interaction = interaction
        self.moderator = moderator
    }
}
