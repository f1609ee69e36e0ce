import ArgumentParser
import Estimators
import Foundation
import MonteCarlo
import Numerics

extension Spillsim.Bench {
    /// `spillsim bench sdm`: times one SDM two-way Lee–Yu fit with analytic SEs and effects for
    /// each size and log-determinant method, with the set-up (spectrum, or sparse structures)
    /// timed separately and the process's peak memory; optional peers side by side: PySAL
    /// spreg's Panel_FE_Lag on the same panel (bench/spreg_peer.py, N ≤ 5,000) and R spatialreg's
    /// lagsarlm on one cross-section (bench/spatialreg_peer.R).
    struct SDM: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sdm", abstract: "Time the SDM estimator (and peers) from N = 280 to 50,000 (release build).")

        @Option(help: "Numbers of units, comma-separated (ascending, so each peak-memory figure is that size's).")
        var n: String = "280,1000,2000"
        @Option(help: "Periods.") var t: Int = 18
        @Option(help: "Timed repetitions per size (median reported).") var reps: Int = 20
        @Option(help: "Log-determinant methods, comma-separated: exact, sparse, chebyshev, mc, auto.")
        var logdet: String = "auto"
        @Flag(help: "Also time spreg's Panel_FE_Lag (needs python3 with spreg; sizes up to 5,000).") var peer = false
        @Option(help: "Peer repetitions per size and round (plus one warm-up fit per round, not counted).") var peerReps: Int = 3
        @Option(help: "Rounds in which the spreg fits and ours alternate, so both see the same machine load (ours in --peer-reps batches per round, each as long in CPU time as one spreg fit).") var rounds: Int = 3
        @Option(help: "Path of bench/spreg_peer.py (default: found in the current directory or the repository holding the executable).")
        var peerScript: String?
        @Flag(help: "Also time R spatialreg lagsarlm (method Matrix and Chebyshev) on one cross-section, against ours on the same one (needs Rscript with spatialreg).")
        var rPeer = false
        @Flag(help: "Time our fits on period 1 as a cross-section (SDM with intercept, no fixed effects: what --r-peer compares with spatialreg) instead of the panel.")
        var crossSection = false
        @Flag(help: "Also time the cluster variance (exact spectrum): the fit with it against the analytic one, and its cross-unit term by the O(N²) series against the dense N³ product.")
        var cluster = false
        @Flag(help: "With --cluster: also time the SAC's cross-unit term (M = W, two-way Lee–Yu SAC fitted to the panel) by its O(N²) series against the dense Ĝ and H it replaces, the SAC cluster sandwich given its bread both ways, and the SAC fit with the cluster variance.")
        var sac = false

