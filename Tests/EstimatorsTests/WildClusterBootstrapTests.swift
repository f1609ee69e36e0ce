import XCTest
import Foundation
import Numerics
import TestSupport
@testable import Estimators

/// The wild cluster restricted bootstrap against Python wildboottest 0.3.2 (`WildboottestCL`,
/// "11" bootstrap, null imposed, Rademacher weights fully enumerated over G = 8 clusters, the unit
/// and year fixed effects as dummy columns) on Fixtures/wild_cluster_panel.csv and
/// wild_cluster_bootstrap.json (scripts/fixtures/make_wild_cluster_bootstrap.py; provenance inside).
final class WildClusterBootstrapTests: XCTestCase {
    struct Fixture {
        let y: [Double], x: Matrix, unit: [Int], time: [Int], region: [Int]
        let tests: [[String: Any]]
    }

    func load() throws -> Fixture {
        let t = try DataTable.read(csv: try TestPaths.committed("Tests/EstimatorsTests/Fixtures/wild_cluster_panel.csv"))
        let json = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/wild_cluster_bootstrap.json")
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        return Fixture(y: try t.numbers("y"), x: try Matrix(columns: [try t.numbers("D"), try t.numbers("x2")]),
                       unit: try t.numbers("id").map { Int($0) }, time: try t.numbers("year").map { Int($0) },
                       region: try t.numbers("region").map { Int($0) }, tests: try XCTUnwrap(root["tests"] as? [[String: Any]]))
    }

    func bootstrap(_ f: Fixture, weights: WildWeights = .rademacher, replications: Int = 9999,
                   panelWeights: [Double]? = nil) throws -> WildClusterBootstrap {
        try WildClusterBootstrap(y: f.y, x: f.x, names: ["D", "x2"], coefficient: 0, unit: f.unit, time: f.time,
                                 effects: .twoWays, weights: panelWeights, cluster: f.region, replications: replications,
                                 multipliers: weights, stream: StreamID(seed: 7))
    }

    /// Same p-values at every β₀ and the same distribution of |t*|/|t| to 1e-8: both enumerate
    /// the 256 sign vectors and refit exactly (dummies there, FWL projections here); the design
    /// is well conditioned (D and x2 nearly orthogonal after the fixed effects), so only
    /// summation order separates the two. The ratios do not depend on the CR1 scale factor.
    func testMatchesWildboottestWithFullEnumeration() throws {
        let f = try load()
        let boot = try bootstrap(f)
        XCTAssertTrue(boot.enumerated)
        XCTAssertEqual(boot.replications, 256)
        XCTAssertEqual(boot.clusters, 8)
        for c in f.tests {
            let b0 = (c["b0"] as! NSNumber).doubleValue
            XCTAssertEqual(boot.pValue(at: b0), (c["p_value"] as! NSNumber).doubleValue, "p-value at β₀ = \(b0)")
            let ref = (c["sorted_abs_t_ratio"] as! [NSNumber]).map(\.doubleValue)
            let mine = boot.absoluteTRatios(at: b0).sorted()
            XCTAssertEqual(mine.count, ref.count)
            for (a, b) in zip(mine, ref) { assertClose(b, a, tolerance: 1e-8 * max(1, abs(b)), "|t*|/|t| at β₀ = \(b0)") }
        }
    }

    /// Test inversion: the interval contains β̂, its ends are where the p-value crosses 0.05
    /// (just inside > 0.05, just outside ≤ 0.05), and a β₀ is inside exactly when p(β₀) > 0.05.
    func testIntervalInvertsTheTest() throws {
        let f = try load()
        for weights in WildWeights.allCases {
            let boot = try bootstrap(f, weights: weights, replications: 999)
            let ci = boot.interval(level: 0.95)
            XCTAssertLessThan(ci.lower, boot.estimate)
            XCTAssertGreaterThan(ci.upper, boot.estimate)
            let eps = 1e-6 * boot.standardError
            XCTAssertGreaterThan(boot.pValue(at: ci.lower + eps), 0.05)
            XCTAssertLessThanOrEqual(boot.pValue(at: ci.lower - eps), 0.05)
            XCTAssertGreaterThan(boot.pValue(at: ci.upper - eps), 0.05)
            XCTAssertLessThanOrEqual(boot.pValue(at: ci.upper + eps), 0.05)
            // Few clusters: the WCR interval is wider than CR1 with t(G − 1) here.
            XCTAssertGreaterThan(ci.upper - ci.lower, 2 * boot.standardError)
        }
    }

