import Calibration
import CitySystem
import Estimators
import Foundation
import Numerics

/// An observed design (`WorldKind.observed`, `city_system.observed` from `spillsim calibrate`):
/// the data's files (hash-checked; fixed effects, residuals, filter and truth built once per cell)
/// with the cell's outcome settings, with or without the data's missing city-years. Its spatial
/// estimators all use the data's W.
public struct ObservedDesignWorld: World {
    public let design: ObservedWorld
    /// The scenario's `city_system.observed` section.
    public let spec: ObservedDesignSpec
    let name: String
    let seed: UInt64
    let cell: Int
    let source: String

    public init(document: ScenarioDocument, seed: UInt64?, cell: Int, source: String) throws {
        let spec = try ScenarioParser.parse(document)
        guard let observed = spec.observed else {
            throw ScenarioError(source: source, path: "city_system.observed", reason: "missing")
        }
        design = try ObservedWorld.load(spec: observed, source: source)
        self.spec = observed
        (name, self.seed, self.cell, self.source) = (spec.name, seed ?? spec.seed, cell, source)
    }

    /// The regressors are the data's in every replication: the support is the data's [p5, p95]
    /// of the quadratic regressor, the ends of the calibrated curve grid (nil without one).
    static func support(of truth: ModelTruth) -> ClosedRange<Double>? {
        truth.grid.first.flatMap { lo in truth.grid.last.map { lo...$0 } }
    }

    public func dataSupport() throws -> ClosedRange<Double>? { Self.support(of: design.truth.model) }

    /// An observed design's keys are all read (`ObservedDesignSpec`).
    public static func unusedSettings(_ document: ScenarioDocument) -> [ScenarioError] { [] }

    public func makeExperiment(cell: DesignCell, scenario: MonteCarloScenario) throws -> any Experiment {
        let world = design
        let reader = ScenarioValueReader(source: scenario.file)
        let q = world.truth.model.terms
        let curveTerms = q.map { [$0.linear, $0.square] + [$0.interaction, $0.moderator].compactMap { $0 } } ?? []
        func curveEffectError(_ k: EffectKind, _ x: String) -> String {
            let r = q?.linear ?? x
            return "`\(k.rawValue).\(x)` is not a single effect: \(r) enters with its square\(q?.interaction == nil ? "" : " and an interaction"), so its \(k.rawValue) effect varies along the curve and this coefficient combination is the effect at \(r) = 0; use curve.\(k.rawValue).L.j (the effect at a grid point) or tp.\(k.rawValue).L (the turning point)"
        }
        let estimators = try cell.estimators.enumerated().map { i, e in
            let at = "estimators[\(i)]"
            let estimator = try CityEstimator.make(e, at: at, weightNames: ["true"], regressors: world.names,
                                                   nonlinearRegressors: (curveTerms, curveEffectError),
                                                   treatmentCovariates: nil, alpha: scenario.settings.alpha, reader: reader)
            switch estimator {
            case .spatial(_, _, _, _, let estimands, _, _), .unbalanced(_, _, _, _, let estimands, _):
                if world.truth.model.terms == nil, let k = estimands.firstIndex(where: \.needsCurves) {
                    throw reader.error("\(at).estimands[\(k)]", "`\(e.estimands[k])` needs a quadratic term; this design was calibrated without one (calibrate with --quadratic)")
                }
            default: break
            }
            // The data decide whether the world has gaps, so an estimator that cannot take the design is refused here.
            switch (world, estimator) {
            case (.balanced, .unbalanced):
                throw reader.error("\(at).missing", "this observed design's data have no missing city-years; remove `missing`")
            case (.gaps(let d), .spatial), (.gaps(let d), .dynamic):
                throw reader.error("\(at).missing", "missing: the design keeps the data's \(d.dataset.cityYears - d.panel.observations) missing city-years; give this estimator `missing: \(MissingWorkaround.allowed)` (docs/unbalanced.md)")
            default: return estimator
            }
        }
        let truth = SpatialTruth(world.truth), support = Self.support(of: world.truth.model)
        switch world {
        case .balanced(let design):
            return ObservedDesignExperiment(design: design, truth: truth, seed: scenario.seed, cell: cell.index,
                                            estimators: estimators, dataSupport: support)
        case .gaps(let design):
            return ObservedGapExperiment(design: design, truth: truth, estimators: estimators, dataSupport: support)
        }
    }
}

/// One replication: regenerate the outcome on the data's design, fit every estimator,
/// score against the calibrated (or overridden) truth.
struct ObservedDesignExperiment: Experiment {
    let design: ObservedDesign
    let truth: SpatialTruth
    let seed: UInt64
    let cell: Int
    let estimators: [CityEstimator]
    let dataSupport: ClosedRange<Double>?

    func replicate(_ context: ReplicationContext) -> [FitOutcome] {
        let panel = Result { try design.generate(seed: context.seed, cell: context.cell, replication: context.replication) }
        if case .failure(let error) = panel {
            return estimators.map { e in
                FitOutcome(status: FitStatus(.generationFailed, "\(error)"), results: e.estimandCount.map { _ in .missing(truth: .nan) })
            }
        }
        return estimators.map { $0.run(on: panel, weights: design.dataset.weights, truth: truth) }
    }
}
