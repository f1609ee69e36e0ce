@testable import MonteCarlo
import Storage
import TestSupport
import XCTest

final class SummaryTests: XCTestCase {
    func rows() throws -> [SummaryRow] {
        let dir = try TestPaths.temporaryDirectory("spillsim-summary")
        defer { try? FileManager.default.removeItem(at: dir) }
        let format = InMemoryResultsFormat()
        let out = dir.appendingPathComponent("s.h5").path
        _ = try MonteCarloRunner(scenario: try MonteCarloScenario(text: RunnerTests.twoCells), options: RunOptions(output: out),
                                 format: format).run()
        return try Summary.rows(of: try format.open(path: out))
    }

    func testCSVHasTheDocumentedColumnsAndOneRowPerCellEstimatorEstimand() throws {
        let csv = SummaryWriter.render(try rows(), format: .csv)
        let lines = csv.split(separator: "\n").map(String.init)
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
        let md = SummaryWriter.render(r, format: .markdown)
        XCTAssertTrue(md.hasPrefix("| cell | cell_index | estimator | estimand | sigma | true |"), md)
        let tex = SummaryWriter.render(r, format: .latex)
        XCTAssertTrue(tex.contains("\\begin{tabular}") && tex.contains("mcse\\_bias"), tex)
        let table = SummaryWriter.render(r, format: .table)
        XCTAssertEqual(table.split(separator: "\n").count, 2 + 8)
    }
}

final class SummaryCellColumnTests: XCTestCase {
    /// Fix 8: `cell` is the ordinal everywhere (CSV, tables, `/summary/cell`);
    /// the grid position is labelled `cell_index`. A filter makes them differ.
    func testFilteredFileLabelsOrdinalAndGridIndex() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-summary")
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = RunnerTests.twoCells + "\nfilter: {exclude: [{known_dgp.sigma: 0.5}]}\n"
        let out = dir.appendingPathComponent("f.h5").path
        var options = RunOptions(output: out)
        options.replications = 3
        _ = try MonteCarloRunner(scenario: try MonteCarloScenario(text: text), options: options, format: HDF5ResultsFormat()).run()
        let rows = try Summary.rows(of: try HDF5ResultsFormat().open(path: out))
        XCTAssertEqual(rows.map(\.cell.ordinal), Array(repeating: 0, count: 4))
        XCTAssertEqual(rows.map(\.cell.index), Array(repeating: 1, count: 4))
        let csv = SummaryWriter.render(rows, format: .csv).split(separator: "\n")
        XCTAssertTrue(csv[0].hasPrefix("cell,cell_index,estimator,"), String(csv[0]))
        XCTAssertTrue(csv[1].hasPrefix("0,1,ols_all,beta0,"), String(csv[1]))
        let table = SummaryWriter.render(rows, format: .table).split(separator: "\n")
        XCTAssertTrue(table[0].hasPrefix("cell  cell_index  estimator"), String(table[0]))
        XCTAssertTrue(table[2].hasPrefix("0     1           ols_all"), String(table[2]))
        let file = try HDF5File.open(out)
        XCTAssertEqual(try file.dataset("summary/cell").read(as: Int64.self), [0, 0, 0, 0], "/summary/cell is the ordinal too")
        XCTAssertEqual(try file.group("cells/cell_00000").attribute("cell_index"), .int(1))
        try file.close()
    }
}
