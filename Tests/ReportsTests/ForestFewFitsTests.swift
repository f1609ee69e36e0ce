@testable import Reports
import XCTest

/// A forest point behind too few usable fits is marked, not drawn as an estimate (issue 24: the
/// unbalanced design's drop_years had 1 and 14 of 500 fits in two cells, plotted as if they were
/// biases): it leaves the x range and the error bars and becomes a "k fits" label at the reference.
final class ForestFewFitsTests: XCTestCase {
    func testTooFewFitsAreLabelledNotPlotted() {
        let points = [ForestPlot.Point(cell: 0, value: -0.1, mcse: 0.01, fits: 500),
                      ForestPlot.Point(cell: 1, value: -0.9, mcse: 0.2, fits: 14)]
        var plot = ForestPlot(name: "f", title: "t", caption: "c", xlabel: "estimate − truth", cellLabels: ["a", "b"],
                              panels: [.init(title: "ρ", series: [.init(title: "drop_years", points: points)])], reference: 0)
        plot.minimumFits = AppendixFigures.minimumFits(replications: 500)
        XCTAssertEqual(plot.minimumFits, 50)
        let range = plot.xRange(plot.panels[0])
        XCTAssertGreaterThan(range.lowerBound, -0.3, "the 14-fit point does not stretch the axis")
        let figure = plot.figures()[0]
        XCTAssertTrue(figure.script.contains("with labels"), figure.script)
        XCTAssertTrue(figure.data.contains("\n2 0 14\n") || figure.data.contains("2 0 14"), figure.data)
        XCTAssertFalse(figure.data.contains("-0.9 "), "its value is not an error-bar row")
        // Without a threshold every point is an estimate, as before.
        plot.minimumFits = 0
        XCTAssertFalse(plot.figures()[0].script.contains("with labels"))
    }
}
