import Foundation
@testable import Numerics
import TestSupport
import XCTest

/// Streams are a pure function of (seed, cell, replication, purpose): the same
/// identity gives the same draws in any order or interleaving; different
/// identities give streams that behave as independent. Moment checks use fixed
/// seeds and bounds stated in Monte Carlo standard errors (k = 4, so a correct
/// generator fails a given check with probability below 1e-4).
final class RandomStreamTests: XCTestCase {
    let n = 10_000

    func testSameStreamIDGivesIdenticalDraws() {
        let id = StreamID(seed: 42, cell: 3, replication: 17, purpose: 2)
        let a = RandomStream(id), b = RandomStream(id)
        XCTAssertEqual((0..<100).map { _ in a.nextBits() }, (0..<100).map { _ in b.nextBits() })
        // Exact equality is the point here: reproducibility is bit for bit.
        XCTAssertEqual(a.normals(50).map(\.bitPattern), b.normals(50).map(\.bitPattern))
        XCTAssertEqual((0..<50).map { _ in a.gamma(shape: 2, scale: 1).bitPattern },
                       (0..<50).map { _ in b.gamma(shape: 2, scale: 1).bitPattern })
    }

    /// Drawing from two streams interleaved gives each the same sequence as drawing it alone:
    /// there is no shared generator state, so thread scheduling cannot change results.
    func testStreamsShareNoState() {
        let idA = StreamID(seed: 7, cell: 0, replication: 1), idB = StreamID(seed: 7, cell: 0, replication: 2)
        let aAlone = RandomStream(idA).normals(20), bAlone = RandomStream(idB).normals(20)
        let a = RandomStream(idA), b = RandomStream(idB)
        var aMixed: [Double] = [], bMixed: [Double] = []
        for _ in 0..<20 { bMixed.append(b.normal()); aMixed.append(a.normal()) }
        XCTAssertEqual(aAlone.map(\.bitPattern), aMixed.map(\.bitPattern))
        XCTAssertEqual(bAlone.map(\.bitPattern), bMixed.map(\.bitPattern))
    }

    func testDifferentIdentitiesGiveDifferentStreams() {
        let ids = [StreamID(seed: 1, cell: 0, replication: 0, purpose: 0),
                   StreamID(seed: 2, cell: 0, replication: 0, purpose: 0),
                   StreamID(seed: 1, cell: 1, replication: 0, purpose: 0),
                   StreamID(seed: 1, cell: 0, replication: 1, purpose: 0),
                   StreamID(seed: 1, cell: 0, replication: 0, purpose: 1),
                   StreamID(seed: 1, cell: 1, replication: 2, purpose: 0),
                   StreamID(seed: 1, cell: 2, replication: 1, purpose: 0)]   // swapped fields differ too
        XCTAssertEqual(Set(ids.map(\.key)).count, ids.count, "distinct keys")
        let firstDraws = ids.map { id -> [UInt64] in let s = RandomStream(id); return (0..<4).map { _ in s.nextBits() } }
        XCTAssertEqual(Set(firstDraws).count, ids.count, "distinct sequences")
        // Many neighbouring (cell, replication) pairs: no two share a key.
        var keys = Set<UInt64>()
        for cell in 0..<50 { for rep in 0..<200 { keys.insert(StreamID(seed: 9, cell: cell, replication: rep).key) } }
        XCTAssertEqual(keys.count, 50 * 200)
    }

    /// Sample correlation of 10,000 normals from neighbouring streams: under independence
    /// it is ≈ N(0, 1/n), so |r| ≤ 4/√n.
    func testNeighbouringStreamsAreUncorrelated() {
        let base = RandomStream(seed: 2026, cell: 5, replication: 10).normals(n)
        let others = [RandomStream(seed: 2026, cell: 5, replication: 11),
                      RandomStream(seed: 2026, cell: 6, replication: 10),
                      RandomStream(seed: 2026, cell: 5, replication: 10, purpose: 1),
                      RandomStream(seed: 2027, cell: 5, replication: 10)]
        for s in others {
            let r = Statistics.correlation(base, s.normals(n))
            assertWithinMCSE(0, r, mcse: 1 / Double(n).squareRoot(), k: 4, "correlation with \(s.id)")
        }
        // Lag-1 autocorrelation inside one stream, same bound.
        assertWithinMCSE(0, Statistics.correlation(Array(base.dropLast()), Array(base.dropFirst())),
                         mcse: 1 / Double(n).squareRoot(), k: 4, "lag-1 autocorrelation")
    }

    func testNormalMeanAndVariance() {
        let x = RandomStream(seed: 11, cell: 1, replication: 1).normals(n)
        assertWithinMCSE(0, Statistics.mean(x), mcse: 1 / Double(n).squareRoot(), k: 4, "mean of N(0,1): MCSE 1/√n")
        // Var(s²) = 2σ⁴/(n − 1) for normal data.
        assertWithinMCSE(1, Statistics.variance(x), mcse: (2 / Double(n - 1)).squareRoot(), k: 4, "variance of N(0,1)")
        let y = (0..<100).map { _ in RandomStream(seed: 11, cell: 1, replication: 2).normal(mean: 5, sd: 2) }
        XCTAssertEqual(Set(y).count, 1, "a fresh stream per draw repeats its first draw: streams are pure functions of their ID")
    }