    /// The same stream gives the same draws; Webb draws differ from seed to seed but agree in law.
    func testDeterministicStreams() throws {
        let f = try load()
        let a = try bootstrap(f, weights: .webb, replications: 499), b = try bootstrap(f, weights: .webb, replications: 499)
        XCTAssertEqual(a.pValue(at: 0), b.pValue(at: 0))
        XCTAssertFalse(a.enumerated)
        // The fully enumerated Rademacher p is exact; a Webb p from 499 draws lies within a few
        // binomial standard errors of it (both are p-values of the same WCR test).
        let exact = try bootstrap(f).pValue(at: 0)
        XCTAssertLessThan(abs(a.pValue(at: 0) - exact), 4 * (exact * (1 - exact) / 499).squareRoot() + 0.03)
    }

    /// With regression weights, the bootstrap equals the unweighted one on the data with each
    /// row repeated by its integer weight (the weighted scores and projections are the weighted sums).
    func testIntegerWeightsEqualRepeatedRows() throws {
        let f = try load()
        let w = f.y.indices.map { Double(1 + $0 % 3) }
        let weighted = try bootstrap(f, panelWeights: w)
        var y: [Double] = [], d: [Double] = [], x2: [Double] = [], unit: [Int] = [], time: [Int] = [], region: [Int] = []
        for i in f.y.indices { for _ in 0..<Int(w[i]) {
            y.append(f.y[i]); d.append(f.x[i, 0]); x2.append(f.x[i, 1]); unit.append(f.unit[i]); time.append(f.time[i]); region.append(f.region[i])
        } }
        let repeated = try WildClusterBootstrap(y: y, x: try Matrix(columns: [d, x2]), names: ["D", "x2"], coefficient: 0, unit: unit,
                                                time: time, effects: .twoWays, cluster: region, replications: 9999,
                                                multipliers: .rademacher, stream: StreamID(seed: 7))
        for b0 in [0.0, 0.3] {
            XCTAssertEqual(weighted.pValue(at: b0), repeated.pValue(at: b0))
            for (a, b) in zip(weighted.absoluteTRatios(at: b0).sorted(), repeated.absoluteTRatios(at: b0).sorted()) {
                assertClose(b, a, tolerance: 1e-8 * max(1, abs(b)), "weighted vs repeated rows")
            }
        }
    }

