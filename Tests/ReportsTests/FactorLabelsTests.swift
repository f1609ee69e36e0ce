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
}