    func testOtherSamplersMoments() {
        let s = RandomStream(seed: 3, cell: 0, replication: 0, purpose: 7)
        let u = (0..<n).map { _ in s.uniform() }
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        assertWithinMCSE(0.5, Statistics.mean(u), mcse: (1.0 / 12 / Double(n)).squareRoot(), k: 4, "U(0,1) mean, var 1/12")
        // Gamma(shape 2, scale 3): mean 6, variance 18.
        let g = (0..<n).map { _ in s.gamma(shape: 2, scale: 3) }
        assertWithinMCSE(6, Statistics.mean(g), mcse: (18 / Double(n)).squareRoot(), k: 4, "gamma mean")
        // t₁₀: variance 10/8 = 1.25; Var(s²) ≈ σ⁴(2/(n−1) + κ/n) with excess kurtosis κ = 6/(10−4) = 1.
        let t = (0..<n).map { _ in s.studentT(df: 10) }
        assertWithinMCSE(1.25, Statistics.variance(t), mcse: 1.25 * (2 / Double(n - 1) + 1 / Double(n)).squareRoot(), k: 4,
                         "t₁₀ variance")
        let k = (0..<n).map { _ in s.integer(below: 7) }
        XCTAssertEqual(Set(k), Set(0..<7), "integer(below:) covers 0..<7 and nothing else")
        // Each value has probability 1/7: count ~ Binomial(n, 1/7).
        for v in 0..<7 {
            let c = Double(k.filter { $0 == v }.count)
            assertWithinMCSE(Double(n) / 7, c, mcse: (Double(n) * (1.0 / 7) * (6.0 / 7)).squareRoot(), k: 4, "count of \(v)")
        }
    }

    func testMultivariateNormalCorrelation() throws {
        let rho = 0.6
        let sigma = try Matrix(rowArrays: [[1, rho], [rho, 1]])
        let l = try Cholesky(sigma).lower
        let s = RandomStream(seed: 5, cell: 2, replication: 9)
        let draws = (0..<n).map { _ in s.multivariateNormal(mean: [1, -1], choleskyLower: l) }
        let a = draws.map { $0[0] }, b = draws.map { $0[1] }
        assertWithinMCSE(1, Statistics.mean(a), mcse: 1 / Double(n).squareRoot(), k: 4)
        assertWithinMCSE(-1, Statistics.mean(b), mcse: 1 / Double(n).squareRoot(), k: 4)
        // The sample correlation's standard error is ≈ (1 − ρ²)/√n.
        assertWithinMCSE(rho, Statistics.correlation(a, b), mcse: (1 - rho * rho) / Double(n).squareRoot(), k: 4)
    }

    /// The inline samplers (issue 22) against GSL's own on a twin stream, bit for bit: 200,000 normals
    /// per stream (≈ 1.2 % of them leave the ziggurat's fast path for GSL's wedge and tail tests, the
    /// tail alone ≈ 50 times), interleaved with uniforms and raw words so the two states must stay in step.
    func testInlineDrawsAreGSLsDraws() {
        XCTAssertTrue(Ziggurat.isInline, "the ziggurat's strips were read from GSL and checked (else every draw goes to GSL)")
        for purpose in UInt64(0)..<3 {
            let id = StreamID(seed: 2026, cell: 4, replication: 12, purpose: purpose)
            let inline = RandomStream(id), gsl = RandomStream(id)
            var normals = 0, mismatches = 0
            for k in 0..<200_000 {
                switch k % 50 {
                case 7: if inline.uniform().bitPattern != gsl.gslUniform().bitPattern { mismatches += 1 }
                case 19: if inline.nextBits() != gsl.gslBits() { mismatches += 1 }
                case 31: if inline.uniformPositive().bitPattern != gsl.gslUniformPositive().bitPattern { mismatches += 1 }
                default:
                    normals += 1
                    if inline.normal().bitPattern != gsl.gslNormal().bitPattern { mismatches += 1 }
                }
            }
            XCTAssertEqual(mismatches, 0, "stream \(id): inline and GSL draws differ")
            XCTAssertEqual(normals, 188_000)
            XCTAssertEqual(inline.nextBits(), gsl.gslBits(), "states in step after the draws")
        }
        // The bulk form: the same values as one call per draw.
        let a = RandomStream(seed: 3, cell: 1, replication: 2), b = RandomStream(seed: 3, cell: 1, replication: 2)
        var block: [Double] = [1, 2, 3]
        a.normals(1_000, mean: 0.5, sd: 2, into: &block)
        XCTAssertEqual(block.map(\.bitPattern), (0..<1_000).map { _ in b.normal(mean: 0.5, sd: 2).bitPattern })
        XCTAssertEqual(a.normals(100_000, sd: 3).map(\.bitPattern), (0..<100_000).map { _ in (3 * b.gslNormal()).bitPattern })
        XCTAssertEqual(a.nextBits(), b.gslBits())
    }

    func testShuffleIsAReproduciblePermutation() {
        var a = Array(0..<100), b = Array(0..<100)
        RandomStream(seed: 1, replication: 4).shuffle(&a)
        RandomStream(seed: 1, replication: 4).shuffle(&b)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.sorted(), Array(0..<100))
        XCTAssertNotEqual(a, Array(0..<100))
    }
}
