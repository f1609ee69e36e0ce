import Foundation

/// Receives progress of a run; called from the single writer thread only.
public protocol ProgressReporter: AnyObject {
    /// `done` counts replications completed in total (including resumed ones);
    /// `doneThisSession` those run by this process, which the rate is based on.
    func update(done: Int, total: Int, doneThisSession: Int)
    func finish(done: Int, total: Int)
}

/// Progress on standard error: a redrawn bar with rate and ETA on a terminal,
/// a plain line every ten seconds (and at the end) otherwise, so logs of batch
/// jobs stay readable.
public final class ConsoleProgress: ProgressReporter {
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let isTerminal: Bool
    private let label: String

    public init(label: String, isTerminal: Bool = isatty(STDERR_FILENO) != 0) {
        self.label = label
        self.isTerminal = isTerminal
    }

    public func update(done: Int, total: Int, doneThisSession: Int) {
        let now = Date()
        let interval = isTerminal ? 0.1 : 10
        guard now.timeIntervalSince(lastPrint) >= interval else { return }
        lastPrint = now
        emit(line(done: done, total: total, doneThisSession: doneThisSession, now: now))
    }

    public func finish(done: Int, total: Int) {
        emit(line(done: done, total: total, doneThisSession: nil, now: Date()))
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func line(done: Int, total: Int, doneThisSession: Int?, now: Date) -> String {
        let elapsed = now.timeIntervalSince(start)
        let session = doneThisSession ?? done
        let rate = elapsed > 0 ? Double(session) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : .nan
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let stats = String(format: "%d/%d reps  %.1f reps/s  elapsed %@  ETA %@", done, total, rate,
                           ConsoleProgress.clock(elapsed), ConsoleProgress.clock(eta))
        guard isTerminal else { return "\(label): \(stats)" }
        let width = 30
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        return String(format: "\r%@ [%@] %3.0f%%  %@", label, bar, 100 * fraction, stats)
    }

    private func emit(_ s: String) {
        FileHandle.standardError.write(Data((isTerminal ? s : s + "\n").utf8))
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
