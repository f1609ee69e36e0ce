import Estimators
import Foundation
import Numerics
import TestSupport
import XCTest

/// The three-step mediation regressions against pyfixest on a generated panel
/// (Fixtures/mediation_pyfixest.json, scripts/fixtures/make_mediation_pyfixest.py).
final class MediationTests: XCTestCase {
    struct Block: Decodable {
        struct Fit: Decodable { let coef: [String: Double]; let se: [String: Double] }
        let step1, step2, step3, step4: Fit
        let indirect: Double
        let sobel_se: Double
    }
    struct Reference: Decodable { let unweighted, weighted: Block }

    func load() throws -> (MediationData, Reference) {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "mediation_panel", withExtension: "csv", subdirectory: "Fixtures"))
        let ref = try XCTUnwrap(Bundle.module.url(forResource: "mediation_pyfixest", withExtension: "json", subdirectory: "Fixtures"))
        let table = try DataTable.read(csv: url)
        let d = try PanelRegressionData.from(table: table, id: "city", time: "year", outcome: "Mis", regressors: ["lngdppc", "gov"],
                                             weights: "w", cluster: "city")
        let tp = zip(try table.numbers("treat"), try table.numbers("post")).map(*)
        var data = MediationData(outcome: d.y, mediator: try table.numbers("D"), treatment: tp, moderator: try table.numbers("CA"),
                                 controls: d.x, controlNames: d.names, unit: d.unit, time: d.time, weights: d.weights, cluster: d.cluster)
        data.mediatorName = "D"
        return (data, try JSONDecoder().decode(Reference.self, from: Data(contentsOf: ref)))
    }

    func check(_ r: MediationResult, _ b: Block, _ label: String) {
        // Same method (FWL two-way within + CR1 with fixest's ssc) on well-conditioned columns of
        // order 1: agreement to rounding; 1e-9 leaves room for the alternating projections' 1e-12
        // stopping rule on the weighted panel.
        let pairs: [(MediationResult.Coefficient, Double, Double, String)] = [
            (r.total, b.step1.coef["TP"]!, b.step1.se["TP"]!, "c"),
            (r.firstStage, b.step2.coef["TP"]!, b.step2.se["TP"]!, "a"),
            (r.direct, b.step3.coef["TP"]!, b.step3.se["TP"]!, "c'"),
            (r.mediator, b.step3.coef["D"]!, b.step3.se["D"]!, "b"),
            (r.interaction!, b.step4.coef["TPxCA"]!, b.step4.se["TPxCA"]!, "g"),
            (r.indirect, b.indirect, b.sobel_se, "a·b, Sobel"),
        ]
        for (c, est, se, name) in pairs {
            assertClose(est, c.estimate, tolerance: 1e-9 * max(1, abs(est)), "\(label) \(name)")
            assertClose(se, c.standardError, tolerance: 1e-9 * max(1, se), "\(label) \(name) SE")
        }
        // OLS on the same sample and controls: c = c′ + a·b exactly (MacKinnon, Warsi & Dwyer 1995).
        assertClose(r.total.estimate, r.direct.estimate + r.indirect.estimate, tolerance: 1e-10, "\(label) c = c′ + ab")
        assertClose(r.indirect.estimate / r.total.estimate, r.share, tolerance: 1e-12)
    }

    func testThreeStepsMatchPyfixest() throws {
        var (data, ref) = try load()
        let weighted = try Mediation.estimate(data)
        check(weighted, ref.weighted, "weighted")
        data.weights = nil
        check(try Mediation.estimate(data), ref.unweighted, "unweighted")
    }

    /// The cluster bootstrap is reproducible by its stream, its SE is of the Sobel SE's order,
    /// and a draw frequency-weights whole clusters (a cluster drawn twice counts twice).
    func testClusterBootstrapIsReproducibleAndSane() throws {
        var (data, _) = try load()
        data.weights = nil
        var spec = MediationSpec()
        spec.bootstrap = 199
        spec.stream = StreamID(seed: 7, purpose: .mediationBootstrap)
        let r1 = try Mediation.estimate(data, spec: spec), r2 = try Mediation.estimate(data, spec: spec)
        let b = try XCTUnwrap(r1.bootstrap)
        XCTAssertEqual(b.standardError, r2.bootstrap!.standardError)
        XCTAssertEqual(b.failed, 0)
        XCTAssertLessThan(b.lower, r1.indirect.estimate)
        XCTAssertGreaterThan(b.upper, r1.indirect.estimate)
        // Sobel's SE is first-order; with 60 clusters the bootstrap SE lies within a factor 2 of it.
        XCTAssertGreaterThan(b.standardError, 0.5 * r1.indirect.standardError)
        XCTAssertLessThan(b.standardError, 2 * r1.indirect.standardError)
        XCTAssertTrue(b.pValue > 0 && b.pValue <= 1)
    }

    /// The quasi-Bayesian ACME/ADE (R mediation::mediate's algorithm) against the exact distribution
    /// of its draws (Fixtures/causal_mediation_reference.json, scripts/fixtures/make_causal_mediation_reference.py:
    /// the product of two normals by numerical integration, r-cran-mediation not being in Debian).
    /// With S = 20 000 draws from a fixed stream, a sample quantile's MCSE is √(p(1 − p)/S)/f(q), a
    /// proportion's √(p(1 − p)/S), the SD's about SD/√(2S) (times 2 for the product's heavier tails):
    /// each must lie within 4 MCSE. Point estimates are the plug-in a·b and c′ of the fitted steps.
    func testCausalMediationMatchesTheExactQuasiBayesianDistribution() throws {
        var (data, _) = try load()
        data.weights = nil
        let url = try XCTUnwrap(Bundle.module.url(forResource: "causal_mediation_reference", withExtension: "json", subdirectory: "Fixtures"))
        let ref = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let acme = ref["acme"] as! [String: Double], ade = ref["ade"] as! [String: Double]
        var spec = MediationSpec()
        spec.simulations = 20_000
        spec.simulationStream = StreamID(seed: 26, purpose: .mediationSimulation)
        let r = try Mediation.estimate(data, spec: spec)
        let c = try XCTUnwrap(r.causal)
        let s = Double(spec.simulations)
        func quantileMCSE(_ p: Double, _ f: Double) -> Double { (p * (1 - p) / s).squareRoot() / f }
        assertClose(r.indirect.estimate, c.acme.estimate, tolerance: 1e-15, "ACME point estimate = a·b")
        assertClose(r.direct.estimate, c.ade.estimate, tolerance: 1e-15, "ADE point estimate = c′")
        assertClose(acme["lower"]!, c.acme.lower, tolerance: 4 * quantileMCSE(0.025, acme["density_lower"]!), "ACME 2.5 %")
        assertClose(acme["upper"]!, c.acme.upper, tolerance: 4 * quantileMCSE(0.975, acme["density_upper"]!), "ACME 97.5 %")
        assertClose(acme["sd"]!, c.acme.standardError, tolerance: 4 * 2 * acme["sd"]! / (2 * s).squareRoot(), "ACME draws' SD")
        let p = acme["p_value"]!
        assertClose(p, c.acme.pValue, tolerance: 4 * 2 * (p / 2 * (1 - p / 2) / s).squareRoot(), "ACME p-value")
        assertClose(ade["lower"]!, c.ade.lower, tolerance: 4 * quantileMCSE(0.025, ade["density_lower"]!), "ADE 2.5 %")
        let q = ade["p_value"]!
        assertClose(q, c.ade.pValue, tolerance: 4 * 2 * (q / 2 * (1 - q / 2) / s).squareRoot(), "ADE p-value")
        // Reproducible by its stream; the total is ACME + ADE draw by draw.
        XCTAssertEqual(try Mediation.estimate(data, spec: spec).causal?.acme.lower, c.acme.lower)
        assertClose(c.acme.estimate + c.ade.estimate, c.total.estimate, tolerance: 1e-15)
    }

    /// Without controls (`estimate mediation` without --x) the steps are regressions on TP (and the
    /// mediator) and the two-way effects alone. The fixture panel is balanced (60 cities × 8 years),
    /// where the two-way within transformation is the double demeaning x − x̄ᵢ − x̄ₜ + x̄ (Wansbeek &
    /// Kapteyn 1989), so each coefficient is an explicit small computation on the raw columns,
    /// independent of `PanelOLS`'s alternating projections. (statsmodels' OLS with city and year
    /// dummies gives the same c, a, c′ and b: −0.0400920, 0.0708918, −0.0184255, −0.305627.)
    func testWithoutControlsMatchesTheDoubleDemeanedRegressions() throws {
        var (data, _) = try load()
        data.weights = nil
        data.controls = Matrix(rows: 0, cols: 0)  // as a caller without controls builds it
        data.controlNames = []
        let r = try Mediation.estimate(data)
        func demeaned(_ v: [Double]) -> [Double] {
            let n = v.count
            var byUnit: [Int: (Double, Double)] = [:], byTime: [Int: (Double, Double)] = [:]
            for k in 0..<n {
                byUnit[data.unit[k], default: (0, 0)].0 += v[k]; byUnit[data.unit[k], default: (0, 0)].1 += 1
                byTime[data.time[k], default: (0, 0)].0 += v[k]; byTime[data.time[k], default: (0, 0)].1 += 1
            }
            let mean = v.reduce(0, +) / Double(n)
            return (0..<n).map { k in
                let u = byUnit[data.unit[k]]!, t = byTime[data.time[k]]!
                return v[k] - u.0 / u.1 - t.0 / t.1 + mean
            }
        }
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map(*).reduce(0, +) }
        let y = demeaned(data.outcome), m = demeaned(data.mediator), tp = demeaned(data.treatment)
        let c = dot(y, tp) / dot(tp, tp), a = dot(m, tp) / dot(tp, tp)
        // Step 3 by its 2 × 2 normal equations (Cramer's rule).
        let (stt, stm, smm, sty, smy) = (dot(tp, tp), dot(tp, m), dot(m, m), dot(tp, y), dot(m, y))
        let det = stt * smm - stm * stm
        let cPrime = (sty * smm - stm * smy) / det, b = (stt * smy - stm * sty) / det
        // Sums of 480 terms of order 1: agreement to rounding; 1e-10 leaves room for the
        // alternating projections' 1e-12 stopping rule.
        assertClose(c, r.total.estimate, tolerance: 1e-10, "c without controls")
        assertClose(a, r.firstStage.estimate, tolerance: 1e-10, "a without controls")
        assertClose(cPrime, r.direct.estimate, tolerance: 1e-10, "c′ without controls")
        assertClose(b, r.mediator.estimate, tolerance: 1e-10, "b without controls")
        assertClose(r.total.estimate, r.direct.estimate + r.indirect.estimate, tolerance: 1e-10, "c = c′ + ab")
        // CR1 of c by hand, fixest's ssc(): G/(G − 1)·(n − 1)/(n − K) with K = 1 (TP) + 7 (year
        // effects) + 1 (the city effects, nested in the clusters, count as one) = 9 (0.0171494).
        var score: [Int: Double] = [:]
        for k in tp.indices { score[data.unit[k], default: 0] += tp[k] * (y[k] - c * tp[k]) }
        let (n, g) = (Double(tp.count), Double(score.count))
        let seC = (g / (g - 1) * (n - 1) / (n - 9) * score.values.map { $0 * $0 }.reduce(0, +)).squareRoot() / dot(tp, tp)
        assertClose(seC, r.total.standardError, tolerance: 1e-10, "CR1 SE of c without controls")
        XCTAssertNotNil(r.interaction, "the moderator regression runs without controls too")
        // The table reader gives the same n × 0 block (the CLI's path).
        let url = try XCTUnwrap(Bundle.module.url(forResource: "mediation_panel", withExtension: "csv", subdirectory: "Fixtures"))
        let table = try DataTable.read(csv: url)
        let d = try PanelRegressionData.from(table: table, id: "city", time: "year", outcome: "Mis", regressors: [], cluster: "city")
        XCTAssertEqual(d.x.rows, table.rowCount)
        XCTAssertEqual(d.x.cols, 0)
    }

    func testMismatchedLengthsAreRefused() throws {
        var (data, _) = try load()
        data.mediator.removeLast()
        XCTAssertThrowsError(try Mediation.estimate(data)) { XCTAssertTrue($0 is TreatmentError) }
    }
}
