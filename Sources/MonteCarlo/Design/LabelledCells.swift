import CitySystem
import Foundation

/// One entry of a scenario's `cells:` list: a design cell written out with its label and
/// the values it sets (dotted key paths, as grid factors), for designs that are a few
/// named worlds rather than a full cross:
/// ```yaml
/// cells:
///   - label: "reference: correctly specified"
///     city_system.treatment.z_slope: 0.0
///     city_system.treatment.effect: 0.0
/// ```
/// A `grid:` beside `cells:` is crossed with every labelled cell.
public struct LabelledCell: Sendable {
    public let label: String
    /// `cell_index:` as written: which random streams the cell uses (× the grid size);
    /// nil takes the cell's position in the list.
    public let index: Int?
    /// The values the cell sets, in the order written.
    public let settings: [(path: String, value: ScenarioValue)]

    static func parseList(_ node: ScenarioValue?, factors: [GridFactor], _ reader: ScenarioValueReader) throws -> [LabelledCell] {
        guard let node else { return [] }
        guard let list = node.list, !list.isEmpty else {
            throw reader.error("cells", "must be a non-empty list of cells, each `{label: NAME, dotted.key.path: value, …}`")
        }
        var cells: [LabelledCell] = []
        for (k, entry) in list.enumerated() {
            let at = "cells[\(k)]"
            let (m, label) = try reader.namedEntry(entry, at: at, nameKey: "label", contents: "a `label` and the values the cell sets",
                                                   missing: "missing; every listed cell is named")
            if label.isEmpty { throw reader.error("\(at).label", "must not be empty") }
            if cells.contains(where: { $0.label == label }) { throw reader.error("\(at).label", "`\(label)` is used twice; labels must differ") }
            let index = try entry["cell_index"].map { try reader.integer($0, "\(at).cell_index", minimum: 0) }
            var settings: [(path: String, value: ScenarioValue)] = []
            for (path, value) in m where path != "label" && path != "cell_index" {
                try GridFactor.checkPath(path, at: "\(at).\(path)", reader)
                if factors.contains(where: { $0.path == path }) {
                    throw reader.error("\(at).\(path)", "is also a grid factor; set it either in the cells or in the grid")
                }
                // The cell's settings are applied in order, then the grid's factors.
                for other in settings {
                    if let overwrite = GridFactor.overwrite(earlier: other.path, [other.value], later: path) {
                        throw reader.error("\(at).\(path)", "\(overwrite.sentence(earlier: other.path, later: path)); set each key once")
                    }
                }
                for factor in factors {
                    if let overwrite = GridFactor.overwrite(earlier: path, [value], later: factor.path) {
                        throw reader.error("\(at).\(path)", Self.gridOverwrites(overwrite, cell: label, path: path, factor: factor.path))
                    }
                }
                settings.append((path, value))
            }
            cells.append(LabelledCell(label: label, index: index, settings: settings))
        }
        // Streams are chosen by index: two cells with one index would draw the same data.
        let indices = cells.enumerated().map { $1.index ?? $0 }
        if let twice = Dictionary(grouping: indices.indices, by: { indices[$0] }).values.first(where: { $0.count > 1 }) {
            throw reader.error("cells[\(twice[1])].cell_index", "cells \(twice.map(String.init).joined(separator: " and ")) both have cell_index \(indices[twice[0]]) (by default a cell's position in the list); give each cell its own")
        }
        return cells
    }

    /// Why grid factor `factor`, applied after cell `cell`'s setting of `path`, would replace what
    /// the cell set, worded from the cell's side (the message is reported at the cell's key).
    static func gridOverwrites(_ overwrite: GridFactor.Overwrite, cell: String, path: String, factor: String) -> String {
        switch overwrite {
        case .samePath:
            // Refused before this with "is also a grid factor"; worded for completeness.
            return "cell `\(cell)` and the grid factor both set `\(path)`; set it either in the cells or in the grid"
        case .replacesHolder:
            return "cell `\(cell)` sets `\(path)`, but the grid factor `\(factor)` is applied after it and replaces the whole mapping that holds it, so the cell's value would be lost; "
                + "set `\(path)` in the grid (as a key of each `\(factor)` level) or move `\(factor)` into the cells"
        case .mappingSetsKey(let inner, let value):
            return "cell `\(cell)` sets `\(path)` to `\(value)`, which sets `\(inner)`, and the grid factor `\(factor)` is applied after it and would replace that `\(inner)`; "
                + "remove `\(inner)` from the cell's `\(path)` or drop the grid factor `\(factor)`, so each key is set in one place"
        }
    }
}
