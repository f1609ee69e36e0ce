import CitySystem
import Estimators
import Foundation
import Numerics

/// The synthetic city system (`WorldKind.synthetic`): the generator's `CitySystemCell`
/// (geography, W spectra and truth caches built once per cell); its experiments bind the
/// configured estimators, checked against what they can score.
public struct CitySystemWorld: World {
    public let spec: ScenarioSpec
    public let system: CitySystemCell
    /// Seconds the cell's caches took to build (`generate` prints them).
    let setupSeconds: Double

    public init(document: ScenarioDocument, seed: UInt64?, cell: Int, source: String) throws {
        try self.init(document: document, seed: seed, cell: cell, source: source, weightsInUse: nil)
    }

    /// - Parameter weightsInUse: the estimator W the cell's estimators read (nil: every one); the others'
    ///   spectra are left to their first use (`CitySystemCell.init(spec:seed:cell:source:weightsInUse:)`).
    init(document: ScenarioDocument, seed: UInt64?, cell: Int, source: String, weightsInUse: Set<String>?) throws {
        // The generator reads its sections of the cell's document and leaves MonteCarlo's alone.
        var spec = try ScenarioParser.parse(document)
        if let seed { spec.seed = seed }
        self.spec = spec
        let start = Date()
        system = try CitySystemCell(spec: spec.citySystem, seed: spec.seed, cell: cell, source: source, weightsInUse: weightsInUse)
        setupSeconds = Date().timeIntervalSince(start)
    }

    /// The cell's world with the spectra of only the W its estimators read computed up front (a cell's
    /// experiment reads no other; `validate` and `generate` ask for the rest through `weightReports`).
    public static func forExperiment(cell: DesignCell, scenario: MonteCarloScenario) throws -> CitySystemWorld {
        try CitySystemWorld(document: cell.document, seed: scenario.seed, cell: cell.index, source: scenario.file,
                            weightsInUse: Set(cell.estimators.flatMap(\.settings.weightNames)))
    }

    public func makeExperiment(cell: DesignCell, scenario: MonteCarloScenario) throws -> any Experiment {
        let reader = ScenarioValueReader(source: scenario.file)
        let weightNames = spec.citySystem.estimatorWeights.map(\.name)
        let controls = spec.citySystem.outcome.controls.map(\.name)
        let estimators = try cell.estimators.enumerated().map { i, e in
            try CityEstimator.make(e, at: "estimators[\(i)]", weightNames: weightNames, regressors: CityEstimator.regressorNames(controls),
                                   nonlinearRegressors: (SpatialEstimand.nonlinearRegressors, SpatialEstimand.nonlinearEffectError),
                                   treatmentCovariates: CityEstimator.cityCovariates + controls, alpha: scenario.settings.alpha, reader: reader)
        }
        // An estimator that cannot take unobserved city-years records a failed fit in a cell with
        // them (a grid over `panel.rate` keeps its cells without); in every cell it would fail every
        // replication, so the design is refused here, at load and by `validate`.
        if Self.hasGaps(spec.citySystem), let k = estimators.firstIndex(where: { $0.gapRefusal != nil }),
           let refusal = estimators[k].gapRefusal,
           try scenario.cells().allSatisfy({ try Self.hasGaps(ScenarioParser.parse($0.document).citySystem) }) {
            throw reader.error("estimators[\(k)]", "\(refusal) — and every cell of this design has them, so it would fail in every replication",
                               fix: "remove it, or run it in a cell with every city-year observed (panel rate 0, no entry or merges)")
        }
        try RegionClusterRefusal.check(cell, spec: spec, regions: system.geography.region, scenario: scenario, reader: reader)
        try EventWindowRefusal.check(cell, spec: spec, scenario: scenario, reader: reader)
        // The W the estimators read, complete before the first replication: a spectrum that cannot be
        // computed is refused here, at load, as when every W's was computed at set-up.
        try system.resolveWeights(named: cell.estimators.flatMap(\.settings.weightNames))
        let needsSupport = estimators.contains(where: \.scoresCurves)
        return CitySystemExperiment(system: system, estimators: estimators,
                                    dataSupport: needsSupport ? try Self.support(of: system) : nil,
                                    certainFailures: SpectrumRefusal.failures(cell, spec: spec, system: system, reader: reader))
    }

