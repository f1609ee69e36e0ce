import Foundation
import Numerics

/// Runs the benchmark peers (Python spreg, R spatialreg) on a synthetic panel written to a
/// temporary directory; nil when the interpreter or package is missing.
public enum SpatialBenchmarkPeers {
    /// spreg's Panel_FE_Lag on the whole panel (bench/spreg_peer.py reads a dense W CSV).
    public static func spreg(_ b: SyntheticSDMPanel, script: String, reps: Int) throws -> (ms: Double, rho: Double)? {
        try spregFits(b, script: script, reps: reps).map { (Statistics.median($0.times), $0.rho) }
    }

    /// spreg's Panel_FE_Lag: every fit's wall and process-CPU time (ms) and ρ̂; nil when python3 or
    /// spreg is missing (CPU times empty from an older script).
    public static func spregFits(_ b: SyntheticSDMPanel, script: String, reps: Int) throws -> (times: [Double], cpu: [Double], rho: Double)? {
        try withDirectory { dir in
            try writePanel(b.panel, n: b.n, to: dir.appendingPathComponent("panel.csv"))
            let w = b.weights.dense()
            var wcsv = "id," + (0..<b.n).map(String.init).joined(separator: ",") + "\n"
            for i in 0..<b.n { wcsv += "\(i)," + (0..<b.n).map { "\(w[i, $0])" }.joined(separator: ",") + "\n" }
            try wcsv.write(to: dir.appendingPathComponent("w.csv"), atomically: true, encoding: .utf8)
            guard let obj = run(["python3", script, "--panel", dir.appendingPathComponent("panel.csv").path,
                                 "--weights", dir.appendingPathComponent("w.csv").path, "--reps", "\(reps)"]),
                  let ms = obj["ms_per_fit"] as? Double, let rho = obj["rho"] as? Double else { return nil }
            return ((obj["times_ms"] as? [Double]) ?? [ms], (obj["cpu_ms"] as? [Double]) ?? [], rho)
        }
    }

    /// spatialreg lagsarlm(type = "mixed") with method "Matrix" and "Chebyshev" on period 1.
    /// `cpuMs` is the median process-CPU time per fit (nil from an older script).
    public static func spatialreg(_ b: SyntheticSDMPanel, script: String, reps: Int) throws -> [(method: String, ms: Double, cpuMs: Double?, rho: Double)]? {
        try withDirectory { dir in
            try writePanel(try SpatialBenchmark.crossSection(b), n: b.n, to: dir.appendingPathComponent("cs.csv"))
            var edges = "from,to,weight\n"
            let w = b.weights
            for i in 0..<w.rows { for k in w.rowStart[i]..<w.rowStart[i + 1] { edges += "\(i + 1),\(w.columns[k] + 1),\(w.values[k])\n" } }
            try edges.write(to: dir.appendingPathComponent("w.csv"), atomically: true, encoding: .utf8)
            guard let obj = run(["Rscript", script, dir.appendingPathComponent("cs.csv").path,
                                 dir.appendingPathComponent("w.csv").path, "\(reps)"]),
                  let fits = obj["fits"] as? [[String: Any]] else { return nil }
            return fits.compactMap { f in
                guard let m = f["method"] as? String, let ms = f["ms"] as? Double, let rho = f["rho"] as? Double else { return nil }
                return (m, ms, f["cpu_ms"] as? Double, rho)
            }
        }
    }

    static func writePanel(_ p: SpatialPanel, n: Int, to url: URL) throws {
        let k = p.x.cols
        var csv = "id,time,y," + p.names.joined(separator: ",") + "\n"
        for r in 0..<p.y.count {
            csv += "\(r % n),\(r / n),\(p.y[r])," + (0..<k).map { "\(p.x[r, $0])" }.joined(separator: ",") + "\n"
        }
        try csv.write(to: url, atomically: true, encoding: .utf8)
    }

    static func withDirectory<R>(_ body: (URL) throws -> R) throws -> R {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spillsim-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        return try body(dir)
    }

    /// Runs a peer through /usr/bin/env and parses the one JSON object it prints; nil on any failure.
    /// The peer's BLAS is held to one thread, as ours is, so times (and CPU times) compare like with like.
    static func run(_ args: [String]) -> [String: Any]? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "MKL_NUM_THREADS=1"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}
