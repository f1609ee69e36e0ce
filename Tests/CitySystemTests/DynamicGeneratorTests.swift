import CitySystem
import Numerics
import TestSupport
import XCTest

/// The dynamic outcome (issue 25): Mis_t = (I − ρW)⁻¹(τ Mis_{t−1} + η W Mis_{t−1} + rhs_t).
final class DynamicGeneratorTests: XCTestCase {
    func spec(tau: Double, eta: Double, rho: Double = 0.3) -> CitySystemSpec {
        var s = Small.spec(cities: 30, centres: 3, last: 2010, t0: 2007)
        s.outcome.rho = rho
        s.outcome.tau = tau
        s.outcome.eta = eta
        s.outcome.burnIn = 20
        s.outcome.theta = [-0.12, 0.04, -0.03, 0.01]
        return s
    }

    /// Every stream but the burn-in's is shared with the static world of the same seed, so the
    /// right-hand side rhs_t is the same and (I − ρW)Mis_t − τMis_{t−1} − ηW Mis_{t−1} of the
    /// dynamic panel must equal (I − ρW)Mis_t of the static one, for t ≥ 2 and in both worlds.
    func testRecursionHasTheStaticRightHandSide() throws {
        let dyn = try CitySystemCell(spec: spec(tau: 0.5, eta: 0.1), seed: 5, source: "t").generate(replication: 2)
        let stat = try CitySystemCell(spec: spec(tau: 0, eta: 0), seed: 5, source: "t").generate(replication: 2)
        let w = dyn.trueWeights, n = dyn.n
        XCTAssertNotEqual(dyn.mis, stat.mis)
        for (y, ys) in [(dyn.mis, stat.mis), (dyn.misNoIntegration, stat.misNoIntegration)] {
            for p in 1..<dyn.t {
                let cur = Array(y[(p * n)..<((p + 1) * n)]), prev = Array(y[((p - 1) * n)..<(p * n)])
                let wc = w.apply(cur), wp = w.apply(prev)
                let sc = Array(ys[(p * n)..<((p + 1) * n)]), wsc = w.apply(sc)
                for i in 0..<n {
                    let lhs = cur[i] - 0.3 * wc[i] - 0.5 * prev[i] - 0.1 * wp[i]
                    // Two O(N²) solves of a well-conditioned system (ρ = 0.3): rounding ≈ 1e-14.
                    assertClose(sc[i] - 0.3 * wsc[i], lhs, tolerance: 1e-10, "period \(p), city \(i)")
                }
            }
        }
        // The static world does not touch the burn-in stream: τ = η = 0 is the old generator.
        XCTAssertNil(stat.truth.dynamic)
    }

    /// Long-run effects against dense inverses: ((1 − τ)I − (ρ + η)W)⁻¹(βI + θW), tr/N and 1ᵀ·1/N.
    func testLongRunTruthAgainstDenseInverse() throws {
        let (tau, eta, rho) = (0.6, -0.1, 0.3)
        let p = try CitySystemCell(spec: spec(tau: tau, eta: eta, rho: rho), seed: 3, source: "t").generate(replication: 0)
        let lr = try XCTUnwrap(p.truth.dynamic)
        assertClose((rho + eta) / (1 - tau), lr.rhoLongRun, tolerance: 1e-15, "rho_L")
        let w = p.trueWeights.matrix, n = p.n
        var m = Matrix(rows: n, cols: n)
        for j in 0..<n { for i in 0..<n { m[i, j] = (i == j ? 1 - tau : 0) - (rho + eta) * w[i, j] } }
        let inv = try LUDecomposition(m).inverse()
        let iw = Matrix.product(inv, w)
        let ca = try XCTUnwrap(lr.longRunEffects.first { $0.name == "CA" })
        var trace = 0.0, sum = 0.0
        for j in 0..<n {
            for i in 0..<n {
                let v = ca.beta * inv[i, j] + ca.theta * iw[i, j]
                if i == j { trace += v }
                sum += v
            }
        }
        // Eigenvalue sums and one filter solve against dense LU of a 30 × 30 system: 1e-12.
        assertClose(trace / Double(n), ca.direct, tolerance: 1e-12, "long-run direct effect of CA")
        assertClose(sum / Double(n), ca.total, tolerance: 1e-12, "long-run total effect of CA")
        // The long-run curves: the same dense inverse at the CA slopes b(c, d), t(c, d) of each grid point.
        // The long-run curves share the short-run grid and D quartiles (one grid in the truth).
        let q = p.truth.model, d = try XCTUnwrap(q.moderatorValue("p50"))
        func curve(_ kind: EffectKind) throws -> [Double] { try XCTUnwrap(q.longRunCurve(kind, "p50")).values }
        XCTAssertNotEqual(try curve(.direct), try XCTUnwrap(q.curve(.direct, "p50")).values, "long- and short-run curves differ")
        let beta = p.truth.beta, theta = p.truth.theta
        for j in [0, 20, 40] {
            let c = q.grid[j]
            let b = beta[0] + 2 * beta[1] * c + beta[2] * d, t = theta[0] + 2 * theta[1] * c + theta[2] * d
            var direct = 0.0, total = 0.0
            for jj in 0..<n {
                for i in 0..<n {
                    let v = b * inv[i, jj] + t * iw[i, jj]
                    if i == jj { direct += v }
                    total += v
                }
            }
            assertClose(direct / Double(n), try curve(.direct)[j], tolerance: 1e-12, "long-run direct curve at grid point \(j)")
            assertClose(total / Double(n), try curve(.total)[j], tolerance: 1e-12, "long-run total curve at grid point \(j)")
            assertClose((total - direct) / Double(n), try curve(.indirect)[j], tolerance: 1e-12, "long-run indirect curve at grid point \(j)")
        }
        // Short run stays the static formula at ρ; the total turning point is horizon-free.
        let sr = try XCTUnwrap(q.turningPoint(.total, "p50"))
        let lt = try XCTUnwrap(q.longRunTurningPoint(.total, "p50"))
        assertClose(try XCTUnwrap(sr.cStar), try XCTUnwrap(lt.cStar), tolerance: 1e-12, "total turning point")
        let sd = try XCTUnwrap(q.turningPoint(.direct, "p50")?.cStar)
        let ld = try XCTUnwrap(q.longRunTurningPoint(.direct, "p50")?.cStar)
        XCTAssertNotEqual(sd, ld, "direct turning points differ between horizons when θ is not ∝ β")
    }

    func testNonStationaryOutcomeIsRefusedWithItsPath() throws {
        assertThrows(try CitySystemCell(spec: spec(tau: 0.6, eta: 0.2, rho: 0.3), seed: 1, source: "s.yaml"), as: ScenarioError.self) { e in
            XCTAssertEqual(e.path, "city_system.outcome.tau")
            XCTAssertTrue(e.description.contains("stationary"), e.description)
        }
        assertThrows(try Small.parse("city_system:\n  outcome:\n    tau: 1.2\n"), as: ScenarioError.self) { e in
            XCTAssertEqual(e.path, "city_system.outcome.tau")
        }
        assertThrows(try Small.parse("city_system:\n  outcome:\n    burn_in: -1\n"), as: ScenarioError.self) { e in
            XCTAssertEqual(e.path, "city_system.outcome.burn_in")
        }
    }
}
