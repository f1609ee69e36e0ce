import Foundation
import Numerics
import Yams

/// Parses scenario node trees into `ScenarioSpec`, rejecting unknown keys, wrong
/// types and out-of-range values with the source, the key path and a fix.
/// Checks that need the geography (ρ against W's spectrum) live in `ScenarioValidation`.
public enum ScenarioParser {
    /// The seed of a scenario without `seed:` (scenarios/README.md); the Monte Carlo engine uses it too.
    public static let defaultSeed = 20230101

    public static func load(path: String) throws -> ScenarioSpec {
        try parse(ScenarioDocument.load(path: path))
    }

    /// The generator's part of a scenario document; the Monte Carlo sections are
    /// accepted and left to `MonteCarloScenario`.
    /// - Parameter baseDirectory: where relative paths (a coordinates CSV) are
    ///   resolved; the document's directory when nil.
    public static func parse(_ document: ScenarioDocument, baseDirectory: String? = nil) throws -> ScenarioSpec {
        // Design cells are the Monte Carlo design's (`MonteCarloScenario`), which needs estimators: without
        // them `generate`, `truth` and `validate` would draw the scenario as written and ignore the cells.
        if !document.declaresDesign, let key = ["grid", "cells"].first(where: { document[$0] != nil }) {
            throw ScenarioError(source: document.source, path: key, reason: "makes design cells, and a design needs `estimators:`",
                                fix: "add estimators (then `--cell K` picks a cell for generate and truth), or remove `\(key)` to use the scenario as written")
        }
        return try parse(document.root.node, source: document.source, baseDirectory: baseDirectory ?? document.baseDirectory)
    }

    static func parse(_ root: Node, source: String, baseDirectory: String) throws -> ScenarioSpec {
        var top = try MappingReader(root, source: source, path: "")
        let name = try top.string("name", URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent)
        if let problem = ScenarioDocument.nameProblem(name) { throw top.error("name", problem.reason, fix: problem.fix) }
        let description = try top.string("description", "")
        let seed = try top.int("seed", defaultSeed)
        try top.require(seed >= 0, "seed", "must be a non-negative integer")
        var cs = try top.section("city_system")
        var spec = CitySystemSpec()
        var observed: ObservedDesignSpec? = nil
        if cs.has("observed") {
            // An observed design replaces the synthetic generator: its keys would be silently unused.
            if let other = cs.keys.first(where: { $0 != "observed" }) {
                throw cs.error(other, "an observed design (city_system.observed) takes no synthetic-generator keys",
                               fix: "remove '\(other)', or remove 'observed' to use the synthetic city system")
            }
            observed = try parseObserved(&cs, baseDirectory: baseDirectory)
        } else {
            spec = try parseCitySystem(&cs, baseDirectory: baseDirectory)
        }
        try cs.finish()
        for k in ScenarioDocument.monteCarloKeys { _ = top.node(k) }
        try top.finish()
        var parsed = ScenarioSpec(name: name, description: description, seed: UInt64(seed), citySystem: spec, source: source,
                                  observed: observed)
        if observed == nil { parsed.unusedSettings = unusedSettings(ScenarioValue(root), spec, source: source) }
        return parsed
    }

