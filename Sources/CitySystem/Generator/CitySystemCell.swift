import Foundation
import Numerics

/// Everything about one design cell that does not change across replications, built
/// once: geography and sizes, the true W with its spectrum and the filter
/// (I − ρW)⁻¹, the estimators' W matrices, the diffusion kernel, the Cholesky factor
/// of the city-effect correlation and the truth cache. `generate(replication:)` then
/// costs O(N²T) — O(nnz·T) when W is held sparse, where the kernel is truncated, the field
/// a process convolution and no N × N array exists (docs/large-n.md) —: no O(N³) step per replication, except when a W depends on the data
/// (`kappa_d` ≠ 0), which is rebuilt (with its spectrum) every replication.
///
/// Geography and sizes are drawn from `StreamID(seed, cell: 0, replication: 0,
/// purpose: CityStreamPurpose.geography)`: the same map in every replication and
/// every design cell of a scenario seed (a fixed design, the usual choice in
/// spatial Monte Carlo studies).
public struct CitySystemCell: Sendable {
    public let spec: CitySystemSpec
    public let source: String
    public let seed: UInt64
    public let cell: Int
    public let geography: Geography
    public let lnSize: [Double]
    public let years: [Int]
    /// Nil when the true W depends on D (built per replication).
    public let trueWeights: SpatialWeights?
    public let outcomeModel: OutcomeModel?
    public let truthCache: ObservedEffectCache?
    /// Reports for the true W (first) and each fixed estimator W; computes the spectra still deferred
    /// (an estimator W no estimator of the cell uses), throwing what computing them at set-up would have thrown.
    public func weightReports() throws -> [WeightReport] { try reportMakers.map { try $0() } }
    private let reportMakers: [@Sendable () throws -> WeightReport]
    /// The estimators' W that do not depend on the data, by name (the true W is `trueWeights`).
    public let fixedEstimatorWeights: [String: SpatialWeights]
    /// Reduced mode only (the `neg` mode has no exogenous city effects): nil selects `neg`.
    let effectField: CityEffectField?
    let diffusion: DiffusionKernel
    /// max_i of the bound on ‖v_i − ṽ_i‖₁ for the truncated diffusion kernel (0 when dense).
    public let diffusionTruncationBound: Double
    /// What the large-N generator does instead of the dense DGP (nil on the dense path), for `validate`.
    public let largeNSummary: String?
    let errorFilter: SpatialFilter?
    /// The incumbents' W, outcome model and effect cache before the entrants arrive
    /// (`city_system.panel.entry`); nil without entry or when W depends on D (built per replication).
    let entryWorld: EntryWorld?
    /// The merged geography's W, outcome model and effect cache (`city_system.panel.merges`); nil
    /// without merges or when W depends on D (built per replication).
    let mergeWorld: MergeWorld?
    /// The unit-variance field of the spatial error shocks (`error.shocks`, share > 0), else nil.
    let shockField: CityEffectField?
    /// [S | SW] of the cached outcome model when the two worlds are solved together (a static outcome,
    /// dense W, even T, treatment, no merges); nil otherwise and when W depends on D.
    let outcomeOperators: OutcomeOperators?
    /// What this cell's set-up built from its inputs alone, shared with every live cell of the same inputs.
    let setUp: CellSetUp
    /// The digital recursion's fixed factors (national trend per year, centre factor per city, a dense V
    /// packed in bands) and the reduced sectors' design part (sizes, the log shares before the city
    /// effects): functions of the spec and the map alone, computed here once instead of in every
    /// replication (the same numbers). Per cell: they read `city_system.digital` and `.sectors` whole.
    let digitalPath: Digital.Path
    let sectorsFixed: Sectors.Fixed?

    /// The cities' places and regions: a function of the seed and `city_system.geography` alone
    /// (the same map in every cell with that geography), before distances or sizes are cached.
    public static func locate(_ geography: GeographySpec, seed: UInt64, source: String) throws -> Geography {
        try locate(geography, stream: geographyStream(seed: seed), source: source)
    }