    /// Whether the cell's panels have unobserved city-years (missingness, entry or merges).
    static func hasGaps(_ spec: CitySystemSpec) -> Bool {
        spec.panel.rate > 0 || spec.panel.entryShare > 0 || spec.panel.mergeShare > 0
    }

    public func dataSupport() throws -> ClosedRange<Double>? { try Self.support(of: system) }

    public static func unusedSettings(_ document: ScenarioDocument) -> [ScenarioError] {
        (try? ScenarioParser.parse(document).unusedSettings) ?? []
    }

    /// Replications whose panels' CA quantiles are averaged for the stored support (it moves a little between panels).
    static let supportReplications = 10

    /// [CA p5, CA p95], each end the mean over the panels of the first `supportReplications`
    /// replications (the same streams as the run's, so no draw of the run changes).
    /// The panels are generated concurrently (each is a function of its replication alone) and
    /// their quantiles summed in replication order, so the support is the same bits whatever the
    /// threads; the first failing replication's error is the one thrown, as in a loop.
    static func support(of system: CitySystemCell) throws -> ClosedRange<Double> {
        let quantiles = ConcurrentResults.map(supportReplications) { r in
            // By selection (the same order statistics as a sort, bit for bit): the cell's set-up sorts no N·T array.
            var ca = try system.generate(replication: r).ca
            return Statistics.quantiles(selectingIn: &ca, [0.05, 0.95])
        }
        var lo = 0.0, hi = 0.0
        for q in quantiles {
            let q = try q.get()
            lo += q[0]
            hi += q[1]
        }
        let n = Double(supportReplications)
        return (lo / n)...(hi / n)
    }
}

/// One replication: generate a panel, fit every estimator, score against the panel's truth.
struct CitySystemExperiment: Experiment {
    let system: CitySystemCell
    let estimators: [CityEstimator]
    let dataSupport: ClosedRange<Double>?
    let certainFailures: [Int: ScenarioError]

    func replicate(_ context: ReplicationContext) -> [FitOutcome] { replicate(context, clock: nil, names: []) }

    /// One replication with its stages timed under `names[e]/…` per estimator (`spillsim bench replication`).
    func replicate(_ context: ReplicationContext, clock: StageClock?, names: [String]) -> [FitOutcome] {
        let panel: SyntheticPanel
        do { panel = try clock.measure("generate") { try system.generate(replication: context.replication, clock: clock) } } catch {
            return estimators.map { e in
                FitOutcome(status: FitStatus(.generationFailed, "\(error)"),
                           results: e.estimandCount.map { _ in .missing(truth: .nan) })
            }
        }
        let data = PanelData(panel)
        // The spatial fits to come, so the first on a W batches their variances' products (`SharedSpatialFits.plan`).
        for case let .spatial(spec, weights, _, _, _, _, _) in estimators { data.sharedFits.plan(spec, weightsName: weights) }
        if let clock {
            // Built lazily by the first spatial estimator otherwise; timed here as their own stage.
            clock.measure("panel+truth") { _ = (data.spatial, data.truth) }
        }
        return estimators.enumerated().map { e, estimator in
            clock?.prefix = e < names.count ? names[e] : "estimator \(e)"
            defer { clock?.prefix = "" }
            return estimator.run(on: data, clock: clock)
        }
    }
}

