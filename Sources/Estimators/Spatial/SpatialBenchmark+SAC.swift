import Foundation
import Numerics

extension SpatialBenchmark {
    /// The SAC sandwiches' cross-unit term at one size (M = W, two-way Lee–Yu SAC fitted to the panel).
    public struct SACCrossTermTiming: Sendable {
        public let rho: Double, lambda: Double
        /// Δ by the series (`CrossUnitTerm(series:…)`: three terms) and by the dense form it replaces
        /// (Ĝ and H from two LU solves and three N³ products, then the pairs): wall and thread CPU, ms.
        public let series: (wall: Double, cpu: Double)
        public let dense: (wall: Double, cpu: Double)
        /// The cluster sandwich given its bread (scores, Δ), series path against the dense operators: CPU ms.
        public let sandwichSeriesCPU: Double, sandwichDenseCPU: Double
        /// The bread (the expected information's inverse) from the spectrum against the dense Ĝ and H: CPU ms.
        public let breadSpectralCPU: Double, breadDenseCPU: Double
        /// The SAC fit with the cluster variance (search, bread, sandwich): CPU ms, median.
        public let fitCPU: Double
        /// Largest relative difference of the three sums, series against dense (ρλ relative to √(ρρ·λλ)).
        public let relativeDifference: Double
        /// Series nodes built by the first call (term and power patches) and their wall time (ms), bytes per patch.
        public let nodes: Int, nodeMs: Double, patchBytes: Int
    }

    /// Times the SAC cross term on `b` with pair weights from N × T standard normal residuals (the cost
    /// depends on N and the orders only), after one call that builds the series nodes (as in a run's later
    /// replications): medians over `reps` (the dense form over at most 5).
    public static func sacCrossTerm(_ b: SyntheticSDMPanel, reps: Int) throws -> SACCrossTermTiming {
        let w = try SpatialWeights(sparse: b.weights, logDeterminant: .exact)
        guard let series = CrossUnitTerm.series(weights: w, errorWeights: w) else {
            throw EstimationError("the SAC cross-term benchmark needs a W with a symmetric form")
        }
        let spec = SpatialModelSpec(model: .sac, effects: .twoWays, approach: .leeYu, durbin: .all)
        let d = try SACDesign(spec: spec, panel: b.panel, weights: w, errorWeights: w)
        let point = try SACSearch.maximise(d, weights: w, errorWeights: w)
        let n = b.n
        let e = RandomStream(seed: 20261206, purpose: 8).normals(n * b.t)
        let products = Matrix(rows: n, cols: b.t, uncheckedColumnMajor: e).outerProduct()
        let pw = SquaredGSeries.packLower(products) { 2 * $0 * $0 }
        var nu = 0.0
        for i in 0..<n { nu += 2 * products[i, i] * products[i, i] }
        let before = SquaredGSeries.Tally.shared.nodes
        var viaSeries = CrossUnitTerm(series: series, rho: point.rho, lambda: point.lambda, pairWeights: pw, nuclearBound: nu)
        let after = SquaredGSeries.Tally.shared.nodes
        let timedSeries = Self.medianTimes(reps) {
            viaSeries = CrossUnitTerm(series: series, rho: point.rho, lambda: point.lambda, pairWeights: pw, nuclearBound: nu)
        }
        var viaDense = viaSeries
        let timedDense = try Self.medianTimes(max(1, min(reps, 5))) {
            let (gHat, h, _) = try SACVariance.operators(rho: point.rho, lambda: point.lambda, weights: w, errorWeights: w)
            var t = CrossUnitTerm(gHat: gHat, h: h)
            for j in 0..<n { for i in 0..<n where i != j { t.add(i, j, weight: products.data[i + j * n] * products.data[i + j * n]) } }
            viaDense = t
        }
        let s = viaSeries.sums, x = viaDense.sums
        let difference = max(abs(s.rr - x.rr) / abs(x.rr), abs(s.ll - x.ll) / abs(x.ll), abs(s.rl - x.rl) / (x.rr * x.ll).squareRoot())
        let bread = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w)
        let sandwichSeries = try Self.medianTimes(reps) {
            _ = try SACVariance.clusterCovariance(d, point: point, weights: w, errorWeights: w, bread: bread)
        }
        let sandwichDense = try Self.medianTimes(max(1, min(reps, 5))) {
            _ = try SACVariance.clusterCovariance(d, point: point, weights: w, errorWeights: w, bread: bread, denseOperators: true)
        }
        let breadSpectral = try Self.medianTimes(reps) { _ = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w) }
        let breadDense = try Self.medianTimes(max(1, min(reps, 5))) {
            _ = try SACVariance.analyticCovariance(d, point: point, weights: w, errorWeights: w, denseOperators: true)
        }
        let fit = try Self.medianTimes(max(1, min(reps, 5))) {
            _ = try SACEstimator.fit(spec, panel: b.panel, weights: w, variance: .cluster)
        }
        return SACCrossTermTiming(rho: point.rho, lambda: point.lambda, series: timedSeries, dense: timedDense,
                                  sandwichSeriesCPU: sandwichSeries.cpu, sandwichDenseCPU: sandwichDense.cpu,
                                  breadSpectralCPU: breadSpectral.cpu, breadDenseCPU: breadDense.cpu, fitCPU: fit.cpu,
                                  relativeDifference: difference, nodes: after.count - before.count,
                                  nodeMs: 1e3 * (after.seconds - before.seconds), patchBytes: series.patchBytes)
    }
}

extension SpatialBenchmark {
    /// Median wall and thread-CPU milliseconds of `count` runs of `body` (the `bench sdm --cluster`
    /// lines of the SDM and the SAC).
    public static func medianTimes(_ count: Int, _ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<count {
            let s = DispatchTime.now().uptimeNanoseconds, c = StageClock.now(CLOCK_THREAD_CPUTIME_ID)
            try body()
            cpu.append(1e3 * (StageClock.now(CLOCK_THREAD_CPUTIME_ID) - c))
            wall.append(Double(DispatchTime.now().uptimeNanoseconds - s) / 1e6)
        }
        return (Statistics.median(wall), Statistics.median(cpu))
    }
}