    /// The map's stream; the sizes draw from it next.
    static func geographyStream(seed: UInt64) -> RandomStream {
        RandomStream(StreamID(seed: seed, cell: 0, replication: 0, purpose: CityStreamPurpose.geography))
    }

    static func locate(_ geography: GeographySpec, stream geo: RandomStream, source: String) throws -> Geography {
        switch geography.source {
        case .synthetic: return try Geography.synthetic(geography, stream: geo, source: source)
        case .csv:
            return try CoordinatesCSV.read(path: geography.file ?? "", units: geography.units,
                                           regionGrid: geography.regionGrid, scenario: source)
        }
    }

    public init(scenario: ScenarioSpec, cell: Int = 0) throws {
        try self.init(spec: scenario.citySystem, seed: scenario.seed, cell: cell, source: scenario.source)
    }

    /// - Parameter weightsInUse: the estimator W the cell's estimators use (nil: every one); the others'
    ///   spectra are computed on first use (`weightReports`, `resolveWeights`), after every check that can
    ///   refuse them has run here.
    public init(spec: CitySystemSpec, seed: UInt64, cell: Int = 0, source: String, weightsInUse: Set<String>? = nil) throws {
        try self.init(spec: spec, seed: seed, cell: cell, source: source,
                      setUp: CellSetUp.shared(CellSetUp.Inputs(spec, seed: seed, source: source, weightsInUse: weightsInUse)))
    }

    /// Computes the deferred spectra of the named estimator W (a name that is not a fixed estimator W is
    /// ignored), throwing what computing them at set-up would have thrown: a cell built with
    /// `weightsInUse` resolves every W something will read before it reads it.
    public func resolveWeights(named names: some Sequence<String>) throws {
        let wanted = Set(names)
        for e in setUp.fixedSpecs where wanted.contains(e.name) {
            if let w = fixedEstimatorWeights[e.name] { try WeightBuilder.resolve(w, e, source: source) }
        }
    }

    /// The cell on `setUp` (its own, or one another cell with the same inputs built: `CellSetUp.shared`);
    /// the set-up's stages are taken in the order they were always built in, with the cell's own
    /// (entry, merges, the outcome operators) between them, so the first error is the same.
    init(spec: CitySystemSpec, seed: UInt64, cell: Int, source: String, setUp parts: CellSetUp) throws {
        self.spec = spec; self.seed = seed; self.cell = cell; self.source = source
        self.setUp = parts
        years = spec.years
        geography = parts.geography
        lnSize = parts.lnSize
        var reports: [@Sendable () throws -> WeightReport] = []
        if let trueStage = parts.trueStage {
            let (w, rep) = try parts.builtWeights[0].get()
            reports.append(rep)
            trueWeights = w
            let (om, cache, filter) = try trueStage.get()
            outcomeModel = om
            truthCache = cache
            errorFilter = filter
            entryWorld = try EntryWorld.build(spec, weights: w, lnSize: lnSize, source: source)
            mergeWorld = try MergeWorld.build(spec, weights: w, lnSize: lnSize, source: source)
            outcomeOperators = spec.treatment.enabled && mergeWorld == nil && om.solvesWorldsTogether(periods: spec.years.count)
                && w.count <= OutcomeOperators.maximumUnits
                ? try parts.operators(om) : nil
        } else {
            trueWeights = nil; outcomeModel = nil; truthCache = nil; errorFilter = nil; entryWorld = nil; mergeWorld = nil
            outcomeOperators = nil
        }
        var fixed: [String: SpatialWeights] = [:]
        for (e, built) in zip(parts.fixedSpecs, parts.builtWeights.dropFirst(parts.trueSpec == nil ? 0 : 1)) {
            let (w, rep) = try built.get()
            fixed[e.name] = w
            reports.append(rep)
        }
        fixedEstimatorWeights = fixed
        reportMakers = reports
        effectField = try parts.effectField.get()
        shockField = try parts.shockField.get()
        (diffusion, diffusionTruncationBound, largeNSummary) = try parts.diffusion.get()
        sectorsFixed = spec.sectors.mode == .neg ? nil : Sectors.Fixed(spec.sectors, geography: geography, lnSize: lnSize)
        // V's banded copy is the shared set-up's (one per distinct V, not one per cell).
        if let bands = parts.bands {
            digitalPath = Digital.Path(spec.digital, geography: geography, years: years, bands: bands)
        } else {
            digitalPath = Digital.Path(spec.digital, geography: geography, years: years)
        }
    }

