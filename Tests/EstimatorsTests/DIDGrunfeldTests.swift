import XCTest
import Foundation
import Numerics
import TestSupport
@testable import Estimators

/// TWFE with CR1 by firm against pyfixest 0.60 (fixest convention) on plm's Grunfeld panel;
/// fixture and provenance in Fixtures/twfe_grunfeld.json (scripts/fixtures/make_twfe_grunfeld.py).
final class DIDGrunfeldTests: XCTestCase {
    func testTwoWayCR1MatchesFixestConvention() throws {
        let json = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/twfe_grunfeld.json")
        let csv = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/grunfeld.csv")
        let t = try DataTable.read(csv: csv)
        let firm = try t.numbers("firm").map { Int($0) }, year = try t.numbers("year").map { Int($0) }
        let x = try Matrix(columns: [try t.numbers("value"), try t.numbers("capital")])
        let y = try t.numbers("inv")
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let w = try XCTUnwrap(root["weights"] as? [Double])
        for (key, weights) in [("unweighted", nil), ("weighted", w)] as [(String, [Double]?)] {
            let ref = try XCTUnwrap(root[key] as? [String: Any])
            let fit = try PanelOLS.fit(y: y, x: x, names: ["value", "capital"], unit: firm, time: year, effects: .twoWays,
                                       weights: weights, variance: .cluster(firm))
            XCTAssertEqual(fit.parameterCount, (ref["K_small_sample"] as! NSNumber).intValue, "fixest nested K")
            assertClose((ref["t_df"] as! NSNumber).doubleValue, fit.tDegreesOfFreedom, tolerance: 0, "G − 1")
            let coefs = try XCTUnwrap(ref["coefficients"] as? [[String: Any]])
            for (j, c) in coefs.enumerated() {
                let why = "\(key) \(c["name"]!) vs pyfixest CRV1 (fixest ssc defaults)"
                assertClose(c["estimate"] as! Double, fit.coefficients[j], tolerance: 1e-9, why)
                let se = c["se"] as! Double
                assertClose(se, fit.standardErrors[j], tolerance: 1e-8 * se, why + "; relative 1e-8")
                assertClose(c["t"] as! Double, fit.tStatistics[j], tolerance: 1e-6, why)
                assertClose(c["p"] as! Double, fit.pValues[j], tolerance: 1e-9, why)
                let ci = fit.confidenceInterval(j)
                assertClose(c["ci_lower"] as! Double, ci.lower, tolerance: 1e-8, why)
                assertClose(c["ci_upper"] as! Double, ci.upper, tolerance: 1e-8, why)
            }
        }
    }
}
