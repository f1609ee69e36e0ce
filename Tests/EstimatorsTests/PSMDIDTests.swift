import XCTest
import Numerics
import TestSupport
@testable import Estimators

final class PSMDIDTests: XCTestCase {
    /// 280 units × 18 periods, treatment from period 9 for units selected on z (logit),
    /// y = α_i + γ_t + λ_t z_i + τ D_it + σ ε (parallel trends only conditional on z when λ ≠ 0).
    static func panel(n: Int = 280, periods: Int = 18, tau: Double = 1, lambda: Double = 0, noise: Double = 1,
                      pretrend: Double = 0, seed: UInt64 = 8) throws -> TreatmentPanel {
        let rng = RandomStream(seed: seed)
        let z = (0..<n).map { _ in rng.normal() }, w = (0..<n).map { _ in rng.normal() }
        let treated = (0..<n).map { i in rng.bernoulli(1 / (1 + exp(-(-1 + 0.8 * z[i] + 0.3 * w[i])))) }
        let alpha = (0..<n).map { _ in rng.normal() }
        var y = [Double](repeating: 0, count: n * periods), x = Matrix(rows: n * periods, cols: 2)
        for t in 0..<periods { for i in 0..<n {
            let k = t * n + i
            var v = alpha[i] + 0.1 * Double(t) + lambda * Double(t) * z[i] + noise * rng.normal()
            if treated[i] { v += t >= 8 ? tau : pretrend * Double(t - 8) }
            y[k] = v
            x[k, 0] = z[i] + 0.2 * rng.normal(); x[k, 1] = w[i] + 0.2 * rng.normal()
        } }
        return try TreatmentPanel(unitCount: n, periods: (0..<periods).map { Double(2003 + $0) }, outcome: y,
                                  covariates: x, covariateNames: ["z", "w"],
                                  adoption: treated.map { $0 ? 2011 : nil })
    }

    func testNoiseFreeEffectIsExactForEveryMatchingSetting() throws {
        let p = try Self.panel(noise: 0)
        let specs: [PSMDiDSpec] = [
            PSMDiDSpec(matching: nil),
            PSMDiDSpec(),
            PSMDiDSpec(matching: MatchingSpec(ratio: 2, replace: true)),
            PSMDiDSpec(matching: MatchingSpec(distance: .logit, method: .kernel(bandwidth: 0.5))),
            PSMDiDSpec(matching: .applied, mode: .byPeriod),
            { var s = PSMDiDSpec(matching: .applied, mode: .byPeriod); s.preTreatmentCovariatesOnly = false; return s }(),
        ]
        for s in specs {
            let r = try PSMDiD.estimate(panel: p, spec: s)
            assertClose(1, r.att, tolerance: 1e-9, "y has exact two-way structure plus τ D: any weights give τ")
        }
    }

    func testBalanceTableOffChangesNothingElse() throws {
        let p = try Self.panel(lambda: 0.15)
        for mode in [PSMDiDSpec.MatchingMode.pooled, .byPeriod] {
            let on = PSMDiDSpec(matching: .applied, mode: mode)
            var off = on
            off.balanceTable = false
            let a = try PSMDiD.estimate(panel: p, spec: on), b = try PSMDiD.estimate(panel: p, spec: off)
            XCTAssertFalse(a.balance.isEmpty)
            XCTAssertTrue(b.balance.isEmpty, "no balance table when it is turned off")
            XCTAssertEqual(a.att.bitPattern, b.att.bitPattern)
            XCTAssertEqual(a.standardError.bitPattern, b.standardError.bitPattern)
            XCTAssertEqual(a.observationWeights, b.observationWeights)
            XCTAssertEqual(a.matchedTreated, b.matchedTreated)
        }
    }

    func testMatchingRemovesBiasFromCovariateTrends() throws {
        // λ = 0.15: treated units (high z) trend up; naive DID is biased, matching on z removes most of it.
        let p = try Self.panel(lambda: 0.15, noise: 0.5)
        let naive = try PSMDiD.estimate(panel: p, spec: PSMDiDSpec(matching: nil))
        let matched = try PSMDiD.estimate(panel: p, spec: PSMDiDSpec(eventWindow: (leads: 4, lags: 4)))
        XCTAssertGreaterThan(abs(naive.att - 1), 3 * naive.standardError, "naive DID is visibly biased")
        XCTAssertLessThan(abs(matched.att - 1), abs(naive.att - 1) / 2, "matching halves the bias at least")
        XCTAssertEqual(matched.clusters, matched.matchedTreated + matched.matchedControl)
        XCTAssertEqual(matched.balance.map { $0.variable }, ["z", "w"])
        XCTAssertLessThan(abs(matched.balance[0].smdAfter), abs(matched.balance[0].smdBefore))
        XCTAssertNotNil(matched.eventStudy)
    }

