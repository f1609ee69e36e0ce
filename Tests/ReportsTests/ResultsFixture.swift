import Foundation
@testable import MonteCarlo

/// Writes a small result file (docs/results-schema.md) with chosen draws and
/// summaries through the engine's writer, so the report is tested on known
/// numbers without running an experiment. Made here, by this code, each time a test runs.
///
/// Two cells (ρ = 0.2 and 0.5, N = 50), R = 40, two estimators:
/// `sdm` scored on rho, beta1, direct and total curve points at CA = 0.1, 0.5, 0.9,
/// turning_point_direct and utest_direct; `ols` on beta1 and utest_direct.
/// The estimates are truth + 0.05 × (pseudo-normal noise) (+ 0.01 for ols, a
/// known bias); sdm replication 3 fails in cell 1 (status 2, NaN estimates) and
/// ols replication 5 does not converge in cell 0 (status 1).
enum ResultsFixture {
    static let replications = 40
    static let rhos = [0.2, 0.5]
    static let summaryColumns = [
        "n_ok", "n_failed", "n_no_truth", "true", "mean", "bias", "mcse_bias", "rel_bias", "mcse_rel_bias", "emp_se", "mcse_emp_se",
        "model_se", "mcse_model_se", "rel_error_model_se", "mcse_rel_error_model_se", "mse", "mcse_mse", "rmse",
        "mcse_rmse", "coverage", "mcse_coverage", "be_coverage", "mcse_be_coverage", "rejection", "mcse_rejection",
    ]
    static let estimands = [
        "sdm": ["rho", "beta1", "direct@0.1", "direct@0.5", "direct@0.9", "total@0.1", "total@0.5", "total@0.9",
                "turning_point_direct", "utest_direct"],
        "ols": ["beta1", "utest_direct"],
    ]

    /// Slope of the direct-effect curve at CA = x: b1 + 2 b2 x, turning point at −b1/(2 b2) = 0.25.
    static func trueValue(_ estimand: String, rho: Double) -> Double {
        let b1 = -0.3, b2 = 0.6
        switch estimand {
        case "rho": return rho
        case "beta1": return b1
        case "turning_point_direct": return -b1 / (2 * b2)
        case "utest_direct": return 1
        default:
            let parts = estimand.split(separator: "@")
            let x = Double(parts[1])!
            let direct = b1 + 2 * b2 * x
            return parts[0] == "direct" ? direct : direct / (1 - rho)
        }
    }

    /// A deterministic pseudo-normal sequence (LCG + Box–Muller): enough for a fixture.
    struct Noise {
        var state: UInt64
        mutating func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        mutating func normal() -> Double {
            (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
        }
    }