    static func model(_ o: OutcomeSpec, weights: SpatialWeights, source: String) throws -> OutcomeModel {
        let (lo, hi) = weights.stableInterval
        guard o.rho > lo, o.rho < hi else {
            throw ScenarioError(source: source, path: "city_system.outcome.rho",
                                reason: "ρ = \(o.rho) lies outside (1/ω_min, 1/ω_max) = (\(fmt(lo)), \(fmt(hi))) for the true W, so I − ρW is not invertible along the path from 0",
                                fix: "choose rho inside that interval")
        }
        try checkStationary(o, weights: weights, source: source)
        return try OutcomeModel(rho: o.rho, beta: o.beta, theta: o.theta, gamma: o.controls.map(\.gamma),
                                thetaX: o.controls.map(\.theta), weights: weights, tau: o.tau, eta: o.eta)
    }

    /// The dynamic outcome is stationary when every eigenvalue (τ + ηω)/(1 − ρω) of
    /// (I − ρW)⁻¹(τI + ηW) lies inside the unit circle (Yu, de Jong & Lee 2008; Elhorst 2014 §4.2):
    /// checked exactly on the spectrum of the true W; a W held sparse has none, so there the
    /// sufficient condition |τ| + |ρ| + |η| < 1 of a row-standardised W (|ω| ≤ 1) is required.
    static func checkStationary(_ o: OutcomeSpec, weights: SpatialWeights, source: String) throws {
        guard o.tau != 0 || o.eta != 0 else { return }
        let fix = "lower |tau|, |eta| or |rho| (with a row-standardised W, |tau| + |rho| + |eta| < 1 suffices)"
        if let s = weights.spectrum {
            var worst = 0.0
            for k in s.real.indices {
                let re = 1 - o.rho * s.real[k], im = -o.rho * s.imaginary[k]
                let nr = o.tau + o.eta * s.real[k], ni = o.eta * s.imaginary[k]
                worst = max(worst, ((nr * nr + ni * ni) / (re * re + im * im)).squareRoot())
            }
            guard worst < 1 else {
                throw ScenarioError(source: source, path: "city_system.outcome.tau",
                                    reason: "the dynamic outcome is not stationary: (I − ρW)⁻¹(τI + ηW) has an eigenvalue of modulus \(fmt(worst)) ≥ 1 for τ = \(o.tau), η = \(o.eta), ρ = \(o.rho) and the true W",
                                    fix: fix)
            }
        } else {
            guard weights.isRowStandardised, abs(o.tau) + abs(o.rho) + abs(o.eta) < 1 else {
                throw ScenarioError(source: source, path: "city_system.outcome.tau",
                                    reason: "without the spectrum of W (held sparse) stationarity is checked by |τ| + |ρ| + |η| < 1 for a row-standardised W; got |\(o.tau)| + |\(o.rho)| + |\(o.eta)|\(weights.isRowStandardised ? "" : " and W is not row-standardised")",
                                    fix: fix)
            }
        }
    }

    static func errorFilter(_ e: ErrorSpec, weights: SpatialWeights, source: String) throws -> SpatialFilter? {
        guard e.law == .spatial else { return nil }
        let (lo, hi) = weights.stableInterval
        guard e.lambda > lo, e.lambda < hi else {
            throw ScenarioError(source: source, path: "city_system.outcome.error.lambda",
                                reason: "λ = \(e.lambda) lies outside (\(fmt(lo)), \(fmt(hi))) for the true W", fix: "choose lambda inside it")
        }
        return try SpatialFilter(weights: weights, rho: e.lambda)
    }

