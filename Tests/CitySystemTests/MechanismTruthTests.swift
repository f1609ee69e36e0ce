import CitySystem
import Numerics
import TestSupport
import XCTest

/// The mechanism truths of MODEL.md §10 against a brute-force simulation of the structural
/// equations: the generator's two worlds (policy on and off, the same draws) and the outcome
/// equation re-solved with D held at its no-policy path.
final class MechanismTruthTests: XCTestCase {
    /// Region 0 joins for sure (selection intercept 30, no covariates), so the assignment is the
    /// same in every replication and independent of the digital shocks; the expectation over
    /// replications is then the expectation over the shocks that the closed form computes. A
    /// diffusion reach of 300 km lets the gain reach the controls in amounts the check resolves.
    func spec(spillovers: Bool, target: Double = 0.1) -> CitySystemSpec {
        var s = Small.spec(cities: 40, centres: 4, first: 2003, last: 2012, t0: 2007)
        s.digital.integrationTarget = target
        s.treatment.regions = [0]
        s.digital.decayKm = 300
        s.treatment.selection = [:]
        s.treatment.selectionIntercept = 30
        if !spillovers {
            s.outcome.rho = 0
            s.outcome.theta = [0, 0, 0, 0]
            s.outcome.controls = s.outcome.controls.map { var c = $0; c.theta = 0; return c }
        }
        return s
    }

    func testDecompositionAddsUpToTheTwoWorldsInEveryReplication() throws {
        let cell = try CitySystemCell(spec: spec(spillovers: true), seed: 2026, source: "test")
        for r in 0..<3 {
            let p = try cell.generate(replication: r)
            let m = p.truth.mechanism
            let total = try XCTUnwrap(p.truth.integration.meanAtt)
            // Two solves of the same O(1) right-hand sides: rounding only, relative to |ATT| ≈ 0.05.
            assertClose(total, try XCTUnwrap(m.attMis), tolerance: 1e-12)
            assertClose(total, try XCTUnwrap(m.indirectTreated) + XCTUnwrap(m.directTreated), tolerance: 1e-12)
            let spill = try XCTUnwrap(p.truth.integration.meanSpilloverOnControls)
            assertClose(spill, try XCTUnwrap(m.spilloverMis), tolerance: 1e-12)
        }
    }

    func testClosedFormEqualsBruteForceWithSpillovers() throws { try checkAgainstBruteForce(spillovers: true) }

    func testClosedFormEqualsBruteForceWithoutOutcomeSpillovers() throws { try checkAgainstBruteForce(spillovers: false) }

    /// The boost alone (π_T = 0) averages D among the integrated cities: its truths are tiny, the
    /// check still holds, and the first stage is far smaller than with the level channel.
    func testClosedFormEqualsBruteForceWithTheBoostAlone() throws {
        try checkAgainstBruteForce(spillovers: true, target: 0)
        let boost = try CitySystemCell(spec: spec(spillovers: true, target: 0), seed: 2026, source: "test")
        let level = try CitySystemCell(spec: spec(spillovers: true), seed: 2026, source: "test")
        let b = try XCTUnwrap(boost.expectedMechanism(of: boost.generate(replication: 0))?.attD)
        let l = try XCTUnwrap(level.expectedMechanism(of: level.generate(replication: 0))?.attD)
        XCTAssertLessThan(abs(b), 0.05 * l, "the boost alone barely moves the level of D")
    }