/// The generated panel in the shapes the estimators take, built once per replication.
final class PanelData {
    let panel: SyntheticPanel
    private(set) lazy var spatial: Result<SpatialPanel, Error> = Result {
        let p = panel
        let ca2 = p.ca.map { $0 * $0 }
        let caxd = zip(p.ca, p.d).map { $0 * $1 }
        let x = try Matrix(columns: [p.ca, ca2, caxd, p.d] + p.controls)
        // An entrant has no outcome before it exists (NaN, never observed): a placeholder there,
        // which no fit reads (the workarounds take observed rows or fill from them).
        let y = p.observed.map { o in zip(p.mis, o).map { $1 || $0.isFinite ? $0 : 0 } } ?? p.mis
        return try SpatialPanel(y: y, x: x, names: CityEstimator.regressorNames(p.controlNames), n: p.n, t: p.t)
    }

    /// The truth the spatial estimators are scored against.
    private(set) lazy var truth = SpatialTruth(panel)

    /// Point fits the spatial estimators of this replication share (same model and W, another variance).
    let sharedFits = SharedSpatialFits()

    init(_ panel: SyntheticPanel) { self.panel = panel }

    /// The cities observed in every year (all of them without `city_system.panel` gaps): the units
    /// a DID estimator that needs a balanced panel keeps, as R did's `att_gt(panel = TRUE)` does.
    private(set) lazy var completeCities: [Int] = {
        let p = panel
        guard let o = p.observed else { return Array(0..<p.n) }
        return (0..<p.n).filter { i in (0..<p.t).allSatisfy { o[p.index(period: $0, city: i)] } }
    }()

    /// The generated panel as a DID estimator sees it. `balanced`: only `completeCities` (PSM-DID,
    /// Callaway–Sant'Anna: matched-unit regressions and ΔY = Y_t − Y_base need every period);
    /// otherwise every city, and the estimator uses `panel.observed` to drop the unobserved rows
    /// (TWFE, as fixest does).
    func treatment(covariates: [String], balanced: Bool) throws -> TreatmentPanel {
        let key = TreatmentPanelKey(covariates: covariates, balanced: balanced)
        if let built = treatmentPanels[key] { return built }
        let built = try makeTreatment(covariates: covariates, balanced: balanced)
        treatmentPanels[key] = built
        return built
    }

    /// `treatment`'s panels already built: the DID estimators of a replication (psm_did and did with
    /// the same covariates) share one. A panel that failed to build is not kept (each asks again and
    /// gets the same error).
    private var treatmentPanels: [TreatmentPanelKey: TreatmentPanel] = [:]
    private struct TreatmentPanelKey: Hashable {
        let covariates: [String]
        let balanced: Bool
    }

    private func makeTreatment(covariates: [String], balanced: Bool) throws -> TreatmentPanel {
        let p = panel
        let cities = balanced ? completeCities : Array(0..<p.n)
        guard !cities.isEmpty else {
            throw EstimationError("no city is observed in every year (city_system.panel); a DID estimator that needs a balanced panel has no data")
        }
        let m = cities.count
        func keep(_ v: [Double]) -> [Double] {
            m == p.n ? v : (0..<(m * p.t)).map { v[p.index(period: $0 / m, city: cities[$0 % m])] }
        }
        let columns = try covariates.map { name -> (name: String, values: [Double]) in
            (name, keep(try CityEstimator.covariate(name, of: p)))
        }
        return try TreatmentPanel(unitCount: m, periods: p.years.map(Double.init), outcome: keep(p.mis), covariates: columns,
                                  adoption: cities.map { p.cohort[$0] > 0 ? Double(p.cohort[$0]) : nil },
                                  unitLabels: cities.map { p.cityIds[$0] })
    }

    /// Per-observation weights of the balanced DID panel (time-major, `completeCities` only) on the
    /// whole generated panel: 0 for the cities it dropped.
    func fullPanelWeights(_ w: [Double]?) -> [Double]? {
        let p = panel, cities = completeCities, m = cities.count
        guard m < p.n else { return w }
        var out = [Double](repeating: 0, count: p.n * p.t)
        for k in 0..<(m * p.t) { out[p.index(period: k / m, city: cities[k % m])] = w?[k] ?? 1 }
        return out
    }
}

