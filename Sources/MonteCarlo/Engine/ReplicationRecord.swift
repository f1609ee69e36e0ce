import Foundation

/// Everything one replication of one design cell produced.
public struct ReplicationRecord: Equatable, Sendable {
    public var replication: Int
    /// The 64-bit key of the replication's data-generation stream, stored so a
    /// reader can confirm which stream produced the record.
    public var streamKey: UInt64
    public var fits: [FitOutcome]
}

/// The names of an estimator and of the estimands it is scored on.
public struct EstimatorLayout: Equatable, Sendable {
    public var name: String
    public var estimands: [String]
    public init(name: String, estimands: [String]) {
        self.name = name
        self.estimands = estimands
    }
}