    /// Per replication: brute-force quantities b_r from the simulated worlds, and the closed form e_r
    /// (expected ΔD, given the replication's CA). E[b_r − e_r] = 0 when the closed form is right, so the
    /// mean difference must lie within 4 MCSE of 0 (a false alarm 6 times in 100,000 per quantity).
    func checkAgainstBruteForce(spillovers: Bool, target: Double = 0.1) throws {
        let s = spec(spillovers: spillovers, target: target)
        let cell = try CitySystemCell(spec: s, seed: 2026, source: "test")
        let model = try XCTUnwrap(cell.outcomeModel)
        let reps = 200
        var diffs: [String: [Double]] = [:], expected: [String: [Double]] = [:]
        func record(_ name: String, brute: Double, closed: Double) {
            diffs[name, default: []].append(brute - closed)
            expected[name, default: []].append(closed)
        }
        for r in 0..<reps {
            let p = try cell.generate(replication: r)
            let e = try XCTUnwrap(try cell.expectedMechanism(of: p))
            XCTAssertEqual(p.treat.reduce(0, +), p.region.filter { $0 == 0 }.count, "every city of region 0 joins")
            let n = p.n, zero = [Double](repeating: 0, count: n * p.t)
            // Mis with the policy's D and with the no-policy D, everything else equal: the part through D.
            let noX = p.controls.map { _ in zero }
            let throughD = zip(try model.solve(ca: p.ca, d: p.d, controls: noX, other: zero),
                               try model.solve(ca: p.ca, d: p.dNoIntegration, controls: noX, other: zero)).map(-)
            var sums = [Double](repeating: 0, count: 8)   // ΔD, ΔMis, through D, D(1) on treated; the first three on controls
            var nt = 0.0, nc = 0.0
            for period in 0..<p.t {
                for i in 0..<n {
                    let k = p.index(period: period, city: i)
                    let dd = p.d[k] - p.dNoIntegration[k], dm = p.mis[k] - p.misNoIntegration[k]
                    if p.treat[i] == 1, p.post[k] == 1 {
                        sums[0] += dd; sums[1] += dm; sums[2] += throughD[k]; sums[3] += p.d[k]; nt += 1
                    } else if p.treat[i] == 0, p.post[k] == 1 {
                        sums[4] += dd; sums[5] += dm; sums[6] += throughD[k]; nc += 1
                    }
                }
            }
            record("attD", brute: sums[0] / nt, closed: try XCTUnwrap(e.attD))
            record("attMis", brute: sums[1] / nt, closed: try XCTUnwrap(e.attMis))
            record("indirectTreated", brute: sums[2] / nt, closed: try XCTUnwrap(e.indirectTreated))
            record("spilloverD", brute: sums[4] / nc, closed: try XCTUnwrap(e.spilloverD))
            record("spilloverMis", brute: sums[5] / nc, closed: try XCTUnwrap(e.spilloverMis))
            record("indirectControls", brute: sums[6] / nc, closed: try XCTUnwrap(e.indirectControls))
            // Share through D: E[NIE − s·ATT] = 0 at the true s = E[NIE]/E[ATT] (linearised ratio).
            let share = try XCTUnwrap(e.shareTreated)
            record("share", brute: (sums[2] - share * sums[1]) / nt,
                   closed: try XCTUnwrap(e.indirectTreated) - share * XCTUnwrap(e.attMis))
            // The total curve's turning point moved by the policy: c* at the treated post mean D in each world.
            let w = try XCTUnwrap(cell.truthCache).weights
            let d1 = sums[3] / nt, d0 = d1 - sums[0] / nt
            let tp = { (d: Double) in EffectFormulas.turningPoint(m1: w.t1, m2: w.t2, beta: model.beta, theta: model.theta, d: d).cStar! }
            let shift = try XCTUnwrap(e.curveShifts.first { $0.effect == .total }?.turningPoint)
            record("tpShift", brute: tp(d1) - tp(d0), closed: shift)
        }
        for (name, d) in diffs.sorted(by: { $0.key < $1.key }) {
            let mcse = Statistics.standardDeviation(d) / Double(reps).squareRoot()
            let size = abs(Statistics.mean(expected[name]!))
            XCTAssertGreaterThan(mcse, 0, name)   // the brute force has noise: the check compares distinct computations
            assertWithinMCSE(0, Statistics.mean(d), mcse: mcse, k: 4, "\(name), spillovers \(spillovers)")
            // The check has teeth: each truth (not the share's centred form) is far from 0 on the MCSE scale.
            if name != "share" && target > 0 { XCTAssertGreaterThan(size, 10 * mcse, "\(name): truth \(size) is not resolved by MCSE \(mcse)") }
        }
        guard target > 0 else { return }
        let e = try cell.expectedMechanism(of: try cell.generate(replication: 0))!
        XCTAssertGreaterThan(try XCTUnwrap(e.attD), 0, "integration raises D on the treated")
        XCTAssertGreaterThan(try XCTUnwrap(e.spilloverD), 0, "diffusion carries it to the controls")
        // Without ρ and θ the policy term cannot reach the controls: their whole change runs through D.
        let notThroughD = try XCTUnwrap(e.spilloverMis) - XCTUnwrap(e.indirectControls)
        if spillovers { XCTAssertGreaterThan(abs(notThroughD), 1e-6) } else { XCTAssertEqual(notThroughD, 0, accuracy: 1e-15) }
    }
}
