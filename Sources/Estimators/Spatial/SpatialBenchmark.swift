import Foundation
import Numerics

/// Timing of one SDM fit with analytic SEs and delta-method effects on a synthetic panel,
/// for `spillsim bench sdm` (release builds only; never in unit tests).
public enum SpatialBenchmark {
    public struct Timing: Sendable {
        /// The log-determinant method actually used (`auto` resolved).
        public let method: LogDeterminantMethod
        /// Building SpatialWeights: the spectrum (exact) or the similarity scaling, power traces
        /// and probes (sparse methods); milliseconds, median over repetitions.
        public let setupMs: Double
        /// Fit + SEs + effects, median and minimum over repetitions (milliseconds).
        public let medianMs: Double
        public let minMs: Double
        /// The same fits' thread-CPU times (milliseconds), the steadier figure on a shared machine.
        public let cpuMs: [Double]
        public var medianCPUMs: Double { Statistics.median(cpuMs) }
        /// Peak resident memory of the process during set-up and fits (MB), when the OS reports it.
        public let peakMB: Double?
        public let rho: Double
        public let traceGtG: TraceEstimate?
        public let accuracy: LogDeterminantAccuracy
    }

    public static let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)

    /// Times `reps` fits. The exact method builds its spectrum once (as every fit after the first
    /// reuses it); the sparse methods build their weights afresh for every repetition, so no
    /// factorisation or interpolant cached by an earlier fit makes a later one look cheaper.
    public static func time(_ p: SyntheticSDMPanel, method: LogDeterminantMethod, reps: Int,
                            spec: SpatialModelSpec = spec, panel: SpatialPanel? = nil) throws -> Timing {
        let data = panel ?? p.panel
        ProcessMemory.resetPeak()
        var setup: [Double] = [], times: [Double] = [], cpu: [Double] = []
        var fit: SpatialFitResult?
        var weights: SpatialWeights?
        for _ in 0..<reps {
            if weights == nil || weights!.spectrum == nil {
                let t0 = DispatchTime.now().uptimeNanoseconds
                weights = try SpatialWeights(sparse: p.weights, logDeterminant: method)
                setup.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            let w = weights!
            let s = DispatchTime.now().uptimeNanoseconds, c = StageClock.now(CLOCK_THREAD_CPUTIME_ID)
            let f = try SpatialEstimator.fit(spec, panel: data, weights: w)
            let imp = try SpatialImpacts.delta(f, weights: w)
            cpu.append(1e3 * (StageClock.now(CLOCK_THREAD_CPUTIME_ID) - c))
            times.append(Double(DispatchTime.now().uptimeNanoseconds - s) / 1e6)
            guard f.converged, imp.count == p.panel.names.count else {
                throw EstimationError("benchmark fit did not converge: \(f.reason)")
            }
            fit = f
        }
        guard let fit, let weights else { throw EstimationError("benchmark needs at least one repetition") }
        return Timing(method: weights.logDeterminant.method, setupMs: Statistics.median(setup),
                      medianMs: Statistics.median(times), minMs: times.min()!, cpuMs: cpu, peakMB: ProcessMemory.peakMB(),
                      rho: fit.rho!, traceGtG: fit.traceGtG, accuracy: fit.logDeterminantAccuracy)
    }

    /// Per-fit times averaged over batches of back-to-back fits, each batch running fits until its
    /// thread CPU reaches `batchCPUMs` (at least one fit), after one warm-up fit on a spectrum built
    /// once: `count` samples of CPU and wall time per fit, each the mean over its batch.
    ///
    /// Why batches: a peer fit (spreg, ≈ 60 ms at N = 280) is one sample of the machine over 60 ms,
    /// while a block of our 0.23 ms fits lasts a few ms, so our median followed whichever state the
    /// machine's shared cache was in during those few ms — a whole block at 1.35× when another
    /// process streamed memory through the shared L3 (docs/benchmarks.md, "Session 9 (issue 22, per
    /// fit)"). A batch as long as one peer fit samples ours over the same span of time, slow
    /// stretches included in proportion (the mean, not the fastest fits).
    public static func batches(_ p: SyntheticSDMPanel, count: Int, batchCPUMs: Double,
                               spec: SpatialModelSpec = spec) throws -> (cpuMs: [Double], wallMs: [Double], fitsPerBatch: [Int]) {
        var weights = try SpatialWeights(sparse: p.weights, logDeterminant: .auto)
        // One fit's wall and thread-CPU milliseconds; the sparse methods get fresh weights (untimed) as in `time`.
        func fitOnce() throws -> (wall: Double, cpu: Double) {
            if weights.spectrum == nil { weights = try SpatialWeights(sparse: p.weights, logDeterminant: .auto) }
            let s = DispatchTime.now().uptimeNanoseconds, c = StageClock.now(CLOCK_THREAD_CPUTIME_ID)
            let f = try SpatialEstimator.fit(spec, panel: p.panel, weights: weights)
            let imp = try SpatialImpacts.delta(f, weights: weights)
            let cpu = 1e3 * (StageClock.now(CLOCK_THREAD_CPUTIME_ID) - c), wall = Double(DispatchTime.now().uptimeNanoseconds - s) / 1e6
            guard f.converged, imp.count == p.panel.names.count else {
                throw EstimationError("benchmark fit did not converge: \(f.reason)")
            }
            return (wall, cpu)
        }
        _ = try fitOnce()
        var cpu: [Double] = [], wall: [Double] = [], fits: [Int] = []
        for _ in 0..<max(count, 1) {
            var k = 0, usedCPU = 0.0, usedWall = 0.0
            repeat {
                let one = try fitOnce()
                k += 1
                usedCPU += one.cpu
                usedWall += one.wall
            } while usedCPU < batchCPUMs
            cpu.append(usedCPU / Double(k))
            wall.append(usedWall / Double(k))
            fits.append(k)
        }
        return (cpu, wall, fits)
    }

    /// Period `period` of the panel as a cross-section (T = 1), for peers that fit cross-sections.
    public static func crossSection(_ p: SyntheticSDMPanel, period: Int = 0) throws -> SpatialPanel {
        let n = p.n, k = p.panel.x.cols
        var x = Matrix(rows: n, cols: k)
        for j in 0..<k { for i in 0..<n { x[i, j] = p.panel.x[period * n + i, j] } }
        return try SpatialPanel(y: Array(p.panel.y[(period * n)..<((period + 1) * n)]), x: x, names: p.panel.names, n: n, t: 1)
    }
}

/// The process's peak resident memory (Linux /proc; nil elsewhere).
public enum ProcessMemory {
    /// Resets the kernel's high-water mark to the current resident size ("5" to clear_refs, Linux ≥ 4.0).
    public static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// VmHWM in MB.
    public static func peakMB() -> Double? {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") else { return nil }
        return kb / 1024
    }
}