    /// The summary the fixture stores, computed here from the fixture's own draws
    /// (MODEL.md §7 formulas for the measures the report shows; others NaN).
    static func summary(estimates: [Double], truths: [Double], se: [Double], lower: [Double], upper: [Double],
                        p: [Double], failed: Int) -> [Double] {
        let n = Double(estimates.count)
        let mean = estimates.reduce(0, +) / n
        let errors = zip(estimates, truths).map { $0 - $1 }
        let bias = errors.reduce(0, +) / n
        let sdE = (errors.map { ($0 - bias) * ($0 - bias) }.reduce(0, +) / (n - 1)).squareRoot()
        let empSE = (estimates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
        let modelSE = (se.map { $0 * $0 }.reduce(0, +) / n).squareRoot()
        let mse = errors.map { $0 * $0 }.reduce(0, +) / n
        let covered = (0..<estimates.count).filter { lower[$0] <= truths[$0] && truths[$0] <= upper[$0] }.count
        let coverage = Double(covered) / n
        let rejection = Double(p.filter { $0 < 0.05 }.count) / n
        var v = [Double](repeating: .nan, count: summaryColumns.count)
        func set(_ c: String, _ x: Double) { v[summaryColumns.firstIndex(of: c)!] = x }
        set("n_ok", n); set("n_failed", Double(failed)); set("n_no_truth", 0); set("true", truths.reduce(0, +) / n); set("mean", mean)
        set("bias", bias); set("mcse_bias", sdE / n.squareRoot())
        set("emp_se", empSE); set("mcse_emp_se", empSE / (2 * (n - 1)).squareRoot()); set("model_se", modelSE)
        set("mse", mse); set("rmse", mse.squareRoot())
        set("coverage", coverage); set("mcse_coverage", (coverage * (1 - coverage) / n).squareRoot())
        set("rejection", rejection); set("mcse_rejection", (rejection * (1 - rejection) / n).squareRoot())
        return v
    }

    /// The run the fixture claims to be: two cells (the grid), two estimators.
    static let scenario = """
        name: report-fixture
        seed: 7
        known_dgp: {}
        monte_carlo: {replications: \(replications), alpha: 0.05}
        estimators:
          - {name: sdm, model: sdm, estimands: [\(estimands["sdm"]!.joined(separator: ", "))]}
          - {name: ols, model: ols, estimands: [\(estimands["ols"]!.joined(separator: ", "))]}
        grid:
          city_system.outcome.rho: [\(rhos.map { "\($0)" }.joined(separator: ", "))]
          city_system.n: [50]
        """

    /// Writes the fixture to `path` through the engine's result-file writer and
    /// returns the stored summaries, keyed "cell/estimator/estimand".
    @discardableResult
    static func write(to path: String) throws -> [String: [Double]] {
        let run = try MonteCarloScenario(text: scenario, file: "report-fixture.yaml")
        let metadata = RunMetadata(scenario: run, cells: try run.cells(), replications: replications, shard: .whole, toolVersion: "test")
        let sink = try HDF5ResultsFormat().create(path: path, metadata: metadata)
        var stored: [String: [Double]] = [:]
        var noise = Noise(state: 20241129)
        for (c, rho) in rhos.enumerated() {
            var fits: [[FitOutcome]] = Array(repeating: [], count: replications)
            var measures: [[PerformanceMeasures]] = []
            for est in ["sdm", "ols"] {
                let names = estimands[est]!, k = names.count
                let status = (0..<replications).map { r -> FitStatus.Code in
                    if est == "sdm", c == 1, r == 3 { return .failed }
                    if est == "ols", c == 0, r == 5 { return .notConverged }
                    return .ok
                }
                var truth = [Double](), estimate = [Double](), se = [Double](), lower = [Double](), upper = [Double](), pv = [Double]()
                for r in 0..<replications {
                    for name in names {
                        let t = trueValue(name, rho: rho)
                        let shift = est == "ols" ? 0.01 : 0
                        let e = status[r] == .ok ? t + shift + 0.05 * noise.normal() : .nan
                        let p = name.hasPrefix("utest") ? pow(noise.uniform(), 2) : noise.uniform()
                        truth.append(t); estimate.append(e); se.append(status[r] == .ok ? 0.05 : .nan)
                        lower.append(e - 1.96 * 0.05); upper.append(e + 1.96 * 0.05); pv.append(status[r] == .ok ? p : .nan)
                    }
                }
                for r in 0..<replications {
                    let results = (0..<k).map { j in
                        EstimandResult(truth: truth[r * k + j], estimate: estimate[r * k + j], standardError: se[r * k + j],
                                       lower: lower[r * k + j], upper: upper[r * k + j], pValue: pv[r * k + j])
                    }
                    fits[r].append(FitOutcome(status: FitStatus(status[r], status[r] == .ok ? "" : "fixture failure"), results: results))
                }
                let ok = (0..<replications).filter { status[$0] == .ok }
                measures.append(names.enumerated().map { j, name in
                    let pick = { (a: [Double]) in ok.map { a[$0 * k + j] } }
                    let s = summary(estimates: pick(estimate), truths: pick(truth), se: pick(se), lower: pick(lower),
                                    upper: pick(upper), p: pick(pv), failed: replications - ok.count)
                    stored["\(c)/\(est)/\(name)"] = s
                    return PerformanceMeasures(Dictionary(uniqueKeysWithValues: zip(summaryColumns, s)))
                })
            }
            let records = (0..<replications).map { ReplicationRecord(replication: $0, streamKey: 0, fits: fits[$0]) }
            try sink.write(cell: CellResults(info: metadata.cells[c], records: records), measures: measures)
        }
        try sink.commit()
        return stored
    }
}
