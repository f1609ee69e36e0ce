import XCTest
import Foundation
import Numerics
import TestSupport
@testable import Estimators

/// CR2 with Satterthwaite degrees of freedom (`PanelVariance.clusterCR2`) against R clubSandwich
/// 0.5.8 (`vcovCR(type = "CR2")`, `coef_test(test = "Satterthwaite")`, `conf_int`) on lm() with
/// the unit and year dummies; fixture and provenance in Fixtures/cr2_satterthwaite.json
/// (scripts/fixtures/make_cr2_satterthwaite.R), data Fixtures/wild_cluster_panel.csv.
final class DIDCR2Tests: XCTestCase {
    func testCR2AndSatterthwaiteMatchClubSandwich() throws {
        let json = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/cr2_satterthwaite.json")
        let csv = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/wild_cluster_panel.csv")
        let t = try DataTable.read(csv: csv)
        let id = try t.numbers("id").map { Int($0) }, year = try t.numbers("year").map { Int($0) }
        let region = try t.numbers("region").map { Int($0) }
        let d = try t.numbers("D"), x2 = try t.numbers("x2"), y = try t.numbers("y")
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        for name in ["region_balanced", "region_unbalanced", "unit_balanced"] {
            let ref = try XCTUnwrap(root[name] as? [String: Any])
            // The fixture's rule for the unbalanced case: rows with (7 id + year) mod 11 == 0 removed.
            let rows = id.indices.filter { name != "region_unbalanced" || (7 * id[$0] + year[$0]) % 11 != 0 }
            XCTAssertEqual(rows.count, (ref["rows"] as! NSNumber).intValue, name)
            let codes = ref["cluster"] as! String == "region" ? region : id
            let fit = try PanelOLS.fit(y: rows.map { y[$0] }, x: try Matrix(columns: [rows.map { d[$0] }, rows.map { x2[$0] }]),
                                       names: ["D", "x2"], unit: rows.map { id[$0] }, time: rows.map { year[$0] },
                                       effects: .twoWays, variance: .clusterCR2(rows.map { codes[$0] }))
            let v = try XCTUnwrap(ref["vcov"] as? [[Double]])
            for j in 0..<2 {
                let why = "\(name) coefficient \(j) vs clubSandwich CR2 + Satterthwaite"
                // Estimates and SEs are well conditioned (a 224-row two-way FE regression): rounding is
                // ~1e-13 relative, so 1e-8 relative is the bar with a wide margin.
                assertClose((ref["estimate"] as! [Double])[j], fit.coefficients[j], tolerance: 1e-9, why)
                let se = (ref["se"] as! [Double])[j]
                assertClose(se, fit.standardErrors[j], tolerance: 1e-8 * se, why + ": SE")
                let df = (ref["df"] as! [Double])[j]
                assertClose(df, fit.coefficientDegreesOfFreedom[j], tolerance: 1e-8 * df, why + ": Satterthwaite df")
                assertClose((ref["p"] as! [Double])[j], fit.pValues[j], tolerance: 1e-8, why + ": p")
                let ci = fit.confidenceInterval(j)
                assertClose((ref["ci_lower"] as! [Double])[j], ci.lower, tolerance: 1e-8 * se, why + ": CI")
                assertClose((ref["ci_upper"] as! [Double])[j], ci.upper, tolerance: 1e-8 * se, why + ": CI")
                for k in 0..<2 { assertClose(v[j][k], fit.covariance[j, k], tolerance: 1e-8 * se * se, why + ": vcov") }
            }
        }
    }

    /// CR2 is implemented for unweighted fits only: regression weights are refused with a typed
    /// error, never silently dropped.
    func testCR2RefusesWeights() throws {
        let unit = (0..<40).map { $0 % 8 }, time = (0..<40).map { $0 / 8 }
        let x = Matrix(rows: 40, cols: 1, uncheckedColumnMajor: (0..<40).map { Double(($0 * 7) % 5) })
        let y = (0..<40).map { Double(($0 * 3) % 7) }
        XCTAssertThrowsError(try PanelOLS.fit(y: y, x: x, names: ["x"], unit: unit, time: time, effects: .twoWays,
                                              weights: (0..<40).map { $0 % 2 == 0 ? 1 : 2 }, variance: .clusterCR2(unit))) { error in
            XCTAssertTrue(error is TreatmentError)
        }
    }
}