    static func parseCitySystem(_ r: inout MappingReader, baseDirectory: String) throws -> CitySystemSpec {
        var s = CitySystemSpec()
        var g = try r.section("geography")
        s.geography = try parseGeography(&g, baseDirectory: baseDirectory); try g.finish()
        var z = try r.section("sizes")
        s.sizes = try parseSizes(&z); try z.finish()
        var sec = try r.section("sectors")
        s.sectors = try parseSectors(&sec); try sec.finish()
        var d = try r.section("digital")
        s.digital = try parseDigital(&d); try d.finish()
        var w = try r.section("weights")
        s.weights = try parseWeight(&w, name: "true", allowTrueShortcut: false); try w.finish()
        s.logDeterminant = LogDeterminantMethod(rawValue: try r.choice("logdet", "auto", allowed: LogDeterminantMethod.allCases.map(\.rawValue)))!
        var o = try r.section("outcome")
        s.outcome = try parseOutcome(&o); try o.finish()
        var t = try r.section("treatment")
        s.treatment = try parseTreatment(&t, years: s.years, controls: s.outcome.controls.map(\.name)); try t.finish()
        var pn = try r.section("panel")
        s.panel.missing = PanelSpec.Missingness(rawValue: try pn.choice("missing", "mcar", allowed: PanelSpec.Missingness.allCases.map(\.rawValue)))!
        s.panel.rate = try pn.double("rate", 0)
        try pn.require(s.panel.rate >= 0 && s.panel.rate <= 0.8, "rate", "must be in [0, 0.8] (the share of city-years missing)")
        s.panel.strength = try pn.double("strength", 1)
        try pn.require(s.panel.strength >= 0 && s.panel.strength <= 5, "strength", "must be in [0, 5]")
        var en = try pn.section("entry")
        (s.panel.entryShare, s.panel.entryYear) = try parseCitySetChange(&en, years: s.years, maxShare: 0.5,
                                                                         share: "the share of cities that enter late")
        if s.panel.entryShare > 0 {
            try refuseWhatAChangingCitySetLacks(s, &en, subject: "entry is", change: "entry", noPast: "the entrants have no past",
                                               truths: "cities that do not exist yet")
        }
        try en.finish()
        var mg = try pn.section("merges")
        (s.panel.mergeShare, s.panel.mergeYear) = try parseCitySetChange(&mg, years: s.years, maxShare: 0.4,
                                                                         share: "the share of cities absorbed by a neighbour")
        if s.panel.mergeShare > 0 {
            // What the merge world does not define (refused, never ignored).
            try mg.require(s.panel.entryShare == 0, "share", "merges and entry together are not implemented (one change of the city set per world)",
                           fix: "remove entry or merges")
            try refuseWhatAChangingCitySetLacks(s, &mg, subject: "merges are", change: "merges", noPast: "the merged city has no past",
                                               truths: "cities that stop existing")
        }
        try mg.finish()
        try pn.finish()
        if let list = try r.sequence("estimator_weights") {
            try r.require(!list.isEmpty, "estimator_weights", "the list is empty", fix: "give at least `- {name: true}`")
            var names = Set<String>()
            s.estimatorWeights = try list.enumerated().map { (i, n) in
                var e = try MappingReader(n, source: r.source, path: r.sub("estimator_weights.\(i)"))
                let ws = try parseWeight(&e, name: nil, allowTrueShortcut: true)
                try e.finish()
                try e.require(names.insert(ws.name).inserted, "name", "the name '\(ws.name)' is used twice", fix: "give each W a distinct name")
                return ws
            }
        }
        return s
    }

    /// A change of the city set, `panel.entry` or `panel.merges`: `{share, year}`, the share of the
    /// smallest cities that change (in [0, `maxShare`]) and the year the change starts (the
    /// panel's middle year by default), which must come after the panel's first year.
    static func parseCitySetChange(_ r: inout MappingReader, years: [Int], maxShare: Double,
                                   share meaning: String) throws -> (share: Double, year: Int) {
        let share = try r.double("share", 0)
        try r.require(share >= 0 && share <= maxShare, "share", "must be in [0, \(maxShare)] (\(meaning))")
        let year = try r.int("year", years[years.count / 2])
        try r.require(year > years[0] && year <= years[years.count - 1], "year",
                      "\(year) is not a year after the first of the panel (\(years[0])–\(years[years.count - 1]))")
        return (share, year)
    }

    /// What a world whose city set changes (entry, merges) does not define, refused on its `share`
    /// key rather than ignored: a dynamic outcome, the treatment, spatial errors, the neg mode.
    static func refuseWhatAChangingCitySetLacks(_ s: CitySystemSpec, _ r: inout MappingReader, subject: String, change: String,
                                                noPast: String, truths: String) throws {
        try r.require(s.outcome.tau == 0 && s.outcome.eta == 0, "share",
                      "\(subject) not implemented with a dynamic outcome (outcome.tau / eta): \(noPast)", fix: "set tau and eta to 0 or remove \(change)")
        try r.require(!s.treatment.enabled, "share",
                      "\(subject) not implemented with the treatment: the DID truths would average over \(truths)",
                      fix: "disable the treatment (city_system.treatment: {enabled: false}, with no other treatment key) or remove \(change)")
        try r.require(s.outcome.error.law != .spatial, "share",
                      "\(subject) not implemented with spatial errors (error.law: spatial filters through the full W)", fix: "choose another error law")
        try r.require(s.sectors.mode != .neg, "share",
                      "\(subject) not implemented in the neg mode (its equilibrium has every city every year)", fix: "use sectors.mode: reduced")
    }

