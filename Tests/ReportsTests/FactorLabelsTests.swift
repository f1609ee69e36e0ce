import MonteCarlo
@testable import Reports
import XCTest

final class FactorLabelsTests: XCTestCase {
    func cell(_ i: Int, _ factors: [(String, String)]) -> CellInfo {
        CellInfo(ordinal: i, index: i, factors: factors.map { CellInfo.Factor(path: $0.0, value: $0.1) })
    }

    /// Weight-matrix levels are mappings: shown as their values, and entries every level
    /// shares are left out; numbers stay as written.
    func testMappingsShowTheirDistinguishingValues() {
        let w = "city_system.weights"
        let cells = [
            cell(0, [(w, "{kind: exponential, decay_km: 150, normalise: row}"), ("n", "100")]),
            cell(1, [(w, "{kind: knn, k: 5, normalise: row}"), ("n", "280")]),
            cell(2, [(w, "{kind: delaunay, normalise: row}"), ("n", "100")]),
        ]
        let labels = FactorLabels(cells: cells)
        XCTAssertEqual(labels.label(cells[0].factors[0]), "exponential/150")
        XCTAssertEqual(labels.label(cells[1].factors[0]), "knn/5")
        XCTAssertEqual(labels.label(cells[2].factors[0]), "delaunay")
        XCTAssertEqual(labels.label(cells[1].factors[1]), "280")
        XCTAssertEqual(labels.cellLabel(cells[1]), "weights=knn/5, n=280")
    }

    /// Two outcome blocks that differ only in θ: the shared β list is dropped; a label
    /// still longer than the limit becomes "name #k", distinct for each level.
    func testLongLevelsBecomeNumbered() {
        let p = "city_system.outcome"
        let a = "{beta: [-0.39, 0.06, -0.03, -0.02], theta: [-0.10, 0.03, -0.02, 0.0]}"
        let b = "{beta: [-0.39, 0.06, -0.03, -0.02], theta: [-0.195, 0.03, -0.015, -0.01]}"
        let c = "{beta: [-0.39, 0.06, -0.03, -0.02], theta: [-0.195, 0.03, -0.015, -0.01], extra_long_key: [1, 2, 3, 4, 5]}"
        let two = FactorLabels(cells: [cell(0, [(p, a)]), cell(1, [(p, b)])])
        XCTAssertEqual(two.label(.init(path: p, value: a)), "[-0.10, 0.03, -0.02, 0.0]")
        XCTAssertEqual(two.label(.init(path: p, value: b)), "[-0.195, 0.03, -0.015, -0.01]")
        let three = FactorLabels(cells: [cell(0, [(p, a)]), cell(1, [(p, b)]), cell(2, [(p, c)])])
        XCTAssertEqual(three.label(.init(path: p, value: c)), "outcome #3")
        // The caption's key gives the numbered level in full.
        XCTAssertTrue(three.shortened.contains { $0.label == "outcome #3" && $0.full == c })
        XCTAssertNil(FactorLabels.entries("[1, 2]"))
    }

    /// Levels the scenario labels (`grid: {path: {values, labels}}`) are shown by their label
    /// alone, with no made-up name and no key entry (inverted-u-recovery: "inside", "N=280").
    func testScenarioLabelsAreUsedAsGiven() {
        let p = "city_system.outcome", n = "city_system.geography.cities"
        let a = "{beta: [-0.39, 0.06, -0.03, -0.02], theta: [-0.10, 0.03, -0.02, 0.0]}"
        let b = "{beta: [-0.30, 0.0, -0.03, -0.02], theta: [-0.10, 0.0, -0.02, 0.0]}"
        let cells = [(a, "inside", "100"), (b, "monotone", "280")].enumerated().map { k, level in
            CellInfo(ordinal: k, index: k, factors: [CellInfo.Factor(path: p, value: level.0, label: level.1),
                                                     CellInfo.Factor(path: n, value: level.2, label: "N=\(level.2)")])
        }
        let labels = FactorLabels(cells: cells)
        XCTAssertEqual(labels.label(cells[1].factors[0]), "monotone")
        XCTAssertEqual(labels.named(cells[1].factors[1]), "N=280")
        XCTAssertTrue(labels.shortened.isEmpty, "\(labels.shortened)")
    }

    /// One labelled factor beside an unlabelled one (the auditor's g2.yaml: ρ labelled weak /
    /// strong, `estimators.0.variance` not): the label alone named every cell "weak, weak,
    /// strong, strong". The unlabelled factor now follows as "name=level", so the names are
    /// unique and complete, and the stored title (the scenario's label) is kept as written.
    func testAnUnlabelledFactorBesideALabelledOneStaysInTheName() {
        let rho = "city_system.outcome.rho", v = "estimators.0.variance"
        var cells: [CellInfo] = []
        for (r, label) in [("0.2", "weak"), ("0.5", "strong")] {
            for variance in ["analytic", "cluster"] {
                cells.append(CellInfo(ordinal: cells.count, index: cells.count,
                                      factors: [.init(path: rho, value: r, label: label), .init(path: v, value: variance)], title: label))
            }
        }
        let labels = FactorLabels(cells: cells)
        let names = cells.map { labels.cellName($0) }
        XCTAssertEqual(names, ["weak, variance=analytic", "weak, variance=cluster", "strong, variance=analytic", "strong, variance=cluster"])
        XCTAssertEqual(Set(names).count, cells.count)
        let data = ResultsData(path: "mem", scenarioName: "g2", replications: 10, alpha: 0.05, estimators: [], cells: cells, rows: [],
                               draws: cells.map { _ in [] })
        let figures = AppendixFigures(data: data, baseName: "g2")
        XCTAssertEqual(figures.cellLabels, names)
        XCTAssertFalse(figures.cellNames.key.contains("Not named"), figures.cellNames.key)
    }