    static func fmt(_ x: Double) -> String { String(format: "%.4g", x) }

    /// One panel as a pure function of (scenario, cell, replication): builds the cell cache and
    /// generates. In a Monte Carlo loop build the cell once and call `generate(replication:)`.
    public static func panel(_ scenario: ScenarioSpec, cell: Int = 0, replication: Int) throws -> SyntheticPanel {
        try CitySystemCell(scenario: scenario, cell: cell).generate(replication: replication)
    }

    /// The panel for one replication: streams `StreamID(seed, cell, replication, purpose)`.
    /// Pure and thread-safe: it reads only the immutable cache and draws from its own streams.
    public func generate(replication: Int) throws -> SyntheticPanel { try generate(replication: replication, clock: nil) }

    /// `generate(replication:)` with its stages timed (`spillsim bench replication`).
    public func generate(replication: Int, clock: StageClock?) throws -> SyntheticPanel {
        guard replication >= 0 else {
            throw ScenarioError(source: "replication", path: "", reason: "must be ≥ 0 (got \(replication))",
                                fix: "replications are numbered 0, 1, 2, …")
        }
        let n = geography.count, tt = years.count
        func stream(_ p: UInt64) -> RandomStream { RandomStream(StreamID(seed: seed, cell: cell, replication: replication, purpose: p)) }
        // Every stage draws from its own stream, so the order of the stages does not change the draws.
        let dShocks = Digital.drawShocks(spec.digital, n: n, periods: tt, stream: stream(CityStreamPurpose.digital))
        // The untreated world's D: whole when the sectors need it (`neg`) or there is no treatment; else
        // only the periods before t0, which the selection reads, and the rest beside the treated world's
        // (`Digital.worlds`: one pass over V a year for both, the same bits).
        let tr = spec.treatment
        let pre = years.indices.filter { years[$0] < tr.t0 }
        let untreatedPeriods = tr.enabled && effectField != nil ? max(1, pre.last.map { $0 + 1 } ?? 0) : tt
        let d0Pre = clock.measure("generate.digital") {
            Digital.untreated(spec.digital, geography: geography, years: years, v: diffusion, shocks: dShocks, periods: untreatedPeriods,
                              path: digitalPath)
        }
        let innovations = ErrorLaw.innovations(spec.outcome.error, n: n, periods: tt, stream: stream(CityStreamPurpose.errors))
        let sectors: SectorPanel, equilibrium: NEGPath?
        if let effectField {
            sectors = Sectors.generate(spec.sectors, geography: geography, lnSize: lnSize, field: effectField,
                                       periods: tt, stream: stream(CityStreamPurpose.sectors), fixed: sectorsFixed)
            equilibrium = nil
        } else {
            (sectors, equilibrium) = try NEGSectors.generate(spec.sectors.neg, geography: geography, lnSize: lnSize, years: years,
                                                              d: d0Pre, errorInnovation: innovations.standardised,
                                                              stream: stream(CityStreamPurpose.sectors))
        }
        let controls = Controls.generate(spec.outcome.controls, lnSize: lnSize, periods: tt, stream: stream(CityStreamPurpose.controls))

        // Selection on pre-period covariates (identical in both worlds before t0).
        let treatStream = stream(CityStreamPurpose.treatment)
        let z = treatStream.normals(n)
        func preMean(_ v: [Double]) -> [Double] {
            (0..<n).map { i in pre.reduce(0.0) { $0 + v[$1 * n + i] } / Double(max(1, pre.count)) }
        }
        var cov: [String: [Double]] = ["ln_size": lnSize, "D": preMean(d0Pre), "CA": preMean(sectors.ca),
                                       "dist_centre": geography.distanceToCentre, "Z": z]
        for (c, x) in zip(spec.outcome.controls, controls) { cov[c.name] = preMean(x) }
        let assignment = Treatment.assign(tr, region: geography.region, covariates: cov, n: n, stream: treatStream)
        let (d0, d1) = tr.enabled
            ? clock.measure("generate.digital") {
                Digital.worlds(spec.digital, geography: geography, years: years, v: diffusion, shocks: dShocks,
                               adoption: assignment.adoption, untreated: d0Pre, done: untreatedPeriods, path: digitalPath)
            }
            : (d0Pre, d0Pre)

        // W, the outcome model and the truth cache: cached, or rebuilt when W depends on D.
        // Each city's mean D, read only by a W that depends on D (built per replication): not formed otherwise.
        var meanDCache: [Double]?
        func meanD() -> [Double] {
            if let meanDCache { return meanDCache }
            let m = (0..<n).map { i in (0..<tt).reduce(0.0) { $0 + d1[$1 * n + i] } / Double(tt) }
            meanDCache = m
            return m
        }
        let model: OutcomeModel, cache: ObservedEffectCache, errFilter: SpatialFilter?, entry: EntryWorld?, merge: MergeWorld?
        let operators: OutcomeOperators?
        if let om = outcomeModel, let tc = truthCache {
            model = om; cache = tc; errFilter = errorFilter; entry = entryWorld; merge = mergeWorld; operators = outcomeOperators
        } else {
            let (w, _) = try WeightBuilder.build(spec.weights, geography: geography, lnSize: lnSize, meanD: meanD(), logDeterminant: spec.logDeterminant, source: source)
            model = try CitySystemCell.model(spec.outcome, weights: w, source: source)
            cache = try ObservedEffectCache(filter: model.filter)
            errFilter = try CitySystemCell.errorFilter(spec.outcome.error, weights: w, source: source)
            entry = try EntryWorld.build(spec, weights: w, lnSize: lnSize, source: source)
            merge = try MergeWorld.build(spec, weights: w, lnSize: lnSize, source: source)
            operators = nil   // W of this replication only: through its spectrum, no O(N³) set-up
        }

        // Effects and errors, shared by both worlds.
        let o = spec.outcome
        let es = stream(CityStreamPurpose.effects)
        let meanCA = (0..<n).map { i in (0..<tt).reduce(0.0) { $0 + sectors.ca[$1 * n + i] } / Double(tt) }
        let gm = Statistics.mean(meanCA)
        let mu = (0..<n).map { o.intercept + o.cityEffectSd * es.normal() + o.cityEffectCaLoading * (meanCA[$0] - gm) }
        let alpha = (0..<tt).map { o.yearTrend * Double($0) + o.yearEffectSd * es.normal() }
        var eps = try ErrorLaw.assemble(o.error, innovations, n: n, periods: tt, lnSize: lnSize, filter: errFilter)
        if let shockField {
            ErrorLaw.addShocks(o.error, field: shockField, to: &eps, n: n, periods: tt, stream: stream(CityStreamPurpose.shocks))
        }

        var other0 = [Double](repeating: 0, count: n * tt), other1 = other0
        var post = [Int](repeating: 0, count: n * tt)
        let policy = policyTerm(adoption: assignment.adoption)
        let firstAdoption = self.firstAdoption   // a computed property: once, not per city-year
        // Through buffers: element subscripts of the three arrays cost a uniqueness check each (same values).
        let adoption = assignment.adoption
        other0.withUnsafeMutableBufferPointer { o0 in
            other1.withUnsafeMutableBufferPointer { o1 in
                post.withUnsafeMutableBufferPointer { post in
                    for p in 0..<tt {
                        // λ_t Z_i is the policy's confounder (MODEL.md §6): it exists only in a world with the
                        // policy, so a scenario that disables treatment has no Z·t trend (and its SDM can be the DGP).
                        let lambda = tr.enabled ? tr.zSlope * Double(years[p] - years[0]) : 0
                        let a = alpha[p], year = years[p]
                        for i in 0..<n {
                            let k = p * n + i
                            o0[k] = mu[i] + a + lambda * z[i] + eps[k]
                            o1[k] = o0[k] + policy[k]
                            if let g = adoption[i] {
                                if year >= g { post[k] = 1 }
                            } else if tr.enabled, year >= firstAdoption {
                                // Without the policy there is no post period (t0 is unused and unchecked).
                                post[k] = 1
                            }
                        }
                    }
                }
            }
        }
        var mis0: [Double], mis1: [Double]
        // The mechanism's paths, when solved together with the two worlds (below).
        var solvedPaths: MechanismTruth.Paths?
        // D(1) − D(0), when the two worlds are solved together (no merges): the truth's ΔD below too.
        var deltaDWorlds: [Double]?
        if tr.enabled, merge == nil, model.solvesWorldsTogether(periods: tt) {
            // Both worlds and the mechanism's paths in one product with W and one solve, the treated
            // world as Mis(0) + the two paths (OutcomeModel+TwoWorlds).
            let deltaD = zip(d1, d0).map(-)
            deltaDWorlds = deltaD
            let worlds = try clock.measure("generate.outcome") {
                try model.solveWorlds(ca: sectors.ca, d0: d0, controls: controls, other0: other0,
                                      deltaD: deltaD, policy: policy, operators: operators)
            }
            (mis0, mis1, solvedPaths) = (worlds.mis0, worlds.mis1, worlds.paths)
        } else if model.isDynamic {
            // Burn-in from the steady state of the first year's systematic part, with fresh errors
            // (their own stream): both worlds share it, as they share the first year.
            let firstYear = 0..<n
            let systematic = model.rightHandSide(ca: Array(sectors.ca[firstYear]), d: Array(d0[firstYear]),
                                                 controls: controls.map { Array($0[firstYear]) },
                                                 other: (0..<n).map { other0[$0] - eps[$0] })
            var start = try model.steadyState(systematic)
            let burn = o.burnIn
            if burn > 0 {
                let z = ErrorLaw.innovations(o.error, n: n, periods: burn, stream: stream(CityStreamPurpose.burnIn))
                let e = try ErrorLaw.assemble(o.error, z, n: n, periods: burn, lnSize: lnSize, filter: errFilter)
                let rhs = (0..<(n * burn)).map { systematic[$0 % n] + e[$0] }
                start = Array(try model.solveDynamic(rhs: rhs, start: start).suffix(n))
            }
            mis0 = try clock.measure("generate.outcome") {
                try model.solveDynamic(rhs: model.rightHandSide(ca: sectors.ca, d: d0, controls: controls, other: other0), start: start)
            }
            mis1 = tr.enabled
                ? try clock.measure("generate.outcome") {
                    try model.solveDynamic(rhs: model.rightHandSide(ca: sectors.ca, d: d1, controls: controls, other: other1), start: start)
                }
                : mis0
        } else {
            let rhs0 = clock.measure("generate.outcome") { model.rightHandSide(ca: sectors.ca, d: d0, controls: controls, other: other0) }
            let solved0 = try clock.measure("generate.outcome") { try model.filter.solvePanel(rhs0) }
            mis0 = solved0
            mis1 = tr.enabled
                ? try clock.measure("generate.outcome") {
                    try model.solve(ca: sectors.ca, d: d1, controls: controls, other: other1, beside: (rhs0, solved0))
                }
                : mis0
        }
        if let entry {
            // Before entry only the incumbents exist and interact (static outcome: parsing refuses a dynamic one).
            mis0 = try entry.outcome(mis0, ca: sectors.ca, d: d0, controls: controls, other: other0, n: n)
            mis1 = tr.enabled ? try entry.outcome(mis1, ca: sectors.ca, d: d1, controls: controls, other: other1, n: n) : mis0
        }
        // With merges the merged city's regressors (size-weighted means of its parts') replace the
        // absorbing city's from the merge year on, and its outcome is solved on the merged geography
        // (static outcome, no treatment: parsing refuses the rest).
        var ca = sectors.ca, dMerged0 = d0, dMerged1 = d1, controlsOut = controls, lqm = sectors.lqm, lqs = sectors.lqs
        if let merge {
            ca = merge.merged(ca, n: n); dMerged0 = merge.merged(d0, n: n); dMerged1 = merge.merged(d1, n: n)
            controlsOut = controls.map { merge.merged($0, n: n) }
            lqm = merge.merged(lqm, n: n); lqs = merge.merged(lqs, n: n)
            mis0 = try merge.outcome(mis0, ca: ca, d: dMerged0, controls: controlsOut, other: other0, mu: mu, n: n)
            mis1 = mis0
        }
        let regimes: (any ExistingCityYears)? = entry.map { $0 as any ExistingCityYears } ?? merge

        var estimators: [String: SpatialWeights] = [:]
        for e in spec.estimatorWeights {
            if e.isTrue { estimators[e.name] = model.weights }
            else if let w = fixedEstimatorWeights[e.name] { estimators[e.name] = w }
            else {
                estimators[e.name] = try WeightBuilder.build(e, geography: geography, lnSize: lnSize, meanD: meanD(), logDeterminant: spec.logDeterminant, source: source).weights
            }
        }
        // Without merges dMerged₁ and dMerged₀ are d1 and d0: the difference already taken, if it was.
        let deltaD = merge == nil ? deltaDWorlds ?? zip(dMerged1, dMerged0).map(-) : zip(dMerged1, dMerged0).map(-)
        let mechanismPaths = try solvedPaths
            ?? clock.measure("generate.truth") { try MechanismTruth.paths(model: model, ca: ca, deltaD: deltaD, policy: policy) }
        let truth = try clock.measure("generate.truth") {
            let mechanism = MechanismTruth(model: model, weights: cache.weights, deltaD: deltaD, paths: mechanismPaths,
                                           treat: assignment.treat, post: post, years: years, firstAdoption: firstAdoption)
            return try TrueEstimands(model: model, cache: cache, controlNames: o.controls.map(\.name), ca: ca, d: dMerged1,
                                     years: years, treat: assignment.treat, post: post, mis1: mis1, mis0: mis0,
                                     firstAdoption: firstAdoption, mechanism: mechanism, lambda: o.error.trueLambda, entry: regimes)
        }
        var panel = SyntheticPanel(
            stream: StreamID(seed: seed, cell: cell, replication: replication, purpose: 0),
            n: n, t: tt, years: years, cityIds: geography.ids, coordinateX: geography.x, coordinateY: geography.y, isLonLat: geography.isLonLat,
            region: geography.region, isCentre: geography.isCentre, lnSize: lnSize, distanceToCentre: geography.distanceToCentre,
            mis: mis1, ca: ca, d: dMerged1, lqm: lqm, lqs: lqs,
            controlNames: o.controls.map(\.name), controls: controlsOut, treat: assignment.treat,
            cohort: assignment.adoption.map { $0 ?? 0 }, post: post, z: z,
            misNoIntegration: mis0, dNoIntegration: dMerged0, trueWeights: model.weights,
            estimatorWeights: estimators, estimatorWeightNames: spec.estimatorWeights.map(\.name), truth: truth,
            equilibrium: equilibrium,
            observed: MissingnessPattern.draw(spec.panel, lnSize: lnSize, distanceToCentre: geography.distanceToCentre,
                                              outcome: mis1, n: n, t: tt, exists: regimes?.exists(n: n, periods: tt),
                                              stream: stream(CityStreamPurpose.missingness)))
        panel.mechanismPaths = mechanismPaths
        panel.diffusionKernel = diffusion
        panel.targetFactor = digitalPath.centre   // Digital.centreFactor per city
        panel.merges = merge.map { m in
            PanelMerges(year: m.year, firstPeriod: m.firstPeriod, into: m.pairs.map(\.into), absorbed: m.pairs.map(\.absorbed))
        }
        return panel
    }
}
