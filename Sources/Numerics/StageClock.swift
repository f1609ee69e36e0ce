import Foundation

/// Accumulates the time spent in named stages of a computation, for `spillsim bench
/// replication` (release builds only; never in unit tests). Records both wall time and the
/// calling thread's CPU time: on a loaded machine the CPU time of a single-threaded stage
/// moves much less than its wall time, so it is the steadier before/after comparison.
///
/// Code that can be profiled takes a `StageClock?` (nil in production, where `measure` is a
/// plain call) and wraps each stage in `clock.measure("name") { … }`; `prefix` names the
/// estimator whose stages are running.
public final class StageClock {
    public struct Total: Sendable {
        public var wallSeconds = 0.0
        public var cpuSeconds = 0.0
        public var calls = 0
        /// Measured inside another stage (its time is part of that stage's too).
        public var nested = false
    }

    /// Stage names in the order they were first seen.
    public private(set) var order: [String] = []
    public private(set) var totals: [String: Total] = [:]
    /// Prepended (with a slash) to every stage name measured while it is set.
    public var prefix = ""
    private var depth = 0

    public init() {}

    /// Runs `body` and adds its wall and thread-CPU time to `stage`.
    public func measure<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let w0 = Self.now(CLOCK_MONOTONIC), c0 = Self.now(CLOCK_THREAD_CPUTIME_ID)
        let nested = depth > 0
        depth += 1
        defer {
            depth -= 1
            add(stage, wall: Self.now(CLOCK_MONOTONIC) - w0, cpu: Self.now(CLOCK_THREAD_CPUTIME_ID) - c0, nested: nested)
        }
        return try body()
    }

    public func add(_ stage: String, wall: Double, cpu: Double, nested: Bool = false) {
        let name = prefix.isEmpty ? stage : "\(prefix)/\(stage)"
        if totals[name] == nil { order.append(name); totals[name] = Total(nested: nested) }
        totals[name, default: Total()].wallSeconds += wall
        totals[name, default: Total()].cpuSeconds += cpu
        totals[name, default: Total()].calls += 1
    }

    /// Seconds on `clock` (CLOCK_MONOTONIC or CLOCK_THREAD_CPUTIME_ID).
    public static func now(_ clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
    }
}

extension Optional where Wrapped == StageClock {
    /// `body` timed under `stage` when a clock is present, else simply run.
    @inline(__always)
    public func measure<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        guard let clock = self else { return try body() }
        return try clock.measure(stage, body)
    }
}
