import Foundation
import Numerics

/// A synthetic SDM panel for timing: N points uniform in a square, symmetrised
/// 6-nearest-neighbour contiguity, row-standardised; X ~ N(0,1) with unit and time
/// effects; ρ = 0.3, β = (1, −0.5, 0.3, 0.2), θ = (0.4, 0.2, 0, −0.1).
public struct SDMBenchmark: Sendable {
    public let panel: SpatialPanel
    public let weightsMatrix: Matrix
    public let n: Int
    public let t: Int

    public init(n: Int, t: Int, seed: UInt64) throws {
        self.n = n
        self.t = t
        let rs = RandomStream(StreamID(seed: seed, cell: n, purpose: .sdmBenchmark))
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

    public struct Timing: Sendable { public let spectrumMs, medianMs, minMs, rho, individualRho: Double }

    public func time(reps: Int) throws -> Timing {
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
    public func peer(script: String, reps: Int) throws -> (ms: Double, rho: Double)? {
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
        struct PeerOutput: Decodable { let ms_per_fit: Double; let rho: Double }   // bench/spreg_peer.py's keys
        guard p.terminationStatus == 0, let o = try? JSONDecoder().decode(PeerOutput.self, from: data) else { return nil }
        return (o.ms_per_fit, o.rho)
    }
}