    /// `cells:` labels crossed with an unlabelled grid (the auditor's c6.yaml): the cells'
    /// own settings are determined by their label and stay out of the name; the grid factor
    /// is added. A label "head: description" is shown by its head, the full text in the key.
    func testCellsLabelsCrossedWithAnUnlabelledGrid() {
        let trend = "city_system.outcome.year_trend", sigma = "city_system.outcome.error.sigma"
        var cells: [CellInfo] = []
        for (t, label) in [("0.0", "paper: omitted trend"), ("0.1", "ref: correctly specified")] {
            for s in ["0.1", "0.2"] {
                cells.append(CellInfo(ordinal: cells.count, index: cells.count,
                                      factors: [.init(path: trend, value: t), .init(path: sigma, value: s)], title: label))
            }
        }
        let labels = FactorLabels(cells: cells)
        XCTAssertEqual(cells.map { labels.cellName($0) }, ["paper, sigma=0.1", "paper, sigma=0.2", "ref, sigma=0.1", "ref, sigma=0.2"])
        XCTAssertEqual(labels.cellName(cells[3], fullTitle: true), "ref: correctly specified, sigma=0.2")
        XCTAssertTrue(labels.shortened.contains { $0.label == "paper" && $0.full == "paper: omitted trend" }, "\(labels.shortened)")
        // The verdict's column heads are the same names.
        let rows = cells.map { SummaryRow(cell: $0, estimator: "sdm", estimand: "ame.total.CA", measures: ["bias": 0.01, "mcse_bias": 0.001, "coverage": 0.95, "n_ok": 10]) }
        let verdict = VerdictTable.render(rows, replications: 10)
        for name in ["paper, sigma=0.1", "ref, sigma=0.2"] { XCTAssertTrue(verdict.contains(name), verdict) }
    }

    /// Every factor labelled (inverted-u-recovery) or labelled cells alone (baseline): the
    /// name is the scenario's label, as before.
    func testFullyLabelledCellsKeepTheirLabel() {
        let a = "city_system.outcome", n = "city_system.geography.cities"
        let cells = [("x", "inside", "100"), ("x", "inside", "280"), ("y", "edge", "100"), ("y", "edge", "280")].enumerated().map { k, l in
            CellInfo(ordinal: k, index: k, factors: [.init(path: a, value: l.0, label: l.1), .init(path: n, value: l.2, label: "N=\(l.2)")],
                     title: "\(l.1), N=\(l.2)")
        }
        let labels = FactorLabels(cells: cells)
        XCTAssertEqual(cells.map { labels.cellName($0) }, ["inside, N=100", "inside, N=280", "edge, N=100", "edge, N=280"])
        let baseline = [("paper-like: omitted city trend", "0.02"), ("reference: correctly specified", "0.0")].enumerated().map { k, l in
            CellInfo(ordinal: k, index: k, factors: [.init(path: "city_system.outcome.year_trend", value: l.1)], title: l.0)
        }
        let b = FactorLabels(cells: baseline)
        XCTAssertEqual(baseline.map { b.cellName($0) }, ["paper-like", "reference"])
        XCTAssertTrue(b.besideTitle.isEmpty)
    }

    /// A label is split at ": " in one place, `FactorLabels.heads`, for grid levels and cell labels
    /// alike (AppendixFigures split the cell names a second time), and only when the parts before
    /// ": " still tell the labels apart.
    func testLabelsAreCutAtTheColonInOnePlace() {
        XCTAssertEqual(FactorLabels.heads(of: ["paper-like: omitted city trend", "reference: correctly specified"]), ["paper-like", "reference"])
        XCTAssertEqual(FactorLabels.heads(of: ["weak: a", "strong"]), ["weak", "strong"])
        XCTAssertNil(FactorLabels.heads(of: ["weak: a", "weak: b"]), "the heads would merge two cells")
        XCTAssertNil(FactorLabels.heads(of: ["weak", "strong"]), "nothing to cut")
        // An unlabelled description factor (a file written before cell labels) and labelled cells:
        // the same names, and the full text once in the caption's key.
        let d = "description"
        let described = [("paper-like: omitted city trend", "0.02"), ("reference: correctly specified", "0.0")].enumerated().map { k, l in
            CellInfo(ordinal: k, index: k, factors: [.init(path: d, value: l.0), .init(path: "city_system.outcome.year_trend", value: l.1)])
        }
        let labels = FactorLabels(cells: described)
        XCTAssertEqual(described.map { labels.cellName($0) }, ["paper-like", "reference"])
        XCTAssertEqual(labels.shortened.map(\.full), ["paper-like: omitted city trend", "reference: correctly specified"])
    }
}
