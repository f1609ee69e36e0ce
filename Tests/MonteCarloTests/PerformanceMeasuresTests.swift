import MonteCarlo
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
        XCTAssertEqual(PerformanceMeasures(nOK: m.nOK, nFailed: m.nFailed, values: m.allValues), m)
    }
}
