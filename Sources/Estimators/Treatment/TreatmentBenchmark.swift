import Foundation
import Numerics

/// The PSM-DID benchmark of issue 5: 280 units × 18 periods, logit score, 1:1 caliper
/// matching on the logit (0.2 SD), TWFE, CR1 by unit.
public enum TreatmentBenchmark {
    /// A synthetic panel with selection on two covariates (treatment from period 9).
    public static func syntheticPanel(units n: Int = 280, periods: Int = 18, seed: UInt64 = 1) throws -> TreatmentPanel {
        let rng = RandomStream(StreamID(seed: seed, purpose: .treatmentBenchmark))
        let z = (0..<n).map { _ in rng.normal() }, w = (0..<n).map { _ in rng.normal() }
        let treated = (0..<n).map { i in rng.bernoulli(1 / (1 + exp(-(-1 + 0.8 * z[i] + 0.3 * w[i])))) }
        let alpha = (0..<n).map { _ in rng.normal() }
        let first = periods / 2
        var y = [Double](repeating: 0, count: n * periods), x = Matrix(rows: n * periods, cols: 2)
        for t in 0..<periods { for i in 0..<n {
            let k = t * n + i
            y[k] = alpha[i] + 0.1 * Double(t) + 0.05 * Double(t) * z[i] + (treated[i] && t >= first ? 1 : 0) + rng.normal()
            x[k, 0] = z[i] + 0.2 * rng.normal(); x[k, 1] = w[i] + 0.2 * rng.normal()
        } }
        return try TreatmentPanel(unitCount: n, periods: (0..<periods).map { Double($0) }, outcome: y, covariates: x,
                                  covariateNames: ["z", "w"], adoption: treated.map { $0 ? Double(first) : nil })
    }

    /// Wall-clock seconds of each of `repetitions` PSM-DID fits (after one warm-up fit).
    public static func timePSMDiD(panel: TreatmentPanel, spec: PSMDiDSpec = PSMDiDSpec(), repetitions: Int) throws -> (times: [Double], result: PSMDiDResult) {
        var result = try PSMDiD.estimate(panel: panel, spec: spec)
        var times: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            result = try PSMDiD.estimate(panel: panel, spec: spec)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return (times, result)
    }
}
