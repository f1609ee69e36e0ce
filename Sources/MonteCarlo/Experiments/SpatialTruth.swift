import Calibration
import CitySystem
import Estimators
import Foundation

/// What a spatial estimator is scored against, whichever world made the panel: the world's
/// `ModelTruth` (the synthetic city system's `TrueEstimands.model`, an observed design's
/// `ObservedTruth.model`) and, for the averaged marginal effects the estimator forms, the
/// derivative terms it averages. `SpatialScoring` reads only this.
@dynamicMemberLookup
struct SpatialTruth: Sendable {
    typealias Regressor = ModelTruth.Regressor
    typealias TurningPoint = ModelTruth.TurningPoint

    let model: ModelTruth
    /// ∂(term)/∂x per observation for each averaged regressor (`ame.K.X`: the city system's CA and D).
    let slopeTerms: [String: [SpatialAverageEffects.SlopeTerm]]

    subscript<Value>(dynamicMember path: KeyPath<ModelTruth, Value>) -> Value { model[keyPath: path] }

    /// The city system.
    init(_ panel: SyntheticPanel) {
        model = panel.truth.model
        var terms: [String: [SpatialAverageEffects.SlopeTerm]] = [:]
        for x in panel.truth.model.averaged.keys { terms[x] = Self.slopeTerms(of: x, panel) }
        slopeTerms = terms
    }

    /// An observed design: the U-test asks about the calibrated curve's shape.
    init(_ t: ObservedTruth) {
        model = t.model
        slopeTerms = [:]
    }

    /// ∂(term)/∂x per observation for the terms through which x = CA or D enters.
    static func slopeTerms(of x: String, _ p: SyntheticPanel) -> [SpatialAverageEffects.SlopeTerm] {
        let ones = [Double](repeating: 1, count: p.ca.count)
        switch x {
        case "CA": return [.init(coefficient: "CA", derivative: ones), .init(coefficient: "CA2", derivative: p.ca.map { 2 * $0 }),
                           .init(coefficient: "CAxD", derivative: p.d)]
        default: return [.init(coefficient: "D", derivative: ones), .init(coefficient: "CAxD", derivative: p.ca)]
        }
    }
}
