import Estimators
import Foundation
import Numerics
import TestSupport
import XCTest

/// Guards against inputs that used to give silent garbage or a misleading message.
final class InputGuardTests: XCTestCase {
    /// A ring of n units, each with its two neighbours (row-standardised).
    func ring(_ n: Int) throws -> SpatialWeights {
        var w = Matrix(rows: n, cols: n)
        for i in 0..<n { w[i, (i + 1) % n] = 0.5; w[i, (i + n - 1) % n] = 0.5 }
        return try SpatialWeights(w)
    }

    /// y an exact linear function of X: σ² at rounding level must be refused, not reported with z ≈ 1e12.
    func testPerfectFitIsRefused() throws {
        let n = 12, t = 5
        let x1 = (0..<(n * t)).map { sin(Double($0) * 0.7) + Double($0 % 5) }
        let x2 = (0..<(n * t)).map { cos(Double($0) * 1.3) * Double($0 % 7) }
        let y = zip(x1, x2).map { 2 * $0 - 0.5 * $1 }
        let panel = try SpatialPanel(y: y, x: try Matrix(columns: [x1, x2]), names: ["x1", "x2"], n: n, t: t)
        for model in [SpatialModel.sdm, .slx] {
            assertThrows(try SpatialEstimator.fit(SpatialModelSpec(model: model, effects: .twoWays), panel: panel, weights: try ring(n)),
                         as: EstimationError.self) {
                XCTAssertTrue("\($0)".contains("fit the outcome exactly"), "\($0)")
            }
        }
        // With noise the same design fits.
        let noisy = zip(y, x1).enumerated().map { $1.0 + 0.3 * sin(Double($0) * 2.1 + $1.1) }
        let ok = try SpatialPanel(y: noisy, x: try Matrix(columns: [x1, x2]), names: ["x1", "x2"], n: n, t: t)
        XCTAssertNoThrow(try SpatialEstimator.fit(SpatialModelSpec(model: .slx, effects: .twoWays), panel: ok, weights: try ring(n)))
    }

    /// A CSV with a header and no rows says so, rather than a later check blaming another file.
    func testHeaderOnlyCSVIsRefusedAsHavingNoRows() {
        assertThrows(try DataTable.parse(csv: "city,year,y\n", source: "p.csv"), as: DataError.self) {
            XCTAssertTrue("\($0)".contains("p.csv: the file has a header but no data rows"), "\($0)")
        }
    }

    func testOneUnitWeightMatrixIsNotCalledAnIsland() throws {
        let table = try DataTable.parse(csv: "id,1\n1,0\n", source: "w.csv")
        assertThrows(try WeightsTable.parse(table), as: DataError.self) {
            XCTAssertTrue("\($0)".contains("W has 1 unit ('1')"), "\($0)")
            XCTAssertFalse("\($0)".contains("island"), "\($0)")
        }
    }

    func testPanelUnitsMissingFromWAreListedWithTheCounts() throws {
        var csv = "id,year,y,x\n"
        for i in 1...4 { for t in 2000...2002 { csv += "\(i),\(t),\(Double(i * t % 7)),\(Double((i + t) % 3))\n" } }
        let data = try DataTable.parse(csv: csv, source: "p.csv")
        let w = try WeightsTable.parse(try DataTable.parse(csv: "id,1,2\n1,0,1\n2,1,0\n", source: "w.csv"))
        assertThrows(try SpatialDataLoader.build(table: data, weights: w, weightsSource: "w.csv", id: "id", time: "year",
                                                 y: "y", x: ["x"], quadratic: nil, moderator: nil, rowStandardise: true),
                     as: DataError.self) {
            XCTAssertTrue("\($0)".contains("W has 2 unit(s), the panel p.csv 4; ids of the panel not in W: 3, 4"), "\($0)")
        }
    }

    func testUnreadableCSVGivesAPlainReason() throws {
        assertThrows(try DataTable.read(csv: URL(fileURLWithPath: "/nonexistent/p.csv")), as: DataError.self) {
            XCTAssertEqual("\($0)", "/nonexistent/p.csv: no such file; check the path")
        }
        assertThrows(try DataTable.read(csv: URL(fileURLWithPath: NSTemporaryDirectory())), as: DataError.self) {
            XCTAssertTrue("\($0)".contains("is a directory"), "\($0)")
            XCTAssertFalse("\($0)".contains("NSCocoaErrorDomain"), "\($0)")
        }
    }
}
