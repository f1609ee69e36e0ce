import ArgumentParser
import Estimators
import Foundation
import MonteCarlo
import Numerics

extension Spillsim.Bench {
    /// `spillsim bench sdm`: times one SDM two-way Lee–Yu fit with analytic SEs and effects
    /// (spectrum cached; its one-off cost is timed separately) and, when python3 with spreg
    /// is importable, spreg's Panel_FE_Lag on the same panel (bench/spreg_peer.py).
    struct SDM: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sdm", abstract: "Time the SDM estimator against PySAL spreg (release build).")

        @Option(help: "Numbers of units, comma-separated.") var n: String = "280,1000,2000"
        @Option(help: "Periods.") var t: Int = 18
        @Option(help: "Timed repetitions per size (median reported).") var reps: Int = 20
        @Flag(help: "Also time spreg's Panel_FE_Lag (needs python3 with spreg).") var peer = false
        @Option(help: "Peer repetitions per size.") var peerReps: Int = 3
        @Option(help: "Path of bench/spreg_peer.py (default: found in the current directory or the repository holding the executable).")
        var peerScript: String?

        var sizes: [Int] { n.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

        func validate() throws {
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 2 }), t >= 2, reps >= 1 else {
                throw ValidationError("need --n sizes (each ≥ 2), --t ≥ 2 and --reps ≥ 1")
            }
            if peerReps < 1 { throw ValidationError("--peer-reps must be ≥ 1") }
        }

        /// The peer script: --peer-script, else bench/spreg_peer.py in the current directory or
        /// in a parent of the executable's directory (the repository of a `.build/…/spillsim`).
        static func locatePeerScript(_ given: String?) throws -> String {
            let fm = FileManager.default
            if let given {
                guard fm.fileExists(atPath: given) else { throw RunError("peer script \(given) (--peer-script) not found; give the path of bench/spreg_peer.py") }
                return given
            }
            let relative = "bench/spreg_peer.py"
            var tried = [URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent(relative)]
            if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
                var dir = exe.deletingLastPathComponent()
                for _ in 0..<5 { tried.append(dir.appendingPathComponent(relative)); dir = dir.deletingLastPathComponent() }
            }
            if let hit = tried.first(where: { fm.fileExists(atPath: $0.path) }) { return hit.path }
            throw RunError("peer script \(relative) not found (looked in the current directory and above the executable); pass --peer-script PATH/bench/spreg_peer.py or run from the repository root")
        }

        func run() throws {
            let script = peer ? try Self.locatePeerScript(peerScript) : ""
            print(Spillsim.Bench.header())
            print("SDM two-way Lee–Yu, 4 regressors + W-lags, T = \(t), analytic SEs + effects; kNN(6) W; median of \(reps)")
            for size in sizes {
                let b = try SDMBenchmark(n: size, t: t, seed: 20261129)
                let r = try b.time(reps: reps)
                var line = String(format: "N = %5d  spectrum %8.2f ms (once per W)  fit+SE+effects %8.3f ms  (min %.3f)  rho = %.4f",
                                  size, r.spectrumMs, r.medianMs, r.minMs, r.rho)
                if peer {
                    if let p = try b.peer(script: script, reps: peerReps) {
                        line += String(format: "  | spreg %9.2f ms  ratio %6.1fx  (spreg rho %.6f vs ours %.6f, individual FE direct)",
                                       p.ms, p.ms / r.medianMs, p.rho, r.individualRho)
                    } else {
                        line += "  | spreg: python3 with spreg not available"
                    }
                }
                print(line)
            }
        }
    }
}

/// A synthetic SDM panel for timing: N points uniform in a square, symmetrised
/// 6-nearest-neighbour contiguity, row-standardised; X ~ N(0,1) with unit and time
/// effects; ρ = 0.3, β = (1, −0.5, 0.3, 0.2), θ = (0.4, 0.2, 0, −0.1).
struct SDMBenchmark {
    let panel: SpatialPanel
    let weightsMatrix: Matrix
    let n: Int
    let t: Int

