import ArgumentParser
import Estimators
import Foundation
import MonteCarlo
import Numerics

extension Spillsim.Bench {
    /// `spillsim bench replication`: where a Monte Carlo replication's time goes, stage by stage,
    /// against one spreg Panel_FE_Lag fit (N = 280, T = 18) measured in the same run.
    struct Replication: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replication",
            abstract: "Profile one design cell's replications stage by stage, against one spreg fit (release build).",
            discussion: """
            Builds the cell as `spillsim run` does, then runs --reps replications on one thread, timing \
            generation, the panel and its truth, and per estimator its design, fit, variance, effects, \
            curves, AMEs and scoring, and the encoding of the record; then, once, the cell's journal frame, \
            performance measures (bootstrap MCSEs) and HDF5 write. The replications run in --rounds blocks, \
            each followed by --peer-reps spreg fits, so both see the same machine load. Wall and thread-CPU \
            times are reported; on a shared machine the CPU times are the steadier comparison.

            A second, separate measure (issue 22's own): a real `spillsim run` of the whole scenario \
            (--run-reps replications per cell on --run-threads threads, every cell's set-up, journal, \
            measures and HDF5 write included), its process wall time divided by the replications it ran, \
            against the same spreg fits. The two measures are printed on their own lines; neither stands \
            for the other.
            """)

        @Argument(help: "Scenario file (YAML): a city system is profiled stage by stage; an observed design or a known_dgp one stage per replication.")
        var scenario: String
        @Option(help: "Design cell (its position among the cells that run, 0-based, as in `summarize`).") var cell = 0
        @Option(help: "Replications timed (0, 1, 2, …).") var reps = 30
        @Option(help: "Blocks the replications and peer fits are interleaved in.") var rounds = 3
        @Flag(inversion: .prefixedNo, help: "Time spreg's Panel_FE_Lag at N = 280, T = 18 in the same run (needs python3 with spreg).")
        var peer = true
        @Option(help: "spreg fits per round (plus one warm-up fit, not counted).") var peerReps = 3
        @Option(help: "Path of bench/spreg_peer.py (default: found in the current directory or the repository holding the executable).")
        var peerScript: String?
        @Option(help: "Replications per cell of the timed real `spillsim run` of the whole scenario (default: monte_carlo.replications; 0: skip it).")
        var runReps: Int?
        @Option(help: "Worker threads of the timed real run.") var runThreads = 2

        func validate() throws {
            guard reps >= 1, rounds >= 1, rounds <= reps, peerReps >= 1, cell >= 0, (runReps ?? 0) >= 0, runThreads >= 1 else {
                throw ValidationError("need --reps ≥ 1, 1 ≤ --rounds ≤ --reps, --peer-reps ≥ 1, --cell ≥ 0, --run-reps ≥ 0 and --run-threads ≥ 1")
            }
        }

        func run() throws {
            try withCommandLineMessages { try profile() }
        }

        func profile() throws {
            let script = peer ? try SDM.locatePeerScript(peerScript) : ""
            let s = try MonteCarloScenario.load(path: scenario)
            print(Spillsim.Bench.header())
            let loadAtStart = Self.loadAverage()
            let profiler = try ReplicationProfiler(scenario: s, cellOrdinal: cell)
            print("\(s.name), cell \(cell) (\(profiler.cellLabel)): set-up \(ms(profiler.setupSeconds)) ms once per cell")
            if !profiler.splitsStages {
                print("(\(profiler.worldKind) scenario: only city-system scenarios are timed stage by stage; each replication here is one stage)")
            }
            let peerPanel = peer ? try SyntheticSDMPanel(n: 280, t: 18, seed: 20261129) : nil
            var timings: [ReplicationProfiler.Replication] = []
            var peerTimes: [Double] = [], peerCPU: [Double] = []
            var problems: [String] = []
            var realRun: RealRun?
            let runReplications = runReps ?? s.settings.replications
            for round in 0..<rounds {
                // The real run between two blocks of spreg fits, under the same load as they are.
                if round == rounds / 2, runReplications > 0 {
                    realRun = try Self.timeRealRun(scenario: scenario, cells: try s.cells().count, reps: runReplications, threads: runThreads)
                }
                for r in (reps * round / rounds)..<(reps * (round + 1) / rounds) {
                    let t = profiler.replicate(r)
                    timings.append(t)
                    problems += t.problems.map { "replication \(r): \($0)" }
                }
                // The first fit of each Python process pays for imports and caches: run one more and drop it.
                if let peerPanel, let fits = try SpatialBenchmarkPeers.spregFits(peerPanel, script: script, reps: peerReps + 1) {
                    peerTimes += fits.times.dropFirst()
                    peerCPU += fits.cpu.dropFirst()
                }
            }
            let work = try profiler.finishCell()
            printStages(timings)
            let wall = timings.map(\.wall), cpu = timings.map(\.cpu)
            print(String(format: "replication total: wall median %.3f ms (min %.3f), CPU median %.3f ms (min %.3f), %d replications, 1 thread",
                         1e3 * Statistics.median(wall), 1e3 * wall.min()!, 1e3 * Statistics.median(cpu), 1e3 * cpu.min()!, reps))
            let once = work.journal + work.measures + work.resultFile
            print(String(format: "once per cell (%d replications): journal frame %.1f ms, measures %.1f ms (CPU %.1f ms), HDF5 write %.1f ms = %.3f ms per replication",
                         reps, 1e3 * work.journal, 1e3 * work.measures, 1e3 * work.measuresCPU, 1e3 * work.resultFile, 1e3 * once / Double(reps)))
            let crossTerms = SquaredGSeries.Tally.shared.counts, nodes = SquaredGSeries.Tally.shared.nodes
            if crossTerms.series + crossTerms.dense > 0 {
                print(String(format: "cross-unit terms of the cluster/Conley sandwiches: %d by the O(N²) series, %d by the dense N³ product (fallback); %d series nodes built in %.1f ms (inside the variance stages above)",
                             crossTerms.series, crossTerms.dense, nodes.count, 1e3 * nodes.seconds))
            }
            if reps != s.settings.replications {
                print("  (the measures' bootstrap grows with the replications: time --reps \(s.settings.replications) for the scenario's own count)")
            }
            if !problems.isEmpty {
                print("fits not ok: \(problems.count) (first: \(problems[0]))")
            }
            if let realRun {
                print(String(format: "real run (`spillsim run --reps %d --threads %d`, %d cells): %d replications in %.2f s wall = %.3f ms wall per replication (process CPU %.3f ms per replication), per-cell work included",
                             runReplications, realRun.threads, realRun.replications / runReplications, realRun.replications, realRun.wallSeconds,
                             1e3 * realRun.wallPerReplication, 1e3 * realRun.cpuPerReplication))
            }
            if let start = loadAtStart, let end = Self.loadAverage() {
                print(String(format: "machine load (1-minute average): %.1f at the start, %.1f at the end, on %d cores", start, end,
                             ProcessInfo.processInfo.activeProcessorCount))
            }
            guard peer else { return }
            guard !peerTimes.isEmpty else { print("spreg: python3 with spreg not available"); return }
            let peerMedian = Statistics.median(peerTimes)
            print(String(format: "spreg Panel_FE_Lag N = 280, T = 18: wall median %.1f ms (min %.1f) over %d fits interleaved with the replications",
                         peerMedian, peerTimes.min()!, peerTimes.count))
            let perRep = 1e3 * (Statistics.median(wall) + once / Double(reps))
            print(String(format: "one replication (1 thread, median wall, per-cell work spread over the %d) = 1/%.1f of one spreg fit by wall time (min/min 1/%.1f)",
                         reps, peerMedian / perRep, peerTimes.min()! / (1e3 * (wall.min()! + once / Double(reps)))))
            if !peerCPU.isEmpty {
                // CPU against CPU: the once-per-cell steps by their own thread CPU time too (their wall
                // time, file-system waits included, can grow many-fold on a loaded machine).
                let onceCPU = work.journalCPU + work.measuresCPU + work.resultFileCPU
                let perRepCPU = 1e3 * (Statistics.median(cpu) + onceCPU / Double(reps))
                print(String(format: "by CPU time: spreg median %.1f ms (min %.1f, process CPU, all its threads); one replication (1 thread, thread CPU) = 1/%.1f of one spreg fit (target: 1/30)",
                             Statistics.median(peerCPU), peerCPU.min()!, Statistics.median(peerCPU) / perRepCPU))
            }
            if let realRun {
                // The measure: a replication's wall time in a real run on --run-threads cores against
                // one spreg fit's wall time; beside it, CPU against CPU (the run's process CPU, all threads).
                print(String(format: "real run on %d threads: one replication %.3f ms wall = 1/%.1f of one spreg fit by wall time (spreg wall median %.1f ms) (target: 1/30)",
                             realRun.threads, 1e3 * realRun.wallPerReplication, peerMedian / (1e3 * realRun.wallPerReplication), peerMedian))
                if !peerCPU.isEmpty {
                    print(String(format: "real run by CPU time: one replication %.3f ms process CPU = 1/%.1f of one spreg fit's CPU (median %.1f ms)",
                                 1e3 * realRun.cpuPerReplication, Statistics.median(peerCPU) / (1e3 * realRun.cpuPerReplication), Statistics.median(peerCPU)))
                }
            }
        }

        /// One line per stage: median and minimum wall time, median CPU time, share of the replication.
        func printStages(_ timings: [ReplicationProfiler.Replication]) {
            var names: [String] = [], nested: Set<String> = []
            for t in timings {
                for s in t.stages where !names.contains(s.name) {
                    names.append(s.name)
                    if s.nested { nested.insert(s.name) }
                }
            }
            let totalCPU = Statistics.median(timings.map(\.cpu))
            print(pad("stage (ms per replication; ↳ inside above)") + "  wall median    wall min  CPU median   share")
            for name in names {
                let wall = timings.map { t in t.stages.first { $0.name == name }?.wall ?? 0 }
                let cpu = timings.map { t in t.stages.first { $0.name == name }?.cpu ?? 0 }
                let c = Statistics.median(cpu)
                print(pad(nested.contains(name) ? "  ↳ " + name : name) + String(format: "  %11.3f %11.3f %11.3f %6.1f%%", 1e3 * Statistics.median(wall), 1e3 * wall.min()!,
                                         1e3 * c, totalCPU > 0 ? 100 * c / totalCPU : 0))
            }
        }

        /// The 1-minute load average (Linux /proc/loadavg); nil where there is none.
        static func loadAverage() -> Double? {
            guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
            return text.split(separator: " ").first.flatMap { Double($0) }
        }

        func ms(_ seconds: Double) -> String { String(format: "%.1f", 1e3 * seconds) }
        func pad(_ s: String) -> String { s.count >= 44 ? s : s.padding(toLength: 44, withPad: " ", startingAt: 0) }
    }
}
