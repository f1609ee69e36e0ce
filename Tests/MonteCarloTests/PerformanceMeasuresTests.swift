@testable import MonteCarlo
import Numerics
import TestSupport
import XCTest

/// The measures against a hand computation (Python 3 `statistics` module, the
/// formulas of Morris, White & Crowther 2019 Table 6 typed in by hand) on five
/// replications, plus one failed fit that must be counted and excluded.
final class PerformanceMeasuresTests: XCTestCase {
    let truth = 0.95
    let estimates = [0.9, 1.2, 1.1, 0.8, 1.0]
    let ses = [0.2, 0.1, 0.15, 0.2, 0.1]
    let pValues = [0.01, 0.2, 0.03, 0.5, 0.04]

    func results() -> ([EstimandResult], [Bool]) {
        var r = zip(zip(estimates, ses), pValues).map { es, p in
            EstimandResult(truth: truth, estimate: es.0, standardError: es.1,
                           lower: es.0 - 1.96 * es.1, upper: es.0 + 1.96 * es.1, pValue: p)
        }
        // A failed fit whose (garbage) estimate must not enter any measure.
        r.append(EstimandResult(truth: truth, estimate: 99, standardError: 1, lower: 0, upper: 200, pValue: 0))
        return (r, [true, true, true, true, true, false])
    }

    func testMatchesHandComputation() {
        let (r, ok) = results()
        let m = PerformanceMeasures(results: r, ok: ok, alpha: 0.05)
        let tol = 1e-12   // a few ulps of summation-order difference between Swift and Python
        XCTAssertEqual(m.nOK, 5)
        XCTAssertEqual(m.nFailed, 1)
        assertClose(0.95, m.truth, tolerance: tol, "truth")
        assertClose(1.0, m.mean, tolerance: tol, "mean of the five estimates")
        assertClose(0.050000000000000065, m.bias, tolerance: tol, "bias")
        assertClose(0.07071067811865474, m.mcseBias, tolerance: tol, "sd(errors)/√5")
        assertClose(0.052631578947368494, m.relativeBias, tolerance: tol, "mean((θ̂−θ)/θ)")
        assertClose(0.07443229275647868, m.mcseRelativeBias, tolerance: tol, "sd((θ̂−θ)/θ)/√5")
        assertClose(0.15811388300841894, m.empiricalSE, tolerance: tol, "sd(θ̂)")
        assertClose(0.05590169943749473, m.mcseEmpiricalSE, tolerance: tol, "EmpSE/√(2·4)")
        assertClose(0.15652475842498528, m.modelSE, tolerance: tol, "√mean(s²)")
        assertClose(0.021488012794987608, m.mcseModelSE, tolerance: tol, "√(Var(s²)/(4R ModSE²))")
        assertClose(-1.005050633883331, m.relativeErrorModelSE, tolerance: 1e-10, "100(ModSE/EmpSE − 1)")
        assertClose(37.545890288432645, m.mcseRelativeErrorModelSE, tolerance: 1e-10, "Morris et al. Table 6")
        assertClose(0.0225, m.mse, tolerance: tol, "mean squared error")
        assertClose(0.010954451150103323, m.mcseMSE, tolerance: tol, "√(Σ(e²−MSE)²/(R(R−1)))")
        assertClose(0.15, m.rmse, tolerance: tol, "√MSE")
        assertClose(0.8, m.coverage, tolerance: tol, "4 of 5 intervals contain 0.95")
        assertClose((0.8 * 0.2 / 5).squareRoot(), m.mcseCoverage, tolerance: tol, "√(p(1−p)/R)")
        assertClose(0.8, m.biasEliminatedCoverage, tolerance: tol, "4 of 5 intervals contain θ + bias = 1.0")
        assertClose(0.6, m.rejection, tolerance: tol, "p < 0.05 in 3 of 5")
        assertClose((0.6 * 0.4 / 5).squareRoot(), m.mcseRejection, tolerance: tol, "√(p(1−p)/R)")
    }

