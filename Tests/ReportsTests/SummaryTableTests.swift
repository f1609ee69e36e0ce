import Reports
import XCTest

/// Exact text of the table renderers on a two-row case.
final class SummaryTableTests: XCTestCase {
    static let cell = ReportCell(ordinal: 0, factors: [CellFactor(path: "city_system.outcome.rho", value: "0.3")])
    static let rows = [
        ReportRow(cell: cell, estimator: "sdm", estimand: "beta_1",
                  measures: ["bias": -0.0123, "mcse_bias": 0.0041, "coverage": 0.948, "mcse_coverage": 0.00702, "n_failed": 2]),
        ReportRow(cell: cell, estimator: "ols|naive", estimand: "rho",
                  measures: ["bias": 0.00004, "mcse_bias": 0.0011, "coverage": .nan, "mcse_coverage": .nan, "n_failed": 0]),
    ]
    static let table = SummaryTable(columns: [
        TableColumn("rho", .factor("city_system.outcome.rho")),
        TableColumn("estimator", .estimator),
        TableColumn("estimand", .estimand),
        TableColumn("bias (MCSE)", .withMCSE("bias", mcse: "mcse_bias")),
        TableColumn("coverage (MCSE)", .withMCSE("coverage", mcse: "mcse_coverage")),
        TableColumn("n_failed", .count("n_failed")),
    ])

    func testMarkdown() {
        XCTAssertEqual(Self.table.render(Self.rows, format: .markdown), """
            | rho | estimator | estimand | bias (MCSE) | coverage (MCSE) | n_failed |
            |:---|:---|:---|---:|---:|---:|
            | 0.3 | sdm | beta_1 | \u{2212}0.012 (0.004) | 0.948 (0.007) | 2 |
            | 0.3 | ols\\|naive | rho | 0.000 (0.001) | – | 0 |

            """)
    }

    func testLaTeXBooktabs() {
        XCTAssertEqual(Self.table.render(Self.rows, format: .latex), """
            % requires \\usepackage{booktabs}
            \\begin{tabular}{lllrrr}
            \\toprule
            rho & estimator & estimand & bias (MCSE) & coverage (MCSE) & n\\_failed \\\\
            \\midrule
            0.3 & sdm & beta\\_1 & $-$0.012 (0.004) & 0.948 (0.007) & 2 \\\\
            0.3 & ols\\textbar{}naive & rho & 0.000 (0.001) & -- & 0 \\\\
            \\bottomrule
            \\end{tabular}

            """)
    }

    func testCSV() {
        XCTAssertEqual(Self.table.render(Self.rows, format: .csv), """
            rho,estimator,estimand,bias (MCSE),coverage (MCSE),n_failed
            0.3,sdm,beta_1,-0.012 (0.004),0.948 (0.007),2
            0.3,ols|naive,rho,0.000 (0.001),NA,0

            """)
    }

    func testNumberFormatting() {
        XCTAssertEqual(ReportNumber.withMCSE(-0.0123, 0.0041, decimals: 3), "\u{2212}0.012 (0.004)")
        // Rounds to zero: no "−0.000".
        XCTAssertEqual(ReportNumber.format(-0.0002, decimals: 3), "0.000")
        XCTAssertEqual(ReportNumber.format(.nan, decimals: 3), "–")
        XCTAssertEqual(ReportNumber.withMCSE(0.5, .nan, decimals: 2), "0.50")
        XCTAssertEqual(ReportNumber.format(-1.5, decimals: 1, minus: "$-$"), "$-$1.5")
    }

    func testAppendixTableUsesShortFactorNamesUnlessTheyCollide() {
        let a = SummaryTable.appendix(factorPaths: ["city_system.outcome.rho", "city_system.n"])
        XCTAssertEqual(a.columns.prefix(2).map(\.header), ["rho", "n"])
        let b = SummaryTable.appendix(factorPaths: ["true_w.rho", "estimator_w.rho"])
        XCTAssertEqual(b.columns.prefix(2).map(\.header), ["true_w.rho", "estimator_w.rho"])
    }

    func testEstimandKinds() {
        XCTAssertEqual(EstimandKind(name: "direct@0.25"), .curvePoint(curve: "direct", x: 0.25))
        XCTAssertEqual(EstimandKind(name: "curve_total_effect@-1e-1"), .curvePoint(curve: "total", x: -0.1))
        XCTAssertEqual(EstimandKind(name: "IE@2"), .curvePoint(curve: "indirect", x: 2))
        XCTAssertEqual(EstimandKind(name: "turning_point_direct"), .turningPoint)
        XCTAssertEqual(EstimandKind(name: "tp_total"), .turningPoint)
        XCTAssertEqual(EstimandKind(name: "utest_indirect"), .uTest)
        XCTAssertEqual(EstimandKind(name: "beta1"), .scalar)
        XCTAssertEqual(EstimandKind(name: "att@year3"), .scalar)
    }
}
