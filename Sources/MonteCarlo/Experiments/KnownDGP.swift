import CitySystem
import Foundation
import Numerics

/// Built-in experiments whose sampling distribution is textbook knowledge, used
/// to check the engine (streams, measures, storage) independently of the city
/// system and the spatial estimators.
///
/// `model: ols` — y = Xβ + σε with X = [1, x_1 … x_{k−1}], x ~ N(0, 1) i.i.d.
/// redrawn each replication, ε i.i.d. N(0, 1) (or standardised Student t with
/// `errors: t` and `df`). Under normal errors the OLS t-interval has exact 95%
/// coverage and β̂ is unbiased, so the engine's summary must show exactly that.
public struct KnownDGPWorld: World {
    let document: ScenarioDocument
    let source: String

    public init(document: ScenarioDocument, seed: UInt64?, cell: Int, source: String) {
        (self.document, self.source) = (document, source)
    }

    /// No curve regressor.
    public func dataSupport() throws -> ClosedRange<Double>? { nil }

    /// `df` with normal errors: a setting this cell does not use (`MonteCarloScenario.refuseSettingsNoCellUses`).
    public static func unusedSettings(_ document: ScenarioDocument) -> [ScenarioError] {
        guard let section = document["known_dgp"], section["df"] != nil, section["errors"]?.scalarText != "t" else { return [] }
        return [ScenarioError(source: document.source, path: "known_dgp.df", reason: "applies to `errors: t` only; normal errors do not use it",
                              fix: "remove df or set errors: t")]
    }

    public func makeExperiment(cell: DesignCell, scenario: MonteCarloScenario) throws -> any Experiment {
        let reader = ScenarioValueReader(source: scenario.file)
        guard let section = cell.document["known_dgp"], let m = section.entries else {
            throw reader.error("known_dgp", "must be a mapping (model, n, beta, sigma, errors, df)")
        }
        var model = "ols", n = 50, beta = [1.0, 0.5], sigma = 1.0, errors = "normal", df = 5.0
        for (key, v) in m {
            let at = "known_dgp.\(key)"
            switch key {
            case "model": model = try reader.string(v, at)
            case "n": n = try reader.integer(v, at, minimum: 3)
            case "beta": beta = try reader.doubles(v, at)
            case "sigma": sigma = try reader.double(v, at)
            case "errors": errors = try reader.string(v, at)
            case "df": df = try reader.double(v, at)
            default: throw reader.error(at, "unknown key; `known_dgp` accepts model, n, beta, sigma, errors, df")
            }
        }
        guard model == "ols" else { throw reader.error("known_dgp.model", "unknown model `\(model)`; the built-in known DGP is `ols`") }
        guard !beta.isEmpty, n > beta.count else { throw reader.error("known_dgp.n", "must exceed the number of coefficients (\(beta.count))") }
        guard sigma > 0 else { throw reader.error("known_dgp.sigma", "must be positive; got \(sigma)") }
        guard errors == "normal" || errors == "t" else { throw reader.error("known_dgp.errors", "must be `normal` or `t`; got `\(errors)`") }
        guard df > 2 else { throw reader.error("known_dgp.df", "must exceed 2 so the errors have a variance; got \(df)") }
        let names = beta.indices.map { "beta\($0)" }
        for (i, spec) in cell.estimators.enumerated() {
            guard spec.model == "ols" else {
                throw reader.error("estimators[\(i)].model", "`\(spec.model)` cannot be fitted to the known OLS DGP; use `ols`")
            }
            for e in spec.estimands where !names.contains(e) {
                throw reader.error("estimators[\(i)].estimands", "unknown estimand `\(e)`; the OLS DGP has \(names.joined(separator: ", "))")
            }
            if let extra = spec.options.keys.sorted().first {
                throw reader.error("estimators[\(i)].\(extra)", "unknown option for the OLS estimator")
            }
        }
        return OLSExperiment(n: n, beta: beta, sigma: sigma, studentDF: errors == "t" ? df : nil,
                             estimands: cell.estimators.map { $0.estimands.map { names.firstIndex(of: $0)! } })
    }
}

/// The OLS known-DGP experiment (see `KnownDGPWorld`).
struct OLSExperiment: Experiment {
    let n: Int
    let beta: [Double]
    let sigma: Double
    let studentDF: Double?
    /// Coefficient indices scored by each estimator.
    let estimands: [[Int]]

    func replicate(_ context: ReplicationContext) -> [FitOutcome] {
        let k = beta.count
        let stream = context.stream(.data)
        var x = Matrix(rows: n, cols: k, repeating: 1)
        for j in 1..<max(k, 1) { for i in 0..<n { x[i, j] = stream.normal() } }
        let y: [Double] = (0..<n).map { i in
            var mean = 0.0
            for j in 0..<k { mean += x[i, j] * beta[j] }
            let e: Double
            if let df = studentDF {
                e = stream.studentT(df: df) * ((df - 2) / df).squareRoot()   // unit variance
            } else {
                e = stream.normal()
            }
            return mean + sigma * e
        }
        let fit: (coefficients: [Double], se: [Double], df: Double)
        do {
            let ls = try LeastSquares(x: x, y: y)
            let dfResid = Double(n - k)
            let s2 = ls.residualSumOfSquares / dfResid
            let inv = try ls.xtxInverse()
            fit = (ls.coefficients, (0..<k).map { (s2 * inv[$0, $0]).squareRoot() }, dfResid)
        } catch {
            return estimands.map { idx in
                FitOutcome(status: FitStatus(.failed, "OLS: \(error)"), results: idx.map { .missing(truth: beta[$0]) })
            }
        }
        let q = StudentT.quantile(0.975, df: fit.df)
        return estimands.map { idx in
            FitOutcome(status: .ok, results: idx.map { j in
                let b = fit.coefficients[j], s = fit.se[j]
                let p = 2 * StudentT.survival(abs(b / s), df: fit.df)
                return EstimandResult(truth: beta[j], estimate: b, standardError: s, lower: b - q * s, upper: b + q * s, pValue: p)
            })
        }
    }
}
