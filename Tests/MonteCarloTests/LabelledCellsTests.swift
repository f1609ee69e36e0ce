import CitySystem
@testable import MonteCarlo
import Storage
import TestSupport
import XCTest

/// `cells:` — labelled design cells beside or instead of a crossed grid — and labelled grid levels.
final class LabelledCellsTests: XCTestCase {
    static let base = """
    name: labelled
    seed: 7
    known_dgp: {model: ols, n: 12, beta: [1.0, -0.5], sigma: 1.0}
    monte_carlo: {replications: 5, chunk_size: 5}
    estimators:
      - {name: ols, model: ols, estimands: [beta0, beta1]}

    """

    func testCellsAreCrossedWithTheGridAndCarryTheirLabels() throws {
        let scenario = try MonteCarloScenario(text: Self.base + """
            cells:
              - {label: small, known_dgp.n: 10}
              - {label: large, cell_index: 5, known_dgp.n: 40, known_dgp.sigma: 2.0}
            grid:
              known_dgp.errors: {values: [normal, t], labels: [normal errors, t errors]}
            """)
        let cells = try scenario.cells()
        XCTAssertEqual(cells.map(\.index), [0, 1, 10, 11], "cell_index × grid size + grid position")
        XCTAssertEqual(cells.map(\.title), ["small, normal errors", "small, t errors", "large, normal errors", "large, t errors"])
        XCTAssertEqual(cells[2].document.value(atKeyPath: "known_dgp.n")?.scalarText, "40")
        XCTAssertEqual(cells[2].document.value(atKeyPath: "known_dgp.sigma")?.scalarText, "2.0")
        XCTAssertEqual(cells[1].document.value(atKeyPath: "known_dgp.errors")?.scalarText, "t")
        XCTAssertEqual(cells[0].factors.map(\.origin), ["cells[0].known_dgp.n", "grid.known_dgp.errors"])
        XCTAssertEqual(cells[3].factors.map(\.label), [nil, nil, "t errors"])
    }

    func testBadCellsAreRefusedByKeyPath() {
        let cases = [
            ("cells:\n  - {known_dgp.n: 10}", "cells[0].label"),
            ("cells:\n  - {label: a, known_dgp.n: 10}\n  - {label: a, known_dgp.n: 20}", "cells[1].label"),
            ("cells:\n  - {label: a, cell_index: 1}\n  - {label: b}", "cells[1].cell_index"),
            ("cells:\n  - {label: a, seed: 3}", "cells[0].seed"),
            ("cells:\n  - {label: a, known_dgp.n: 10}\ngrid:\n  known_dgp.n: [20, 30]", "cells[0].known_dgp.n"),
            ("grid:\n  known_dgp.n: {values: [20, 30], labels: [a]}", "grid.known_dgp.n.labels"),
            ("cells:\n  - {label: a, estimators.0.model: sdm}", "cells[0].estimators.0.model"),
        ]
        for (design, path) in cases {
            assertThrows(try MonteCarloScenario(text: Self.base + design), as: ScenarioError.self, design) {
                XCTAssertEqual($0.path, path, "\($0)")
            }
        }
        // A value the generator refuses is reported at the cell that wrote it.
        assertThrows(try {
            let s = try MonteCarloScenario(text: Self.base + "cells:\n  - {label: a, known_dgp.n: 1}")
            _ = try KnownDGPBuilder().makeExperiments(cells: try s.cells(), scenario: s)
        }(), as: GridCellError.self) {
            XCTAssertTrue("\($0)".contains("cells[0].known_dgp.n = 1"), "\($0)")
        }
    }

    /// The label is stored with the cell (metadata and the HDF5 group's attributes).
    func testLabelsAreStoredInTheResultFile() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-labelled")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("l.h5").path
        let scenario = try MonteCarloScenario(text: Self.base + """
            cells:
              - {label: "reference: as written"}
              - {label: wide, known_dgp.sigma: 3.0}
            grid:
              known_dgp.n: {values: [12, 30], labels: [N small, N large]}
            """)
        _ = try MonteCarloRunner(scenario: scenario, options: RunOptions(output: out), format: HDF5ResultsFormat()).run()
        let source = try HDF5ResultsFormat().open(path: out)
        XCTAssertEqual(source.metadata.cells.map(\.title), ["reference: as written, N small", "reference: as written, N large",
                                                             "wide, N small", "wide, N large"])
        let f = try HDF5File.open(out)
        let g = try f.group("cells/cell_00002")
        XCTAssertEqual(try g.attribute("title"), .string("wide, N small"))
        XCTAssertEqual(try g.attribute("label"), .string("wide, N small"))
        XCTAssertEqual(try g.attribute("factor_paths"), .strings(["known_dgp.sigma", "known_dgp.n"]))
        XCTAssertEqual(try g.attribute("factor_labels"), .strings(["", "N small"]))
        try f.close()
    }
}
