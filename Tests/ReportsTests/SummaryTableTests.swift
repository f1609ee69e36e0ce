import MonteCarlo
@testable import Reports
import XCTest

/// Exact text of the table renderers on a two-row case.
final class SummaryTableTests: XCTestCase {
    static let cell = CellInfo(ordinal: 0, index: 0, factors: [CellInfo.Factor(path: "city_system.outcome.rho", value: "0.3")])
    static let rows = [
        SummaryRow(cell: cell, estimator: "sdm", estimand: "beta_1",
                  measures: ["bias": -0.0123, "mcse_bias": 0.0041, "coverage": 0.948, "mcse_coverage": 0.00702, "n_failed": 2]),
        SummaryRow(cell: cell, estimator: "ols|naive", estimand: "rho",
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
        XCTAssertEqual(EstimandKind(name: "direct@0.25"), .curvePoint(effect: .direct, qualifier: "", x: 0.25))
        XCTAssertEqual(EstimandKind(name: "curve_total_effect@-1e-1"), .curvePoint(effect: .total, qualifier: "", x: -0.1))
        XCTAssertEqual(EstimandKind(name: "IE@2"), .curvePoint(effect: .indirect, qualifier: "", x: 2))
        XCTAssertEqual(EstimandKind(name: "direct_p75@0.3"), .curvePoint(effect: .direct, qualifier: "p75", x: 0.3))
        XCTAssertEqual(EstimandKind(name: "total:d=p25@0.5"), .curvePoint(effect: .total, qualifier: "d=p25", x: 0.5))
        XCTAssertEqual(EstimandKind(name: "direction@1"), .scalar)
        // The engine's names (docs/monte-carlo.md).
        XCTAssertEqual(EstimandKind(name: "curve.indirect.p75.40"), .curveGridPoint(effect: .indirect, qualifier: "p75", index: 40))
        XCTAssertEqual(EstimandKind(name: "curve.direct.p50.41"), .scalar, "the grid has 41 points, j = 0…40")
        XCTAssertEqual(EstimandKind.gridPercentile(20), 50)
        XCTAssertEqual(EstimandKind(name: "tp.total.p25"), .turningPoint)
        XCTAssertEqual(EstimandKind(name: "utest.direct.p50"), .uTest)
        XCTAssertEqual(EstimandKind(name: "direct.CA"), .scalar)
        XCTAssertEqual(EstimandKind(name: "shift.direct"), .shift)
        XCTAssertTrue(EstimandKind(name: "shift.direct").isRatio && EstimandKind(name: "tp.total.p25").isRatio)
        XCTAssertFalse(EstimandKind(name: "rho").isRatio)
        XCTAssertEqual(EstimandKind(name: "turning_point_direct"), .turningPoint)
        XCTAssertEqual(EstimandKind(name: "tp_total"), .turningPoint)
        XCTAssertEqual(EstimandKind(name: "utest_indirect"), .uTest)
        XCTAssertEqual(EstimandKind(name: "beta1"), .scalar)
        XCTAssertEqual(EstimandKind(name: "att@year3"), .scalar)
    }
}

/// Pieces of the figure scripts that decide what a reader sees.
final class FigureScriptTests: XCTestCase {
    /// Two cells, one estimator, estimands `a` (with coverage, 100 usable fits, so its points are drawn) and
    /// `empty` (no intervals: coverage NaN).
    static func data(coverage: [(Double, Double)]) -> ResultsData {
        let cells = (0..<coverage.count).map { CellInfo(ordinal: $0, index: $0, factors: [CellInfo.Factor(path: "x.n", value: "\($0)")]) }
        let rows = cells.flatMap { c in [
            SummaryRow(cell: c, estimator: "e", estimand: "a",
                      measures: ["coverage": coverage[c.ordinal].0, "mcse_coverage": coverage[c.ordinal].1, "n_failed": 0,
                                "n_ok": 100]),
            SummaryRow(cell: c, estimator: "e", estimand: "empty", measures: ["coverage": .nan, "mcse_coverage": .nan]),
        ] }
        let draws = cells.map { _ in [ReplicationDraws(estimator: "e", estimands: ["a", "empty"], status: [], estimate: [], truth: [])] }
        return ResultsData(path: "mem", scenarioName: "t", replications: 100, alpha: 0.05, estimators: ["e"],
                           cells: cells, rows: rows, draws: draws)
    }

