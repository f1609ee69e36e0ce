import MonteCarlo
@testable import Reports
import XCTest

/// The figure defects of the print-size audit (session 14, figures-settings report): each test
/// builds the figure from results held in memory and fails on the defect as found.
final class FigureAuditFixesTests: XCTestCase {
    static func cells(_ path: String, _ levels: [String]) -> [CellInfo] {
        levels.enumerated().map { CellInfo(ordinal: $0, index: $0, factors: [CellInfo.Factor(path: path, value: $1)]) }
    }

    static func data(cells: [CellInfo], estimators: [String], rows: [SummaryRow], draws: [[ReplicationDraws]]? = nil,
                     replications: Int = 20) -> ResultsData {
        ResultsData(path: "mem", scenarioName: "t", replications: replications, alpha: 0.05, estimators: estimators, cells: cells, rows: rows,
                    draws: draws ?? cells.map { _ in estimators.map { ReplicationDraws(estimator: $0, estimands: [], status: [], estimate: [], truth: []) } })
    }

    /// F1: the zip plot kept the first six panels (`prefix(6)`): the baseline's sar, psm_did and
    /// did were missing with no word in the caption. Every estimator is drawn, on more pages.
    func testZipDrawsEveryEstimator() {
        let estimators = (1...9).map { "est\($0)" }
        let cells = Self.cells("x.n", ["10"])
        let n = 20
        let rows = estimators.map { SummaryRow(cell: cells[0], estimator: $0, estimand: "beta", measures: ["coverage": 0.9, "bias": 0.0, "n_ok": Double(n), "comparable": 1]) }
        let draws = [estimators.enumerated().map { k, e in
            ReplicationDraws(estimator: e, estimands: ["beta"], status: Array(repeating: 0, count: n),
                             estimate: (0..<n).map { Double($0 - n / 2) / 10 + Double(k) / 100 }, truth: Array(repeating: 0, count: n),
                             se: Array(repeating: 0.5, count: n), lower: (0..<n).map { Double($0 - n / 2) / 10 - 1 },
                             upper: (0..<n).map { Double($0 - n / 2) / 10 + 1 })
        }]
        let plan = AppendixFigures(data: Self.data(cells: cells, estimators: estimators, rows: rows, draws: draws), baseName: "t").zip()
        let scripts = plan.figures.map(\.script).joined()
        for e in estimators { XCTAssertTrue(scripts.contains("(\(e))"), "\(e) is missing from the zip plot") }
        XCTAssertEqual(plan.figures.map(\.script).map { $0.components(separatedBy: "\n# panel: ").count - 1 }.reduce(0, +), 9)
        if plan.figures.count > 1 { XCTAssertEqual(plan.figures.map(\.name), (1...plan.figures.count).map { "t-zip-\($0)" }) }
    }

    /// F3: `set linetype cycle 8` drew the ninth series (weights-stress: sdm_exp_spectral) as
    /// the first (sdm_true). Sixteen styles, each a different (dash, point) and (colour, dash, point).
    func testSixteenDistinctSeriesStyles() {
        let series = FigureStyle.series
        XCTAssertEqual(series.count, 16)
        XCTAssertEqual(Set(series.map { "\($0.dash) \($0.point)" }).count, 16, "greyscale: dash and point tell every series apart")
        XCTAssertEqual(Set(series.map(\.color)).count, 16, "and in colour")
        // The points of series 9–16 are shapes none of the first eight uses, so series k and k + 8 differ in shape.
        for k in 0..<8 { XCTAssertNotEqual(series[k].point, series[k + 8].point) }
        XCTAssertTrue(FigureStyle.text.contains("set linetype cycle 16"))
        XCTAssertTrue(FigureStyle.text.contains("set linetype 9 lc rgb '#117733' dt (12,4,2,4,2,4) pt 1"), FigureStyle.text)
    }

