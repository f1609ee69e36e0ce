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
        SummaryTable.renderSummary(rows, format: format)
    }

    func testCSVHasTheDocumentedColumnsAndOneRowPerCellEstimatorEstimand() throws {
        let lines = render(try rows(), .csv).split(separator: "\n").map(String.init)
        let required = "cell,cell_index,estimator,estimand,true,n_ok,n_failed,n_no_truth,mean,bias,mcse_bias,rel_bias,emp_se,model_se,rel_error_model_se,rmse,coverage,mcse_coverage,rejection,mcse_rejection"
        XCTAssertTrue(lines[0].hasPrefix(required), lines[0])
        XCTAssertTrue(lines[0].hasSuffix(",known_dgp.sigma"), "factor columns last: \(lines[0])")
        XCTAssertEqual(lines.count, 1 + 2 * 4, "2 cells × (3 + 1) estimands")
        XCTAssertTrue(lines[1].hasPrefix("0,0,ols_all,beta0,1.0,23,0,0,"), lines[1])
        XCTAssertTrue(lines[8].hasPrefix("1,1,ols_slope,beta1,-0.5,23,0,0,"), lines[8])
        XCTAssertTrue(lines[8].hasSuffix(",2.0"), lines[8])
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == lines[0].split(separator: ",").count })
    }

    /// `n_no_truth` is a count beside `n_failed` in the CSV and in every role's table; a row read from
    /// a file that predates it (count unknown) shows NA in CSV and a dash in the tables, not 0.
    func testNoTruthColumnBesideNFailedAndNAWhenUnknown() throws {
        let cell = CellInfo(ordinal: 0, index: 0, factors: [])
        let known = SummaryRow(cell: cell, estimator: "sac", estimand: "lambda",
                               measures: PerformanceMeasures(["n_ok": 0, "n_failed": 1, "n_no_truth": 39, "true": .nan]))
        let unknown = SummaryRow(cell: cell, estimator: "sac", estimand: "rho", measures: PerformanceMeasures(["n_ok": 40, "n_failed": 0, "true": 0.3]))
        XCTAssertNil(unknown.measures.nNoTruth)
        let csv = render([known, unknown], .csv).split(separator: "\n").map(String.init)
        XCTAssertTrue(csv[0].hasPrefix("cell,cell_index,estimator,estimand,true,n_ok,n_failed,n_no_truth,mean,"), csv[0])
        XCTAssertTrue(csv[1].hasPrefix("0,0,sac,lambda,NA,0,1,39,NA,"), csv[1])
        XCTAssertTrue(csv[2].hasPrefix("0,0,sac,rho,0.3,40,0,NA,NA,"), csv[2])
        let table = render([known, unknown], .table).split(separator: "\n").map(String.init)
        XCTAssertTrue(table[0].contains("n_ok  n_failed  n_no_truth  bias"), table[0])
        XCTAssertTrue(table[2].contains("   0         1          39"), table[2])
        XCTAssertTrue(table[3].contains("  40         0           –"), table[3])
        for section in SummaryTable.summarizeSections {
            let m = section.measures
            XCTAssertEqual(m.firstIndex(of: "n_no_truth"), m.firstIndex(of: "n_failed").map { $0 + 1 }, "\(section.role)")
        }
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

    /// `summarize` prints one table per estimand role present, each with the measures
    /// that apply to it and, for ratios and tests, a note saying why; a ρ under a wrong W
    /// is marked. CSV stays one table of every stored measure, the estimand unmarked.
    func testOneTablePerEstimandRoleWithItsNote() throws {
        let cell = CellInfo(ordinal: 0, index: 0, factors: [CellInfo.Factor(path: "city_system.outcome.rho", value: "0.3")])
        func row(_ estimand: String, _ named: [String: Double]) -> SummaryRow {
            SummaryRow(cell: cell, estimator: "sdm", estimand: estimand, measures: PerformanceMeasures(named.merging(["n_ok": 40, "n_failed": 0]) { a, _ in a }))
        }
        let rows = [row("rho", ["bias": 0.01, "comparable": 0, "emp_se": 0.05]),
                    row("total.D", ["bias": -0.02, "coverage": 0.95]),
                    row("tp.direct.p50", ["median_bias": 0.45, "fieller_coverage": 1, "share_bounded": 0.4, "bias": 1.69]),
                    row("utest.direct.p50", ["rejection": 0.8, "rejection_null_false": 0.8, "n_null_false": 40, "n_null_true": 0, "noncentrality": 2.5])]
        let text = SummaryTable.renderSummary(rows, format: .table)
        let tables = text.components(separatedBy: "\n\n")
        XCTAssertEqual(tables.count, 3, text)
        XCTAssertTrue(tables[0].hasPrefix("cell  cell_index  estimator  estimand"), tables[0])
        XCTAssertTrue(tables[0].contains("rho (not comparable)") && tables[0].contains("total.D") && tables[0].contains("coverage"), tables[0])
        XCTAssertFalse(tables[0].contains("tp.direct.p50") || tables[0].contains("median_bias"), tables[0])
        XCTAssertTrue(tables[1].hasPrefix("Ratio estimands (tp.*, shift.*) have no finite moments"), tables[1])
        XCTAssertTrue(tables[1].contains("median_bias") && tables[1].contains("fieller_coverage") && tables[1].contains("0.4500"), tables[1])
        XCTAssertFalse(tables[1].contains("1.6900"), "no mean bias for a ratio: \(tables[1])")
        XCTAssertTrue(tables[2].hasPrefix("U-tests: rejection rate split by whether the null is true"), tables[2])
        XCTAssertTrue(tables[2].contains("rejection_null_false") && tables[2].contains("noncentrality") && tables[2].contains("2.5000"), tables[2])
        let md = SummaryTable.renderSummary(rows, format: .markdown)
        XCTAssertTrue(md.contains("**Ratio estimands") && md.contains("**U-tests"), md)
        let tex = SummaryTable.renderSummary(rows, format: .latex)
        XCTAssertTrue(tex.contains("% Ratio estimands") && tex.contains("rho (not comparable)"), tex)
        let csv = SummaryTable.renderSummary(rows, format: .csv).split(separator: "\n").map(String.init)
        XCTAssertEqual(csv.count, 1 + 4)
        XCTAssertEqual(csv[0].split(separator: ",").count, 4 + SummaryTable.csvMeasures.count + 1)
        XCTAssertTrue(csv[0].contains(",median_bias,") && csv[0].contains(",fieller_coverage,") && csv[0].contains(",comparable,")
                      && csv[0].hasSuffix(",rejection_null_interior,mcse_rejection_null_interior,n_null_interior,city_system.outcome.rho"), csv[0])
        XCTAssertTrue(csv[1].hasPrefix("0,0,sdm,rho,"), csv[1])
    }
}