    func testCoverageWhiskersAreClampedAndPanelsWithoutValuesDropped() throws {
        let plan = AppendixFigures(data: Self.data(coverage: [(1.0, 0.02), (0.9, 0.05)]), baseName: "t").coverage()
        let fig = try XCTUnwrap(plan.figure)
        // 1.0 ± 1.96 × 0.02 is clamped to [0.9608, 1]; 0.9 ± 1.96 × 0.05 = [0.802, 0.998].
        XCTAssertTrue(fig.data.contains("1 1 0.9608 1\n"), fig.data)
        XCTAssertTrue(fig.data.contains("2 0.9 0.802 0.998\n"), fig.data)
        XCTAssertFalse(fig.script.contains("'empty'"), "a panel with no finite values is left out: \(fig.script)")
        XCTAssertTrue(fig.script.contains("set ytics ('n=0' 1, 'n=1' 2)"), fig.script)
        XCTAssertTrue(plan.caption.contains("R = 100 replications per cell (this file holds 0); n_failed = 0 of 0 fits"), plan.caption)
    }

    /// The caption says how many estimates of the drawn estimators had no truth, apart from n_failed
    /// (which counts failed fits); nothing when none did, or when the file predates the count.
    func testCaptionCountsEstimatesWithoutATruthApart() {
        let base = Self.data(coverage: [(0.95, 0.02), (0.9, 0.05)])
        let withNoTruth = base.rows.map { r -> SummaryRow in
            guard r.estimand == "empty" else { return r }
            return SummaryRow(cell: r.cell, estimator: r.estimator, estimand: r.estimand,
                              measures: ["coverage": .nan, "mcse_coverage": .nan, "n_no_truth": 7, "n_failed": 0])
        }
        let data = ResultsData(path: "mem", scenarioName: "t", replications: 100, alpha: 0.05, estimators: ["e"],
                               cells: base.cells, rows: withNoTruth, draws: base.draws)
        let caption = AppendixFigures(data: data, baseName: "t").coverage().caption
        XCTAssertTrue(caption.contains("n_failed = 0 of 0 fits; failed fits are excluded; n_no_truth = 14 estimates of these estimators have no true value (excluded)"),
                      caption)
        XCTAssertFalse(AppendixFigures(data: base, baseName: "t").coverage().caption.contains("n_no_truth"), "unknown (nil) counts say nothing")
    }

    func testNoCoverageAnywhereSkipsTheFigure() {
        let plan = AppendixFigures(data: Self.data(coverage: [(.nan, .nan)]), baseName: "t").coverage()
        XCTAssertNil(plan.figure)
        XCTAssertEqual(plan.skipped, "no estimand has interval bounds (coverage is NaN)")
    }

    /// Panels that do not fit one 9-inch page go to a second page (never shrunk).
    func testManyEstimandsArePagedTwelvePanelsAtATime() throws {
        let cell = CellInfo(ordinal: 0, index: 0, factors: [])
        let names = (1...20).map { "b\($0)" }
        let rows = names.map { SummaryRow(cell: cell, estimator: "e", estimand: $0, measures: ["bias": 0.01, "mcse_bias": 0.005]) }
        let data = ResultsData(path: "mem", scenarioName: "t", replications: 10, alpha: 0.05, estimators: ["e"], cells: [cell], rows: rows,
                               draws: [[ReplicationDraws(estimator: "e", estimands: names, status: [], estimate: [], truth: [])]])
        let plan = AppendixFigures(data: data, baseName: "t").bias()
        XCTAssertEqual(plan.figures.map(\.name), ["t-bias-1", "t-bias-2"])
        XCTAssertTrue(plan.figures.allSatisfy { $0.height <= FigureStyle.maxHeight && $0.width == FigureStyle.textWidth })
        let perPage = plan.figures.map { $0.script.components(separatedBy: "\n# panel: ").count - 1 }
        XCTAssertEqual(perPage.reduce(0, +), 20, "every panel on some page: \(perPage)")
    }

