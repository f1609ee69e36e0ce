@testable import MonteCarlo
import XCTest

/// The robust measures' resampled MCSEs (robust SE, its relative error) draw from a stream keyed by the estimator's name
/// and the count of used replications (`CellResults.resampleStream`), so adding or reordering estimators in a scenario,
/// or cutting a copy with fewer of them, leaves every other estimator's MCSEs bit for bit the same.
final class BootstrapStreamKeyTests: XCTestCase {
    static func scenario(_ estimators: [String]) -> String {
        """
        name: bootstrap-key-test
        seed: 20261206
        known_dgp: {model: ols, n: 15, beta: [1.0, -0.5], sigma: 1.0}
        monte_carlo: {replications: 9}
        estimators:
        \(estimators.map { "  - {name: \($0), model: ols, estimands: [beta0, beta1]}" }.joined(separator: "\n"))
        grid:
          known_dgp.sigma: [0.5, 2.0]
        """
    }

    /// Every (cell, estimator name) → its measures.
    func measures(_ estimators: [String], threads: Int = 1) throws -> [String: [PerformanceMeasures]] {
        let run = try InMemoryRun.run(Self.scenario(estimators), threads: threads)
        var byName: [String: [PerformanceMeasures]] = [:]
        for cell in run.cells {
            for (e, m) in cell.measures(run.metadata, threads: threads).enumerated() {
                byName["\(cell.info.index)/\(run.metadata.estimators[e].name)"] = m
            }
        }
        return byName
    }

    func testReorderingOrAddingEstimatorsLeavesEachEstimatorsMCSEsUnchanged() throws {
        let base = try measures(["ols_a", "ols_b"])
        let reordered = try measures(["ols_c", "ols_b", "ols_a"], threads: 2)
        XCTAssertEqual(base.count, 4)
        for (key, m) in base {
            XCTAssertEqual(reordered[key], m, "\(key): the same measures, MCSEs included, bit for bit")
            XCTAssertTrue(m[1].mcseMedianBias.isFinite && m[1].mcseRobustSE.isFinite, "\(key): the bootstrap ran")
        }
        // Same data and estimates under two names: the streams differ, so the MCSEs do.
        let a = try XCTUnwrap(base["0/ols_a"]), b = try XCTUnwrap(base["0/ols_b"])
        XCTAssertEqual(a[1].medianBias, b[1].medianBias)
        XCTAssertNotEqual(a[1].mcseRobustSE, b[1].mcseRobustSE)
        // The medians' MCSEs are exact (MedianBootstrap): no stream, the same for both names.
        XCTAssertEqual(a[1].mcseMedianBias, b[1].mcseMedianBias)
    }

    /// Every estimand's measures are those of its own results with the resamples of the stream
    /// (seed, cell, estimator name, 2⁴¹ + n used): the estimands of an estimator with the same n share
    /// one set of resamples, drawn once.
    func testEachEstimandsMeasuresUseTheSharedStreamOfItsEstimatorAndCount() throws {
        let run = try InMemoryRun.run(Self.scenario(["ols_a", "ols_b"]), threads: 2)
        for cell in run.cells {
            let all = cell.measures(run.metadata, threads: 2)
            for (e, estimator) in run.metadata.estimators.enumerated() {
                let ok = cell.records.map { $0.fits[e].status.isOK }
                for k in estimator.rules.indices {
                    let results = cell.records.map { $0.fits[e].results[k] }
                    let n = all[e][k].nOK
                    let stream = CellResults.resampleStream(seed: run.metadata.seed, cell: cell.info.index,
                                                            estimator: estimator.name, replications: n)
                    let alone = PerformanceMeasures(results: results, ok: ok, alpha: run.metadata.alpha, rule: estimator.rules[k],
                                                    bootstrap: stream)
                    XCTAssertEqual(alone, all[e][k], "cell \(cell.info.index), \(estimator.name), estimand \(k)")
                    XCTAssertTrue(all[e][k].mcseRobustSE.isFinite, "the resamples ran")
                }
            }
        }
    }
}
