import Foundation

/// Why an observed design cannot be loaded or a panel calibrated. Messages name the
/// file (and the scenario key) and the fix.
public enum CalibrationError: Error, CustomStringConvertible, Equatable {
    /// A data or W file the scenario names cannot be read.
    case unreadable(path: String)
    /// A file's content hash differs from the one recorded at calibration.
    case changedFile(scenario: String, key: String, path: String, recorded: String, found: String)
    /// The data's regressors differ from the names the calibrated parameters are given for.
    case regressorMismatch(scenario: String, expected: [String], found: [String])
    /// The calibration fit did not converge, so it cannot define a world.
    case notConverged(reason: String)
    /// The generating ρ makes I − ρW singular for the data's W.
    case unstableRho(scenario: String, key: String, rho: Double, lower: Double, upper: Double)
    /// The panel has missing city-years: an observed design with the user's missingness pattern
    /// is not implemented (issue 24), so the panel is refused rather than silently balanced.
    case unbalancedPanel(path: String, absentRows: Int, rowsWithEmptyCells: Int)

    public var description: String {
        switch self {
        case .unreadable(let path):
            return "\(path): cannot read the file; check that it exists and is readable"
        case let .changedFile(scenario, key, path, recorded, found):
            return "\(scenario): city_system.observed.\(key): the file \(path) has changed since calibration (its content hash is \(found), the scenario recorded \(recorded)); restore the file, or recalibrate with `spillsim calibrate` to make a scenario for the new data"
        case let .regressorMismatch(scenario, expected, found):
            return "\(scenario): city_system.observed: the calibrated parameters are for the regressors \(expected.joined(separator: ", ")) but the data give \(found.joined(separator: ", ")); recalibrate"
        case .notConverged(let reason):
            return "the SDM fit did not converge (\(reason)); a calibrated world needs a converged fit — check the model and the data"
        case let .unstableRho(scenario, key, rho, lower, upper):
            return "\(scenario): city_system.observed.\(key): ρ = \(rho) lies outside (1/ω_min, 1/ω_max) = (\(lower), \(upper)) of the data's W, so I − ρW is not invertible along the path from 0; choose rho inside that interval"
        case let .unbalancedPanel(path, absent, empty):
            return "\(path): the panel has missing city-years (\(absent) unit-period(s) without a row, \(empty) row(s) with an empty model cell); `calibrate` does not build an observed design with gaps yet (the world would have to keep this pattern). `spillsim estimate sdm` fits this panel as it is; to calibrate, balance it first (e.g. keep the units observed in every period)"
        }
    }
}