    static func parseGeography(_ r: inout MappingReader, baseDirectory: String) throws -> GeographySpec {
        var g = GeographySpec()
        let src = try r.choice("source", "synthetic", allowed: ["synthetic", "csv"])
        g.source = GeographySpec.Source(rawValue: src)!
        g.centres = try r.int("centres", g.centres)
        g.cities = try r.int("cities", g.cities)
        g.squareKm = try r.double("square_km", g.squareKm)
        g.minSeparationKm = try r.double("min_separation_km", g.minSeparationKm)
        g.peripherySdKm = try r.double("periphery_sd_km", g.peripherySdKm)
        g.regionGrid = try r.ints("region_grid", g.regionGrid)
        g.firstYear = try r.int("first_year", g.firstYear)
        g.lastYear = try r.int("last_year", g.lastYear)
        if let f = try r.optionalString("file") {
            g.file = f.hasPrefix("/") ? f : URL(fileURLWithPath: baseDirectory).appendingPathComponent(f).path
        }
        g.units = try r.choice("units", "km", allowed: ["km", "lonlat"])
        // The synthetic placement's checks; a csv geography's cities and centres come from its file.
        if g.source == .synthetic {
            try r.require(g.centres >= 1, "centres", "must be at least 1")
            try r.require(g.cities >= g.centres, "cities", "fewer cities (\(g.cities)) than centres (\(g.centres))",
                          fix: "raise cities or lower centres")
            try r.require(g.cities >= 3, "cities", "must be at least 3")
        }
        try r.require(g.squareKm > 0, "square_km", "must be positive")
        try r.require(g.minSeparationKm >= 0, "min_separation_km", "must be non-negative")
        try r.require(g.peripherySdKm > 0, "periphery_sd_km", "must be positive (it is a standard deviation)")
        try r.require(g.regionGrid.count == 2 && g.regionGrid.allSatisfy { $0 >= 1 }, "region_grid",
                      "must be two positive integers [rows, cols]")
        try r.require(g.lastYear > g.firstYear, "last_year", "must be after first_year (\(g.firstYear))")
        try r.require(g.source == .synthetic || g.file != nil, "file", "source: csv needs a file", fix: "give file: coords.csv")
        return g
    }

    static func parseSizes(_ r: inout MappingReader) throws -> SizeSpec {
        var s = SizeSpec()
        try r.numbers(["mean_log": \.meanLog, "centre_premium": \.centrePremium, "distance_gradient": \.distanceGradient, "sd": \.sd],
                      into: &s)
        try r.require(s.sd >= 0, "sd", "negative standard deviation", fix: "use a value ≥ 0")
        return s
    }

