import Calibration
import CitySystem
import Estimators
import Foundation
import TestSupport

/// The worked example: the Baltagi cigarette panel (data/cigarette), logc on logp and logy.
enum CigaretteCalibration {
    static var data: String { TestPaths.cigarette.appendingPathComponent("cigarette.csv").path }
    static var weights: String { TestPaths.cigarette.appendingPathComponent("usa46_contiguity.csv").path }

    static func request(effects: FixedEffects = .twoWays, approach: SpatialApproach = .leeYu,
                        errors: ObservedDesignSpec.Errors = .normal) -> CalibrationRequest {
        var r = CalibrationRequest(data: data, weights: weights, id: "state", time: "year", y: "logc", x: ["logp", "logy"])
        r.effects = effects
        r.approach = approach
        r.errors = errors
        return r
    }

    static func calibrate(_ r: CalibrationRequest = request(), directory: String = NSTemporaryDirectory()) throws -> Calibration {
        try Calibration.run(r, scenarioDirectory: directory)
    }

    /// Writes the calibrated scenario into `dir` and parses it back, as `run` and `truth` do.
    static func roundTrip(_ c: Calibration, in dir: URL, grid: Bool = false) throws -> (path: String, spec: ScenarioSpec) {
        let path = dir.appendingPathComponent("calibrated.yaml").path
        var o = CalibratedScenario.Options(name: "calibrated", version: "test")
        o.grid = grid
        try CalibratedScenario.yaml(c, options: o).write(toFile: path, atomically: true, encoding: .utf8)
        return (path, try ScenarioParser.load(path: path))
    }
}
