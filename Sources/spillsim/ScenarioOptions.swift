import ArgumentParser
import CitySystem
import Foundation
import MonteCarlo

/// Options shared by the commands that read a scenario and draw one panel.
struct ScenarioOptions: ParsableArguments {
    @Argument(help: "Scenario YAML file (see scenarios/README.md).")
    var scenario: String

    @Option(parsing: .unconditional, help: "Override the scenario's seed.")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Replication number of the panel (its random streams are (seed, the cell's cell_index, replication)).")
    var replication: Int = 0

    @Option(parsing: .unconditional,
            help: "Design cell whose world to draw, by its number (the `cell` column of `summarize`, from 0) or its label (as `validate` lists it): the cell's grid levels and `cells:` settings applied and its random streams, as `run` draws it. Default the first cell; a scenario without `grid:`/`cells:` has one.")
    var cell: String?

    func validate() throws {
        guard replication >= 0 else {
            throw ValidationError("--replication must be 0 or more (it numbers the panel's random stream), got \(replication)")
        }
    }

    /// The design cell whose panel `generate` and `truth` draw and its world (`DesignCellChoice.select`:
    /// the world's kind chosen once from the scenario's `ScenarioDocument.world`).
    func load() throws -> DesignCellChoice {
        do {
            return try DesignCellChoice.select(try ScenarioDocument.load(path: scenario), seed: seed, cell: cell)
        } catch let e as DesignCellError {
            throw ValidationError("--cell \(cell ?? ""): \(e)")
        }
    }

    /// A design of several cells drawn with no `--cell` gave its first: said on standard error (after
    /// the output, so a refused draw is not preceded by it), naming the others.
    func noteFirstOfSeveral(_ choice: DesignCellChoice) {
        guard cell == nil, choice.cells.count > 1 else { return }
        let shown = DesignCellChoice.listing(choice.cells)
        let list = shown.prefix(12).joined(separator: "; ") + (shown.count > 12 ? "; … (\(shown.count) cells)" : "")
        FileHandle.standardError.write(Data("note: \(scenario) has \(choice.cells.count) design cells; this is cell 0. Choose one with --cell K (number or label): \(list)\n".utf8))
    }
}
