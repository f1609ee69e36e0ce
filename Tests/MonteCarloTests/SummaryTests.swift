@testable import MonteCarlo
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
