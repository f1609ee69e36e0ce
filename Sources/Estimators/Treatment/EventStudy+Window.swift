import Foundation

/// An event-study window end beyond the data: `leads` above the most periods any treated unit is
/// observed before its adoption (or `lags` above the most after it) bins nothing, so the setting
/// would be accepted and ignored — a typo such as 40 for 4 goes unnoticed while the output says
/// "periods before −40 binned". R `did`'s `aggte(min_e, max_e)` and fixest's `i(…, bin =)` accept
/// such values silently; their spirit (a window at the data's range is no restriction) is kept by
/// accepting a bound equal to the range, and only a bound beyond it is refused.
public struct EventWindowError: Error, CustomStringConvertible, Equatable {
    public enum Bound: String, Sendable { case leads, lags }
    public let bound: Bound
    public let requested: Int
    /// The largest value the data support: the most periods a treated unit is observed before
    /// (leads) or after (lags) its adoption period.
    public let supported: Int

    public var description: String {
        "event study: \(bound.rawValue) \(requested) bins nothing — the data reach \(bound == .leads ? "−" : "+")\(supported) \(bound == .leads ? "periods before" : "periods after") adoption; give \(bound.rawValue) ≤ \(supported), or no window (every event time its own coefficient)"
    }
}

extension EventStudy {
    /// The widest window the data support, (leads, lags): −(earliest) and the latest event time of
    /// a treated unit's observed row (0 when none is before / after); nil without a treated unit.
    /// Event times as `estimate` forms them (an adoption after the panel ends counts from its end).
    public static func supportedWindow(panel: TreatmentPanel, observed: [Bool]? = nil) -> (leads: Int, lags: Int)? {
        let n = panel.unitCount, tCount = panel.periodCount
        let periodIndex = Dictionary(uniqueKeysWithValues: panel.periods.enumerated().map { ($1, $0) })
        var earliest: Int?, latest: Int?
        for i in 0..<n {
            guard let a = panel.adoption[i] else { continue }
            let ai = periodIndex[a] ?? tCount
            for t in 0..<tCount where observed?[t * n + i] ?? true {
                earliest = min(earliest ?? (t - ai), t - ai)
                latest = max(latest ?? (t - ai), t - ai)
            }
        }
        guard let earliest, let latest else { return nil }
        return (max(0, -earliest), max(0, latest))
    }

    /// Throws `EventWindowError` when `leads` or `lags` lies beyond `supportedWindow`.
    public static func checkWindow(panel: TreatmentPanel, leads: Int?, lags: Int?, observed: [Bool]? = nil) throws {
        guard leads != nil || lags != nil, let range = supportedWindow(panel: panel, observed: observed) else { return }
        if let leads, leads > range.leads { throw EventWindowError(bound: .leads, requested: leads, supported: range.leads) }
        if let lags, lags > range.lags { throw EventWindowError(bound: .lags, requested: lags, supported: range.lags) }
    }
}
