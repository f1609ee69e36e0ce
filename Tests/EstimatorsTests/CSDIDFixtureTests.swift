import XCTest
import Foundation
import Numerics
import TestSupport
@testable import Estimators

/// Callaway–Sant'Anna against the PyPI port `csdid` 0.4.3 (+ `drdid` 1.1.7) on a generated
/// staggered panel (Fixtures/csdid_staggered.json, scripts/fixtures/make_csdid_staggered.py):
/// 12 runs = {never, not-yet} × {reg, ipw, dr} × {no covariates, lpop}, analytic SEs.
final class CSDIDFixtureTests: XCTestCase {
    func testAgreesWithCsdidOnEveryRun() throws {
        let json = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/csdid_staggered.json")
        let csv = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/staggered_panel.csv")
        let table = try DataTable.read(csv: csv)
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let runs = try XCTUnwrap(root["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 12)
        for run in runs {
            let covariates = run["covariates"] as! [String]
            let control: CSDiDSpec.Control = (run["control_group"] as! String) == "nevertreated" ? .never : .notyet
            let method = try XCTUnwrap(DiDMethod(rawValue: run["est_method"] as! String))
            let panel = try TreatmentPanel.from(table: table, id: "id", time: "year", outcome: "y", covariates: covariates,
                                                adoption: .cohort("first_treat"))
            let r = try CallawaySantAnna.estimate(panel: panel, spec: CSDiDSpec(control: control, method: method))
            let label = "\(control) \(method) \(covariates)"
            // Tolerances: the ATTs are closed-form given the first steps (OLS exact; logit by IRLS to
            // 1e-12 here, statsmodels/glm-style in drdid), 1e-8 covers the logit convergence gap (observed agreement better than 1e-9).
            let cells = run["att_gt"] as! [[String: Any]]
            XCTAssertEqual(cells.count, r.cells.count, label)
            for c in cells {
                let g = (c["group"] as! NSNumber).doubleValue, t = (c["time"] as! NSNumber).doubleValue
                let mine = try XCTUnwrap(r.cells.first { $0.group == g && $0.time == t }, "\(label) cell \(g),\(t)")
                assertClose(c["att"] as! Double, mine.att, tolerance: 1e-8, "\(label) ATT(\(g),\(t)) vs csdid")
                assertClose(c["se"] as! Double, mine.standardError, tolerance: 1e-8, "\(label) SE(\(g),\(t)) vs csdid")
            }
            let agg = run["aggregations"] as! [String: Any]
            let simple = agg["simple"] as! [String: Any]
            assertClose(simple["overall_att"] as! Double, r.simple.att, tolerance: 1e-8, "\(label) simple ATT")
            assertClose(simple["overall_se"] as! Double, r.simple.standardError, tolerance: 1e-8, "\(label) simple SE")
            for (key, list, overall) in [("group", r.group, r.groupOverall), ("dynamic", r.event, r.eventOverall)] {
                let a = agg[key] as! [String: Any]
                assertClose(a["overall_att"] as! Double, overall.att, tolerance: 1e-8, "\(label) \(key) overall ATT")
                assertClose(a["overall_se"] as! Double, overall.standardError, tolerance: 1e-8, "\(label) \(key) overall SE")
                for b in a["by"] as! [[String: Any]] {
                    let k = (b["key"] as! NSNumber).doubleValue
                    let mine = try XCTUnwrap(list.first { $0.label == k }, "\(label) \(key) \(k)")
                    assertClose(b["att"] as! Double, mine.att, tolerance: 1e-8, "\(label) \(key) \(k) ATT")
                    assertClose(b["se"] as! Double, mine.standardError, tolerance: 1e-8, "\(label) \(key) \(k) SE")
                }
            }
        }
    }
}