    /// The subcluster bootstrap (multipliers per city, t and t* by region) against an explicit NumPy
    /// refit per draw with the same 199 × 32 Rademacher multipliers (Fixtures/subcluster_bootstrap.json,
    /// scripts/fixtures/make_subcluster_bootstrap.py): the same |t*|/|t| to 1e-8 (well conditioned, as
    /// above: only summation order differs) and the same p-values.
    func testSubclusterBootstrapMatchesAnExplicitRefit() throws {
        let f = try load()
        let json = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/subcluster_bootstrap.json")
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let rows = try XCTUnwrap(root["multipliers"] as? [[Double]])
        let draws = try Matrix(rowArrays: rows)
        let boot = try WildClusterBootstrap(y: f.y, x: f.x, names: ["D", "x2"], coefficient: 0, unit: f.unit, time: f.time,
                                            effects: .twoWays, weights: nil, cluster: f.region, replications: draws.rows,
                                            multipliers: .rademacher, draws: draws, bootstrapCluster: f.unit)
        XCTAssertEqual(boot.clusters, 8, "t* is clustered by region")
        XCTAssertFalse(boot.enumerated)
        for c in try XCTUnwrap(root["tests"] as? [[String: Any]]) {
            let b0 = (c["b0"] as! NSNumber).doubleValue
            let ref = (c["sorted_abs_t_ratio"] as! [NSNumber]).map(\.doubleValue)
            let mine = boot.absoluteTRatios(at: b0).sorted()
            XCTAssertEqual(mine.count, ref.count)
            for (a, b) in zip(mine, ref) { assertClose(b, a, tolerance: 1e-8 * max(1, abs(b)), "|t*|/|t| at β₀ = \(b0)") }
            // The same count of exceedances out of 199 (NumPy's mean and a division differ in the last bit).
            assertClose((c["p_value"] as! NSNumber).doubleValue, boot.pValue(at: b0), tolerance: 1e-12, "p-value at β₀ = \(b0)")
        }
        // A wrong number of multiplier columns is refused, not misread.
        XCTAssertThrowsError(try WildClusterBootstrap(y: f.y, x: f.x, names: ["D", "x2"], coefficient: 0, unit: f.unit, time: f.time,
                                                      effects: .twoWays, weights: nil, cluster: f.region, replications: draws.rows,
                                                      multipliers: .rademacher, draws: draws, bootstrapCluster: nil))
    }
    /// Draws whose multipliers are one value on every cluster reproduce |t(β₀)| at every β₀ (the
    /// bootstrap scores are the original ones, scaled). With more than 5 % of the draws like that no β₀
    /// is rejected at 95 %, however far out: the interval is (−∞, ∞). The bracketing search used to walk
    /// out until rounding broke those ties and return a finite bound there (replication 1 of a
    /// `wild_cluster` run, 4 region clusters, Webb weights: [−7.27e12, 5594.9] where every β₀ beyond
    /// ±11 kept 10 of 199 draws tied).
    func testDrawsTiedAtEveryDistantNullMakeTheIntervalUnbounded() throws {
        // 40 units × 8 years in 4 clusters of 10; cluster 0 treated from year 4.
        let rng = RandomStream(seed: 21)
        let unit = (0..<320).map { $0 % 40 }, time = (0..<320).map { $0 / 40 }
        let cluster = unit.map { $0 / 10 }
        let d = (0..<320).map { unit[$0] < 10 && time[$0] >= 4 ? 1.0 : 0.0 }
        let y = d.map { -0.05 * $0 + rng.normal() }
        let webb = [-(1.5).squareRoot(), -1, -(0.5).squareRoot(), (0.5).squareRoot(), 1, (1.5).squareRoot()]
        func boot(tied: Int) throws -> WildClusterBootstrap {
            var v = Matrix(rows: 199, cols: 4)
            for b in 0..<199 {
                for c in 0..<4 { v[b, c] = b < tied ? webb[b % 6] : webb[rng.integer(below: 6)] }
            }
            return try WildClusterBootstrap(y: y, x: try Matrix(columns: [d]), names: ["D"], coefficient: 0, unit: unit, time: time,
                                            effects: .twoWays, weights: nil, cluster: cluster, replications: 199, multipliers: .webb,
                                            draws: v, bootstrapCluster: nil)
        }
        let unbounded = try boot(tied: 12)
        // The tied draws count at any distance: the p-value never falls to 5 %.
        for k in [1.0, 3, 6, 9] {
            XCTAssertGreaterThanOrEqual(unbounded.pValue(at: unbounded.estimate - pow(10, k) * unbounded.standardError), 12.0 / 199, "10^\(k) SE below")
        }
        let i = unbounded.interval()
        XCTAssertEqual(i.lower, -.infinity, "\(i)")
        XCTAssertEqual(i.upper, .infinity, "\(i)")
        // Two tied draws (1 %) leave the test free to reject far out: a finite interval, found by the search.
        let bounded = try boot(tied: 2).interval()
        XCTAssertTrue(bounded.lower.isFinite && bounded.upper.isFinite, "\(bounded)")
    }
}
