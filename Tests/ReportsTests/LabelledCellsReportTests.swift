import Foundation
import MonteCarlo
@testable import Reports
import TestSupport
import XCTest

/// Cell labels reach the summary tables and the figures' cell names.
final class LabelledCellsReportTests: XCTestCase {
    func testSummaryHasALabelColumnAndFiguresUseTheLabel() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-labels")
        defer { try? FileManager.default.removeItem(at: dir) }
        let format = InMemoryResultsFormat(), out = dir.appendingPathComponent("s.h5").path
        let text = """
            name: labelled
            seed: 3
            known_dgp: {model: ols, n: 12, beta: [1.0, -0.5], sigma: 1.0}
            monte_carlo: {replications: 4, chunk_size: 4}
            estimators:
              - {name: ols, model: ols, estimands: [beta1]}
            cells:
              - {label: "narrow, n = 12"}
              - {label: wide, known_dgp.sigma: 3.0}
            """
        _ = try MonteCarloRunner(scenario: try MonteCarloScenario(text: text), options: RunOptions(output: out), format: format).run()
        let rows = try Summary.rows(of: try format.open(path: out))
        let csv = SummaryTable.renderSummary(rows, format: .csv).split(separator: "\n").map(String.init)
        XCTAssertTrue(csv[0].hasSuffix(",n_null_interior,label,known_dgp.sigma"), csv[0])
        XCTAssertTrue(csv[1].hasSuffix(",\"narrow, n = 12\",NA"), "a cell that does not set a path shows NA: \(csv[1])")
        XCTAssertTrue(csv[2].hasSuffix(",wide,3.0"), csv[2])
        XCTAssertTrue(SummaryTable.renderSummary(rows, format: .table).contains("wide"))
        let cells = rows.map(\.cell)
        let labels = FactorLabels(cells: cells)
        XCTAssertEqual(labels.title(cells[0]), "narrow, n = 12")
        let unlabelled = CellInfo(ordinal: 0, index: 0, factors: [CellInfo.Factor(path: "known_dgp.n", value: "12")])
        XCTAssertEqual(FactorLabels(cells: [unlabelled]).title(unlabelled), "n=12")
    }
}
