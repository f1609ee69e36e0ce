import CitySystem
import Estimators
@testable import MonteCarlo
import TestSupport
import XCTest

/// `model: sac` in a scenario: scored like the SDM (its effects do not involve λ), with its
/// refusals by key path.
final class SACRunTests: XCTestCase {
    static let small = """
    name: small-sac
    seed: 17
    city_system:
      geography: {centres: 4, cities: 40, square_km: 800, min_separation_km: 200, first_year: 2005, last_year: 2012, region_grid: [2, 2]}
      treatment: {regions: [0, 3], t0: 2008}
      outcome:
        error: {law: normal, sigma: 0.1, shocks: {share: 0.5, range_km: 200}}
    monte_carlo: {replications: 2, chunk_size: 2}
    estimators:
      - {name: sac, model: sac, estimands: [beta.CA, rho, ame.direct.CA]}
      - {name: sdm, model: sdm, estimands: [beta.CA, rho, ame.direct.CA]}
    """

    func testSACIsScoredBesideTheSDM() throws {
        let cell = try InMemoryRun.cells(Self.small)[0]
        XCTAssertEqual(cell.records.count, 2)
        for record in cell.records {
            XCTAssertEqual(record.fits[0].status.code, .ok, record.fits[0].status.message)
            for r in record.fits[0].results {
                XCTAssertTrue(r.estimate.isFinite && r.standardError > 0, "every SAC estimand has an estimate and an SE")
            }
            XCTAssertNotEqual(record.fits[0].results[1].estimate, record.fits[1].results[1].estimate,
                              "the SAC's ρ is its own fit, not the SDM's")
        }
    }

    /// `variance: conley` on the SAC reaches the fit (the generator's geography, cutoff and lag): the
    /// estimates are the analytic fit's, the SEs its own.
    func testSACConleyIsScored() throws {
        let text = Self.small.replacingOccurrences(of: "{name: sdm, model: sdm, estimands: [beta.CA, rho, ame.direct.CA]}",
                                                   with: "{name: sac_conley, model: sac, variance: conley, cutoff_km: 300, lag: 2, estimands: [beta.CA, rho, ame.direct.CA]}")
        let cell = try InMemoryRun.cells(text)[0]
        for record in cell.records {
            XCTAssertEqual(record.fits[1].status.code, .ok, record.fits[1].status.message)
            for (analytic, hac) in zip(record.fits[0].results, record.fits[1].results) {
                XCTAssertEqual(analytic.estimate, hac.estimate, "the variance does not move the estimates")
                XCTAssertTrue(hac.standardError > 0 && hac.standardError != analytic.standardError)
            }
        }
    }

    /// CR2/CR3 (cluster and Conley) and the observed information run in scenarios: the estimates are the
    /// analytic fit's, the SEs their own; CR2's β df are Satterthwaite's (below G − 1).
    func testCorrectionsAndObservedInformationRun() throws {
        let variants = [
            "{name: sac_cr2, model: sac, variance: cluster, cluster_correction: cr2, estimands: [beta.CA, rho]}",
            "{name: sac_cr3, model: sac, variance: conley, cutoff_km: 300, cluster_correction: cr3, estimands: [beta.CA, rho]}",
            "{name: sac_oim, model: sac, information: observed, estimands: [beta.CA, rho]}",
        ]
        for variant in variants {
            let text = Self.small.replacingOccurrences(of: "{name: sdm, model: sdm, estimands: [beta.CA, rho, ame.direct.CA]}", with: variant)
                .replacingOccurrences(of: "{name: sac, model: sac, estimands: [beta.CA, rho, ame.direct.CA]}",
                                      with: "{name: sac, model: sac, estimands: [beta.CA, rho]}")
                .replacingOccurrences(of: "replications: 2, chunk_size: 2", with: "replications: 1, chunk_size: 1")
            let cell = try InMemoryRun.cells(text)[0]
            for record in cell.records {
                let fits = record.fits
                XCTAssertEqual(fits.count, 2, variant)
                XCTAssertEqual(fits[1].status.code, .ok, "\(variant): \(fits[1].status.message)")
                for (a, v) in zip(fits[0].results, fits[1].results) {
                    XCTAssertEqual(a.estimate, v.estimate, "\(variant): the variance does not move the estimates")
                    XCTAssertTrue(v.standardError > 0 && v.standardError != a.standardError, variant)
                }
            }
        }
    }

