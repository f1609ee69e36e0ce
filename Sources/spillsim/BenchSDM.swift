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
                guard fm.fileExists(atPath: given) else { throw RunError.failed("peer script \(given) (--peer-script) not found; give the path of bench/spreg_peer.py") }
                return given
            }
            let relative = "bench/spreg_peer.py"
            var tried = [URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent(relative)]
            if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
                var dir = exe.deletingLastPathComponent()
                for _ in 0..<5 { tried.append(dir.appendingPathComponent(relative)); dir = dir.deletingLastPathComponent() }
            }
            if let hit = tried.first(where: { fm.fileExists(atPath: $0.path) }) { return hit.path }
            throw RunError.failed("peer script \(relative) not found (looked in the current directory and above the executable); pass --peer-script PATH/bench/spreg_peer.py or run from the repository root")
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
