import CitySystem
import Estimators
@testable import MonteCarlo
import Numerics
import TestSupport
import XCTest

/// `ame.K.X` against a brute-force computation with the explicit inverse
/// A = (I − ρW)⁻¹ on a small generated panel: the estimate, its delta SE (gradient by
/// central differences in ρ, exact in β and θ), and the truth (the same functional at
/// the true parameters and the true W must equal `TrueEstimands.averaged`).
final class AverageEffectTests: XCTestCase {
    /// (1/NT) Σ_t tr(A diag(b_t) + AW diag(c_t)) and the same with 1ᵀ(…)1.
    static func bruteForce(rho: Double, w: Matrix, b: [Double], c: [Double], n: Int) throws -> (direct: Double, total: Double) {
        var m = Matrix.identity(n)
        for j in 0..<n { for i in 0..<n { m[i, j] -= rho * w[i, j] } }
        let a = try LUDecomposition(m).inverse()
        let aw = a * w
        var direct = 0.0, total = 0.0
        for k in 0..<b.count {
            let j = k % n
            direct += a[j, j] * b[k] + aw[j, j] * c[k]
            var colA = 0.0, colAW = 0.0
            for i in 0..<n { colA += a[i, j]; colAW += aw[i, j] }
            total += colA * b[k] + colAW * c[k]
        }
        return (direct / Double(b.count), total / Double(b.count))
    }

    func testAverageEffectsMatchTheExplicitInverse() throws {
        let scenario = try MonteCarloScenario(text: CitySystemRunTests.small)
        let experiment = try XCTUnwrap(try CitySystemBuilder().makeExperiment(cell: try scenario.cells()[0], scenario: scenario) as? CitySystemExperiment)
        let panel = try experiment.system.generate(replication: 0)
        let w = try XCTUnwrap(panel.estimatorWeights["true"])
        let fit = try SpatialEstimator.fit(SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu, durbin: .all),
                                           panel: try PanelData(panel).spatial.get(), weights: w)
        let ame = try SpatialAverageEffects.estimate(fit, weights: w, terms: SpatialTruth.slopeTerms(of: "CA", panel), units: panel.n)
        let coef = { (name: String) in fit.coefficients[fit.index(of: name)!] }
        func slopes(_ beta: [Double], _ theta: [Double]) -> ([Double], [Double]) {
            (zip(panel.ca, panel.d).map { beta[0] + 2 * beta[1] * $0 + beta[2] * $1 },
             zip(panel.ca, panel.d).map { theta[0] + 2 * theta[1] * $0 + theta[2] * $1 })
        }
        let names = ["CA", "CA2", "CAxD"]
        let beta = names.map(coef), theta = names.map { coef(spatialLagName($0)) }
        let rho = try XCTUnwrap(fit.rho)
        func value(_ rho: Double, _ beta: [Double], _ theta: [Double]) throws -> [Double] {
            let (b, c) = slopes(beta, theta)
            let r = try Self.bruteForce(rho: rho, w: w.matrix, b: b, c: c, n: panel.n)
            return [r.direct, r.total - r.direct, r.total]
        }
        let bf = try value(rho, beta, theta)
        let kinds: [EffectKind] = [.direct, .indirect, .total]
        for (i, k) in kinds.enumerated() {
            // The spectral and the inverse route differ by rounding in an N = 40 eigen-decomposition.
            assertClose(bf[i], ame[k]!.estimate, tolerance: 1e-10 * max(1, abs(bf[i])), "\(k) AME")
        }
        // Delta SE: the effect is linear in β, θ (gradient = value at unit vectors minus at 0) and smooth in ρ.
        let p = fit.parameterCount
        var grads = [[Double]](repeating: [Double](repeating: 0, count: p), count: 3)
        let zero = try value(rho, [0, 0, 0], [0, 0, 0])
        for j in 0..<3 {
            var e = [0.0, 0, 0]; e[j] = 1
            let vb = try value(rho, e, [0, 0, 0]), vt = try value(rho, [0, 0, 0], e)
            for i in 0..<3 {
                grads[i][fit.index(of: names[j])!] = vb[i] - zero[i]
                grads[i][fit.index(of: spatialLagName(names[j]))!] = vt[i] - zero[i]
            }
        }
        let h = 1e-5   // central difference: error O(h²·f''') ≈ 1e-10, far below the SE
        let up = try value(rho + h, beta, theta), down = try value(rho - h, beta, theta)
        for i in 0..<3 { grads[i][try XCTUnwrap(fit.spatialIndex)] = (up[i] - down[i]) / (2 * h) }
        for (i, k) in kinds.enumerated() {
            let se = Vector.dot(grads[i], fit.vcov.multiply(grads[i])).squareRoot()
            assertClose(se, ame[k]!.se, tolerance: 1e-6 * se, "\(k) delta SE")
        }
        // The truth is this functional at the true parameters on the true W.
        let t = panel.truth
        let (b, c) = slopes(Array(t.beta.prefix(3)), Array(t.theta.prefix(3)))
        let truth = try Self.bruteForce(rho: t.rho, w: w.matrix, b: b, c: c, n: panel.n)
        let stored = try XCTUnwrap(t.model.averaged["CA"])
        assertClose(truth.direct, try XCTUnwrap(stored[.direct]), tolerance: 1e-10, "truth ame.direct.CA")
        assertClose(truth.total, try XCTUnwrap(stored[.total]), tolerance: 1e-10, "truth ame.total.CA")
        assertClose(truth.direct, SpatialScoring.trueValue(.averageEffect(.direct, "CA"), SpatialTruth(panel)), tolerance: 1e-10)
    }

    func testEffectOfARegressorWithASquareIsRefusedWithTheAlternatives() throws {
        let text = CitySystemRunTests.small.replacingOccurrences(of: "ame.direct.D,", with: "indirect.CA,")
        let scenario = try MonteCarloScenario(text: text, file: "small.yaml")
        let cell = try scenario.cells()[0]
        assertThrows(try CitySystemBuilder().makeExperiment(cell: cell, scenario: scenario), as: ScenarioError.self) { e in
            XCTAssertEqual(e.path, "estimators[0].estimands[3]")
            // The message is the contract here: it must name the alternatives.
            XCTAssertTrue("\(e)".contains("ame.indirect.CA") && "\(e)".contains("curve.indirect.L.j"), "\(e)")
        }
    }
}