    /// `interval: profile` stores the profile-likelihood interval as ρ's lower/upper (what `summarize`'s
    /// coverage reads) with the LR p-value; the estimate and SE stay the fit's. The interval is the
    /// fit's own `SACProfile` interval (checked against NumPy in SACProfileIntervalTests), and every
    /// other estimand is the Wald estimator's, bit for bit.
    func testProfileIntervalIsStoredAsRhoBounds() throws {
        let text = Self.small.replacingOccurrences(of: "{name: sdm, model: sdm, estimands: [beta.CA, rho, ame.direct.CA]}",
                                                   with: "{name: sac_profile, model: sac, interval: profile, estimands: [beta.CA, rho, ame.direct.CA]}")
        let cell = try InMemoryRun.cells(text)[0]
        for record in cell.records {
            let (wald, profile) = (record.fits[0], record.fits[1])
            XCTAssertEqual(profile.status.code, .ok, profile.status.message)
            XCTAssertEqual(wald.results[0], profile.results[0], "β is untouched")
            XCTAssertEqual(wald.results[2], profile.results[2], "the effects are untouched")
            let (w, p) = (wald.results[1], profile.results[1])
            XCTAssertEqual(w.estimate, p.estimate)
            XCTAssertEqual(w.standardError, p.standardError)
            XCTAssertTrue(p.lower < p.estimate && p.estimate < p.upper, "the interval contains ρ̂: [\(p.lower), \(p.upper)] ∌ \(p.estimate)")
            XCTAssertNotEqual(p.lower, w.lower)
            XCTAssertNotEqual(p.upper, w.upper)
            XCTAssertTrue(p.pValue >= 0 && p.pValue <= 1)
        }
    }

    /// The same for λ: with `interval: profile` the `lambda` estimand's bounds are its profile interval
    /// too (not the Wald bounds), with λ̂ and its SE the fit's.
    func testProfileIntervalIsStoredAsLambdaBounds() throws {
        let text = Self.small.replacingOccurrences(of: "{name: sdm, model: sdm, estimands: [beta.CA, rho, ame.direct.CA]}",
                                                   with: "{name: sac_profile, model: sac, interval: profile, estimands: [rho, lambda]}")
            .replacingOccurrences(of: "{name: sac, model: sac, estimands: [beta.CA, rho, ame.direct.CA]}",
                                  with: "{name: sac, model: sac, estimands: [rho, lambda]}")
        let cell = try InMemoryRun.cells(text)[0]
        for record in cell.records {
            let (wald, profile) = (record.fits[0], record.fits[1])
            XCTAssertEqual(profile.status.code, .ok, profile.status.message)
            for k in 0..<2 {
                let (w, p) = (wald.results[k], profile.results[k])
                let name = k == 0 ? "ρ" : "λ"
                XCTAssertEqual(w.estimate, p.estimate, name)
                XCTAssertEqual(w.standardError, p.standardError, name)
                XCTAssertTrue(p.lower < p.estimate && p.estimate < p.upper, "\(name): [\(p.lower), \(p.upper)] ∌ \(p.estimate)")
                XCTAssertNotEqual(p.lower, w.lower, "\(name): the profile bound, not the Wald one")
                XCTAssertNotEqual(p.upper, w.upper, "\(name): the profile bound, not the Wald one")
                XCTAssertTrue(p.pValue >= 0 && p.pValue <= 1, name)
            }
        }
    }

    func testSACOptionsAreRefusedByKeyPath() throws {
        let cases: [(String, String)] = [
            ("{name: sac, model: sac, estimands: [beta.CA, rho, ame.direct.CA]}",
             "{name: sac, model: sac, cluster_correction: cr3, estimands: [beta.CA]}"),
            ("{name: sac, model: sac, estimands: [beta.CA, rho, ame.direct.CA]}",
             "{name: sac, model: sac, information: hessian, estimands: [beta.CA]}"),
            ("{name: sdm, model: sdm, estimands: [beta.CA, rho, ame.direct.CA]}",
             "{name: sdm, model: sdm, information: observed, estimands: [beta.CA]}"),
            ("{name: sac, model: sac, estimands: [beta.CA, rho, ame.direct.CA]}",
             "{name: sac, model: sac, missing: exact, estimands: [beta.CA]}"),
            ("{name: sdm, model: sdm, estimands: [beta.CA, rho, ame.direct.CA]}",
             "{name: sdm, model: sdm, interval: profile, estimands: [rho]}"),
            ("{name: sac, model: sac, estimands: [beta.CA, rho, ame.direct.CA]}",
             "{name: sac, model: sac, interval: likelihood, estimands: [rho]}"),
            ("{name: sac, model: sac, estimands: [beta.CA, rho, ame.direct.CA]}",
             "{name: sac, model: sac, interval: profile, variance: cluster, estimands: [rho]}"),
            ("{name: sac, model: sac, estimands: [beta.CA, rho, ame.direct.CA]}",
             "{name: sac, model: sac, interval: profile, estimands: [beta.CA]}"),
        ]
        for (old, new) in cases {
            let text = Self.small.replacingOccurrences(of: old, with: new)
            XCTAssertThrowsError(try MonteCarloScenario(text: text), new) { error in
                XCTAssertTrue(error is ScenarioError, "\(new): \(error)")
                if new.contains("interval:") {
                    XCTAssertTrue((error as? ScenarioError)?.path.hasSuffix(".interval") == true, "\(new): \(error)")
                }
            }
        }
    }
}
