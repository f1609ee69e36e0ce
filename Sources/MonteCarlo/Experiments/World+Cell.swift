import CitySystem
import Foundation

/// The design cell whose world `generate` and `truth` draw (`--cell K`): the same world `run` builds
/// for that cell — its document with the cell's grid levels and `cells:` settings applied, its
/// streams (seed, cell_index, replication) — so a panel or a truth printed for a cell is the one its
/// results were scored against. The scenario's own values outside any cell are no world of the design.
public struct DesignCellChoice {
    public let world: any World
    /// The chosen cell; nil for a file without a design (generator-only), whose one world is its own.
    public let cell: DesignCell?
    /// The cell's ordinal among the design's cells: the `cell` column of `summarize`, `cells/cell_NNNNN`.
    public let ordinal: Int
    /// Every cell of the design, in order (empty without a design).
    public let cells: [DesignCell]

    /// "design cell 1 of 2: city_system.outcome.rho=0.4 (cell_index 1)"; nil without a design.
    public var description: String? {
        cell.map { "design cell \(ordinal) of \(cells.count): \($0.label) (cell_index \($0.index))" }
    }

    /// The cells as "0: label" lines, for messages.
    public static func listing(_ cells: [DesignCell]) -> [String] {
        cells.enumerated().map { "\($0.offset): \($0.element.label)" }
    }

    /// The world of design cell `choice` of `document` — its ordinal (0, 1, …) or its label (a
    /// `cells:` entry's label with its grid levels' labels, or `path=value, …` for an unlabelled
    /// cell, as `validate` and `summarize` print it); nil takes the first cell. A setting the world does
    /// not use is refused: in a design, one that no cell uses (`MonteCarloScenario`); in a
    /// generator-only file, any (`requireEverySettingUsed`).
    public static func select(_ document: ScenarioDocument, seed: UInt64?, cell choice: String?) throws -> DesignCellChoice {
        guard document.declaresDesign else {
            // Its one world is cell 0 (as `--cell`'s help says), so a script may ask every file for cell 0.
            if let choice, Int(choice) != 0 { throw DesignCellError.noDesign(choice: choice, source: document.source) }
            if document.world != .knownDGP { try ScenarioParser.parse(document).requireEverySettingUsed() }
            let world = try Worlds.type(of: document.world).init(document: document, seed: seed, cell: 0, source: document.source)
            return DesignCellChoice(world: world, cell: nil, ordinal: 0, cells: [])
        }
        let scenario = try MonteCarloScenario(document: document)
        let cells = try scenario.cells()
        let ordinal: Int
        if let choice {
            if let k = Int(choice) {
                guard cells.indices.contains(k) else {
                    throw DesignCellError.unknown(choice: choice, cells: listing(cells), source: document.source)
                }
                ordinal = k
            } else {
                let matches = cells.indices.filter { cells[$0].label == choice }
                guard let k = matches.first else {
                    let hint = KeySuggestion.closest(to: choice, among: cells.map(\.label))
                    throw DesignCellError.unknown(choice: choice, cells: listing(cells), source: document.source, suggestion: hint)
                }
                ordinal = k
            }
        } else {
            ordinal = 0
        }
        let cell = cells[ordinal]
        let world = try Worlds.type(of: document.world).init(document: cell.document, seed: seed ?? scenario.seed, cell: cell.index,
                                                             source: document.source)
        return DesignCellChoice(world: world, cell: cell, ordinal: ordinal, cells: cells)
    }
}

/// A design cell that cannot be chosen (the CLI restates each with `--cell`).
public enum DesignCellError: Error, Equatable, CustomStringConvertible {
    /// No cell has that ordinal or label; `cells` lists them ("0: label").
    case unknown(choice: String, cells: [String], source: String, suggestion: String? = nil)
    /// A cell other than 0 was asked of a file without a design (no `estimators:`), whose one cell is 0.
    case noDesign(choice: String, source: String)

    public var description: String {
        switch self {
        case let .unknown(choice, cells, source, suggestion):
            let hint = suggestion.map { "did you mean `\($0)`? " } ?? ""
            return "\(source): there is no design cell `\(choice)`; \(hint)choose a cell by its number or label: \(cells.joined(separator: "; "))"
        case let .noDesign(choice, source):
            return "\(source) has one cell, 0: without `estimators:` it has no design, and its one world is the scenario as written; there is no cell `\(choice)`: choose cell 0 or leave the cell out"
        }
    }
}
