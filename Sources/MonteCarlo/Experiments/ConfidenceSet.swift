import Foundation

/// A confidence set of one of the shapes a Fieller set can take (Fieller 1954;
/// MODEL.md §5). `lower`/`upper` are its finite end points; for `disjoint` the set
/// is (−∞, lower] ∪ [upper, ∞).
public struct ConfidenceSet: Equatable, Sendable {
    /// Codes stored in result files (`set_type`).
    public enum Kind: Int, Sendable, CaseIterable {
        case bounded = 1
        /// (−∞, lower] ∪ [upper, ∞).
        case disjoint = 2
        case wholeLine = 3
        /// (−∞, upper] or [lower, ∞); the other bound is ±∞.
        case halfLine = 4
        case empty = 5
    }

    public var type: Kind
    public var lower: Double
    public var upper: Double

    public init(_ type: Kind, lower: Double = -.infinity, upper: Double = .infinity) {
        self.type = type
        self.lower = lower
        self.upper = upper
    }

    public func contains(_ x: Double) -> Bool {
        switch type {
        case .bounded, .halfLine: return lower <= x && x <= upper
        case .disjoint: return x <= lower || x >= upper
        case .wholeLine: return !x.isNaN
        case .empty: return false
        }
    }
}