    /// A grid with more cells than a page holds (inverted-u-recovery: 54) is split by cells,
    /// between levels of its slowest factor, evenly; every cell on exactly one page, every
    /// page at most 9 in tall, and each panel on the same x range on every page.
    func testLargeGridsSplitByCellsBetweenLevelsOfTheSlowestFactor() throws {
        XCTAssertEqual(ForestPlot.pages(cells: 54, blocks: Array(repeating: 9, count: 6), most: 46), [0..<27, 27..<54])
        XCTAssertEqual(ForestPlot.pages(cells: 10, blocks: [], most: 4), [0..<3, 3..<6, 6..<10])
        // A block larger than a page is cut evenly.
        XCTAssertEqual(ForestPlot.pages(cells: 12, blocks: [12], most: 5), [0..<4, 4..<8, 8..<12])
        let shapes = ["inside", "edge", "outside", "flat", "monotone"], sizes = (1...12).map { "\($0 * 100)" }
        var cells: [CellInfo] = []
        for s in shapes {
            for n in sizes {
                cells.append(CellInfo(ordinal: cells.count, index: cells.count,
                                      factors: [CellInfo.Factor(path: "outcome", value: s, label: s), CellInfo.Factor(path: "n", value: n, label: "N=\(n)")]))
            }
        }
        let rows = cells.flatMap { c in
            ["rho", "beta"].map { SummaryRow(cell: c, estimator: "sdm", estimand: $0, measures: ["bias": 0.01 * Double(c.ordinal), "mcse_bias": 0.005]) }
        }
        let data = ResultsData(path: "mem", scenarioName: "t", replications: 10, alpha: 0.05, estimators: ["sdm"], cells: cells, rows: rows,
                               draws: cells.map { _ in [ReplicationDraws(estimator: "sdm", estimands: ["rho", "beta"], status: [], estimate: [], truth: [])] })
        let figures = AppendixFigures(data: data, baseName: "t")
        XCTAssertEqual(figures.cellBlocks, [12, 12, 12, 12, 12])
        let plan = figures.bias()
        XCTAssertGreaterThan(plan.figures.count, 1)
        XCTAssertTrue(plan.figures.allSatisfy { $0.height <= FigureStyle.maxHeight }, "\(plan.figures.map(\.height))")
        var seen: [String] = []
        for f in plan.figures {
            let tics = f.script.components(separatedBy: "set ytics (").dropFirst().first?.components(separatedBy: ")").first ?? ""
            seen += tics.components(separatedBy: ", '").map { $0.replacingOccurrences(of: "'", with: "").split(separator: " ").dropLast().joined(separator: " ") }
            // Page breaks between levels of the slowest factor: a page holds whole levels.
            let shapesHere = shapes.filter { tics.contains("\($0), ") }
            XCTAssertTrue(shapesHere.allSatisfy { s in sizes.allSatisfy { tics.contains("\(s), N=\($0)'") } }, tics)
        }
        XCTAssertEqual(seen.sorted(), cells.map { figures.factorLabels.cellName($0) }.sorted())
        // The key's canvas-wide plot sets [0:1]; the two panels' ranges are the others.
        let ranges = plan.figures.map { $0.script.components(separatedBy: "set xrange ").dropFirst().map { String($0.prefix { $0 != "\n" }) }.filter { !$0.hasPrefix("[0:1]") } }
        XCTAssertTrue(ranges.allSatisfy { $0.count == 2 }, "\(ranges)")
        XCTAssertTrue(ranges.allSatisfy { $0 == ranges[0] }, "\(ranges)")
    }

