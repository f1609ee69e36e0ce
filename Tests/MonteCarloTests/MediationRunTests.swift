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
      - {name: med, model: mediation, bootstrap: 9, estimands: [att, att_d, nde, nie, nie_boot, share_d, slope_shift]}
      - {name: med_psm, model: mediation, sample: matched, bootstrap: 9, estimands: [att_d, nie, att, nie_boot]}
      - {name: sdm_p, model: policy_curve, estimands: [policy_shift.direct, policy_slope.total]}
      - {name: sdm_p_slope, model: policy_curve, interact: slope, variance: cluster, estimands: [policy_shift.total, policy_slope.direct]}
      - {name: smed, model: spatial_mediation, variance: cluster, estimands: [att, att_d, nde, nie, share_d, spillover_d]}
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
                // The matched sample's bootstrap test runs (issue 26: it used to be all cities only).
                let boot = r.fits[1].results[3]
                XCTAssertTrue(boot.pValue.isFinite && boot.lower <= boot.upper, "cell \(k): matched nie_boot \(boot)")
                // The policy-curve SDMs fit, and their truths are the mechanism's curve shifts (0 without the channel).
                for e in 2...3 {
                    XCTAssertNotEqual(r.fits[e].status.code, .failed, r.fits[e].status.message)
                    for res in r.fits[e].results {
                        XCTAssertTrue(res.estimate.isFinite && res.standardError > 0, "cell \(k) policy_curve \(res)")
                        if off { XCTAssertEqual(res.truth, 0, "cell \(k)") } else { XCTAssertNotEqual(res.truth, 0, "cell \(k)") }
                    }
                }
                XCTAssertNotNil(r.fits[3].results[0].confidenceSet, "interact: slope gives the Fieller set of the shift")
                // spatial_mediation: scored on the mechanism truths (att_d, nie, spillover_d exactly 0 without the
                // channel), and its decomposition adds up in the estimates and the truths.
                let sm = r.fits[4]
                XCTAssertEqual(sm.status.code, .ok, sm.status.message)
                XCTAssertTrue(sm.results.allSatisfy { $0.estimate.isFinite && $0.standardError > 0 }, "cell \(k) spatial_mediation")
                for j in [1, 3, 5] {
                    if off { XCTAssertEqual(sm.results[j].truth, 0, "cell \(k) spatial_mediation \(j)") }
                    else { XCTAssertNotEqual(sm.results[j].truth, 0, "cell \(k) spatial_mediation \(j)") }
                }
                XCTAssertEqual(sm.results[0].estimate, sm.results[2].estimate + sm.results[3].estimate, accuracy: 1e-12)
                XCTAssertEqual(sm.results[0].truth, sm.results[2].truth + sm.results[3].truth, accuracy: 1e-12)
                XCTAssertNotNil(r.fits[2].results[0].confidenceSet, "interact: curve has the test-inversion set of the difference of ratios")
                // c = c′ + a·b on one sample: the estimates add up, and so do the truths.
                XCTAssertEqual(fit.results[0].estimate, fit.results[2].estimate + fit.results[3].estimate, accuracy: 1e-10)
                XCTAssertEqual(fit.results[0].truth, fit.results[2].truth + fit.results[3].truth, accuracy: 1e-12)
            }
        }
    }

    /// On the matched sample every truth is matching-weighted over the treated post city-years the
    /// regressions use: with unit weights the mechanism's closed-form means over all treated cities
    /// (att and att_d computed from the realised Mis(1) − Mis(0) and D(1) − D(0) instead); with half
    /// the treated cities unmatched, the means over the other half — where nie + nde must equal the
    /// brute-force ΔMis of the two simulated worlds (the decomposition's paths solve the outcome
    /// equation again) and the slope change scales with the half's att_d.
    func testMatchedTruthsAverageOverTheMatchedTreatedCities() throws {
        let scenario = try MonteCarloScenario(text: Self.small)
        let spec = try ScenarioParser.parse(try scenario.cells()[0].document)
        let p = try CitySystemCell(spec: spec.citySystem, seed: 26, source: "test").generate(replication: 0)
        let m = p.truth.mechanism
        let estimands: [MediationEstimand] = [.att, .attD, .nie, .nde, .share, .slopeShift, .acme, .ade]
        let all = estimands.map { $0.truth(m) }
        let ones = MediationScoring.matchedTruths(estimands, all: all, panel: p, weights: [Double](repeating: 1, count: p.n * p.t))
        // Two computations of one mean (closed-form paths vs the two simulated worlds): rounding only.
        assertClose(try XCTUnwrap(m.attMis), ones[0], tolerance: 1e-12, "att, unit weights")
        assertClose(try XCTUnwrap(m.attD), ones[1], tolerance: 1e-12, "att_d, unit weights")
        for j in 2..<estimands.count {
            assertClose(all[j], ones[j], tolerance: 1e-12 * max(1, abs(all[j])), "\(estimands[j]) with unit weights is the all-treated truth")
        }
        let treated = (0..<p.n).filter { p.treat[$0] == 1 }
        XCTAssertGreaterThan(treated.count, 1)
        let kept = Set(treated.prefix(treated.count / 2))
        let w = (0..<(p.n * p.t)).map { k in p.treat[k % p.n] == 1 && !kept.contains(k % p.n) ? 0.0 : 1.0 }
        let half = MediationScoring.matchedTruths(estimands, all: all, panel: p, weights: w)
        let rows = (0..<(p.n * p.t)).filter { kept.contains($0 % p.n) && p.post[$0] == 1 }
        let att = rows.map { p.mis[$0] - p.misNoIntegration[$0] }.reduce(0, +) / Double(rows.count)
        let attD = rows.map { p.d[$0] - p.dNoIntegration[$0] }.reduce(0, +) / Double(rows.count)
        assertClose(att, half[0], tolerance: 1e-12, "att over the matched half")
        assertClose(attD, half[1], tolerance: 1e-12, "att_d over the matched half")
        // Conditioning of the outcome solve: |Mis| is O(1), so 1e-10 absolute covers its rounding.
        assertClose(att, half[2] + half[3], tolerance: 1e-10, "nie + nde = brute-force ΔMis over the matched half")
        assertClose(half[2] / (half[2] + half[3]), half[4], tolerance: 1e-12, "share_d")
        assertClose(all[5] * attD / all[1], half[5], tolerance: 1e-12 * abs(all[5]), "slope_shift scales with att_d")
        XCTAssertEqual(half[6], half[2]); XCTAssertEqual(half[7], half[3])
        XCTAssertNotEqual(half[0], ones[0], "the matched half's truth differs from all treated cities'")
        XCTAssertGreaterThan(abs(half[2] - ones[2]), 1e-6 * abs(ones[2]), "so does its nie")
    }

    func testOptionsAndEstimandsAreCheckedAtLoad() throws {
        let cases: [(from: String, to: String, key: String)] = [
            ("bootstrap: 9, estimands: [att,", "bootstrap: -1, estimands: [att,", "estimators[0].bootstrap"),
            ("sample: matched, bootstrap: 9", "sample: nearest, bootstrap: 9", "estimators[1].sample"),
            ("estimands: [att_d, nie, att", "estimands: [att_d, tp.direct.p50, att", "estimators[1].estimands[1]"),
            ("interact: slope", "interact: both", "estimators[3].interact"),
            ("variance: cluster, estimands", "variance: conley, estimands", "estimators[3].variance"),
            ("[policy_shift.direct, policy_slope.total]", "[policy_shift.direct, shift.total]", "estimators[2].estimands[1]"),
            ("bootstrap: 9, estimands: [att,", "bootstrap: 9, covariates: [CA], estimands: [att,", "estimators[0].covariates"),
            ("[att, att_d, nde, nie, share_d, spillover_d]", "[att, att_d, nde, nie_boot, share_d, spillover_d]", "estimators[4].estimands[3]"),
            ("model: spatial_mediation, variance: cluster", "model: spatial_mediation, variance: conley", "estimators[4].variance"),
        ]
        InMemoryRun.assertEditsRefused(Self.small, cases)
    }
}