    /// Robust measures by hand: errors (−0.05, 0.25, 0.15, −0.15, 0.05); median 0.05;
    /// |e| sorted (0.05, 0.05, 0.15, 0.15, 0.25), median 0.15; |e − 0.05| sorted
    /// (0, 0.1, 0.1, 0.2, 0.2), MAD 0.1; median SE of (0.2, 0.1, 0.15, 0.2, 0.1) is 0.15.
    func testRobustMeasuresMatchHandComputation() {
        let (r, ok) = results()
        let m = PerformanceMeasures(results: r, ok: ok, bootstrap: StreamID(seed: 7))
        let tol = 1e-15   // a median is an order statistic: only the subtraction θ̂ − θ rounds
        assertClose(0.05, m.medianBias, tolerance: tol, "median error")
        assertClose(0.15, m.madError, tolerance: tol, "median absolute error")
        assertClose(0.1482602218505602, m.robustSE, tolerance: 1e-14, "1.4826 × 0.1")
        assertClose(0.15, m.medianModelSE, tolerance: tol, "median model SE")
        assertClose(100 * (0.15 / 0.1482602218505602 - 1), m.relativeErrorRobustSE, tolerance: 1e-11, "100(0.15/robust SE − 1)")
        for v in [m.mcseMedianBias, m.mcseMADError, m.mcseRobustSE, m.mcseRelativeErrorRobustSE] {
            XCTAssertTrue(v.isFinite && v > 0, "bootstrap MCSE \(v)")
        }
        XCTAssertEqual(PerformanceMeasures(results: r, ok: ok, bootstrap: StreamID(seed: 7)), m, "same stream, same MCSEs")
        // The robust SE's MCSE is resampled (another stream, other draws); the medians' are exact.
        let other = PerformanceMeasures(results: r, ok: ok, bootstrap: StreamID(seed: 8))
        XCTAssertNotEqual(other.mcseRobustSE, m.mcseRobustSE)
        XCTAssertEqual(other.mcseMedianBias, m.mcseMedianBias)
        XCTAssertEqual(other.mcseMADError, m.mcseMADError)
        // Exact bootstrap SEs of the two medians over the 5⁵ resamples (MedianBootstrapTests.enumerated,
        // itself held to MedianBootstrap there): the errors and their absolute values.
        let errors = estimates.map { $0 - truth }
        assertClose(MedianBootstrapTests.enumerated(errors), m.mcseMedianBias, tolerance: 1e-13, "exact SE of the median error")
        assertClose(MedianBootstrapTests.enumerated(errors.map { abs($0) }), m.mcseMADError, tolerance: 1e-13,
                    "exact SE of the median |error|")
    }

    /// The bootstrap MCSE of the median against its asymptotic value
    /// √(π/2)·σ/√n (normal errors): with n = 400 the exact bootstrap SE of a median has
    /// relative error O(n^(−1/4)) from the median's discreteness, so a band of ±30% holds with
    /// a wide margin; the robust SE's (B = 500 resamples) adds ≈ 1/√(2B) (seeded, so deterministic).
    func testBootstrapMCSEOfTheMedianIsAboutItsAsymptoticValue() {
        let stream = RandomStream(seed: 99)
        let r = (0..<400).map { _ in EstimandResult(truth: 0, estimate: stream.normal()) }
        let m = PerformanceMeasures(results: r, ok: r.map { _ in true }, bootstrap: StreamID(seed: 3))
        let asymptotic = (Double.pi / 2).squareRoot() / 20
        XCTAssertEqual(m.mcseMedianBias / asymptotic, 1, accuracy: 0.3)
        XCTAssertEqual(m.mcseRobustSE / (0.05 * 1.166), 1, accuracy: 0.35, "asymptotic SE of 1.4826·MAD ≈ 1.166σ/√n")
    }