    /// The engine's names: curve grid points go to CA percentiles 5, 50, 95; a U-test
    /// panel says how often the truth is a U.
    func testEngineCurveGridAndUTestTruthShare() throws {
        let cells = [CellInfo(ordinal: 0, index: 0, factors: []), CellInfo(ordinal: 1, index: 1, factors: [])]
        let names = ["curve.direct.p50.0", "curve.direct.p50.20", "curve.direct.p50.40", "utest.direct.p50"]
        let draws = ReplicationDraws(estimator: "sdm", estimands: names, status: [0, 0],
                                     estimate: [0.1, 0.2, 0.3, 1, 0.2, 0.3, 0.4, 0], truth: [0.1, 0.2, 0.3, 1, 0.1, 0.2, 0.3, 1])
        let rows = cells.map { c in
            SummaryRow(cell: c, estimator: "sdm", estimand: "utest.direct.p50",
                      measures: ["true": c.ordinal == 0 ? 1 : 0.95, "rejection": 0.5, "mcse_rejection": 0.35])
        }
        let data = ResultsData(path: "mem", scenarioName: "t", replications: 2, alpha: 0.05, estimators: ["sdm"], cells: cells,
                               rows: rows, draws: [[draws], [draws]])
        let figures = AppendixFigures(data: data, baseName: "t")
        let curve = try XCTUnwrap(figures.curves().figure)
        let xs = curve.data.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.prefix(3)
            .map { Double($0.split(separator: " ")[0])! }
        XCTAssertEqual(xs, [5, 50, 95])
        XCTAssertTrue(curve.script.contains("set xlabel 'CA percentile'"), curve.script)
        XCTAssertTrue(curve.script.contains("DE(CA), D = p50 (sdm)"), curve.script)
        let utest = try XCTUnwrap(figures.uTest().figure)
        XCTAssertTrue(utest.script.contains("set title 'U-test DE, D p50 (true U: 95%–100%)'"), utest.script)
    }

