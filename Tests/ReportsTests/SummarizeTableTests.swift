import Foundation
import MonteCarlo
import Reports
import TestSupport
import XCTest

/// `spillsim summarize`'s tables, rendered by the one `SummaryTable` from an engine run.
final class SummarizeTableTests: XCTestCase {
    /// OLS on the engine's known linear DGP: 2 cells (σ), two estimators, R = 23.
    static let twoCells = """
        name: runner-test
        seed: 20240601
        known_dgp: {model: ols, n: 12, beta: [1.0, -0.5, 0.25], sigma: 1.0}
        monte_carlo: {replications: 23, chunk_size: 4}
        estimators:
          - {name: ols_all, model: ols, estimands: [beta0, beta1, beta2]}
          - {name: ols_slope, model: ols, estimands: [beta1]}
        grid:
          known_dgp.sigma: [0.5, 2.0]
        """

    func rows(_ text: String = twoCells, replications: Int? = nil) throws -> [SummaryRow] {
        let dir = try TestPaths.temporaryDirectory("spillsim-summarize")
        defer { try? FileManager.default.removeItem(at: dir) }
        let format = InMemoryResultsFormat(), out = dir.appendingPathComponent("s.h5").path
        var options = RunOptions(output: out)
        if let replications { options.replications = replications }
        _ = try MonteCarloRunner(scenario: try MonteCarloScenario(text: text), options: options, format: format).run()
        return try Summary.rows(of: try format.open(path: out))
    }

    func render(_ rows: [SummaryRow], _ format: TableFormat) -> String {
        SummaryTable.summarize(factorPaths: rows.first?.cell.factors.map(\.path) ?? [], format: format).render(rows, format: format)
    }

    func testCSVHasTheDocumentedColumnsAndOneRowPerCellEstimatorEstimand() throws {
        let lines = render(try rows(), .csv).split(separator: "\n").map(String.init)
        let required = "cell,cell_index,estimator,estimand,true,n_ok,n_failed,mean,bias,mcse_bias,rel_bias,emp_se,model_se,rel_error_model_se,rmse,coverage,mcse_coverage,rejection,mcse_rejection"
        XCTAssertTrue(lines[0].hasPrefix(required), lines[0])
        XCTAssertTrue(lines[0].hasSuffix(",known_dgp.sigma"), "factor columns last: \(lines[0])")
        XCTAssertEqual(lines.count, 1 + 2 * 4, "2 cells × (3 + 1) estimands")
        XCTAssertTrue(lines[1].hasPrefix("0,0,ols_all,beta0,1.0,23,0,"), lines[1])
        XCTAssertTrue(lines[8].hasPrefix("1,1,ols_slope,beta1,-0.5,23,0,"), lines[8])
        XCTAssertTrue(lines[8].hasSuffix(",2.0"), lines[8])
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == lines[0].split(separator: ",").count })
    }

    func testHumanFormats() throws {
        let r = try rows()
        let md = render(r, .markdown)
        XCTAssertTrue(md.hasPrefix("| cell | cell_index | estimator | estimand | sigma | true |"), md)
        let tex = render(r, .latex)
        XCTAssertTrue(tex.contains("\\begin{tabular}") && tex.contains("mcse\\_bias"), tex)
        XCTAssertEqual(render(r, .table).split(separator: "\n").count, 2 + 8)
    }

    /// `cell` is the ordinal, `cell_index` the grid position; a filter makes them differ.
    func testFilteredRunLabelsOrdinalAndGridIndex() throws {
        let rows = try rows(Self.twoCells + "\nfilter: {exclude: [{known_dgp.sigma: 0.5}]}\n", replications: 3)
        let csv = render(rows, .csv).split(separator: "\n")
        XCTAssertTrue(csv[0].hasPrefix("cell,cell_index,estimator,"), String(csv[0]))
        XCTAssertTrue(csv[1].hasPrefix("0,1,ols_all,beta0,"), String(csv[1]))
        let table = render(rows, .table).split(separator: "\n")
        XCTAssertTrue(table[0].hasPrefix("cell  cell_index  estimator"), String(table[0]))
        XCTAssertTrue(table[2].hasPrefix("0     1           ols_all"), String(table[2]))
    }
}
