import Estimators
import Foundation
import Numerics
import TestSupport
import XCTest

/// The TWFE event study on an unbalanced panel (issue 24) against pyfixest 0.60.0
/// (`feols('y ~ ev_… | unit + year', vcov={'CRV1': 'unit'})` on the event-time dummies, reference −1;
/// scripts/fixtures/make_event_study_unbalanced.py): 80 units × 12 years, two cohorts, 10 % of the
/// unit-years absent, every event time and the window [−3, 3] binned.
final class EventStudyUnbalancedTests: XCTestCase {
    func testUnbalancedEventStudyMatchesPyfixest() throws {
        let table = try DataTable.read(csv: try TestPaths.committed("Tests/EstimatorsTests/Fixtures/event_study_unbalanced.csv"))
        let reference = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: try TestPaths.committed(
            "Tests/EstimatorsTests/Fixtures/event_study_unbalanced.json"))) as? [String: Any])
        let units = try table.numbers("unit").map { Int($0) - 1 }, years = try table.numbers("year")
        let y = try table.numbers("y"), cohort = try table.numbers("cohort")
        let n = 80, periods = (2001...2012).map(Double.init), t = periods.count
        var outcome = [Double](repeating: 0, count: n * t), observed = [Bool](repeating: false, count: n * t)
        var adoption = [Double?](repeating: nil, count: n)
        for r in 0..<table.rowCount {
            let k = Int(years[r] - 2001) * n + units[r]
            outcome[k] = y[r]; observed[k] = true
            if cohort[r] > 0 { adoption[units[r]] = cohort[r] }
        }
        XCTAssertEqual(observed.filter { $0 }.count, reference["rows"] as? Int)
        let panel = try TreatmentPanel(unitCount: n, periods: periods, outcome: outcome, covariates: [], adoption: adoption)
        for (key, window) in [("all", nil), ("window_3_3", (3, 3))] as [(String, (Int, Int)?)] {
            let ref = try XCTUnwrap(reference[key] as? [String: Any])
            let es = try EventStudy.estimate(panel: panel, leads: window?.0, lags: window?.1, observed: observed)
            XCTAssertEqual(es.eventTimes, ref["event_times"] as? [Int], key)
            XCTAssertEqual(es.observationsPerEventTime, ref["observations_per_event_time"] as? [Int], key)
            XCTAssertEqual(es.fit.observations, ref["n_obs"] as? Int, key)
            // Both solve the same least-squares problem exactly (pyfixest's demeaning to its 1e-8
            // default tolerance on a well-conditioned panel): 1e-7 absolute on estimates of order 1.
            assertClose(ref["estimates"] as! [Double], es.estimates, tolerance: 1e-7, "\(key) estimates; pyfixest")
            assertClose(ref["standard_errors"] as! [Double], es.standardErrors, tolerance: 1e-7, "\(key) CR1 SEs; pyfixest")
            let average = try XCTUnwrap(es.averagePostEffect())
            assertClose(ref["average_post"] as! Double, average.estimate, tolerance: 1e-7, "\(key) average post effect")
            assertClose(ref["average_post_se"] as! Double, average.se, tolerance: 1e-7, "\(key) its SE √(wᵀVw)")
        }
    }
}
