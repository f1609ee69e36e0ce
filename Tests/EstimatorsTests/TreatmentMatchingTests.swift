import XCTest
import Numerics
import TestSupport
@testable import Estimators

final class TreatmentMatchingTests: XCTestCase {
    private func greedy(_ treated: [Bool], _ d: [Double], order: MatchingSpec.Order = .largest, ratio: Int = 1,
                        replace: Bool = false, caliper: Double? = nil) -> [Int: [Int]] {
        let ord = Matching.treatedOrder(treated: treated, distance: d, order: order)
        return Matching.greedyOnScore(treated: treated, discarded: treated.map { _ in false }, distance: d,
                                      order: ord, ratio: ratio, replace: replace, caliper: caliper)
    }

    func testGreedyOrderChangesWhoGetsTheCloseControl() {
        // Treated A = 0.45 (index 0), B = 0.6 (1); controls 0.5, 0.1, 0.9.
        let t = [true, true, false, false, false]
        let d = [0.45, 0.6, 0.5, 0.1, 0.9]
        let largest = greedy(t, d, order: .largest)
        XCTAssertEqual(largest[1], [2]); XCTAssertEqual(largest[0], [3])
        let smallest = greedy(t, d, order: .smallest)
        XCTAssertEqual(smallest[0], [2]); XCTAssertEqual(smallest[1], [4])
    }

    func testExactTieGoesToTheSmallerDistanceSideAsMatchIt() {
        // |0.5 − 0.25| = |0.75 − 0.5| exactly; MatchIt scans left first and keeps the first found.
        let m = greedy([false, true, false], [0.75, 0.5, 0.25])
        XCTAssertEqual(m[1], [2])
    }

    func testRatioTwoWithoutReplacementMatchesInRounds() {
        // T1 = 0.6, T2 = 0.42; controls 0.58, 0.45, 0.0, 1.0. Round 1: T1→0.58, T2→0.45;
        // round 2: T1→1.0 (0.4 < 0.6), T2→0.0. Matching T1's two at once would give T1 0.45.
        let t = [true, true, false, false, false, false]
        let d = [0.6, 0.42, 0.58, 0.45, 0.0, 1.0]
        let m = greedy(t, d, ratio: 2)
        XCTAssertEqual(m[0], [2, 5]); XCTAssertEqual(m[1], [3, 4])
        let w = Matching.matchingWeights(n: 6, treated: t, matches: m, shares: [:])
        assertClose([1, 1, 1, 1, 1, 1], w, tolerance: 1e-15, "each control serves one treated with k = 2: 1/2, rescaled to count")
    }

    func testReplacementWeightsFollowMatchIt() {
        // Two treated share control 0.51; the third takes 0.88. Raw weights 2 and 1, rescaled to sum to 2.
        let t = [true, true, true, false, false, false]
        let d = [0.5, 0.52, 0.9, 0.51, 0.88, 0.1]
        let m = greedy(t, d, replace: true)
        XCTAssertEqual(m[0], [3]); XCTAssertEqual(m[1], [3]); XCTAssertEqual(m[2], [4])
        let w = Matching.matchingWeights(n: 6, treated: t, matches: m, shares: [:])
        assertClose([1, 1, 1, 4.0 / 3, 2.0 / 3, 0], w, tolerance: 1e-15, "MatchIt weights_matrixC + .make_sum_to_n")
    }

    func testCaliperDropsTreatedWithoutCloseControl() {
        let t = [true, true, false, false]
        let d = [0.5, 0.95, 0.45, 0.1]
        let m = greedy(t, d, caliper: 0.1)
        XCTAssertEqual(m[0], [2]); XCTAssertNil(m[1])
    }

