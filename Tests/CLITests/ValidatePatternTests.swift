import CitySystem
import Foundation
import MonteCarlo
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
        let document = try ScenarioDocument(text: text, source: "pattern.yaml")
        let lines = try Worlds.load(document, seed: 3).validationLines(document: document).details
        let prefix = "  panel (replication 0): "
        return String(try XCTUnwrap(lines.first { $0.hasPrefix(prefix) }, lines.joined(separator: "\n")).dropFirst(prefix.count))
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
