import Foundation

/// A problem with a scenario: which file, which key path, what is wrong and how to fix it.
///
/// Printed as `SOURCE: KEY.PATH: reason; fix`, e.g.
/// `scenarios/x.yaml: city_system.outcome.rhoo: unknown key; did you mean 'rho'?`.
public struct ScenarioError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or other source name) the scenario came from.
    public let source: String
    /// Dotted key path, e.g. `city_system.outcome.rho` (empty for the whole document).
    public let path: String
    public let reason: String
    public let fix: String?

    public init(source: String, path: String, reason: String, fix: String? = nil) {
        self.source = source
        self.path = path
        self.reason = reason
        self.fix = fix
    }

    public var description: String {
        let where_ = path.isEmpty ? source : "\(source): \(path)"
        return fix.map { "\(where_): \(reason); \($0)" } ?? "\(where_): \(reason)"
    }
}

/// Suggests the closest known key for a misspelt one (Levenshtein distance ≤ 3,
/// or a key that contains / is contained in the misspelling).
public enum KeySuggestion {
    public static func closest(to key: String, among known: [String]) -> String? {
        let scored = known.map { ($0, distance(key.lowercased(), $0.lowercased())) }
        // Ties go to the longer common prefix (`sdmm` → `sdm`, not `sdem`), then alphabetically.
        func prefix(_ s: String) -> Int { zip(key.lowercased(), s.lowercased()).prefix { $0 == $1 }.count }
        guard let best = scored.min(by: { a, b in
            a.1 != b.1 ? a.1 < b.1 : prefix(a.0) != prefix(b.0) ? prefix(a.0) > prefix(b.0) : a.0 < b.0
        }) else { return nil }
        if best.1 <= max(1, min(3, key.count / 2)) { return best.0 }
        return known.first { $0.count >= 3 && (key.contains($0) || $0.contains(key)) }
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev = Array(0...y.count)
        var cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            for j in 1...y.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[y.count]
    }
}