    /// An estimator keeps its colour in every panel, even where the first estimator is absent;
    /// a single curve point is not a curve.
    func testEstimatorColoursAreStableAndOnePointIsNoCurve() throws {
        let cell = CellInfo(ordinal: 0, index: 0, factors: [])
        let m = ["bias": 0.01, "mcse_bias": 0.005]
        let rows = [SummaryRow(cell: cell, estimator: "a", estimand: "x1", measures: m),
                    SummaryRow(cell: cell, estimator: "b", estimand: "x2", measures: m),
                    SummaryRow(cell: cell, estimator: "b", estimand: "curve.direct.p50.20", measures: m)]
        let draws = [ReplicationDraws(estimator: "a", estimands: ["x1"], status: [0], estimate: [1], truth: [1]),
                     ReplicationDraws(estimator: "b", estimands: ["x2", "curve.direct.p50.20"], status: [0], estimate: [1, 1], truth: [1, 1])]
        let data = ResultsData(path: "mem", scenarioName: "t", replications: 1, alpha: 0.05, estimators: ["a", "b"], cells: [cell],
                               rows: rows, draws: [draws])
        let figures = AppendixFigures(data: data, baseName: "t")
        let bias = try XCTUnwrap(figures.bias().figure).script
        // The key's sample for 'b' (drawn just before its text) uses b's style, lt 2.
        let before = try XCTUnwrap(bias.components(separatedBy: "set label 'b' at screen").first)
        let sample = try XCTUnwrap(before.components(separatedBy: "nohead ").last)
        XCTAssertTrue(sample.hasPrefix("lt 2 lw 1"), sample)
        XCTAssertNil(figures.curves().figure)
    }
}

/// The main job's verdict: key estimands per estimator, the cells side by side.
final class VerdictTableTests: XCTestCase {
    func testKeyEstimandsWithCellsSideBySide() {
        let cells = [CellInfo(ordinal: 0, index: 0, factors: [], title: "paper-like: omitted trend"),
                     CellInfo(ordinal: 1, index: 7, factors: [], title: "reference: correct")]
        let rows = cells.flatMap { c in [
            SummaryRow(cell: c, estimator: "sdm", estimand: "ame.total.CA",
                      measures: ["bias": c.ordinal == 0 ? -0.054 : 0.001, "mcse_bias": 0.004, "coverage": c.ordinal == 0 ? 0.81 : 0.95, "n_ok": 300]),
            SummaryRow(cell: c, estimator: "sdm", estimand: "tp.total.p50",
                      measures: ["median_bias": 0.25, "mcse_median_bias": 0.05, "fieller_coverage": 0.94, "n_ok": 300]),
            SummaryRow(cell: c, estimator: "sdm", estimand: "rho", measures: ["bias": 0.1, "mcse_bias": 0.01, "coverage": 0.5, "n_ok": 300]),
        ] }
        let text = VerdictTable.render(rows, replications: 300)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[1].contains("paper-like") && lines[1].contains("reference"), "cells named by their label's head: \(text)")
        let te = try? XCTUnwrap(lines.first { $0.contains("TE(CA)") })
        // 0.81 is outside 0.95 ± 1.96 √(0.95·0.05/300) = [0.925, 0.975]: flagged; 0.95 is not.
        XCTAssertEqual(te?.replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression), "sdm TE(CA) −0.054 (0.004) 0.81* 0.001 (0.004) 0.95")
        XCTAssertTrue(text.contains("c*_TE, D p50"), text)
        XCTAssertFalse(text.contains("ρ"), "ρ is not a key estimand: \(text)")
        XCTAssertLessThanOrEqual(lines.count, 10)
        XCTAssertTrue(text.contains("c*: median bias and Fieller-set coverage (a ratio has no mean).\n"), text)
        XCTAssertFalse(text.contains("U-test"), "no U-test row, no U-test note: \(text)")
    }

    /// The c* and U-test notes were printed under every verdict (stranger audit item 13): each
    /// now only under a table that shows a row it explains, and both together as before.
    func testFootnotesOnlyForShownRows() {
        let cell = CellInfo(ordinal: 0, index: 0, factors: [])
        let ame = SummaryRow(cell: cell, estimator: "sdm", estimand: "ame.total.CA", measures: ["bias": 0.01, "mcse_bias": 0.004, "coverage": 0.95, "n_ok": 300])
        let tp = SummaryRow(cell: cell, estimator: "sdm", estimand: "tp.total.p50",
                            measures: ["median_bias": 0.25, "mcse_median_bias": 0.05, "fieller_coverage": 0.95, "n_ok": 300])
        let u = SummaryRow(cell: cell, estimator: "sdm", estimand: "utest.total.p50", measures: ["rejection": 0.8, "n_ok": 300])
        let plain = VerdictTable.render([ame], replications: 300)
        XCTAssertFalse(plain.contains("c*:"), plain)
        XCTAssertFalse(plain.contains("U-test"), plain)
        let onlyU = VerdictTable.render([ame, u], replications: 300)
        XCTAssertFalse(onlyU.contains("c*:"), onlyU)
        XCTAssertTrue(onlyU.hasSuffix("U-test: rejection rate (power where the truth is a U).\n"), onlyU)
        let both = VerdictTable.render([ame, tp, u], replications: 300)
        XCTAssertTrue(both.hasSuffix("c*: median bias and Fieller-set coverage (a ratio has no mean); U-test: rejection rate (power where the truth is a U).\n"), both)
    }
}
