import CitySystem
import Foundation
import Numerics

/// Small systems keep the suite fast; the defaults are the paper-like baseline.
enum Small {
    static func spec(cities: Int = 40, centres: Int = 4, first: Int = 2003, last: Int = 2012, t0: Int = 2008) -> CitySystemSpec {
        var s = CitySystemSpec()
        s.geography.cities = cities
        s.geography.centres = centres
        s.geography.squareKm = 800
        s.geography.minSeparationKm = 200
        s.geography.firstYear = first
        s.geography.lastYear = last
        s.treatment.t0 = t0
        s.treatment.regions = [0, 1]
        return s
    }

    static func parse(_ yaml: String, source: String = "test.yaml") throws -> ScenarioSpec {
        try ScenarioParser.parse(ScenarioDocument(text: yaml, source: source))
    }
}