    func testTestsGetNoBiasAndSplitRejectionByTheNull() {
        let r = [(0.0, 0.01), (0.0, 0.5), (0.0, 0.6), (1.0, 0.01), (1.0, 0.02)].map {
            EstimandResult(truth: $0.0, estimate: $0.1 < 0.05 ? 1 : 0, pValue: $0.1, noncentrality: $0.0 * 2)
        }
        let m = PerformanceMeasures(results: r, ok: r.map { _ in true }, rule: ScoringRule(role: .test))
        XCTAssertTrue(m.bias.isNaN && m.empiricalSE.isNaN && m.rmse.isNaN && m.medianBias.isNaN)
        assertClose(3.0 / 5, m.rejection, tolerance: 1e-15)
        assertClose(1.0 / 3, m.rejectionNullTrue, tolerance: 1e-15, "size: 1 of 3 with a true null")
        assertClose(1, m.rejectionNullFalse, tolerance: 0, "power: 2 of 2")
        XCTAssertEqual(m.nNullTrue, 3)
        assertClose(0.8, m.noncentrality, tolerance: 1e-15, "mean of (0, 0, 0, 2, 2)")
    }

    /// Issue 20: the null-true rejection rate by distance from the least-favourable null,
    /// read off the noncentrality (0 at the boundary, more negative deeper inside the null).
    func testNullTrueRejectionIsSplitByDistanceFromTheBoundary() {
        let r = [(0.0, 0.01, -0.2), (0.0, 0.5, -0.9), (0.0, 0.03, -1.5), (0.0, 0.6, -4.0), (0.0, 0.7, -6.0), (1.0, 0.01, 2.0)].map {
            EstimandResult(truth: $0.0, estimate: $0.1 < 0.05 ? 1 : 0, pValue: $0.1, noncentrality: $0.2)
        }
        let m = PerformanceMeasures(results: r, ok: r.map { _ in true }, rule: ScoringRule(role: .test))
        XCTAssertEqual(m.nNullTrue, 5)
        XCTAssertEqual(m.nNullBoundary, 2)
        XCTAssertEqual(m.nNullInterior, 3)
        assertClose(0.5, m.rejectionNullBoundary, tolerance: 1e-15, "1 of the 2 within one SE of the boundary")
        assertClose(1.0 / 3, m.rejectionNullInterior, tolerance: 1e-15, "1 of the 3 deeper inside")
        assertClose((0.5 * 0.5 / 2).squareRoot(), m.mcseRejectionNullBoundary, tolerance: 1e-15)
        assertClose(0.5, m.value("rejection_null_boundary"), tolerance: 0, "stored and read by name")
    }

    func testNonFiniteEstimateCountsAsFailed() {
        let r = [EstimandResult(truth: 1, estimate: .nan), EstimandResult(truth: 1, estimate: 1.5), EstimandResult(truth: 1, estimate: 0.5)]
        let m = PerformanceMeasures(results: r, ok: [true, true, true])
        XCTAssertEqual(m.nOK, 2)
        XCTAssertEqual(m.nFailed, 1)
        assertClose(0, m.bias, tolerance: 1e-15, "(0.5 + (−0.5))/2")
        XCTAssertTrue(m.coverage.isNaN, "no intervals were given")
        XCTAssertTrue(m.rejection.isNaN, "no p-values were given")
    }

    func testStoredValuesRoundTrip() {
        let (r, ok) = results()
        let m = PerformanceMeasures(results: r, ok: ok)
        XCTAssertEqual(m.nNoTruth, 0)
        XCTAssertEqual(PerformanceMeasures(nOK: m.nOK, nFailed: m.nFailed, nNoTruth: m.nNoTruth, values: m.allValues), m)
        // A format_version 1 summary row (the first 22 columns) reads, the new columns NaN.
        let old = PerformanceMeasures(nOK: m.nOK, nFailed: m.nFailed, nNoTruth: nil, values: Array(m.allValues.prefix(22)),
                                      columns: Array(PerformanceMeasures.columnNames.prefix(22)))
        XCTAssertEqual(old.bias, m.bias)
        XCTAssertTrue(old.medianBias.isNaN)
        XCTAssertEqual(old.comparable, 1)
    }

