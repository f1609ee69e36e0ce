import CitySystem
@testable import Estimators
import Foundation
import TestSupport
import XCTest

/// The pieces the SAC and SDM Conley fixture tests share (Fixtures/sac_conley_cigarette.json and
/// sdm_conley_cigarette.json, scripts/fixtures/cigarette_spatial_common.py): the states' points and a
/// fixture setting read as a `ConleySpec`.
enum CigaretteConleyFixture {
    /// The 46 states' (lat, lon) of data/cigarette/usa46_centres.csv, in the panel's unit order (sorted state codes).
    static func stateGeography() throws -> Geography {
        let text = try String(contentsOf: TestPaths.cigarette.appendingPathComponent("usa46_centres.csv"), encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        XCTAssertEqual(rows.count, 46)
        XCTAssertEqual(rows.map { $0[0] }, rows.map { $0[0] }.sorted(), "rows follow the sorted state codes, as W and the panel's units")
        return try Geography.locations(x: rows.map { $0[2] }, y: rows.map { $0[1] }, isLonLat: true)
    }

    /// One entry of the fixture's `settings` (kernel, cutoff_km, lag, serial_kernel) as a `ConleySpec` on the states.
    static func conley(_ setting: [String: Any], geography: Geography) throws -> ConleySpec {
        let cutoff = try XCTUnwrap(setting["cutoff_km"] as? Double)
        return try ConleySpec(cutoffKm: cutoff, kernel: try XCTUnwrap(ConleyKernel(rawValue: try XCTUnwrap(setting["kernel"] as? String))),
                              lag: try XCTUnwrap(setting["lag"] as? Int),
                              serialKernel: try XCTUnwrap(ConleyKernel(rawValue: try XCTUnwrap(setting["serial_kernel"] as? String))),
                              neighbours: try geography.neighbours(within: cutoff))
    }
}
