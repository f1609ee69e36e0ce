import MonteCarlo

/// Short labels for the levels of grid factors, for axes, legends and row labels.
///
/// A level is stored as its scenario text; a mapping such as
/// `{kind: exponential, decay_km: 150, normalise: row}` or an outcome block with two
/// coefficient lists is unreadable as a tick label. Mappings are shown as their values
/// joined by "/", leaving out the entries every level of the factor shares; a label that
/// is still long becomes "name #k" (k = the level's position), its full text in the
/// caption's key (`shortened`), the figure's data file and the summary tables. A scenario
/// names its levels itself with `grid: {path: {values: [...], labels: [...]}}`.
struct FactorLabels {
    /// Above this many characters a label is replaced by "name #k".
    static let maximumLength = 32
    private var labels: [String: [String: String]] = [:]
    /// The factors that name the cells: those with several levels, leaving out any whose
    /// level the ones kept before it already determine (a `description` factor paired with
    /// the settings by a filter makes those settings redundant). Label-like factors
    /// (`description`, `label`, `name`, text that is not a number) come first.
    private(set) var naming: [String] = []
    /// Full texts of levels shown shortened (label → full text), for a caption key.
    private(set) var shortened: [(label: String, full: String)] = []
    /// With labelled cells: the unlabelled factors a cell's label does not determine (a grid
    /// factor beside labelled levels or `cells:` entries), shown after it as "name=level" so
    /// that every cell keeps a name of its own.
    private(set) var besideTitle: [String] = []
    /// Labels shown by the part before ": " (when that part tells the labels apart).
    private var titleHeads: [String: String] = [:]

    init(cells: [CellInfo]) {
        var levels: [String: [String]] = [:], order: [String] = []
        for c in cells {
            for f in c.factors {
                if levels[f.path] == nil { levels[f.path] = []; order.append(f.path) }
                if !levels[f.path]!.contains(f.value) { levels[f.path]!.append(f.value) }
            }
        }
        naming = Self.namingFactors(cells: cells, order: order.filter { levels[$0]!.count > 1 })
        // Factors the scenario labels itself need no made-up names (nor a key for them).
        let labelled = Set(cells.flatMap { $0.factors.filter { $0.label != nil }.map(\.path) })
        for path in order where !labelled.contains(path) {
            let values = levels[path]!
            // Descriptions "paper-like: omitted …" (the full text goes to the caption).
            let heads = values.count > 1 ? Self.heads(of: values) : nil
            let short = CellInfo.Factor(path: path, value: "").shortName
            let parsed = values.map(Self.entries)
            var out: [String: String] = [:]
            for (k, value) in values.enumerated() {
                var label = value
                if let heads {
                    label = heads[k]
                    shortened.append((label, value))
                } else if let mine = parsed[k] {
                    let kept = mine.filter { entry in !parsed.allSatisfy { other in other?.contains(where: { $0 == entry }) ?? false } }
                    label = (kept.isEmpty ? mine : kept).map(\.value).joined(separator: "/")
                }
                if label.count > Self.maximumLength {
                    // No shorter name to be had: the caption's key gives the full text.
                    label = "\(short) #\(k + 1)"
                    shortened.append((label, value))
                }
                out[value] = label
            }
            labels[path] = out
        }
        guard cells.contains(where: { $0.title != nil }) else { return }
        // A label names what the scenario labelled (its `cells:` entry, the labelled levels);
        // the settings of a labelled cell are determined by it, a bare grid factor is not.
        let bare = order.filter { levels[$0]!.count > 1 && !labelled.contains($0) }
        besideTitle = Self.namingFactors(cells: cells, order: bare, startingWith: [Self.titlePath])
            .filter { $0 != Self.titlePath }
        var titles: [String] = []
        for c in cells { if let t = c.title, !titles.contains(t) { titles.append(t) } }
        if let heads = Self.heads(of: titles) {
            for (head, title) in Swift.zip(heads, titles) where head != title {
                titleHeads[title] = head
                shortened.append((head, title))
            }
        }
    }

    /// The part of each label before ": " ("paper-like: omitted …" → "paper-like", "reference:
    /// correctly …" → "reference") when those parts still tell the labels apart and at least one
    /// is shorter than its label; nil otherwise. The one place labels are split, for grid levels
    /// and cell labels alike (the full texts go to the caption's key).
    static func heads(of labels: [String]) -> [String]? {
        let heads = labels.map { $0.components(separatedBy: ": ").first ?? $0 }
        guard Set(heads).count == labels.count, heads != labels else { return nil }
        return heads
    }

    /// The pseudo-path under which `namingFactors` reads a cell's label.
    static let titlePath = "\u{1}title"

    /// Label-like factor names, preferred as cell names.
    static let labelNames: Set<String> = ["description", "label", "name", "scenario", "world"]

    static func namingFactors(cells: [CellInfo], order: [String], rankLabels: Bool = true, startingWith: [String] = []) -> [String] {
        let value = { (c: CellInfo, p: String) in p == titlePath ? c.title ?? "" : c.factors.first { $0.path == p }?.value ?? "" }
        let isLabel = { (p: String) in labelNames.contains(CellInfo.Factor(path: p, value: "").shortName) }
        var kept: [String] = startingWith
        for p in rankLabels ? order.filter(isLabel) + order.filter({ !isLabel($0) }) : order {
            // Determined: cells that agree on every kept factor also agree on p.
            var seen: [[String]: String] = [:], determined = true
            for c in cells {
                let key = kept.map { value(c, $0) }
                if let v = seen[key], v != value(c, p) { determined = false; break }
                seen[key] = value(c, p)
            }
            if !determined || kept.isEmpty { kept.append(p) }
        }
        // Back in the grid's order.
        return startingWith + order.filter(kept.contains)
    }

    /// A cell's name: the scenario's label for it (`CellInfo.title`; the part before ": "
    /// when that tells the labels apart, unless `fullTitle`) followed by "name=level" of the
    /// unlabelled factors it does not determine ("weak, variance=cluster"); else the labels of
    /// its naming factors ("paper-like", "weights=knn/5, n=280"; one factor with a text level
    /// shows the text alone, a number keeps its name).
    func cellName(_ cell: CellInfo, fullTitle: Bool = false) -> String {
        if let title = cell.title {
            let beside = cell.factors.filter { besideTitle.contains($0.path) }.map { "\($0.shortName)=\(label($0))" }
            return ([fullTitle ? title : titleHeads[title] ?? title] + beside).joined(separator: ", ")
        }
        if cell.factors.isEmpty { return cell.shortLabel }
        let shown = cell.factors.filter { naming.contains($0.path) }
        if shown.count == 1, Double(label(shown[0])) == nil { return label(shown[0]) }
        return shown.map(named).joined(separator: ", ")
    }

    /// The label of `factor`'s level: the scenario's (`grid: {path: {values, labels}}`) when given.
    func label(_ factor: CellInfo.Factor) -> String { factor.label ?? labels[factor.path]?[factor.value] ?? factor.value }

    /// A factor's level with its name ("n=280"), or the scenario's label for it alone ("N=280").
    func named(_ factor: CellInfo.Factor) -> String { factor.label ?? "\(factor.shortName)=\(label(factor))" }

    /// What a figure calls a cell: the scenario's label for it (`cells:` label and level
    /// labels, `CellInfo.title`) when given, else "name=level, …" of its factors.
    func title(_ cell: CellInfo) -> String {
        cell.title != nil ? cellName(cell, fullTitle: true) : cell.factors.isEmpty ? cell.shortLabel : cellLabel(cell)
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
