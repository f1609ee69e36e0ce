import Calibration
import CitySystem
import Estimators
import Foundation
import TestSupport
import XCTest

final class CalibratedScenarioTests: XCTestCase {
    /// `truth` of the written scenario is the SDM fit on the data: ρ, β, θ, σ² and every effect.
    /// The numbers go through YAML with round-trip digits, and the effects use the estimator's
    /// multipliers, so agreement is at rounding; 1e-10 is the bar.
    func testTruthOfTheCalibratedScenarioIsTheFit() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-calib")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try CigaretteCalibration.calibrate(directory: dir.path)
        let (path, spec) = try CigaretteCalibration.roundTrip(c, in: dir)
        let observed = try XCTUnwrap(spec.observed)
        XCTAssertEqual(observed.data, RelativePath.from(directory: dir.path, to: CigaretteCalibration.data))
        let truth = try ObservedDesign(spec: observed, source: path).truth
        let fit = c.fit
        assertClose(try XCTUnwrap(fit.rho), truth.rho, tolerance: 1e-10)
        // σ² of the world: e'e/((N − 1)(T − 1) − p) = σ̂² · 1305/1301 (issue 20).
        assertClose(fit.sigma2 * 1305 / 1301, truth.sigma2, tolerance: 1e-10)
        assertClose(Calibration.worldSigma2(fit), truth.sigma2, tolerance: 1e-15)
        for (k, name) in fit.regressors.enumerated() {
            let r = try XCTUnwrap(truth.regressors.first { $0.name == name })
            assertClose(fit.coefficients[fit.durbinIndex[k].beta], r.beta, tolerance: 1e-10, name)
            assertClose(fit.coefficients[try XCTUnwrap(fit.durbinIndex[k].theta)], r.theta, tolerance: 1e-10, name)
            let i = try XCTUnwrap(c.analysis.impacts.first { $0.variable == name })
            assertClose(i.direct.estimate, r.direct, tolerance: 1e-10, name)
            assertClose(i.indirect.estimate, r.indirect, tolerance: 1e-10, name)
            assertClose(i.total.estimate, r.total, tolerance: 1e-10, name)
        }
    }

    /// With a quadratic term and a moderator the truth's turning points are the fit's.
    func testQuadraticTruthMatchesTheFitsTurningPoints() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-calib")
        defer { try? FileManager.default.removeItem(at: dir) }
        var r = CigaretteCalibration.request()
        r.x = ["logp", "logy"]
        r.quadratic = "logp"
        r.moderator = "logy"
        let c = try CigaretteCalibration.calibrate(r, directory: dir.path)
        let (path, spec) = try CigaretteCalibration.roundTrip(c, in: dir, grid: true)
        let truth = try ObservedDesign(spec: try XCTUnwrap(spec.observed), source: path).truth
        let q = truth.model
        XCTAssertNotNil(q.terms, "a design calibrated with a quadratic regressor has curves")
        let nl = try XCTUnwrap(c.analysis.nonlinear)
        XCTAssertEqual(q.turningPoints.count, 9, "3 effects × 3 moderator quantiles")
        for tp in q.turningPoints {
            let est = try XCTUnwrap(nl.turningPoints.first { $0.kind == tp.effect && $0.moderatorValue == q.moderatorValue(tp.label) })
            // The fit's turning point is −g1/(2g2) from the same multipliers: rounding only, relative to |x*|.
            assertClose(est.delta.estimate, try XCTUnwrap(tp.cStar), tolerance: 1e-10 * max(1, abs(est.delta.estimate)), tp.effect.rawValue)
            XCTAssertEqual(est.shape, q.testedShape[tp.effect], "the U-test asks about the calibrated shape")
        }
        // The monotone what-if world is in the grid.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("{beta: {\"logp^2\": 0.0}, theta: {\"logp^2\": 0.0}}"), text)
        XCTAssertTrue(text.contains("monotone truth"), text)
    }

    /// The boundary worlds (issue 20): every effect curve at the moderator's median has its turning
    /// point at an end of the U-test interval, the calibrated shape, and counts as a true null.
    func testBoundaryWorldsPutTheTurningPointAtAnEndOfTheInterval() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-calib")
        defer { try? FileManager.default.removeItem(at: dir) }
        var r = CigaretteCalibration.request()
        r.quadratic = "logp"
        r.moderator = "logy"
        let c = try CigaretteCalibration.calibrate(r, directory: dir.path)
        let (path, _) = try CigaretteCalibration.roundTrip(c, in: dir, grid: true)
        let base = try ObservedDesign(spec: c.spec, source: path, dataset: c.dataset).truth
        let ends = CalibratedScenario.boundaryPoints(c)
        XCTAssertEqual(ends.count, 2)
        let worlds = CalibratedScenario.whatIfWorlds(c).filter { $0.comment.contains("least-favourable") }
        XCTAssertEqual(worlds.count, 2)
        for (world, end) in zip(worlds, ends) {
            let doc = try ScenarioDocument.load(path: path).setting(yaml: world.value, atKeyPath: "city_system.observed.outcome")
            let truth = try ObservedDesign(spec: try XCTUnwrap(try ScenarioParser.parse(doc).observed), source: path, dataset: c.dataset).truth
            for tp in truth.model.turningPoints where tp.label == "p50" {
                // The written β₁, θ₁ round-trip exactly; c* = −g1/(2g2) then equals the end to rounding of |x|.
                assertClose(end.x, try XCTUnwrap(tp.cStar), tolerance: 1e-10 * max(1, abs(end.x)), "\(tp.effect) at \(end.label)")
                XCTAssertEqual(tp.shape, base.model.turningPoint(tp.effect, "p50")?.shape)
                XCTAssertFalse(tp.testedShapeInside, "a turning point at the end is on the null")
            }
        }
    }

    /// A data file changed after calibration is refused, naming the file.
    func testAChangedDataFileIsRefused() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-calib")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("panel.csv"), w = dir.appendingPathComponent("w.csv")
        try FileManager.default.copyItem(atPath: CigaretteCalibration.data, toPath: data.path)
        try FileManager.default.copyItem(atPath: CigaretteCalibration.weights, toPath: w.path)
        var r = CigaretteCalibration.request()
        r.data = data.path
        r.weights = w.path
        let c = try CigaretteCalibration.calibrate(r, directory: dir.path)
        let (path, spec) = try CigaretteCalibration.roundTrip(c, in: dir)
        XCTAssertEqual(spec.observed?.data, "panel.csv", "stored relative to the scenario")
        _ = try ObservedDesign(spec: try XCTUnwrap(spec.observed), source: path)
        var text = try String(contentsOf: data, encoding: .utf8)
        let edited = text.replacingOccurrences(of: "\n1,64,29.8,", with: "\n1,64,29.9,")   // one price changed
        XCTAssertNotEqual(edited, text, "the test edit applies")
        text = edited
        try text.write(to: data, atomically: true, encoding: .utf8)
        let observed = try XCTUnwrap(spec.observed)
        assertThrows(try ObservedDesign(spec: observed, source: path), as: CalibrationError.self) { error in
            guard case let .changedFile(_, key, file, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "data")
            XCTAssertEqual(file, data.standardized.path)
            XCTAssertTrue("\(error)".contains(data.standardized.path), "the message names the file: \(error)")
        }
    }

    /// Panels that cannot be calibrated fail with the error `estimate sdm` gives (same loader, same estimator);
    /// a panel with gaps, which `estimate sdm` fits, is refused by calibrate with its own typed error.
    func testUncalibratablePanelsGetTheEstimatorsErrors() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-calib")
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = try String(contentsOfFile: CigaretteCalibration.data, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map { $0.replacingOccurrences(of: "\"", with: "") }
        let logp = try XCTUnwrap(header.firstIndex(of: "logp"))
        let unbalanced = dir.appendingPathComponent("unbalanced.csv").path
        try (lines.prefix(5) + lines.dropFirst(6)).joined(separator: "\n").write(toFile: unbalanced, atomically: true, encoding: .utf8)
        let collinear = dir.appendingPathComponent("collinear.csv").path
        try ([lines[0] + ",logp2"] + lines.dropFirst().map { l -> String in
            let v = Double(l.split(separator: ",")[logp])!
            return l + ",\(2 * v)"
        }).joined(separator: "\n").write(toFile: collinear, atomically: true, encoding: .utf8)
        let wLines = try String(contentsOfFile: CigaretteCalibration.weights, encoding: .utf8).split(separator: "\n").map(String.init)
        let fewer = dir.appendingPathComponent("w45.csv").path   // drop the last state's row and column
        try wLines.dropLast().map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
            .joined(separator: "\n").write(toFile: fewer, atomically: true, encoding: .utf8)

        // A panel with a gap is calibrated by the unbalanced estimator (direct approach); an explicit
        // Lee–Yu request has no exact form there and is refused by name, as `estimate sdm` refuses it.
        var gappy = CigaretteCalibration.request(approach: .leeYu)
        gappy.data = unbalanced
        assertThrows(try CigaretteCalibration.calibrate(gappy, directory: dir.path), as: CalibrationError.self) {
            XCTAssertEqual($0, .leeYuOnGaps(path: unbalanced))
        }
        for (data, weights, x) in [(CigaretteCalibration.data, fewer, ["logp", "logy"]),
                                   (collinear, CigaretteCalibration.weights, ["logp", "logy", "logp2"])] {
            var r = CigaretteCalibration.request()
            r.data = data; r.weights = weights; r.x = x
            var estimateError: Error?
            do {
                let ds = try SpatialDataLoader.load(data: URL(fileURLWithPath: data), weights: URL(fileURLWithPath: weights),
                                                    id: "state", time: "year", y: "logc", x: x)
                _ = try SpatialAnalysis.run(SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .leeYu), dataset: ds)
            } catch { estimateError = error }
            let expected = try XCTUnwrap(estimateError, "estimate sdm refuses \(data), \(weights)")
            if let e = expected as? DataError {
                assertThrows(try CigaretteCalibration.calibrate(r, directory: dir.path), as: DataError.self) { XCTAssertEqual($0, e) }
            } else if let e = expected as? EstimationError {
                assertThrows(try CigaretteCalibration.calibrate(r, directory: dir.path), as: EstimationError.self) { XCTAssertEqual($0, e) }
            } else {
                XCTFail("unexpected error type \(type(of: expected)): \(expected)")
            }
        }
    }

    /// What-if overrides: θ = 0 changes the truth (effects follow), not the fixed effects or residuals.
    func testOutcomeOverridesChangeTheTruthNotTheFixedEffects() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-calib")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try CigaretteCalibration.calibrate(directory: dir.path)
        let (path, _) = try CigaretteCalibration.roundTrip(c, in: dir)
        let doc = try ScenarioDocument.load(path: path)
            .setting(yaml: "{theta: {logp: 0, logy: 0}, rho: 0.2}", atKeyPath: "city_system.observed.outcome")
        let spec = try XCTUnwrap(try ScenarioParser.parse(doc).observed)
        let base = try ObservedDesign(spec: c.spec, source: path, dataset: c.dataset)
        let whatIf = try ObservedDesign(spec: spec, source: path, dataset: c.dataset)
        XCTAssertEqual(whatIf.truth.rho, 0.2)
        XCTAssertEqual(whatIf.truth.regressors.map(\.theta), [0, 0])
        XCTAssertEqual(whatIf.truth.regressors.map(\.beta), base.truth.regressors.map(\.beta))
        XCTAssertEqual(whatIf.fixedEffects, base.fixedEffects, "fixed effects come from the calibrated values")
        XCTAssertEqual(whatIf.residuals, base.residuals)
        // Direct effect with θ = 0 is a1(ρ)·β.
        let r = whatIf.truth.regressors[0]
        assertClose(whatIf.truth.multipliers.a1 * r.beta, r.direct, tolerance: 1e-15)

        let bad = try ScenarioDocument.load(path: path).setting(yaml: "{theta: {logq: 0}}", atKeyPath: "city_system.observed.outcome")
        assertThrows(try ScenarioParser.parse(bad), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.observed.outcome.theta.logq")
        }
        let mixed = try ScenarioDocument.load(path: path).setting(yaml: "0.3", atKeyPath: "city_system.outcome.rho")
        assertThrows(try ScenarioParser.parse(mixed), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.outcome", "synthetic keys beside observed are refused")
        }
    }
}
