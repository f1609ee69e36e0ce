import Foundation

/// Independent tasks run concurrently (`DispatchQueue.concurrentPerform`), their results returned in
/// task order: the caller then reads them as a loop would have computed them — the same values, and
/// the first failing task's error first — whatever the threads. Only for tasks that are functions of
/// their index alone (no shared state but thread-safe caches that return the same bits to everyone).
public enum ConcurrentResults {
    public static func map<T>(_ count: Int, _ task: (Int) throws -> T) -> [Result<T, Error>] {
        guard count > 1 else { return (0..<count).map { i in Result { try task(i) } } }
        let slots = Slots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in slots.set(i, Result { try task(i) }) }
        return slots.values
    }

    /// One slot per task, each written by exactly one task and read after all of them have finished.
    private final class Slots<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Result<T, Error>?]

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func set(_ i: Int, _ value: Result<T, Error>) {
            lock.lock(); slots[i] = value; lock.unlock()
        }

        var values: [Result<T, Error>] {
            lock.lock(); defer { lock.unlock() }
            return slots.map { $0! }
        }
    }
}