    init(n: Int, t: Int, seed: UInt64) throws {
        self.n = n
        self.t = t
        let rs = RandomStream(seed: seed, cell: n, purpose: 900)
        let xy = (0..<n).map { _ in (rs.uniform(), rs.uniform()) }
        var c = Matrix(rows: n, cols: n)
        for i in 0..<n {
            let d = (0..<n).map { j -> (Double, Int) in
                let dx = xy[i].0 - xy[j].0, dy = xy[i].1 - xy[j].1
                return (dx * dx + dy * dy, j)
            }.sorted { $0.0 < $1.0 }
            for (_, j) in d.dropFirst().prefix(6) { c[i, j] = 1; c[j, i] = 1 }
        }
        weightsMatrix = WeightsTable.rowStandardised(c)
        let w = try SpatialWeights(weightsMatrix)
        let k = 4
        var x = Matrix(rows: n * t, cols: k)
        let mu = rs.normals(n), alpha = rs.normals(t)
        for j in 0..<k { for r in 0..<(n * t) { x[r, j] = rs.normal() + 0.5 * mu[r % n] + 0.3 * alpha[r / n] } }
        let beta = [1, -0.5, 0.3, 0.2], theta = [0.4, 0.2, 0, -0.1]
        let wx = w.applyPanel(x)
        var rhs = rs.normals(n * t)
        for r in 0..<(n * t) {
            rhs[r] += mu[r % n] + alpha[r / n]
            for j in 0..<k { rhs[r] += beta[j] * x[r, j] + theta[j] * wx[r, j] }
        }
        let y = try SpatialFilter(weights: w, rho: 0.3).solvePanel(rhs)
        panel = try SpatialPanel(y: y, x: x, names: ["x1", "x2", "x3", "x4"], n: n, t: t)
    }

    struct Timing { let spectrumMs, medianMs, minMs, rho, individualRho: Double }

    func time(reps: Int) throws -> Timing {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let w = try SpatialWeights(weightsMatrix)
        let spectrumMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
        var times: [Double] = []
        var rho = Double.nan
        for _ in 0..<reps {
            let s = DispatchTime.now().uptimeNanoseconds
            let fit = try SpatialEstimator.fit(spec, panel: panel, weights: w)
            let imp = try SpatialImpacts.delta(fit, weights: w)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - s) / 1e6)
            guard fit.converged, imp.count == 4 else { throw EstimationError("benchmark fit did not converge: \(fit.reason)") }
            rho = fit.rho!
        }
        let ind = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, effects: .individual, approach: .direct),
                                           panel: panel, weights: w)
        return Timing(spectrumMs: spectrumMs, medianMs: Statistics.median(times), minMs: times.min()!, rho: rho,
                      individualRho: ind.rho!)
    }

    /// Writes the panel and W to a temporary directory and runs the spreg peer; nil when python3/spreg are missing.
    func peer(script: String, reps: Int) throws -> (ms: Double, rho: Double)? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spillsim-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "id,time,y,x1,x2,x3,x4\n"
        for r in 0..<(n * t) {
            csv += "\(r % n),\(r / n),\(panel.y[r])," + (0..<4).map { "\(panel.x[r, $0])" }.joined(separator: ",") + "\n"
        }
        try csv.write(to: dir.appendingPathComponent("panel.csv"), atomically: true, encoding: .utf8)
        var wcsv = "id," + (0..<n).map(String.init).joined(separator: ",") + "\n"
        for i in 0..<n { wcsv += "\(i)," + (0..<n).map { "\(weightsMatrix[i, $0])" }.joined(separator: ",") + "\n" }
        try wcsv.write(to: dir.appendingPathComponent("w.csv"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "--panel", dir.appendingPathComponent("panel.csv").path,
                       "--weights", dir.appendingPathComponent("w.csv").path, "--reps", "\(reps)"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let ms = obj["ms_per_fit"] as? Double, let rho = obj["rho"] as? Double else { return nil }
        return (ms, rho)
    }
}