    /// F4: two W-selection estimators repeated the rules' names with no estimator, and a perfect
    /// selection rate had the palette's "far from target" colour. Columns name their estimator,
    /// and the colours diverge from 1 (a rate of 1 is white, as a bias of 0).
    func testSelectionHeatmapNamesEstimatorsAndCentresOnOne() throws {
        let cells = Self.cells("city_system.weights.kind", ["exponential", "knn"])
        var rows: [SummaryRow] = []
        for c in cells {
            for (e, rate) in [("wsel", 1.0), ("wsel_direct", 0.8)] {
                for name in ["select.loglik", "posterior.true"] {
                    rows.append(SummaryRow(cell: c, estimator: e, estimand: name, measures: ["mean": rate, "n_ok": 20, "comparable": 1]))
                }
            }
        }
        let plan = AppendixFigures(data: Self.data(cells: cells, estimators: ["wsel", "wsel_direct"], rows: rows), baseName: "t").heatmap()
        let script = try XCTUnwrap(plan.figure).script
        XCTAssertTrue(script.contains("wsel: ") && script.contains("wsel\\_direct: ") || script.contains("wsel_direct: "), script)
        // Values 1 and 0.8: the range is 1 ± 0.2, so 1 sits at the palette's white centre.
        XCTAssertTrue(script.contains("set cbrange [0.8:1.2]"), script)
        XCTAssertTrue(plan.caption.contains("1 for the rate of choosing the true W"), plan.caption)
    }