    static func parseSectors(_ r: inout MappingReader) throws -> SectorSpec {
        var s = SectorSpec()
        s.mode = SectorSpec.Mode(rawValue: try r.choice("mode", "reduced", allowed: SectorSpec.Mode.allCases.map(\.rawValue)))!
        if s.mode == .neg {
            s.neg = try parseNEGSectors(&r)
            return s
        }
        try r.numbers([
            "manufacturing_log_share": \.manufacturingLogShare, "services_log_share": \.servicesLogShare,
            "manufacturing_gradient": \.manufacturingGradient, "services_gradient": \.servicesGradient,
            "manufacturing_size_elasticity": \.manufacturingSizeElasticity, "services_size_elasticity": \.servicesSizeElasticity,
            "services_centre_premium": \.servicesCentrePremium, "effect_sd": \.effectSd, "effect_range_km": \.effectRangeKm,
            "effect_correlation": \.effectCorrelation, "shock_ar": \.shockAr, "shock_sd": \.shockSd
        ], into: &s)
        try r.require(s.manufacturingLogShare < 0, "manufacturing_log_share", "a log share must be negative (share < 1)")
        try r.require(s.servicesLogShare < 0, "services_log_share", "a log share must be negative (share < 1)")
        try r.require(s.effectSd >= 0, "effect_sd", "negative standard deviation", fix: "use a value ≥ 0")
        try r.require(s.shockSd >= 0, "shock_sd", "negative standard deviation", fix: "use a value ≥ 0")
        try r.require(s.effectRangeKm > 0, "effect_range_km", "must be positive")
        try r.require(abs(s.effectCorrelation) <= 1, "effect_correlation", "must lie in [−1, 1]")
        try r.require(abs(s.shockAr) < 1, "shock_ar", "an AR(1) coefficient must lie in (−1, 1) to be stationary")
        return s
    }

    static func parseDigital(_ r: inout MappingReader) throws -> DigitalSpec {
        var d = DigitalSpec()
        try r.numbers([
            "level": \.level, "rate": \.rate, "mid_year": \.midYear, "centre_premium": \.centrePremium,
            "convergence": \.convergence, "diffusion": \.diffusion, "decay_km": \.decayKm, "shock_sd": \.shockSd,
            "initial_sd": \.initialSd, "integration_boost": \.integrationBoost, "integration_target": \.integrationTarget,
            "kernel_tolerance": \.kernelTolerance
        ], into: &d)
        try r.require(d.kernelTolerance > 0 && d.kernelTolerance < 1, "kernel_tolerance", "must lie in (0, 1)",
                      fix: "use e.g. 1e-3 (a smaller value keeps more pairs: more accurate, more memory)")
        try r.require(d.shockSd >= 0, "shock_sd", "negative standard deviation", fix: "use a value ≥ 0")
        try r.require(d.initialSd >= 0, "initial_sd", "negative standard deviation", fix: "use a value ≥ 0")
        try r.require(d.decayKm > 0, "decay_km", "must be positive")
        try r.require(d.convergence >= 0 && d.convergence <= 1, "convergence", "must lie in [0, 1]")
        try r.require(d.diffusion >= 0 && d.diffusion * (1 + max(0, d.integrationBoost)) <= 1, "diffusion",
                      "ψ(1 + π_I) must lie in [0, 1] or diffusion overshoots", fix: "lower diffusion or integration_boost")
        try r.require(d.integrationBoost >= 0, "integration_boost", "must be ≥ 0")
        try r.require(d.integrationTarget >= 0, "integration_target", "must be ≥ 0 (integration raises the integrated cities' digital target)",
                      fix: "use 0 for no level channel, e.g. 0.1 for a 10 % higher target")
        return d
    }

    /// `name` nil: read it from the mapping (estimator list); `allowTrueShortcut`: `{name: true}` alone means the true W.
    static func parseWeight(_ r: inout MappingReader, name: String?, allowTrueShortcut: Bool) throws -> WeightSpec {
        var w = WeightSpec(name: name ?? "")
        w.path = r.path
        if name == nil {
            guard let n = try r.optionalString("name"), !n.isEmpty else {
                throw r.error("name", "every estimator W needs a name", fix: "e.g. - {name: knn5, kind: knn, k: 5}")
            }
            w.name = n
        }
        w.kindGiven = r.has("kind")
        if allowTrueShortcut && w.name == "true" && w.kindGiven {
            throw r.error("name", "the name 'true' is reserved for the true W (city_system.weights)",
                          fix: "write `- {name: true}` alone, or give this W another name")
        }
        if allowTrueShortcut && w.name == "true" && !w.kindGiven {
            try r.finish()
            return w
        }
        let kinds = WeightSpec.Kind.allCases.map(\.rawValue)
        w.kind = WeightSpec.Kind(rawValue: try r.choice("kind", "exponential", allowed: kinds))!
        w.normalise = WeightSpec.Normalisation(rawValue: try r.choice("normalise", "row",
                                                                       allowed: WeightSpec.Normalisation.allCases.map(\.rawValue)))!
        switch w.kind {
        case .exponential:
            w.decayKm = try r.double("decay_km", w.decayKm)
            w.kappaD = try r.double("kappa_d", w.kappaD)
            w.cutoffKm = try r.optionalDouble("cutoff_km")
            try r.require(w.decayKm > 0, "decay_km", "must be positive")
            try r.require(w.kappaD >= 0, "kappa_d", "must be ≥ 0")
        case .inverseDistance:
            w.alpha = try r.double("alpha", w.alpha)
            w.cutoffKm = try r.optionalDouble("cutoff_km")
            try r.require(w.alpha > 0, "alpha", "must be positive")
        case .knn:
            w.k = try r.int("k", w.k)
            w.symmetrise = try r.bool("symmetrise", w.symmetrise)
            try r.require(w.k >= 1, "k", "must be at least 1")
        case .band:
            w.bandKm = try r.double("band_km", w.bandKm)
            try r.require(w.bandKm > 0, "band_km", "must be positive")
        case .delaunay, .economic, .block:
            break
        }
        if let c = w.cutoffKm { try r.require(c > 0, "cutoff_km", "must be positive") }
        return w
    }

