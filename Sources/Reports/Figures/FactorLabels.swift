import MonteCarlo

/// Short labels for the levels of grid factors, for axes, legends and row labels.
///
/// A level is stored as its scenario text; a mapping such as
/// `{kind: exponential, decay_km: 150, normalise: row}` or an outcome block with two
/// coefficient lists is unreadable as a tick label. Mappings are shown as their values
/// joined by "/", leaving out the entries every level of the factor shares; a label that
/// is still long becomes "name #k" (k = the level's position), and the full text stays
/// in the figure's data file and in the summary tables.
struct FactorLabels {
    /// Above this many characters a label is replaced by "name #k".
    static let maximumLength = 32
    private var labels: [String: [String: String]] = [:]

    init(cells: [CellInfo]) {
        var levels: [String: [String]] = [:], order: [String] = []
        for c in cells {
            for f in c.factors {
                if levels[f.path] == nil { levels[f.path] = []; order.append(f.path) }
                if !levels[f.path]!.contains(f.value) { levels[f.path]!.append(f.value) }
            }
        }
        for path in order {
            let values = levels[path]!
            let short = CellInfo.Factor(path: path, value: "").shortName
            let parsed = values.map(Self.entries)
            var out: [String: String] = [:]
            for (k, value) in values.enumerated() {
                var label = value
                if let mine = parsed[k] {
                    let kept = mine.filter { entry in !parsed.allSatisfy { other in other?.contains(where: { $0 == entry }) ?? false } }
                    label = (kept.isEmpty ? mine : kept).map(\.value).joined(separator: "/")
                }
                if label.count > Self.maximumLength { label = "\(short) #\(k + 1)" }
                out[value] = label
            }
            labels[path] = out
        }
    }

    /// The label of `factor`'s level: the scenario's (`grid: {path: {values, labels}}`) when given.
    func label(_ factor: CellInfo.Factor) -> String { factor.label ?? labels[factor.path]?[factor.value] ?? factor.value }

    /// What a figure calls a cell: the scenario's label for it (`cells:` label and level
    /// labels, `CellInfo.title`) when given, else "name=level, …" of its factors.
    func title(_ cell: CellInfo) -> String {
        cell.title ?? (cell.factors.isEmpty ? cell.shortLabel : cellLabel(cell))
    }

    /// "name=label, …" for the factors of a cell (all of them, or those `include` keeps).
    func cellLabel(_ cell: CellInfo, include: (CellInfo.Factor) -> Bool = { _ in true }) -> String {
        cell.factors.filter(include).map { "\($0.shortName)=\(label($0))" }.joined(separator: ", ")
    }

    /// The top-level `key: value` entries of a flow mapping `{…}`, or nil for any other text.
    static func entries(_ text: String) -> [(key: String, value: String)]? {
        guard text.hasPrefix("{"), text.hasSuffix("}") else { return nil }
        var parts: [String] = [], current = "", depth = 0
        for ch in text.dropFirst().dropLast() {
            switch ch {
            case "[", "{": depth += 1
            case "]", "}": depth -= 1
            default: break
            }
            if ch == ",", depth == 0 { parts.append(current); current = "" } else { current.append(ch) }
        }
        if !current.isEmpty { parts.append(current) }
        var result: [(key: String, value: String)] = []
        for part in parts {
            guard let colon = part.firstIndex(of: ":") else { return nil }
            result.append((part[..<colon].trimmingCharacters(in: .whitespaces),
                           part[part.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return result
    }
}
