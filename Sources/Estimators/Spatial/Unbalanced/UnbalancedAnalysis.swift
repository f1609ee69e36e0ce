import Foundation
import Numerics

/// `SpatialAnalysis` for an unbalanced panel: the fit, effects averaged over the observed
/// city-years, curves, turning points, U-tests and the Wald tests, plus what was done with the gaps.
public struct UnbalancedAnalysis: Sendable {
    /// Fit, effects, curves and tests in the balanced report's shape (LM tests are not computed:
    /// their statistics assume one W).
    public let analysis: SpatialAnalysis
    public let unbalanced: UnbalancedFit
    public let absentRows: Int
    public let rowsWithEmptyCells: Int
    /// City-years that exist (all units × periods, less those a merge rules out) and the merges.
    public let cityYears: Int
    public let merges: [CityMerges.Merge]
    public var shareObserved: Double { Double(unbalanced.pattern.rowsUsed) / Double(cityYears) }

    public static func run(_ spec: SpatialModelSpec, dataset: UnbalancedDataset, gridPoints: Int = 21,
                           level: Double = 0.95, draws: Int = 0, seed: UInt64 = 1) throws -> UnbalancedAnalysis {
        let u = try UnbalancedEstimator.fit(spec, panel: dataset.panel, weights: dataset.weights)
        let fit = u.fit
        let kernel = try dataset.weights.effectKernel()
        let impacts = try SpatialImpacts.delta(fit, kernel: kernel)
        var nonlinear: NonlinearEffects? = nil
        if let terms = dataset.quadratic, let q = dataset.quadraticValues {
            let s = q.sorted()
            let lo = Statistics.quantile(sorted: s, 0.05), hi = Statistics.quantile(sorted: s, 0.95)
            let grid = (0..<gridPoints).map { lo + (hi - lo) * Double($0) / Double(max(gridPoints - 1, 1)) }
            let dq = dataset.moderatorValues.map { v -> [Double] in
                let sd = v.sorted()
                return [0.25, 0.5, 0.75].map { Statistics.quantile(sorted: sd, $0) }
            } ?? []
            nonlinear = try SpatialCurves.analyse(fit, kernel: kernel, terms: terms, grid: grid, moderatorValues: dq,
                                                  lower: lo, upper: hi, level: level)
        }
        var tests: [ChiSquaredTest] = []
        if spec.model == .sdm, fit.durbinIndex.contains(where: { $0.theta != nil }), fit.converged {
            tests.append(try SpatialDiagnostics.waldSDMtoSAR(fit))
            tests.append(try SpatialDiagnostics.waldSDMtoSEM(fit))
        }
        let simulation = draws > 0
            ? try SpatialImpacts.simulate(fit, kernel: kernel, draws: draws,
                                          stream: RandomStream(StreamID(seed: seed, purpose: .impactSimulation)), level: level)
            : nil
        return UnbalancedAnalysis(
            analysis: SpatialAnalysis(fit: fit, impacts: impacts, nonlinear: nonlinear, tests: tests, simulation: simulation),
            unbalanced: u, absentRows: dataset.absentRows, rowsWithEmptyCells: dataset.rowsWithEmptyCells,
            cityYears: dataset.cityYears, merges: dataset.merges)
    }
}

/// `estimate sdm --json` on an unbalanced panel: the balanced keys plus `unbalanced`.
public struct UnbalancedAnalysisJSON: Encodable, Sendable {
    public struct Pattern: Encodable, Sendable {
        public let rows_used: Int
        public let rows_full: Int
        @FiniteOrNull public var share_observed: Double
        public let absent_rows: Int
        public let rows_with_empty_cells: Int
        public let distinct_w: Int
        public let cities_per_period: [Int]
        public let isolated_city_years: Int
        public let restandardised: Bool
        public let fixed_effect_rank: Int
        @FiniteOrNull public var sigma2_dof: Double
        /// Merged cities: parts, the merged city's unit id and its first period.
        public let merges: [MergeJSON]
    }
    public struct MergeJSON: Encodable, Sendable {
        public let parts: [String]
        public let into: String
        public let year: Double
    }
    public struct BiasCorrected: Encodable, Sendable {
        @NullWhenAbsent public var rho: Double?
        @FiniteOrNull public var sigma2: Double
        public let coefficients: [NamedValue]
        @FiniteOrNull public var trace_projected_G: Double
    }
    public struct NamedValue: Encodable, Sendable {
        public let name: String
        @FiniteOrNull public var estimate: Double
    }
    let base: SpatialAnalysisJSON
    public let unbalanced: Pattern
    /// Lee–Yu-adapted bias-corrected estimates (null with the reason when unavailable).
    public let bias_corrected: BiasCorrected?
    public let bias_correction_unavailable: String?

    public init(_ a: UnbalancedAnalysis) {
        base = SpatialAnalysisJSON(a.analysis)
        let p = a.unbalanced.pattern
        unbalanced = Pattern(rows_used: p.rowsUsed, rows_full: a.cityYears, share_observed: a.shareObserved,
                             absent_rows: a.absentRows, rows_with_empty_cells: a.rowsWithEmptyCells,
                             distinct_w: p.distinctWeights, cities_per_period: p.citiesPerPeriod,
                             isolated_city_years: p.isolatedCityYears, restandardised: p.restandardised,
                             fixed_effect_rank: p.fixedEffectRank, sigma2_dof: a.unbalanced.sigma2DOF,
                             merges: a.merges.map { MergeJSON(parts: $0.parts, into: $0.unitID, year: $0.year) })
        bias_corrected = a.unbalanced.biasCorrected.map { f in
            BiasCorrected(rho: f.rho, sigma2: f.sigma2,
                          coefficients: zip(f.names, f.coefficients).map { NamedValue(name: $0, estimate: $1) },
                          trace_projected_G: a.unbalanced.traceProjectedG ?? .nan)
        }
        bias_correction_unavailable = a.unbalanced.biasCorrectionUnavailable
    }

    enum Keys: String, CodingKey { case unbalanced, bias_corrected, bias_correction_unavailable }

    public func encode(to encoder: Encoder) throws {
        try base.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(unbalanced, forKey: .unbalanced)
        try c.encode(bias_corrected, forKey: .bias_corrected)
        try c.encode(bias_correction_unavailable, forKey: .bias_correction_unavailable)
    }
}
