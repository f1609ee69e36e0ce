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

    func testMismatchedLengthsAreRefused() throws {
        var (data, _) = try load()
        data.mediator.removeLast()
        XCTAssertThrowsError(try Mediation.estimate(data)) { XCTAssertTrue($0 is TreatmentError) }
    }
}