    func testEndToEndMatchItDefaultCountsAndBalanceOnSimulatedData() throws {
        let rng = RandomStream(seed: 11)
        let n = 300
        var x1: [Double] = [], x2: [Double] = [], d: [Bool] = []
        for _ in 0..<n {
            let a = rng.normal(), b = rng.bernoulli(0.4) ? 1.0 : 0.0
            x1.append(a); x2.append(b)
            d.append(rng.bernoulli(1 / (1 + exp(-(-1.2 + 0.8 * a + 0.5 * b)))))
        }
        let x = try Matrix(columns: [x1, x2])
        let r = try Matching.match(treated: d, covariates: x, names: ["x1", "x2"])
        let nT = d.filter { $0 }.count
        XCTAssertEqual(r.counts.matchedTreated, nT, "1:1 without caliper matches every treated unit when controls outnumber them")
        XCTAssertEqual(r.counts.matchedControl, nT)
        let bal = Balance.table(treated: d, covariates: x, names: ["x1", "x2"], weights: r.weights)
        XCTAssertLessThan(abs(bal[0].smdAfter), abs(bal[0].smdBefore), "matching on the true score improves balance")
        // Denominator check: SMD before = (mean₁ − mean₀)/sd₁ with the full-sample treated SD.
        let t1 = (0..<n).filter { d[$0] }.map { x1[$0] }
        let c0 = (0..<n).filter { !d[$0] }.map { x1[$0] }
        assertClose((Statistics.mean(t1) - Statistics.mean(c0)) / Statistics.standardDeviation(t1), bal[0].smdBefore,
                    tolerance: 1e-12, "MatchIt s.d.denom = treated")
        let p1 = (0..<n).filter { d[$0] }.map { x2[$0] }
        let q = Statistics.mean(p1)
        let c2 = (0..<n).filter { !d[$0] }.map { x2[$0] }
        assertClose((q - Statistics.mean(c2)) / (q * (1 - q)).squareRoot(), bal[1].smdBefore, tolerance: 1e-12,
                    "MatchIt binary SD √(p(1−p))")
        XCTAssertTrue(bal[1].varianceRatioBefore.isNaN, "MatchIt reports no variance ratio for 0/1 variables")
        let pooled = Balance.table(treated: d, covariates: x, names: ["x1", "x2"], weights: r.weights, denominator: .pooled)
        let sp = ((Statistics.variance(t1) + Statistics.variance(c0)) / 2).squareRoot()
        assertClose((Statistics.mean(t1) - Statistics.mean(c0)) / sp, pooled[0].smdBefore, tolerance: 1e-12,
                    "pooled SD √((s₁² + s₀²)/2)")
    }

    func testKernelSharesSumToOnePerTreated() throws {
        let t = [true, false, false, false]
        let d = [0.5, 0.48, 0.53, 0.9]
        let (m, s) = Matching.kernel(treated: t, discarded: [false, false, false, false], distance: d, bandwidth: 0.06, caliper: nil)
        XCTAssertEqual(m[0], [1, 2])
        assertClose(1, s[0]!.reduce(0, +), tolerance: 1e-14, "normalised kernel shares")
        XCTAssertGreaterThan(s[0]![0], s[0]![1], "closer control gets more weight")
    }

    func testCommonSupportBoth() {
        let t = [true, true, false, false]
        let s = [0.2, 0.9, 0.1, 0.7]
        XCTAssertEqual(Matching.trim(treated: t, score: s, support: .both), [false, true, true, false])
    }
    /// `--distance mahalanobis --order largest` trapped (an index into the empty score vector):
    /// MatchIt 4.5.1 refuses largest/smallest with a Mahalanobis distance, and so must every entry point.
    func testMahalanobisRefusesAScoreOrderInsteadOfTrapping() throws {
        let rng = RandomStream(seed: 3)
        let n = 40
        let x = Matrix(rows: n, cols: 2, uncheckedColumnMajor: rng.normals(2 * n))
        let treated = (0..<n).map { $0 % 3 == 0 }
        for order in [MatchingSpec.Order.largest, .smallest] {
            for support in [MatchingSpec.Support.none, .both] {
                let spec = MatchingSpec(distance: .mahalanobis, order: order, support: support)
                XCTAssertThrowsError(try Matching.match(treated: treated, covariates: x, names: ["a", "b"], spec: spec)) { error in
                    XCTAssertTrue(error is TreatmentError)
                    XCTAssertTrue("\(error)".contains("Mahalanobis"), "\(error)")
                }
            }
        }
        // The orders MatchIt allows still match, and data order stays the default.
        let allowed: [MatchingSpec.Order?] = [.data, .random(StreamID(seed: 1)), nil]
        for order in allowed {
            let r = try Matching.match(treated: treated, covariates: x, names: ["a", "b"],
                                       spec: MatchingSpec(distance: .mahalanobis, order: order))
            XCTAssertEqual(r.counts.matchedTreated, treated.filter { $0 }.count)
        }
    }

    /// Common-support trimming takes both groups' score ranges: one group empty is an error, not a trap.
    func testSuppliedDistanceWithOneGroupThrows() {
        let spec = MatchingSpec(support: .both)
        XCTAssertThrowsError(try Matching.match(treated: [false, false, false], distance: [0.1, 0.2, 0.3], spec: spec))
        XCTAssertThrowsError(try Matching.match(treated: [true, true], distance: [0.1, 0.2], spec: spec))
    }
}
