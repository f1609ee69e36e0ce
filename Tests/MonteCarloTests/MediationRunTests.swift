import CitySystem
import Foundation
@testable import MonteCarlo
import TestSupport
import XCTest

/// `model: mediation` in a scenario (issue 26): options checked at load, truths from the
/// generator's mechanism truths, channel off gives truths of exactly 0.
final class MediationRunTests: XCTestCase {
    static let small = """
    name: mediation-small
    seed: 26
    city_system:
      geography: {cities: 40, centres: 4, square_km: 800, min_separation_km: 200, first_year: 2005, last_year: 2012}
      digital: {integration_target: 0.1}
      treatment: {regions: [0, 1], t0: 2009}
    monte_carlo: {replications: 3, chunk_size: 3}
    estimators:
      - {name: med, model: mediation, bootstrap: 19, estimands: [att, att_d, nde, nie, nie_boot, share_d, slope_shift]}
      - {name: med_psm, model: mediation, sample: matched, bootstrap: 0, estimands: [att_d, nie]}
    grid:
      city_system.digital.integration_target: [0.1, 0.0]
      city_system.digital.integration_boost: [1.0, 0.0]
    """

    func testTruthsComeFromTheMechanismAndVanishWithTheChannelOff() throws {
        let cells = try InMemoryRun.cells(Self.small)
        XCTAssertEqual(cells.count, 4)
        for (k, cell) in cells.enumerated() {
            let off = k == 3   // integration_target 0 and integration_boost 0: no channel at all
            for r in cell.records {
                let fit = r.fits[0]
                XCTAssertEqual(fit.status.code, .ok, fit.status.message)
                XCTAssertEqual(r.fits[1].status.code, .ok, r.fits[1].status.message)
                // att_d, nie, nie_boot and the slope shift have truth exactly 0 without the channel.
                for j in [1, 3, 4, 6] {
                    if off { XCTAssertEqual(fit.results[j].truth, 0, "cell \(k) estimand \(j)") }
                    else { XCTAssertNotEqual(fit.results[j].truth, 0, "cell \(k) estimand \(j)") }
                }
                XCTAssertTrue(fit.results.allSatisfy { $0.estimate.isFinite }, "cell \(k)")
                // c = c′ + a·b on one sample: the estimates add up, and so do the truths.
                XCTAssertEqual(fit.results[0].estimate, fit.results[2].estimate + fit.results[3].estimate, accuracy: 1e-10)
                XCTAssertEqual(fit.results[0].truth, fit.results[2].truth + fit.results[3].truth, accuracy: 1e-12)
            }
        }
    }

    func testOptionsAndEstimandsAreCheckedAtLoad() throws {
        let cases: [(from: String, to: String, key: String)] = [
            ("bootstrap: 19, estimands: [att,", "bootstrap: -1, estimands: [att,", "estimators[0].bootstrap"),
            ("sample: matched, bootstrap: 0", "sample: nearest, bootstrap: 0", "estimators[1].sample"),
            ("estimands: [att_d, nie]", "estimands: [att_d, tp.direct.p50]", "estimators[1].estimands[1]"),
            ("bootstrap: 19, estimands: [att,", "bootstrap: 19, covariates: [CA], estimands: [att,", "estimators[0].covariates"),
        ]
        InMemoryRun.assertEditsRefused(Self.small, cases)
    }
}