    func testEventStudyFindsEffectsAndPretrend() throws {
        let clean = try PSMDiD.estimate(panel: try Self.panel(noise: 0.3), spec: PSMDiDSpec(matching: nil, eventWindow: (4, 3)))
        let es = clean.eventStudy!
        XCTAssertEqual(es.eventTimes, [-4, -3, -2, 0, 1, 2, 3])
        for (e, b) in zip(es.eventTimes, es.estimates) {
            XCTAssertLessThan(abs(b - (e >= 0 ? 1 : 0)), 0.15, "event \(e)")
        }
        XCTAssertGreaterThan(es.preTrendP, 0.001, "no pre-trend in the DGP")
        let trending = try PSMDiD.estimate(panel: try Self.panel(noise: 0.3, pretrend: 0.2), spec: PSMDiDSpec(matching: nil, eventWindow: (4, 3)))
        XCTAssertLessThan(trending.eventStudy!.preTrendP, 1e-6, "a 0.2-per-period pre-trend is detected")
        XCTAssertNil(es.preTrendUnavailable)
        // One lead is the reference period −1 itself: no lead is left to test, and the result
        // says so instead of reporting F(0, df) = NaN (a user-test finding).
        let oneLead = try PSMDiD.estimate(panel: try Self.panel(noise: 0.3), spec: PSMDiDSpec(matching: nil, eventWindow: (1, 1)))
        let reason = try XCTUnwrap(oneLead.eventStudy?.preTrendUnavailable)
        XCTAssertTrue(reason.contains("at least 2 leads"), reason)
    }

    func testWildBootstrapPValueIsReproducibleAndSensible() throws {
        let spec = PSMDiDSpec(wildBootstrap: WildBootstrapSpec(replications: 199, weights: .webb, stream: StreamID(seed: 4)))
        let effect = try PSMDiD.estimate(panel: try Self.panel(n: 120, periods: 12, tau: 1), spec: spec)
        XCTAssertEqual(effect.bootstrapPValue, 0, "a τ of 1 with SE ≈ 0.15 is never matched by |t*| under the null")
        let null1 = try PSMDiD.estimate(panel: try Self.panel(n: 120, periods: 12, tau: 0), spec: spec)
        let null2 = try PSMDiD.estimate(panel: try Self.panel(n: 120, periods: 12, tau: 0), spec: spec)
        XCTAssertEqual(null1.bootstrapPValue, null2.bootstrapPValue, "same stream, same p")
        XCTAssertGreaterThan(null1.bootstrapPValue!, 0.01, "seeded null panel: not rejected")
    }

    func testAdoptionAfterThePanelIsAClearError() throws {
        assertThrows(try PSMDiD.estimate(panel: try Self.panel(n: 60, periods: 8)), as: TreatmentError.self) { e in
            XCTAssertTrue("\(e)".contains("after the panel's last period"), "\(e)")
        }
    }

    func testNoControlWithinCaliperIsAClearError() throws {
        let p = try Self.panel()
        let spec = PSMDiDSpec(matching: MatchingSpec(caliper: .raw(1e-12)))
        assertThrows(try PSMDiD.estimate(panel: p, spec: spec), as: TreatmentError.self) { e in
            XCTAssertTrue("\(e)".contains("no treated unit found a control"), "\(e)")
        }
    }

    func testRingsRepairSpilloverBias() throws {
        // Units on a line; treated units at x < 100; controls within 50 of the nearest treated get +0.8 after adoption.
        let n = 120, periods = 8
        let rng = RandomStream(seed: 2)
        let xs = (0..<n).map { Double($0) * 2.5 }
        let treated = xs.map { $0 < 100 }
        let dist = SpilloverDiD.nearestTreatedDistance(x: xs, y: xs.map { _ in 0 }, treated: treated)
        var y = [Double](repeating: 0, count: n * periods)
        let alpha = (0..<n).map { _ in rng.normal() }
        for t in 0..<periods { for i in 0..<n {
            var v = alpha[i] + 0.2 * Double(t)
            if t >= 4 { if treated[i] { v += 1 } else if dist[i] <= 50 { v += 0.8 } }
            y[t * n + i] = v
        } }
        let p = try TreatmentPanel(unitCount: n, periods: (0..<periods).map(Double.init), outcome: y,
                                   covariates: Matrix(rows: 0, cols: 0), covariateNames: [], adoption: treated.map { $0 ? 4 : nil })
        let plain = try PSMDiD.estimate(panel: p, spec: PSMDiDSpec(matching: nil))
        XCTAssertLessThan(plain.att, 0.9, "exposed controls bias plain DID toward zero")
        let ring = try SpilloverDiD.estimate(panel: p, distanceToTreated: dist, spec: SpilloverRingSpec(rings: [50, 100]))
        assertClose(1, ring.att, tolerance: 1e-9, "noise-free: rings give the direct effect exactly")
        assertClose(0.8, ring.rings[0].att, tolerance: 1e-9, "spillover in the inner ring")
        assertClose(0, ring.rings[1].att, tolerance: 1e-9, "no spillover in the outer ring")
    }
}
