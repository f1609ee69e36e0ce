import Estimators
import Foundation
import TestSupport
import XCTest

/// The library side of `estimate twfe`: panel assembly and the JSON number policy.
final class PanelRegressionDataTests: XCTestCase {
    func table(_ rows: [[String]]) -> DataTable {
        DataTable(source: "p.csv", columnNames: ["id", "year", "y", "x", "w", "g"], rows: rows)
    }

    func testCodesInOrderOfFirstAppearanceAndKeepsAnUnbalancedPanel() throws {
        let t = table([["b", "2001", "1", "0.5", "1", "k"], ["a", "2001", "2", "0.1", "2", "k"], ["b", "2002", "3", "0.7", "1", "m"]])
        let d = try PanelRegressionData.from(table: t, id: "id", time: "year", outcome: "y", regressors: ["x"], weights: "w", cluster: "g")
        XCTAssertEqual(d.unit, [0, 1, 0])
        XCTAssertEqual(d.time, [0, 0, 1])
        XCTAssertEqual(d.cluster, [0, 0, 1])
        XCTAssertEqual(d.weights, [1, 2, 1])
        XCTAssertEqual(d.y, [1, 2, 3])
        XCTAssertEqual(d.names, ["x"])
    }

    func testDuplicateUnitPeriodAndBadWeightsAreRefusedByLine() {
        let dup = table([["a", "2001", "1", "0", "1", "k"], ["a", "2001", "2", "1", "1", "k"]])
        XCTAssertThrowsError(try PanelRegressionData.from(table: dup, id: "id", time: "year", outcome: "y", regressors: ["x"])) {
            XCTAssertEqual(($0 as? DataError)?.message,
                           "p.csv: unit 'a' appears twice in period 2001 (lines 2 and 3); remove the duplicate row")
        }
        let negative = table([["a", "2001", "1", "0", "1", "k"], ["a", "2002", "2", "1", "-1", "k"]])
        XCTAssertThrowsError(try PanelRegressionData.from(table: negative, id: "id", time: "year", outcome: "y", regressors: ["x"],
                                                          weights: "w")) {
            XCTAssertTrue($0 is DataError, "\($0)")
            XCTAssertTrue("\($0)".contains("weight column 'w' must be finite and ≥ 0; line 3"), "\($0)")
        }
    }

    /// One NaN policy for every JSON report: a non-finite number is null, an absent value is null where the key is always present.
    func testJSONNumbersFollowOnePolicy() throws {
        struct Report: Encodable {
            @FiniteOrNull var finite: Double
            @FiniteOrNull var notANumber: Double
            @NullWhenAbsent var absent: Int?
            let omitted: Int?
        }
        let text = try JSONOutput.text(Report(finite: 0.5, notANumber: .nan, absent: nil, omitted: nil))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(object["finite"] as? Double, 0.5)
        XCTAssertTrue(object["notANumber"] is NSNull, text)
        XCTAssertTrue(object["absent"] is NSNull, text)
        XCTAssertNil(object["omitted"], "a plain optional is left out")
    }
}

/// The library side of `estimate psm`: the cross-section, MatchIt's balance layout and the weights file.
final class MatchingDataTests: XCTestCase {
    func testTreatmentMustBeZeroOrOneByLine() {
        let t = DataTable(source: "c.csv", columnNames: ["d", "x"], rows: [["1", "0.5"], ["2", "0.1"]])
        assertThrows(try MatchingData.from(table: t, treat: "d", covariates: ["x"]), as: DataError.self) {
            XCTAssertEqual($0.message, "c.csv: column 'd' must be 0 or 1; line 3 has 2.0")
        }
    }

    func testBalanceStartsWithTheDistanceAndWeightsCSVHasOneRowPerUnit() throws {
        let rows = (0..<40).map { i in [i % 3 == 0 ? "1" : "0", "\(Double(i % 7) + 0.1 * Double(i))", "\(Double((i * 5) % 11))"] }
        let data = try MatchingData.from(table: DataTable(source: "c.csv", columnNames: ["d", "x1", "x2"], rows: rows),
                                         treat: "d", covariates: ["x1", "x2"])
        let result = try Matching.match(treated: data.treated, covariates: data.covariates, names: data.names, spec: MatchingSpec())
        XCTAssertEqual(try result.balance(data).map(\.variable), ["distance", "x1", "x2"], "MatchIt's summary order")
        let csv = result.weightsCSV(treated: data.treated).split(separator: "\n")
        XCTAssertEqual(csv.first, "line,treat,distance,discarded,weight")
        XCTAssertEqual(csv.count, 1 + 40)
        XCTAssertTrue(csv[1].hasPrefix("2,1,"), "the first data row is line 2 of the file: \(csv[1])")
    }
}