    /// The three counts split every replication once: a failed fit and a non-finite estimate are
    /// failures whatever the truth; a converged fit with a finite estimate and a non-finite truth is
    /// `nNoTruth`; the rest is used. Every combination of status, estimate and truth (finite, NaN, ∞).
    func testEveryReplicationIsOKFailedOrWithoutTruth() {
        let values = [1.5, Double.nan, Double.infinity]
        var results: [EstimandResult] = [], ok: [Bool] = []
        var expected = (ok: 0, failed: 0, noTruth: 0)
        for fitOK in [true, false] {
            for estimate in values {
                for truth in [1.0, .nan, -.infinity] {
                    results.append(EstimandResult(truth: truth, estimate: estimate, standardError: 0.2, lower: 1, upper: 2, pValue: 0.01))
                    ok.append(fitOK)
                    let single = PerformanceMeasures(results: [results.last!], ok: [fitOK])
                    if !fitOK || !estimate.isFinite {
                        expected.failed += 1
                        XCTAssertEqual([single.nOK, single.nFailed, single.nNoTruth], [0, 1, 0], "ok \(fitOK), estimate \(estimate), truth \(truth)")
                    } else if !truth.isFinite {
                        expected.noTruth += 1
                        XCTAssertEqual([single.nOK, single.nFailed, single.nNoTruth], [0, 0, 1], "truth \(truth)")
                        XCTAssertTrue(single.coverage.isNaN && single.bias.isNaN, "a replication without a truth enters no measure")
                    } else {
                        expected.ok += 1
                        XCTAssertEqual([single.nOK, single.nFailed, single.nNoTruth], [1, 0, 0])
                    }
                }
            }
        }
        let m = PerformanceMeasures(results: results, ok: ok)
        XCTAssertEqual(m.nOK, 1)
        XCTAssertEqual(m.nFailed, 15, "9 failed fits, whatever their values, and 6 converged fits with a NaN or infinite estimate")
        XCTAssertEqual(m.nNoTruth, 2)
        XCTAssertEqual(m.nOK + m.nFailed + (m.nNoTruth ?? -1), results.count)
        XCTAssertEqual([m.nOK, m.nFailed, m.nNoTruth], [expected.ok, expected.failed, expected.noTruth])
        // The measures are those of the used replication alone: neither kind of excluded one moves a bit.
        let alone = PerformanceMeasures(results: [results[0]], ok: [true])
        XCTAssertEqual(m.allValues.map(\.bitPattern), alone.allValues.map(\.bitPattern))
        XCTAssertEqual(m.value("n_no_truth"), 2)
    }

    /// A summary row read by column name: `n_no_truth` when stored; absent (a file written before the
    /// count, whose `n_failed` still holds those replications) it is unknown — NaN by name, not 0.
    func testNoTruthCountReadByNameAndUnknownWhenAbsent() {
        let (r, ok) = results()
        let m = PerformanceMeasures(results: r, ok: ok)
        var named = Dictionary(uniqueKeysWithValues: zip(PerformanceMeasures.countNames + PerformanceMeasures.columnNames, m.countValues + m.allValues))
        XCTAssertEqual(PerformanceMeasures(named), m)
        named["n_no_truth"] = 3
        XCTAssertEqual(PerformanceMeasures(named).nNoTruth, 3)
        named["n_no_truth"] = nil
        let old = PerformanceMeasures(named)
        XCTAssertNil(old.nNoTruth)
        XCTAssertTrue(old.value("n_no_truth").isNaN)
        XCTAssertTrue(old.countValues[2].isNaN, "written back as NaN, not as a count of 0")
        XCTAssertEqual(old.nFailed, 1)
        XCTAssertNotEqual(old, m, "unknown differs from 0")
    }
}
