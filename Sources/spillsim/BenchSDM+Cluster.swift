import Estimators
import Foundation
import Numerics

extension Spillsim.Bench.SDM {
    /// The cluster sandwich's cost at one size: the SDM fit with analytic SEs against the same fit with
    /// the cluster variance (both with the spectrum built once, the series nodes built by a first fit
    /// outside the timings, as in a run's later replications), and its cross-unit term alone — the
    /// O(N²) series (`SquaredGSeries`) against the dense N³ product it replaces — on pair weights from
    /// N × T standard normal residuals (the cost depends on N and the order only).
    func clusterLines(_ b: SyntheticSDMPanel) throws {
        let w = try SpatialWeights(sparse: b.weights, logDeterminant: .exact)
        guard let series = w.squaredG else { print("N = \(b.n)  cluster: W has no symmetric form"); return }
        let spec = SpatialBenchmark.spec
        let nodesBefore = SquaredGSeries.Tally.shared.nodes
        let first = try SpatialEstimator.fit(spec, panel: b.panel, weights: w, variance: .cluster)
        let nodes = SquaredGSeries.Tally.shared.nodes
        let analytic = try SpatialBenchmark.medianTimes(reps) { _ = try SpatialEstimator.fit(spec, panel: b.panel, weights: w) }
        let cluster = try SpatialBenchmark.medianTimes(reps) { _ = try SpatialEstimator.fit(spec, panel: b.panel, weights: w, variance: .cluster) }
        print(String(format: "N = %6d  fit+SE analytic %.2f ms (CPU %.2f), with the cluster variance %.2f ms (CPU %.2f): the cluster variance costs %.2f ms CPU; first fit built %d series node(s) in %.1f ms (%.1f MB each)",
                     b.n, analytic.wall, analytic.cpu, cluster.wall, cluster.cpu, cluster.cpu - analytic.cpu,
                     nodes.count - nodesBefore.count, 1e3 * (nodes.seconds - nodesBefore.seconds), Double(series.patchBytes) / 1e6))
        let rho = try first.rho.unwrap(or: "the SDM fit has no ρ̂")
        let stream = RandomStream(seed: 20261206, purpose: 7)
        let e = stream.normals(b.n * b.t)
        let p = Matrix(rows: b.n, cols: b.t, uncheckedColumnMajor: e).outerProduct()
        var nu = 0.0
        for i in 0..<b.n { nu += 2 * p[i, i] * p[i, i] }
        let pw = SquaredGSeries.packLower(p) { 2 * $0 * $0 }
        var term = series.term(rho: rho, pairWeights: pw, nuclearBound: nu)
        let viaSeries = SpatialBenchmark.medianTimes(reps) { term = series.term(rho: rho, pairWeights: pw, nuclearBound: nu) }
        var exact = term
        let viaDense = SpatialBenchmark.medianTimes(max(1, min(reps, 5))) { exact = series.dense(rho: rho, pairWeights: pw) }
        let order: String
        if case let .series(k, node) = term.method { order = String(format: "order %d about ρ₀ = %.4f", k, node) } else { order = "dense fallback" }
        print(String(format: "N = %6d  cross-unit term at ρ̂ = %.4f: series %.3f ms (CPU %.3f; %@), dense N³ product %.3f ms (CPU %.3f): %.1fx; relative difference %.1e, certified truncation bound %.1e",
                     b.n, rho, viaSeries.wall, viaSeries.cpu, order as NSString, viaDense.wall, viaDense.cpu, viaDense.cpu / viaSeries.cpu,
                     abs(term.value - exact.value) / exact.value, term.truncationBound / exact.value))
    }
}

extension Spillsim.Bench.SDM {
    /// The SAC's cluster cross term at one size (`SpatialBenchmark.sacCrossTerm`): series against dense.
    func sacLines(_ b: SyntheticSDMPanel) throws {
        let r = try SpatialBenchmark.sacCrossTerm(b, reps: reps)
        print(String(format: "N = %6d  SAC cross-unit term at ρ̂ = %.4f, λ̂ = %.4f: series %.3f ms (CPU %.3f), dense Ĝ, H + pairs %.3f ms (CPU %.3f): %.1fx; relative difference %.1e; first call built %d node(s) in %.1f ms (%.1f MB each)",
                     b.n, r.rho, r.lambda, r.series.wall, r.series.cpu, r.dense.wall, r.dense.cpu, r.dense.cpu / r.series.cpu,
                     r.relativeDifference, r.nodes, r.nodeMs, Double(r.patchBytes) / 1e6))
        print(String(format: "N = %6d  SAC cluster sandwich given its bread: series path CPU %.2f ms, dense operators CPU %.2f ms; the bread from the spectrum CPU %.2f ms, from the dense operators CPU %.2f ms; SAC fit with the cluster variance CPU %.2f ms",
                     b.n, r.sandwichSeriesCPU, r.sandwichDenseCPU, r.breadSpectralCPU, r.breadDenseCPU, r.fitCPU))
    }
}

private extension Optional {
    func unwrap(or message: String) throws -> Wrapped {
        guard let self else { throw EstimationError(message) }
        return self
    }
}
