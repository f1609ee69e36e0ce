@testable import Estimators
import Numerics
import XCTest

/// The cluster sandwich's unit scores through the 512-bit kernel (`WideKernels.unitScores`, eight units to a
/// vector) are the Swift loop's bits — the same terms rounded as written, summed over the periods in order —
/// with and without the ρ column, for unit counts on and off a multiple of eight.
final class WideUnitScoresTests: XCTestCase {
    func testWideScoresHaveTheBitsOfTheLoop() throws {
        try XCTSkipUnless(WideKernels.available, "no AVX-512F on this CPU: the Swift loop alone runs")
        for (n, t) in [(24, 6), (29, 5), (13, 4), (11, 3)] {
            let w = try SpatialTestData.ringWeights(n)
            let panel = try SpatialTestData.simulatedSDM(weights: w, t: t, rho: 0.4, beta: [1, -0.5], theta: [0.3, 0.2], seed: 5)
            let spec = SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all)
            let d = try SpatialDesign(spec: spec, panel: panel, weights: w)
            let e = (0..<(n * t)).map { q in sin(Double(q) * 0.77) * Double(1 << (q % 5)) }
            let share = (0..<n).map { cos(Double($0) * 1.3) * 0.01 }
            for jacobian in [share, nil] {
                let k = d.p + (jacobian == nil ? 1 : 2)
                let wide = SpatialVariance.unitScores(d, residuals: e, k: k, sigma2: 0.37, jacobianShare: jacobian, sigmaShare: 1.9)
                let loop = SpatialVariance.unitScores(d, residuals: e, k: k, sigma2: 0.37, jacobianShare: jacobian, sigmaShare: 1.9, wide: false)
                XCTAssertEqual(wide.data.map(\.bitPattern), loop.data.map(\.bitPattern), "N = \(n), T = \(t), ρ column \(jacobian != nil)")
            }
        }
    }
}