    /// F5: utest-power drew rates from 1–2 usable fits as points joined to their neighbours
    /// (unbalanced, drop_years = 0.05). Such a cell is left out, its line broken, the caption says which.
    func testPowerLeavesOutCellsWithTooFewFits() throws {
        let cells = Self.cells("x.rate", ["0", "0.02", "0.05", "0.1"])
        let fits: [Double] = [20, 20, 1, 20]
        let rows = cells.map { c in
            SummaryRow(cell: c, estimator: "sdm", estimand: "utest.total.p50",
                       measures: ["rejection": c.ordinal == 2 ? 0 : 0.9, "mcse_rejection": 0.05, "true": 1, "n_ok": fits[c.ordinal], "comparable": 1])
        }
        let plan = AppendixFigures(data: Self.data(cells: cells, estimators: ["sdm"], rows: rows), baseName: "t").power()
        let figure = try XCTUnwrap(plan.figure)
        let lines = figure.data.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertFalse(lines.contains { $0.hasPrefix("2 0.05 ") }, figure.data)
        // The line breaks between 0.02 and 0.1: a blank line there.
        let before = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("1 0.02 ") })
        XCTAssertEqual(lines[before + 1], "", figure.data)
        XCTAssertTrue(lines[before + 2].hasPrefix("3 0.1 "), figure.data)
        XCTAssertTrue(plan.caption.contains("left out, too few usable fits for a rate (fewer than 2 of 20"), plan.caption)
        XCTAssertTrue(plan.caption.contains("rate = 0.05: 1 fit"), plan.caption)
        XCTAssertFalse(plan.caption.contains("right axis"))
        XCTAssertFalse(FigureReading.hints["utest-power"]?.contains("right axis") ?? true)
        // F11: a rate of exactly 1 is not drawn on the frame.
        XCTAssertTrue(figure.script.contains("set yrange [-0.04:1.04]"), figure.script)
    }

    /// utest-power split its facets at eight lines although the style file has sixteen series
    /// styles: two estimators × five levels of a second factor (10 lines) went to five facet
    /// pairs. Ten lines fit the sixteen styles, so they share one power and one size facet;
    /// 2 × 9 = 18 lines do not, and still split.
    func testPowerSplitsFacetsAtTheStyleFilesSeriesCount() throws {
        func plan(kinds: Int) -> FigurePlan {
            var cells: [CellInfo] = []
            for rate in ["0.1", "0.2"] {
                for k in 0..<kinds {
                    cells.append(CellInfo(ordinal: cells.count, index: cells.count,
                                          factors: [CellInfo.Factor(path: "x.rate", value: rate), CellInfo.Factor(path: "y.sigma", value: "\(k + 1)")]))
                }
            }
            let rows = cells.flatMap { c in
                ["sdm", "sar"].map { e in
                    SummaryRow(cell: c, estimator: e, estimand: "utest.total.p50",
                               measures: ["rejection": 0.8, "mcse_rejection": 0.05, "true": 1, "n_ok": 20, "comparable": 1])
                }
            }
            return AppendixFigures(data: Self.data(cells: cells, estimators: ["sdm", "sar"], rows: rows), baseName: "t").power()
        }
        XCTAssertEqual(FigureStyle.seriesStyles, 16)
        let ten = try XCTUnwrap(plan(kinds: 5).figure).script
        XCTAssertEqual(ten.components(separatedBy: "\n# panel: ").count - 1, 1, ten)
        XCTAssertTrue(ten.contains("with yerrorlines lt 10 notitle"), ten)
        let eighteen = plan(kinds: 9).figures.map(\.script).joined()
        XCTAssertEqual(eighteen.components(separatedBy: "\n# panel: ").count - 1, 9, eighteen)
        XCTAssertFalse(eighteen.contains("lt 3 "), eighteen)
    }

    /// F6: the monotone cells of inverted-u-recovery were blank in the ratio figures with no
    /// reason. The caption names them and why (the truth is NaN: no turning point).
    func testBlankRowsAreExplained() {
        let cells = Self.cells("city_system.shape", ["inside", "monotone"])
        let rows = cells.map { c in
            SummaryRow(cell: c, estimator: "sdm", estimand: "tp.total.p50",
                       measures: ["median_bias": c.ordinal == 0 ? 0.1 : .nan, "mcse_median_bias": 0.01, "true": c.ordinal == 0 ? 2 : .nan,
                                  "n_ok": 20, "comparable": 1])
        }
        let plan = AppendixFigures(data: Self.data(cells: cells, estimators: ["sdm"], rows: rows), baseName: "t").ratioBias()
        XCTAssertTrue(plan.caption.contains("Blank (not drawn): c*"), plan.caption)
        XCTAssertTrue(plan.caption.contains("in monotone: the truth is NaN (the true curve has no turning point there)"), plan.caption)
        let full = AppendixFigures(data: Self.data(cells: [cells[0]], estimators: ["sdm"], rows: [rows[0]]), baseName: "t").ratioBias()
        XCTAssertFalse(full.caption.contains("Blank"), full.caption)
    }

    /// F11: a panel over [−0.00099, 0.00075] had the single tick "0" (baseline β_CA2).
    func testAForestAxisHasTwoLabelledTicks() {
        let axis = ForestPlot.axis(-0.00099...0.00075, inches: 1.5, reference: 0, labelChars: nil)
        let first = (axis.lo / axis.step).rounded(.up), last = (axis.hi / axis.step).rounded(.down)
        XCTAssertGreaterThanOrEqual(last - first + 1, 2, "\(axis)")
        XCTAssertLessThanOrEqual(axis.lo, -0.00099)
        XCTAssertGreaterThanOrEqual(axis.hi, 0.00075)
    }

    /// F11: a "14 fits" label at a reference line near the right end crossed the panel frame.
    func testAFitsLabelEndsInsideThePanel() {
        let inches = 1.5
        let axis = ForestPlot.axis(-0.9...0.02, inches: inches, reference: 0, labelChars: "14 fits".count)
        let room = (axis.hi - 0) / (axis.hi - axis.lo) * inches
        XCTAssertGreaterThanOrEqual(room, Double("14 fits".count) * PanelLayout.char, "\(axis)")
        // Nothing to make room for: the range is kept.
        let plain = ForestPlot.axis(-0.9...0.02, inches: inches, reference: 0, labelChars: nil)
        XCTAssertEqual(plain.hi, 0.02)
    }

    /// F11: a grid factor on one estimator's setting (`estimators.0.variance`) was shown on every
    /// estimator's row of summarize's table; it is blank ("–") on the others. The CSV keeps it.
    func testEstimatorSettingIsBlankOnOtherEstimators() {
        let cells = Self.cells("estimators.0.variance", ["analytic", "cluster"])
        let rows = cells.flatMap { c in ["sdm", "did"].map { SummaryRow(cell: c, estimator: $0, estimand: "beta", measures: ["bias": 0.1, "n_ok": 20, "comparable": 1]) } }
        let md = SummaryTable.renderSummary(rows, format: .markdown, estimators: ["sdm", "did"])
        let did = md.split(separator: "\n").filter { $0.contains("| did |") }
        XCTAssertEqual(did.count, 2, md)
        XCTAssertTrue(did.allSatisfy { !$0.contains("analytic") && !$0.contains("cluster") && $0.contains("| – |") }, md)
        XCTAssertTrue(md.split(separator: "\n").contains { $0.contains("| sdm |") && $0.contains("cluster") }, md)
        let csv = SummaryTable.renderSummary(rows, format: .csv, estimators: ["sdm", "did"])
        XCTAssertEqual(csv.split(separator: "\n").filter { $0.contains(",did,") && $0.hasSuffix(",cluster") }.count, 1, csv)
    }
}