/// The DID-family truths: on all units they are the truth JSON's; on the units an
/// estimator uses they follow its weights; the scored rows decompose as documented.
final class TreatmentTruthTests: XCTestCase {
    func testTruthOnUsedUnitsAndTheSpilloverDecomposition() throws {
        let text = CitySystemRunTests.small.replacingOccurrences(
            of: "{name: psm_did, model: psm_did, estimands: [att]}",
            with: "{name: psm_did, model: psm_did, estimands: [att, att_matched, att_net, spillover_controls]}")
            // Every region treated (14 of 40 cities): 1:1 matching in the default region 0 leaves two
            // units, whose CR1 variance is degenerate and refused.
            .replacingOccurrences(of: "  estimator_weights:", with: "  treatment: {regions: [0, 1, 2, 3]}\n  estimator_weights:")
        let scenario = try MonteCarloScenario(text: text)
        let experiment = try XCTUnwrap(try CitySystemBuilder().makeExperiment(cell: try scenario.cells()[0], scenario: scenario) as? CitySystemExperiment)
        let panel = try experiment.system.generate(replication: 0)
        let all = TreatmentTruth(panel, weights: nil)
        let stored = panel.truth.integration
        assertClose(try XCTUnwrap(stored.meanAtt), all.att, tolerance: 1e-12, "all units: the truth JSON's mean ATT")
        assertClose(try XCTUnwrap(stored.meanSpilloverOnControls), all.spillover, tolerance: 1e-12, "and its spillover onto controls")
        // Dropping one treated city (weight 0) leaves the mean over the others.
        let dropped = try XCTUnwrap(panel.treat.firstIndex(of: 1))
        var w = [Double](repeating: 1, count: panel.n * panel.t)
        for p in 0..<panel.t { w[panel.index(period: p, city: dropped)] = 0 }
        var s = 0.0, c = 0.0
        for p in 0..<panel.t { for i in 0..<panel.n where panel.treat[i] == 1 && i != dropped {
            let k = panel.index(period: p, city: i)
            if panel.post[k] == 1 { s += panel.mis[k] - panel.misNoIntegration[k]; c += 1 }
        } }
        assertClose(s / c, TreatmentTruth(panel, weights: w).att, tolerance: 1e-12)

        let fits = experiment.replicate(ReplicationContext(seed: scenario.seed, cell: 0, replication: 0))
        let did = try XCTUnwrap(fits.last)
        XCTAssertEqual(did.status.code, .ok, did.status.message)
        let (att, matched, net, spill) = (did.results[0], did.results[1], did.results[2], did.results[3])
        XCTAssertEqual(att.truth, stored.meanAtt)
        assertClose(matched.truth - spill.truth, net.truth, tolerance: 1e-15, "att_net = att_matched − spillover")
        assertClose(matched.truth - att.estimate, spill.estimate, tolerance: 1e-15, "the shortfall below the ATT of the used treated")
        assertClose(-(net.estimate - net.truth), spill.estimate - spill.truth, tolerance: 1e-14, "errors of att_net and spillover_controls are opposite")
    }
}