    static func parseOutcome(_ r: inout MappingReader) throws -> OutcomeSpec {
        var o = OutcomeSpec()
        o.rho = try r.double("rho", o.rho)
        o.beta = try r.doubles("beta", o.beta)
        o.theta = try r.doubles("theta", o.theta)
        try r.require(o.beta.count == 4, "beta", "needs 4 values (CA, CA², CA×D, D), got \(o.beta.count)")
        try r.require(o.theta.count == 4, "theta", "needs 4 values (W·CA, W·CA², W·(CA×D), W·D), got \(o.theta.count)")
        try r.require(abs(o.rho) < 1e6, "rho", "is not a plausible value")
        o.tau = try r.double("tau", o.tau)
        o.eta = try r.double("eta", o.eta)
        o.burnIn = try r.int("burn_in", o.burnIn)
        try r.require(abs(o.tau) < 1, "tau", "must lie in (−1, 1) (with |τ| ≥ 1 the outcome is not stationary)", fix: "use |tau| < 1")
        try r.require(abs(o.eta) < 1, "eta", "must lie in (−1, 1)", fix: "use |eta| < 1 (and |tau| + |rho| + |eta| < 1 for a row-standardised W)")
        try r.require(o.burnIn >= 0 && o.burnIn <= 10_000, "burn_in", "must be between 0 and 10000 years", fix: "use e.g. 50")
        try r.numbers([
            "intercept": \.intercept, "city_effect_sd": \.cityEffectSd, "city_effect_ca_loading": \.cityEffectCaLoading,
            "year_effect_sd": \.yearEffectSd, "year_trend": \.yearTrend
        ], into: &o)
        try r.require(o.cityEffectSd >= 0, "city_effect_sd", "negative standard deviation", fix: "use a value ≥ 0")
        try r.require(o.yearEffectSd >= 0, "year_effect_sd", "negative standard deviation", fix: "use a value ≥ 0")
        if let list = try r.sequence("controls") {
            var names = Set<String>()
            o.controls = try list.enumerated().map { (i, n) in
                var c = try MappingReader(n, source: r.source, path: r.sub("controls.\(i)"))
                guard let name = try c.optionalString("name"), !name.isEmpty else { throw c.error("name", "a control needs a name") }
                let reserved = ["city", "year", "Mis", "CA", "D", "treat", "post", "LQm", "LQs", "cohort", "Z", "region", "centre", "Mis0"]
                try c.require(!reserved.contains(name), "name", "'\(name)' is a reserved panel column", fix: "rename the control")
                try c.require(names.insert(name).inserted, "name", "the control '\(name)' is given twice")
                let spec = ControlSpec(name: name, gamma: try c.double("gamma", 0), theta: try c.double("theta", 0),
                                       mean: try c.double("mean", 0), sizeLoading: try c.double("size_loading", 0),
                                       citySd: try c.double("city_sd", 1), trend: try c.double("trend", 0),
                                       ar: try c.double("ar", 0.5), shockSd: try c.double("shock_sd", 0.1))
                try c.require(spec.citySd >= 0, "city_sd", "negative standard deviation", fix: "use a value ≥ 0")
                try c.require(spec.shockSd >= 0, "shock_sd", "negative standard deviation", fix: "use a value ≥ 0")
                try c.require(abs(spec.ar) < 1, "ar", "an AR(1) coefficient must lie in (−1, 1)")
                try c.finish()
                return spec
            }
        }
        var e = try r.section("error")
        o.error.law = ErrorSpec.Law(rawValue: try e.choice("law", "normal", allowed: ErrorSpec.Law.allCases.map(\.rawValue)))!
        try e.numbers(["sigma": \.sigma, "ar": \.ar, "lambda": \.lambda, "df": \.df, "size_power": \.sizePower], into: &o.error)
        try e.require(o.error.sigma > 0, "sigma", "the error standard deviation must be positive (a variance cannot be negative or zero)",
                      fix: "use e.g. sigma: 0.1")
        try e.require(abs(o.error.ar) < 1, "ar", "an AR(1) coefficient must lie in (−1, 1)")
        try e.require(o.error.df > 2, "df", "Student t needs df > 2 for a finite variance")
        var k = try e.section("shocks")
        o.error.shocks.share = try k.double("share", o.error.shocks.share)
        o.error.shocks.rangeKm = try k.double("range_km", o.error.shocks.rangeKm)
        o.error.shocks.ar = try k.double("ar", o.error.shocks.ar)
        try k.require(o.error.shocks.share >= 0 && o.error.shocks.share <= 1, "share",
                      "the share of the error variance due to spatial shocks must lie in [0, 1]", fix: "e.g. share: 0.5")
        try k.require(o.error.shocks.rangeKm > 0, "range_km", "the shock range must be a positive distance in km", fix: "e.g. range_km: 150")
        try k.require(abs(o.error.shocks.ar) < 1, "ar", "an AR(1) coefficient must lie in (−1, 1)")
        try k.finish()
        try e.finish()
        return o
    }