        var sizes: [Int] { n.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        var methods: [LogDeterminantMethod] {
            logdet.split(separator: ",").compactMap { LogDeterminantMethod(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        }

        func validate() throws {
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 6 }), t >= 2, reps >= 1 else {
                throw ValidationError("need --n sizes (each > 6), --t ≥ 2 and --reps ≥ 1")
            }
            if peerReps < 1 { throw ValidationError("--peer-reps must be ≥ 1") }
            if rounds < 1 { throw ValidationError("--rounds must be ≥ 1") }
            if sac && !cluster { throw ValidationError("--sac times the SAC's cluster cross term: give it with --cluster") }
            guard methods.count == logdet.split(separator: ",").count else {
                throw ValidationError("--logdet: each method must be one of \(LogDeterminantMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        /// A peer script: the given path, else `relative` in the current directory or in a parent of
        /// the executable's directory (the repository of a `.build/…/spillsim`).
        static func locateScript(_ given: String?, relative: String, option: String) throws -> String {
            let fm = FileManager.default
            if let given {
                guard fm.fileExists(atPath: given) else { throw RunError.failed("peer script \(given) (\(option)) not found; give the path of \(relative)") }
                return given
            }
            var tried = [URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent(relative)]
            if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
                var dir = exe.deletingLastPathComponent()
                for _ in 0..<5 { tried.append(dir.appendingPathComponent(relative)); dir = dir.deletingLastPathComponent() }
            }
            if let hit = tried.first(where: { fm.fileExists(atPath: $0.path) }) { return hit.path }
            throw RunError.failed("peer script \(relative) not found (looked in the current directory and above the executable); pass \(option) PATH/\(relative) or run from the repository root")
        }

        static func locatePeerScript(_ given: String?) throws -> String {
            try locateScript(given, relative: "bench/spreg_peer.py", option: "--peer-script")
        }

        func run() throws {
            let script = peer ? try Self.locatePeerScript(peerScript) : ""
            let rScript = rPeer ? try Self.locateScript(nil, relative: "bench/spatialreg_peer.R", option: "--r-peer") : ""
            print(Spillsim.Bench.header())
            print(crossSection
                  ? "SDM cross-section (period 1 of the panel, intercept, no fixed effects), 4 regressors + W-lags, analytic SEs + effects; symmetrised kNN(6) W, row-standardised; median of \(reps)"
                  : "SDM two-way Lee–Yu, 4 regressors + W-lags, T = \(t), analytic SEs + effects; symmetrised kNN(6) W, row-standardised; median of \(reps)")
            print("timings on a shared 2-core machine are noisy; repeat a line that matters")
            for size in sizes {
                let b = try SyntheticSDMPanel(n: size, t: t, seed: 20261129)
                let cs = crossSection ? try SpatialBenchmark.crossSection(b) : nil
                for method in methods {
                    let r = try cs.map { try SpatialBenchmark.time(b, method: method, reps: reps, spec: Self.crossSectionSpec, panel: $0) }
                        ?? SpatialBenchmark.time(b, method: method, reps: reps)
                    var line = String(format: "N = %6d  %-9@ set-up %9.1f ms  fit+SE+effects %9.2f ms (min %.2f, CPU %.2f)  peak %@  rho = %.6f",
                                      size, r.method.rawValue as NSString, r.setupMs, r.medianMs, r.minMs, r.medianCPUMs,
                                      (r.peakMB.map { String(format: "%6.0f MB", $0) } ?? "   n/a") as NSString, r.rho)
                    if r.accuracy.truncationBound > 0 || r.accuracy.monteCarloSE > 0 {
                        line += String(format: "  logdet bound %.2g, MCSE %.2g", r.accuracy.truncationBound, r.accuracy.monteCarloSE)
                    }
                    if let g = r.traceGtG { line += String(format: "  tr(G'G) MCSE/value %.1e (%d probes)", g.monteCarloSE / g.value, g.probes) }
                    print(line)
                }
                if peer {
                    guard size <= 5_000 else { print("N = \(size)  spreg: skipped above N = 5,000 (dense W)"); continue }
                    try spregPeer(b, script: script)
                }
                if rPeer { try crossSectionPeer(b, script: rScript) }
                if cluster { try clusterLines(b) }
                if sac { try sacLines(b) }
            }
        }

        /// Ours (exact log-determinant, the spectrum built once) against spreg's Panel_FE_Lag on the same
        /// panel, alternating in `rounds` rounds: in each, one warm-up and `peerReps` timed spreg fits (one
        /// BLAS thread, as ours), then `peerReps` batches of our fits, each batch as long in CPU time as
        /// that round's median spreg fit (`SpatialBenchmark.batches`), so each sample on either side
        /// spans the same stretch of the machine's time. Ratios by wall and by CPU time (ours: thread
        /// CPU per fit, the mean over a batch; spreg: process CPU per fit), each side's median over all
        /// its samples.
        func spregPeer(_ b: SyntheticSDMPanel, script: String) throws {
            var oursWall: [Double] = [], oursCPU: [Double] = [], peerWall: [Double] = [], peerCPU: [Double] = []
            var fitsPerBatch: [Int] = []
            var peerRho = Double.nan
            for _ in 0..<rounds {
                guard let p = try SpatialBenchmarkPeers.spregFits(b, script: script, reps: peerReps + 1) else {
                    print("N = \(b.n)  spreg: python3 with spreg not available")
                    return
                }
                let wall = Array(p.times.dropFirst()), cpu = Array(p.cpu.dropFirst())
                peerWall += wall
                peerCPU += cpu
                peerRho = p.rho
                let ours = try SpatialBenchmark.batches(b, count: peerReps, batchCPUMs: Statistics.median(cpu.isEmpty ? wall : cpu))
                oursWall += ours.wallMs
                oursCPU += ours.cpuMs
                fitsPerBatch += ours.fitsPerBatch
            }
            let ind = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, effects: .individual, approach: .direct),
                                               panel: b.panel, weights: try SpatialWeights(sparse: b.weights, logDeterminant: .auto))
            let ow = Statistics.median(oursWall), pw = Statistics.median(peerWall)
            var line = String(format: "N = %6d  spreg Panel_FE_Lag %9.2f ms wall (min %.2f) vs ours %.3f ms: ratio %6.1fx",
                              b.n, pw, peerWall.min()!, ow, pw / ow)
            if !peerCPU.isEmpty {
                let oc = Statistics.median(oursCPU), pc = Statistics.median(peerCPU)
                line += String(format: "; by CPU %9.2f ms vs %.3f ms (batches %.3f–%.3f): %6.1fx", pc, oc, oursCPU.min()!, oursCPU.max()!, pc / oc)
            }
            print(line + String(format: "  (%d rounds; ours per batch of %d–%d fits; spreg rho %.6f vs ours %.6f, individual FE direct)",
                                rounds, fitsPerBatch.min()!, fitsPerBatch.max()!, peerRho, ind.rho!))
        }

        /// Ours and spatialreg on period 1 as a cross-section (SDM with intercept, no fixed effects),
        /// alternating in `rounds` rounds (a block of our fits, then `peerReps` fits of each spatialreg
        /// method), so both see the same machine load. Wall and CPU medians over the rounds (ours:
        /// thread CPU of fit + SEs + effects; spatialreg: process CPU of `lagsarlm`, which includes its
        /// own log-determinant set-up); the ratio is to spatialreg's fastest method.
        static let crossSectionSpec = SpatialModelSpec(model: .sdm, effects: .none, approach: .direct, durbin: .all)

        func crossSectionPeer(_ b: SyntheticSDMPanel, script: String) throws {
            let cs = try SpatialBenchmark.crossSection(b)
            let spec = Self.crossSectionSpec
            var oursWall: [Double] = [], oursCPU: [Double] = [], oursSetup: [Double] = []
            var peerWall: [String: [Double]] = [:], peerCPU: [String: [Double]] = [:], peerRho: [String: Double] = [:]
            var order: [String] = []
            var rho = Double.nan
            let block = max(1, reps / rounds)
            for _ in 0..<rounds {
                let ours = try SpatialBenchmark.time(b, method: .auto, reps: block, spec: spec, panel: cs)
                oursWall.append(ours.medianMs)
                oursCPU.append(ours.medianCPUMs)
                oursSetup.append(ours.setupMs)
                rho = ours.rho
                guard let peers = try SpatialBenchmarkPeers.spatialreg(b, script: script, reps: peerReps) else {
                    print("N = \(b.n)  spatialreg: Rscript with spatialreg not available")
                    return
                }
                for p in peers {
                    if peerWall[p.method] == nil { order.append(p.method) }
                    peerWall[p.method, default: []].append(p.ms)
                    if let c = p.cpuMs { peerCPU[p.method, default: []].append(c) }
                    peerRho[p.method] = p.rho
                }
            }
            let ow = Statistics.median(oursWall), oc = Statistics.median(oursCPU)
            print(String(format: "N = %6d  cross-section: ours (sparse) %8.2f ms wall, %8.2f ms CPU (+ set-up %.1f ms wall)  rho %.6f  (%d rounds)",
                         b.n, ow, oc, Statistics.median(oursSetup), rho, rounds))
            var fastestWall = Double.infinity, fastestCPU = Double.infinity
            for m in order {
                let pw = Statistics.median(peerWall[m]!)
                fastestWall = min(fastestWall, pw)
                var line = String(format: "N = %6d  cross-section: spatialreg lagsarlm %-9@ %9.2f ms wall", b.n, m as NSString, pw)
                if let c = peerCPU[m], !c.isEmpty {
                    let pc = Statistics.median(c)
                    fastestCPU = min(fastestCPU, pc)
                    line += String(format: ", %9.2f ms CPU", pc)
                }
                print(line + String(format: "  rho %.6f vs ours %.6f", peerRho[m]!, rho))
            }
            var ratio = String(format: "N = %6d  cross-section: ours against spatialreg's fastest: %.1fx by wall", b.n, fastestWall / ow)
            if fastestCPU.isFinite { ratio += String(format: ", %.1fx by CPU", fastestCPU / oc) }
            print(ratio)
        }
    }
}
