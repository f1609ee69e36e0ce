import Foundation

/// Records every key path a scenario reader asks for while it is bound (`ScenarioKeyRecorder.$current`),
/// so a test can list the schema the parsers actually accept — the keys `MappingReader` and the
/// estimator options read — and check that each one changes what a cell does (an accepted key that
/// is ignored is the worst kind of bad input). Unbound in the product: recording is then a no-op.
public final class ScenarioKeyRecorder: @unchecked Sendable {
    @TaskLocal public static var current: ScenarioKeyRecorder?

    private let lock = NSLock()
    private var recorded = Set<String>()

    public init() {}

    /// The key paths asked for so far (list indices as written, e.g. `city_system.outcome.controls.0.gamma`).
    public var paths: Set<String> { lock.lock(); defer { lock.unlock() }; return recorded }

    public func record(_ path: String) { lock.lock(); recorded.insert(path); lock.unlock() }

    /// Records `path` on the bound recorder, if any.
    public static func note(_ path: String) { current?.record(path) }
}