    static func parseTreatment(_ r: inout MappingReader, years: [Int], controls: [String]) throws -> TreatmentSpec {
        var t = TreatmentSpec()
        t.enabled = try r.bool("enabled", t.enabled)
        t.regions = try r.ints("regions", t.regions)
        t.t0 = try r.int("t0", t.t0)
        t.staggered = try r.ints("staggered", [])
        t.selectionIntercept = try r.double("selection_intercept", t.selectionIntercept)
        if let sel = r.node("selection") {
            var m = try MappingReader(sel, source: r.source, path: r.sub("selection"))
            let allowed = ["ln_size", "D", "CA", "dist_centre", "Z"] + controls
            var out: [String: Double] = [:]
            for k in allowed where m.has(k) { out[k] = try m.double(k, 0) }
            for k in allowed where !out.keys.contains(k) { _ = m.node(k) }
            try m.finish()
            t.selection = out
        }
        t.effect = try r.double("effect", t.effect)
        t.effectGrowth = try r.double("effect_growth", t.effectGrowth)
        t.zSlope = try r.double("z_slope", t.zSlope)
        // A disabled treatment uses none of its keys: their defaults are not checked against the
        // panel (t0 = 2010 outside a 2005–2007 world), and a key written beside `enabled: false`
        // is refused as unused (`unusedSettings`), unless a design's grid enables it in some cell.
        guard t.enabled else { return t }
        let (first, last) = (years.first!, years.last!)
        try r.require(t.t0 > first && t.t0 <= last, "t0", "\(t.t0) is outside the panel years (\(first)–\(last)) or leaves no pre-period",
                      fix: "choose a year in \(first + 1)…\(last)")
        for (i, g) in t.staggered.enumerated() {
            try r.require(g >= t.t0 && g <= last, "staggered.\(i)", "cohort year \(g) is outside \(t.t0)–\(last)",
                          fix: "cohorts must adopt between t0 and the last year")
        }
        try r.require(!t.regions.isEmpty || !t.enabled, "regions", "an enabled treatment needs at least one region")
        return t
    }
}
