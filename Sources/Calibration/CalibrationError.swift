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
    /// `--approach lee-yu` on a panel with gaps: it has no exact form when W_t changes across years.
    case leeYuOnGaps(path: String)
    /// A block error law on a panel with missing city-years: the blocks do not line up (`reason`).
    case errorLawNeedsBalancedPanel(scenario: String, law: String, reason: String)

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
        case .leeYuOnGaps(let path):
            return "\(path): the panel has missing city-years, and the Lee–Yu transformation has no exact form on it (W_t changes across years); calibrate with the direct approach (the default on gaps: the unbalanced estimator, σ² corrected for the fixed effects)"
        case let .errorLawNeedsBalancedPanel(scenario, law, reason):
            return "\(scenario): city_system.observed.errors: \(law) cannot resample a panel with missing city-years: \(reason); use unit_wild (keeps each unit's serial dependence), wild, bootstrap or normal"
        }
    }
}
