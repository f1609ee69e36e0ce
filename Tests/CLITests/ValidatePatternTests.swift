import CitySystem
import Foundation
import TestSupport
import XCTest
@testable import spillsim

/// `validate`'s observation pattern counts over the city-years that exist: with merges or entry
/// and no missingness every existing city-year is observed, so it reads 100 % and every year
/// complete (it read 90 % for 10 of 20 cities absorbed in the second half of the years).
final class ValidatePatternTests: XCTestCase {
    func pattern(_ panel: String) throws -> String {
        let text = """
            name: pattern
            city_system:
              geography: {centres: 2, cities: 20, square_km: 600, first_year: 2011, last_year: 2020}
              treatment: {enabled: false}
              panel: \(panel)
            """
        let spec = try ScenarioParser.parse(ScenarioDocument(text: text, source: "pattern.yaml"))
        return try Spillsim.Validate.pattern(spec.citySystem, seed: 3, source: "pattern.yaml")
    }

    func testMergesAndEntryCountOnlyExistingCityYears() throws {
        for world in ["{merges: {share: 0.4, year: 2016}}", "{entry: {share: 0.2, year: 2016}}"] {
            let text = try pattern(world)
            XCTAssertTrue(text.hasPrefix("observed 100.0 % of city-years"), text)
            XCTAssertTrue(text.contains("20 cities without a gap, 10 complete year(s)"), text)
        }
        // Missingness on top is a share of the existing city-years: below 100 %, about 1 − rate.
        let gappy = try pattern("{merges: {share: 0.4, year: 2016}, missing: mcar, rate: 0.2}")
        let share = try XCTUnwrap(Double(gappy.dropFirst("observed ".count).prefix { $0 != " " }))
        XCTAssertLessThan(share, 95)
        XCTAssertGreaterThan(share, 65)
    }
}
