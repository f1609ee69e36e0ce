import CitySystem
import Foundation
@testable import MonteCarlo
import TestSupport
import XCTest

/// Every key the scenario parser accepts either changes what a design cell generates or is
/// refused: a grid over two valid levels of it gives cells whose panels, W or truth differ, or
/// loading the scenario fails with a `ScenarioError` naming the key. An accepted key that is then
/// ignored is the worst kind of bad input (docs/DEVELOPING.md). The schema is not listed by hand
/// alone: `ScenarioKeyRecorder` records each key the parser reads in every probed branch, and
/// the test fails when a recorded key has no probe — a new key must join the audit.
final class AcceptedKeysAuditTests: XCTestCase {
    /// A tiny world (12 cities, 6 years) so ~150 probes × 2 cells build in about a second.
    static let base = """
        name: audit
        seed: 3
        city_system:
          geography: {centres: 2, cities: 12, square_km: 600, min_separation_km: 120, periphery_sd_km: 100, first_year: 2006, last_year: 2011}
          treatment: {regions: [0, 1, 2, 3]}
        monte_carlo: {replications: 1}
        estimators:
          - {name: ols, model: ols, estimands: [beta.D]}
        """

    /// One key, two valid levels, and the settings that make the key matter (its branch).
    struct Probe {
        let path: String
        let a: String
        let b: String
        var context: [(String, String)] = []
        init(_ path: String, _ a: String, _ b: String, _ context: [(String, String)] = []) {
            self.path = path; self.a = a; self.b = b; self.context = context
        }
    }

    /// A csv geography (the synthetic keys are then refused) and a W held sparse (the large-N generator).
    static let csv = "{source: csv, file: coords.csv, first_year: 2006, last_year: 2011}"
    static let sparse = [("city_system.logdet", "sparse"), ("city_system.weights.cutoff_km", "300")]

    static let reduced: [Probe] = [
        Probe("name", "a", "b"), Probe("description", "a", "b"), Probe("seed", "1", "2"),
        Probe("city_system.geography.source", "synthetic", "csv", [("city_system.geography.file", "coords.csv")]),
        Probe("city_system.geography.centres", "2", "3"), Probe("city_system.geography.cities", "12", "14"),
        Probe("city_system.geography.square_km", "600", "900"), Probe("city_system.geography.min_separation_km", "40", "450"),
        Probe("city_system.geography.periphery_sd_km", "100", "200"), Probe("city_system.geography.region_grid", "[1, 1]", "[3, 1]", [("city_system.treatment.regions", "[0]")]),
        Probe("city_system.geography.first_year", "2006", "2005"), Probe("city_system.geography.last_year", "2011", "2012"),
        Probe("city_system.geography.file", "coords.csv", "coords2.csv", [("city_system.geography", csv)]),
        Probe("city_system.geography.units", "km", "lonlat", [("city_system.geography", csv)]),
        Probe("city_system.sizes.mean_log", "4", "5"), Probe("city_system.sizes.centre_premium", "0.5", "1"),
        Probe("city_system.sizes.distance_gradient", "-0.1", "-0.3"), Probe("city_system.sizes.sd", "0.3", "0.6"),
        Probe("city_system.sectors.mode", "reduced", "neg"),
        Probe("city_system.sectors.manufacturing_log_share", "-1", "-1.5"), Probe("city_system.sectors.services_log_share", "-1", "-1.5"),
        Probe("city_system.sectors.manufacturing_gradient", "0.1", "0.3"), Probe("city_system.sectors.services_gradient", "0.1", "0.3"),
        Probe("city_system.sectors.manufacturing_size_elasticity", "0.1", "0.3"),
        Probe("city_system.sectors.services_size_elasticity", "0.1", "0.3"), Probe("city_system.sectors.services_centre_premium", "0.1", "0.3"),
        Probe("city_system.sectors.effect_sd", "0.1", "0.3"), Probe("city_system.sectors.effect_range_km", "100", "300"),
        Probe("city_system.sectors.effect_correlation", "0.1", "0.5"), Probe("city_system.sectors.shock_ar", "0.1", "0.5"),
        Probe("city_system.sectors.shock_sd", "0.05", "0.1"),
        Probe("city_system.digital.level", "0.3", "0.5"), Probe("city_system.digital.rate", "0.2", "0.4"),
        Probe("city_system.digital.mid_year", "2008", "2010"), Probe("city_system.digital.centre_premium", "0.1", "0.3"),
        Probe("city_system.digital.convergence", "0.1", "0.3"), Probe("city_system.digital.diffusion", "0.1", "0.3"),
        Probe("city_system.digital.decay_km", "100", "300"), Probe("city_system.digital.shock_sd", "0.01", "0.05"),
        Probe("city_system.digital.initial_sd", "0.05", "0.1"), Probe("city_system.digital.integration_boost", "0.1", "0.5"),
        Probe("city_system.digital.integration_target", "0", "0.2"), Probe("city_system.digital.kernel_tolerance", "0.001", "0.2", sparse),
        Probe("city_system.weights.kind", "exponential", "knn"), Probe("city_system.weights.normalise", "row", "spectral"),
        Probe("city_system.weights.decay_km", "100", "300"), Probe("city_system.weights.kappa_d", "0", "0.5"),
        Probe("city_system.weights.cutoff_km", "400", "200"),
        Probe("city_system.weights.alpha", "1", "2", [("city_system.weights.kind", "inverse_distance")]),
        Probe("city_system.weights.k", "3", "5", [("city_system.weights.kind", "knn")]),
        Probe("city_system.weights.symmetrise", "true", "false", [("city_system.weights.kind", "knn")]),
        Probe("city_system.weights.band_km", "300", "500", [("city_system.weights.kind", "band")]),
        Probe("city_system.logdet", "exact", "chebyshev", [("city_system.weights.cutoff_km", "300")]),
        Probe("city_system.outcome.rho", "0.2", "0.4"), Probe("city_system.outcome.beta", "[-0.3, 0.06, -0.03, -0.02]", "[-0.2, 0.06, -0.03, -0.02]"),
        Probe("city_system.outcome.theta", "[-0.1, 0.03, -0.02, 0]", "[-0.2, 0.03, -0.02, 0]"),
        Probe("city_system.outcome.tau", "0", "0.3"), Probe("city_system.outcome.eta", "0", "0.1"),
        Probe("city_system.outcome.burn_in", "5", "20", [("city_system.outcome.tau", "0.5")]),
        Probe("city_system.outcome.intercept", "1", "2"), Probe("city_system.outcome.city_effect_sd", "0.1", "0.2"),
        Probe("city_system.outcome.city_effect_ca_loading", "0.05", "0.2"), Probe("city_system.outcome.year_effect_sd", "0.05", "0.1"),
        Probe("city_system.outcome.year_trend", "0", "0.01"),
        Probe("city_system.outcome.controls", "[]", "[{name: g}]"),
        Probe("city_system.outcome.controls.0.name", "g", "h", [("city_system.outcome.controls", "[{name: g}]")]),
        Probe("city_system.outcome.error.law", "normal", "ar1"), Probe("city_system.outcome.error.sigma", "0.1", "0.2"),
        Probe("city_system.outcome.error.ar", "0.3", "0.6", [("city_system.outcome.error.law", "ar1")]),
        Probe("city_system.outcome.error.lambda", "0.2", "0.4", [("city_system.outcome.error.law", "spatial")]),
        Probe("city_system.outcome.error.df", "4", "8", [("city_system.outcome.error.law", "t")]),
        Probe("city_system.outcome.error.size_power", "0.2", "0.5", [("city_system.outcome.error.law", "heteroskedastic")]),
        Probe("city_system.outcome.error.shocks.share", "0", "0.5"),
        Probe("city_system.outcome.error.shocks.range_km", "100", "300", [("city_system.outcome.error.shocks.share", "0.5")]),
        Probe("city_system.outcome.error.shocks.ar", "0", "0.5", [("city_system.outcome.error.shocks.share", "0.5")]),
        Probe("city_system.treatment.enabled", "true", "false"), Probe("city_system.treatment.regions", "[0]", "[1]"),
        Probe("city_system.treatment.t0", "2009", "2010"), Probe("city_system.treatment.staggered", "[]", "[2011]"),
        Probe("city_system.treatment.selection_intercept", "0", "1"),
        Probe("city_system.treatment.effect", "-0.05", "-0.1"), Probe("city_system.treatment.effect_growth", "0", "0.02"),
        Probe("city_system.treatment.z_slope", "0.01", "0.05"),
        Probe("city_system.panel.missing", "mcar", "mar", [("city_system.panel.rate", "0.3"), gapFit]),
        Probe("city_system.panel.rate", "0", "0.3"),
        Probe("city_system.panel.strength", "1", "3", [("city_system.panel.rate", "0.3"), ("city_system.panel.missing", "mar_size"), gapFit]),
        Probe("city_system.panel.entry.share", "0", "0.3", [("city_system.treatment", "{enabled: false}")]),
        Probe("city_system.panel.entry.year", "2008", "2009", [("city_system.treatment", "{enabled: false}"), ("city_system.panel.entry.share", "0.3"), gapFit]),
        Probe("city_system.panel.merges.share", "0", "0.3", [("city_system.treatment", "{enabled: false}")]),
        Probe("city_system.panel.merges.year", "2008", "2009", [("city_system.treatment", "{enabled: false}"), ("city_system.panel.merges.share", "0.3"), gapFit]),
        Probe("city_system.estimator_weights", "[{name: true}]", "[{name: true}, {name: k3, kind: knn, k: 3}]"),
    ]
        + ["ln_size", "D", "CA", "dist_centre", "Z", "lngdppc", "gov"].map {
            // Extreme levels, so the draw flips at least one city's selection in this small world.
            Probe("city_system.treatment.selection.\($0)", "-8", "8")
        }
        + [("gamma", "0.1", "0.3"), ("theta", "0.1", "0.3"), ("mean", "1", "2"), ("size_loading", "0.1", "0.3"), ("city_sd", "0.5", "1"),
           ("trend", "0", "0.1"), ("ar", "0.3", "0.6"), ("shock_sd", "0.1", "0.2")].map {
            Probe("city_system.outcome.controls.0.\($0.0)", $0.1, $0.2, [("city_system.outcome.controls", "[{name: g}]")])
        }
        + estimatorWeightProbes
        + disabledTreatmentProbes

    /// The estimator for a world whose every cell has unobserved city-years (plain ols is refused there).
    static let gapFit = ("estimators.0", "{name: ols, model: ols, missing: exact, estimands: [beta.D]}")

    /// The treatment's keys beside `enabled: false`: no city is treated, so each is refused.
    static var disabledTreatmentProbes: [Probe] {
        let off = [("city_system.treatment", "{enabled: false}")]
        return [Probe("city_system.treatment.regions", "[0]", "[1]", off), Probe("city_system.treatment.t0", "2009", "2010", off),
                Probe("city_system.treatment.staggered", "[]", "[2011]", off), Probe("city_system.treatment.selection_intercept", "0", "1", off),
                Probe("city_system.treatment.effect", "-0.05", "-0.1", off), Probe("city_system.treatment.effect_growth", "0", "0.02", off),
                Probe("city_system.treatment.z_slope", "0.01", "0.05", off), Probe("city_system.treatment.selection.D", "-8", "8", off)]
    }

    /// The keys of an analyst's W (`estimator_weights.1`), each kind in its branch.
    static var estimatorWeightProbes: [Probe] {
        let w = "city_system.estimator_weights"
        func probe(_ key: String, _ a: String, _ b: String, kind: String) -> Probe {
            Probe("\(w).1.\(key)", a, b, [(w, "[{name: true}, {name: w1, kind: \(kind)}]")])
        }
        return [probe("name", "w1", "w2", kind: "knn"), probe("kind", "knn", "delaunay", kind: "knn"),
                probe("normalise", "row", "spectral", kind: "knn"),
                probe("decay_km", "100", "300", kind: "exponential"), probe("kappa_d", "0", "0.5", kind: "exponential"),
                probe("cutoff_km", "400", "200", kind: "exponential"), probe("alpha", "1", "2", kind: "inverse_distance"),
                probe("k", "3", "5", kind: "knn"), probe("symmetrise", "true", "false", kind: "knn"),
                probe("band_km", "300", "500", kind: "band")]
    }

    /// The `neg` mode's sector keys (its reduced-mode keys are then unknown).
    static let neg: [Probe] = [("sigma", "4", "5"), ("sigma_s", "4", "5"), ("mu", "0.3", "0.4"), ("mu_s", "0.1", "0.2"),
                                ("alpha", "0.2", "0.3"), ("eta", "2", "4"), ("site_size_elasticity", "0.5", "1"),
                                ("tau_start", "1.5", "2"), ("tau_end", "1.2", "1.4"), ("services_tau_multiplier", "1", "2"),
                                ("kappa", "0.1", "0.3"), ("amenity_ar", "0.3", "0.6"), ("amenity_sd", "0.05", "0.1"),
                                ("endogeneity", "0", "0.5"), ("damping", "0.5", "0.8"), ("tolerance", "1e-10", "1e-6"),
                                ("max_iterations", "1", "5000")].map {
        Probe("city_system.sectors.\($0.0)", $0.1, $0.2, [("city_system.sectors.mode", "neg")])
    }

    /// The outcome of one probe: nil when it passes (cells differ, or a `ScenarioError` names the key).
    static func audit(_ p: Probe, directory: URL) -> String? {
        do {
            var doc = try ScenarioDocument(text: base, source: directory.appendingPathComponent("audit.yaml").path)
            for (path, value) in p.context { doc = try doc.setting(yaml: value, atKeyPath: path) }
            doc = try doc.setting(yaml: "{\"\(p.path)\": [\(p.a), \(p.b)]}", atKeyPath: "grid")
            let scenario = try MonteCarloScenario(document: doc)
            let prints = try scenario.cells().map { cell -> String in
                _ = try CitySystemBuilder().makeExperiment(cell: cell, scenario: scenario)
                return try fingerprint(CitySystemCell(scenario: ScenarioParser.parse(cell.document)))
            }
            return prints[0] == prints[1] ? "\(p.path): levels \(p.a) and \(p.b) give identical cells (accepted and ignored)" : nil
        } catch let e as ScenarioError {
            let key = p.path.split(separator: ".").last.map(String.init) ?? p.path
            return e.path.contains(key) ? nil : "\(p.path): refused, but the error names `\(e.path)`, not the key: \(e)"
        } catch {
            return "\(p.path): failed with \(type(of: error)), not a ScenarioError: \(error)"
        }
    }

    /// Everything a cell generates that a key could change: the panel's columns, its missingness,
    /// every W (entries and log-determinant method) and the truth.
    static func fingerprint(_ cell: CitySystemCell) throws -> String {
        // A setting that makes generation fail (too few equilibrium iterations) changes the cell too.
        let p: SyntheticPanel
        do { p = try cell.generate(replication: 0) } catch { return "generation failed: \(type(of: error))" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var parts: [String] = ["\(p.n) \(p.years) \(p.cityIds)", "\(p.coordinateX)\(p.coordinateY)\(p.isLonLat)", "\(p.region)\(p.isCentre)\(p.lnSize)",
                               "\(p.mis)\(p.ca)\(p.d)\(p.lqm)\(p.lqs)", "\(p.controlNames)\(p.controls)", "\(p.treat)\(p.cohort)\(p.post)\(p.z)",
                               "\(p.misNoIntegration)\(p.dNoIntegration)", "\(String(describing: p.observed))\(String(describing: p.merges))",
                               String(decoding: try encoder.encode(p.truth), as: UTF8.self), String(describing: p.equilibrium)]
        for name in [nil] + p.estimatorWeightNames.map(Optional.some) {
            let w = name.flatMap { p.estimatorWeights[$0] } ?? p.trueWeights
            parts.append("\(name ?? "W") \(w.matrix.data) \(type(of: w.logDeterminant))")
        }
        return parts.joined(separator: "|")
    }

    func testEveryCitySystemKeyChangesTheCellOrIsRefused() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-audit")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (file, shift) in [("coords.csv", 0.0), ("coords2.csv", 1.5)] {
            // The same numbers as km (x, y) and as degrees (lon, lat), for the `units` probe.
            var csv = "id,x,y,lon,lat,centre\n"
            for k in 0..<12 {
                let (x, y) = (Double(k % 4) * 1.1 + 100 + shift, Double(k / 4) * 0.9 + 30)
                csv += "c\(k),\(x * 100),\(y * 100),\(x),\(y),\(k < 2 ? 1 : 0)\n"
            }
            try csv.write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        let recorder = ScenarioKeyRecorder()
        let probes = Self.reduced + Self.neg
        let failures = ScenarioKeyRecorder.$current.withValue(recorder) { probes.compactMap { Self.audit($0, directory: dir) } }
        XCTAssertTrue(failures.isEmpty, "\n" + failures.joined(separator: "\n"))
        let audited = Set(probes.map(\.path))
        // Sections (a prefix of an audited key), the Monte Carlo sections (the grid refuses them, tested
        // elsewhere), the observed design (its own keys, read from calibrated files), the reserved
        // `{name: true}` entry and the default controls' second entry (the same keys as the first).
        let skipped = ScenarioDocument.monteCarloKeys + ["city_system.observed"]
        let unaudited = recorder.paths.filter { path in
            !path.contains("[") && !audited.contains(path) && !skipped.contains(path) && !audited.contains { $0.hasPrefix(path + ".") }
                && !path.hasPrefix("city_system.estimator_weights.0.") && !path.hasPrefix("city_system.outcome.controls.1.")
        }
        XCTAssertTrue(unaudited.isEmpty, "keys the parser reads with no probe here: \(unaudited.sorted())")
    }
}

/// Every option of every estimator entry in the registry changes the estimator's records or is
/// refused: the entry is fitted with each of two valid levels on the same data (same cell index,
/// so the same streams), or a grid over the two levels is refused at load naming the option.
/// The options each model reads are recorded (`ScenarioKeyRecorder`); one with no probe fails.
final class EstimatorOptionsAuditTests: XCTestCase {
    static let world = """
        name: audit-estimators
        seed: 4
        city_system:
          geography: {centres: 3, cities: 24, square_km: 700, min_separation_km: 150, periphery_sd_km: 100, first_year: 2005, last_year: 2011}
          estimator_weights: [{name: true}, {name: k3, kind: knn, k: 3}]
          treatment: {regions: [0, 1, 2], t0: 2008, staggered: [2009, 2010]}
        monte_carlo: {replications: 1}
        estimators:
          - {name: ols, model: ols, estimands: [beta.D]}
          - {name: e, model: ols, estimands: [beta.D]}
          - {name: f, model: ols, estimands: [beta.D]}
        """

    struct Probe {
        let entry: String
        let key: String
        let a: String
        let b: String
        var world: [(String, String)] = []
        var label: String { "\(entry) \(key): [\(a), \(b)]" }
    }

    /// A world with unobserved city-years, its first entry fitted with `missing: exact`.
    static let gappy = [("city_system.panel.rate", "0.2"), ("estimators.0", "{name: ols, model: ols, missing: exact, estimands: [beta.D]}")]

    static func spatial(_ model: String, estimands: String = "[beta.CA, ame.direct.CA]") -> [Probe] {
        let e = "{name: e, model: \(model), estimands: \(estimands)"
        let m = "{name: e, model: \(model), estimands: [beta.CA]"
        // sem and sdem refuse the sandwich variances, and every model with a spatial error lag refuses
        // `missing` (probed by `variance` and `missing` themselves), so their dependent options have no
        // valid context; sac takes the cluster and Conley sandwiches (with CR2/CR3), `information`
        // (`observed` refused for every other model) and `interval` (`profile` likewise).
        let sandwich = !["sem", "sdem", "sac"].contains(model)
        let probes: [Probe] = [Probe(entry: e + "}", key: "effects", a: "twoways", b: "individual"),
                Probe(entry: e + "}", key: "approach", a: "lee-yu", b: "direct"),
                Probe(entry: e + "}", key: "durbin", a: "all", b: "none"),
                Probe(entry: e + "}", key: "weights", a: "true", b: "k3"),
                Probe(entry: e + "}", key: "variance", a: "analytic", b: "cluster"),
                Probe(entry: e + "}", key: "sigma2", a: "qml", b: "dof"),
                Probe(entry: e + "}", key: "information", a: "expected", b: "observed"),
                // `interval: profile` moves only ρ's bounds (refused for every model but sac).
                Probe(entry: "{name: e, model: \(model), estimands: [beta.CA\(model == "sac" ? ", rho" : "")]}", key: "interval", a: "wald", b: "profile"),
                Probe(entry: e + ", variance: cluster}", key: "cluster_correction", a: "cr1", b: "cr2"),
                Probe(entry: e + ", variance: conley}", key: "cutoff_km", a: "150", b: "400"),
                Probe(entry: e + ", variance: conley, cutoff_km: 300}", key: "kernel", a: "bartlett", b: "uniform"),
                Probe(entry: e + ", variance: conley, cutoff_km: 300}", key: "lag", a: "0", b: "2"),
                Probe(entry: e + ", variance: conley, cutoff_km: 300, lag: 2}", key: "serial_kernel", a: "bartlett", b: "uniform"),
                // `missing` scores no average marginal effects.
                // The world's first entry takes the gaps too: an estimator that fails in every cell is refused at load.
                Probe(entry: m + "}", key: "missing", a: "exact", b: "interpolate", world: gappy),
                Probe(entry: m + ", missing: exact}", key: "bias_correction", a: "false", b: "true", world: gappy)]
        if sandwich { return probes }
        if model == "sac" { return probes.filter { !$0.entry.contains("missing:") } }
        return probes.filter { !$0.entry.contains("variance:") && !$0.entry.contains("missing:") }
    }

    static let treatment: [Probe] = {
        let psm = "{name: e, model: psm_did, estimands: [att]"
        // Small-world contexts that give every fit a defined variance: psm_did's cluster and Conley probes
        // on the unmatched panel, the matched ones with every region treated (1:1 matching in regions
        // [0, 1] leaves two units, whose CR1 variance is 0 and is refused as degenerate),
        // cs_did on one covariate (the default four separate treated from controls), mediation's
        // matched sample without the bootstrap (too few treated clusters to resample).
        let did = "{name: e, model: psm_did, matching: none, estimands: [att]"
        let cs = "{name: e, model: cs_did, covariates: [ln_size], estimands: [att]"
        let ev = "{name: e, model: event_study, estimands: [att, event.0]"
        let med = "{name: e, model: mediation, bootstrap: 9, simulations: 20, estimands: [att, nde, nie_boot, acme]"
        let more = [("city_system.treatment.regions", "[0, 1, 2, 3]")]
        return [Probe(entry: psm + "}", key: "matching", a: "pooled", b: "none", world: more),
                Probe(entry: did + "}", key: "cluster", a: "unit", b: "region"),
                Probe(entry: did + "}", key: "cluster_correction", a: "cr1", b: "cr2"),
                Probe(entry: ev + ", leads: 1, lags: 0}", key: "cluster", a: "unit", b: "region"),
                Probe(entry: ev + ", lags: 2}", key: "leads", a: "1", b: "2"),
                Probe(entry: ev + ", leads: 2}", key: "lags", a: "0", b: "2"),
                Probe(entry: psm + "}", key: "covariates", a: "[CA, D]", b: "[ln_size, dist_centre]", world: more),
                Probe(entry: psm + "}", key: "variance", a: "cluster", b: "wild_cluster", world: more),
                Probe(entry: did + ", variance: conley}", key: "cutoff_km", a: "150", b: "400"),
                Probe(entry: did + ", variance: conley, cutoff_km: 300}", key: "kernel", a: "bartlett", b: "uniform"),
                Probe(entry: did + ", variance: conley, cutoff_km: 300}", key: "lag", a: "0", b: "2"),
                Probe(entry: did + ", variance: conley, cutoff_km: 300, lag: 2}", key: "serial_kernel", a: "bartlett", b: "uniform"),
                Probe(entry: psm + ", variance: wild_cluster}", key: "bootstrap", a: "99", b: "199", world: more),
                Probe(entry: psm + ", variance: wild_cluster}", key: "bootstrap_weights", a: "webb", b: "rademacher", world: more),
                Probe(entry: "{name: e, model: spillover_did, estimands: [att]}", key: "rings", a: "[100, 200]", b: "[150]"),
                Probe(entry: "{name: e, model: spillover_did, rings: [150], estimands: [att]}", key: "cluster", a: "unit", b: "region"),
                Probe(entry: "{name: e, model: twfe, estimands: [att]}", key: "cluster", a: "unit", b: "region"),
                Probe(entry: cs + "}", key: "control", a: "never", b: "notyet"),
                Probe(entry: cs + "}", key: "method", a: "dr", b: "reg"),
                Probe(entry: "{name: e, model: cs_did, estimands: [att]}", key: "covariates", a: "[ln_size]", b: "[z]"),
                Probe(entry: cs + "}", key: "cluster", a: "unit", b: "region"),
                Probe(entry: med + "}", key: "sample", a: "all", b: "matched", world: more),
                Probe(entry: "{name: e, model: mediation, bootstrap: 0, simulations: 20, sample: matched, estimands: [att, nde, acme]}",
                      key: "covariates", a: "[CA, D]", b: "[ln_size, dist_centre]", world: more),
                // Region clusters need more regions than the 3 coefficients (TP and two controls).
                Probe(entry: med + "}", key: "cluster", a: "unit", b: "region",
                      world: [("city_system.geography.centres", "6"), ("city_system.geography.region_grid", "[3, 3]"),
                              ("city_system.treatment.regions", "[0, 1, 2, 3, 4, 5, 6, 7, 8]")]),
                Probe(entry: med + "}", key: "bootstrap", a: "9", b: "19"),
                Probe(entry: med + "}", key: "simulations", a: "20", b: "40"),
                // Appended, so that the indices `testTwoCopiesOfAnEntryGiveTheSameRecords` names stay put.
                Probe(entry: did + ", cluster: region, variance: wild_cluster}", key: "bootstrap_cluster", a: "cluster", b: "unit"),
                Probe(entry: did + ", variance: conley, cutoff_km: 300}", key: "small_sample", a: "none", b: "fixest_full")]
    }()

    static let others: [Probe] = {
        let dyn = "{name: e, model: sdm_dynamic, estimands: [rho, tau]"
        let wsel = "{name: e, model: w_selection, candidates: [true, k3], estimands: [select.loglik, posterior.true]"
        let pc = "{name: e, model: policy_curve, estimands: [policy_shift.direct, policy_slope.total]"
        let sm = "{name: e, model: spatial_mediation, estimands: [att, nde, nie]"
        return [Probe(entry: dyn + "}", key: "durbin", a: "all", b: "none"), Probe(entry: dyn + "}", key: "weights", a: "true", b: "k3"),
                Probe(entry: dyn + "}", key: "variance", a: "analytic", b: "cluster"),
                Probe(entry: dyn + "}", key: "bias_correction", a: "ydl", b: "none"),
                Probe(entry: dyn + "}", key: "effects", a: "twoways", b: "individual"),
                Probe(entry: dyn + "}", key: "approach", a: "lee-yu", b: "direct"),
                Probe(entry: wsel + "}", key: "fit", a: "sdm", b: "sar"), Probe(entry: wsel + "}", key: "effects", a: "twoways", b: "individual"),
                Probe(entry: wsel + "}", key: "approach", a: "lee-yu", b: "direct"), Probe(entry: wsel + "}", key: "durbin", a: "all", b: "none"),
                Probe(entry: "{name: e, model: w_selection, estimands: [select.loglik]}", key: "candidates", a: "[true, k3]", b: "[k3, true]"),
                Probe(entry: pc + "}", key: "effects", a: "twoways", b: "individual"), Probe(entry: pc + "}", key: "approach", a: "lee-yu", b: "direct"),
                Probe(entry: pc + "}", key: "durbin", a: "all", b: "none"), Probe(entry: pc + "}", key: "weights", a: "true", b: "k3"),
                Probe(entry: pc + "}", key: "variance", a: "analytic", b: "cluster"), Probe(entry: pc + "}", key: "interact", a: "curve", b: "slope"),
                Probe(entry: sm + "}", key: "effects", a: "twoways", b: "individual"), Probe(entry: sm + "}", key: "approach", a: "lee-yu", b: "direct"),
                Probe(entry: sm + "}", key: "durbin", a: "all", b: "none"), Probe(entry: sm + "}", key: "weights", a: "true", b: "k3"),
                Probe(entry: sm + "}", key: "variance", a: "analytic", b: "cluster"),
                // The default W is the diffusion kernel's own exp(−d/150) form, so the two levels are one matrix
                // unless the kernel's reach differs: the option cannot change the fit then, by construction.
                Probe(entry: sm + "}", key: "exposure_weights", a: "weights", b: "diffusion", world: [("city_system.digital.decay_km", "300")]),
                Probe(entry: sm + "}", key: "z_trend", a: "false", b: "true"),
                Probe(entry: sm + "}", key: "mediator_model", a: "static", b: "dynamic"),
                Probe(entry: sm + ", mediator_model: dynamic}", key: "target_factor", a: "true", b: "false")]
    }()

    /// nil when the probe passes.
    /// The records of the entry at level `a` and at level `b`, fitted as estimators 1 and 2 of one run:
    /// the same replication's data (`testTwoCopiesOfAnEntryGiveTheSameRecords` shows a copy changes nothing).
    static func records(_ p: Probe, _ a: String, _ b: String) throws -> [FitOutcome] {
        var doc = try ScenarioDocument(text: world, source: "audit-estimators.yaml")
        for (path, value) in p.world { doc = try doc.setting(yaml: value, atKeyPath: path) }
        doc = try doc.setting(yaml: p.entry, atKeyPath: "estimators.1")
            .setting(yaml: p.entry.replacingOccurrences(of: "{name: e,", with: "{name: f,"), atKeyPath: "estimators.2")
            .setting(yaml: a, atKeyPath: "estimators.1.\(p.key)").setting(yaml: b, atKeyPath: "estimators.2.\(p.key)")
        let fits = try InMemoryRun.run(try MonteCarloScenario(document: doc)).cells[0].records[0].fits
        return [fits[1], fits[2]]
    }

    /// nil when the probe passes.
    static func audit(_ p: Probe) -> String? {
        do {
            var doc = try ScenarioDocument(text: world, source: "audit-estimators.yaml")
            for (path, value) in p.world { doc = try doc.setting(yaml: value, atKeyPath: path) }
            doc = try doc.setting(yaml: p.entry, atKeyPath: "estimators.1")
            do {
                _ = try MonteCarloScenario(document: doc.setting(yaml: "{\"estimators.1.\(p.key)\": [\(p.a), \(p.b)]}", atKeyPath: "grid"))
            } catch let e as ScenarioError where e.path.contains(p.key) {
                return nil
            }
            let records = try Self.records(p, p.a, p.b)
            if let failed = records.first(where: { !$0.status.isOK }) { return "\(p.label): a fit failed (\(failed.status)); the probe cannot compare" }
            return Self.materiallyDiffer(records[0], records[1]) ? nil
                : "\(p.label): both levels give the same records up to rounding (accepted and ignored)"
        } catch {
            return "\(p.label): \(type(of: error)): \(error)"
        }
    }

    /// Whether two fits differ by more than rounding: an option that only reorders a sum (the ols
    /// `weights` probe once passed on 1e-16 differences in the AMEs' multipliers) is still ignored.
    /// Relative 1e-9 is far above the rounding of these fits and far below any real option's effect.
    static func materiallyDiffer(_ a: FitOutcome, _ b: FitOutcome) -> Bool {
        func differ(_ x: Double, _ y: Double) -> Bool {
            if x.isNaN || y.isNaN { return x.isNaN != y.isNaN }
            if x.isInfinite || y.isInfinite { return x != y }
            return abs(x - y) > 1e-9 * max(abs(x), abs(y), 1e-300)
        }
        if a.status.code != b.status.code || a.results.count != b.results.count { return true }
        for (r, s) in zip(a.results, b.results) {
            let pairs = [(r.truth, s.truth), (r.estimate, s.estimate), (r.standardError, s.standardError), (r.lower, s.lower),
                         (r.upper, s.upper), (r.pValue, s.pValue), (r.noncentrality, s.noncentrality)]
            if pairs.contains(where: differ) || r.rightShape != s.rightShape || r.insideSupport != s.insideSupport { return true }
            switch (r.confidenceSet, s.confidenceSet) {
            case (nil, nil): break
            case let (x?, y?): if x.type != y.type || differ(x.lower, y.lower) || differ(x.upper, y.upper) { return true }
            default: return true
            }
        }
        return false
    }

    /// The comparison tells rounding from a change: a last-bit difference is not one, a real difference is.
    func testRoundingIsNotAChange() {
        let base = FitOutcome(status: .ok, results: [EstimandResult(truth: 1, estimate: 0.3, standardError: 0.1, lower: 0.1, upper: 0.5)])
        var rounded = base
        rounded.results[0].estimate = 0.3.nextUp
        rounded.results[0].upper = 0.5.nextDown
        XCTAssertFalse(Self.materiallyDiffer(base, rounded))
        var moved = base
        moved.results[0].standardError = 0.1001
        XCTAssertTrue(Self.materiallyDiffer(base, moved))
        var failed = base
        failed.status = FitStatus(.failed, "singular")
        XCTAssertTrue(Self.materiallyDiffer(base, failed))
    }

    /// The comparison can fail: two copies of an entry (the draws of a wild bootstrap, mediation's
    /// simulations and bootstrap included) record the same numbers, so a difference is the option's.
    func testTwoCopiesOfAnEntryGiveTheSameRecords() throws {
        let copies = [Self.spatial("sdm")[0], Self.treatment[9], Self.treatment[21], Self.others[6]]
        for p in copies {
            let records = try Self.records(p, p.b, p.b)
            XCTAssertTrue(records[0].status.isOK, p.label)
            XCTAssertEqual(records[0], records[1], p.label)
        }
    }

    func testEveryEstimatorOptionChangesTheFitOrIsRefused() {
        let recorder = ScenarioKeyRecorder()
        let probes = ["sdm", "sar", "slx", "sem", "sdem", "ols", "sac"].flatMap { Self.spatial($0) } + Self.treatment + Self.others
        let failures = ScenarioKeyRecorder.$current.withValue(recorder) { probes.compactMap(Self.audit) }
        XCTAssertTrue(failures.isEmpty, "\n" + failures.joined(separator: "\n"))
        let audited = Set(probes.map(\.key))
        let unaudited = recorder.paths.compactMap { $0.hasPrefix("estimators[1].") ? String($0.dropFirst("estimators[1].".count)) : nil }
            .filter { !audited.contains($0) }
        XCTAssertTrue(unaudited.isEmpty, "estimator options read with no probe here: \(unaudited.sorted())")
        // Every model of the registry is probed: a new model must join the audit with its options.
        let probed = Set(probes.compactMap { p in p.entry.range(of: "model: [a-z_]+", options: .regularExpression).map { String(p.entry[$0].dropFirst(7)) } })
        XCTAssertEqual(Set(EstimatorRegistry.modelNames).subtracting(probed), [], "models with no probe here")
    }
}

/// A key of one branch (an error law's parameter, a geography source's keys, `kernel_tolerance` of
/// the large-N generator, known_dgp's `df`) written while another branch is chosen is refused by a
/// one-world command and by a design where no cell uses it; a design that crosses the branches
/// keeps it.
final class UnusedSettingsTests: XCTestCase {
    static let world = """
        name: unused
        city_system:
          geography: {centres: 2, cities: 12, square_km: 600, first_year: 2006, last_year: 2011}
          outcome:
            error: {law: normal, df: 4}
        """
    static let design = world + """

        monte_carlo: {replications: 1}
        estimators:
          - {name: ols, model: ols, estimands: [beta.D]}
        """

    func testAKeyOfAnotherBranchIsRefusedByOneWorld() throws {
        let spec = try ScenarioParser.parse(ScenarioDocument(text: Self.world, source: "unused.yaml"))
        assertThrows(try spec.requireEverySettingUsed(), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.outcome.error.df")
            XCTAssertEqual($0.fix, "remove 'df' or set law: t")
        }
        let cases = [("law: normal, df: 4", "law: ar1, lambda: 0.2", "city_system.outcome.error.lambda"),
                     ("law: normal, df: 4", "law: t, size_power: 0.2", "city_system.outcome.error.size_power"),
                     ("law: normal, df: 4", "law: spatial, ar: 0.3", "city_system.outcome.error.ar"),
                     ("law: normal, df: 4}", "law: t, df: 4}\n  weights: {kind: knn}\n  logdet: exact", ""),
                     ("square_km: 600,", "square_km: 600, units: km,", "city_system.geography.units"),
                     ("law: normal, df: 4", "law: normal}\n  digital: {kernel_tolerance: 0.01", "city_system.digital.kernel_tolerance")]
        for (from, to, path) in cases {
            let text = Self.world.replacingOccurrences(of: from, with: to)
            let spec = try ScenarioParser.parse(ScenarioDocument(text: text, source: "unused.yaml"))
            XCTAssertEqual(spec.unusedSettings.map(\.path).filter { !$0.hasSuffix(".df") }, path.isEmpty ? [] : [path], text)
        }
        let csv = Self.world.replacingOccurrences(of: "{centres: 2, cities: 12,", with: "{source: csv, file: c.csv, cities: 12,")
            .replacingOccurrences(of: ", df: 4", with: "")
        XCTAssertEqual(try ScenarioParser.parse(ScenarioDocument(text: csv, source: "u.yaml")).unusedSettings.map(\.path),
                       ["city_system.geography.cities", "city_system.geography.square_km"])
    }

    /// A disabled treatment checks none of its defaults against the panel (t0 = 2010 lies outside
    /// 2005–2007) and refuses a key written beside `enabled: false`, naming it; a design whose grid
    /// enables the treatment in some cell keeps the key (and checks it there).
    func testADisabledTreatmentChecksNoDefaultAndRefusesWrittenKeys() throws {
        let tiny = """
            name: tiny
            city_system:
              geography: {centres: 2, cities: 12, square_km: 600, first_year: 2005, last_year: 2007}
              treatment: {enabled: false}
            """
        let spec = try ScenarioParser.parse(ScenarioDocument(text: tiny, source: "tiny.yaml"))
        XCTAssertNoThrow(try spec.requireEverySettingUsed())
        let written = tiny.replacingOccurrences(of: "{enabled: false}", with: "{enabled: false, t0: 2006}")
        assertThrows(try ScenarioParser.parse(ScenarioDocument(text: written, source: "tiny.yaml")).requireEverySettingUsed(),
                     as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.treatment.t0")
            XCTAssertEqual($0.fix, "remove 't0' or set enabled: true")
        }
        let estimators = "\nmonte_carlo: {replications: 1}\nestimators:\n  - {name: ols, model: ols, estimands: [beta.D]}\n"
        assertThrows(try MonteCarloScenario(text: written + estimators, file: "tiny.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.treatment.t0")
        }
        let crossed = written + estimators + "grid:\n  city_system.treatment.enabled: [false, true]\n"
        XCTAssertEqual(try MonteCarloScenario(text: crossed, file: "tiny.yaml").cells().count, 2)
    }

    func testADesignRefusesAKeyNoCellUsesAndKeepsOneSomeCellsUse() throws {
        assertThrows(try MonteCarloScenario(text: Self.design, file: "unused.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.outcome.error.df")
        }
        let griddedDF = Self.design.replacingOccurrences(of: ", df: 4}", with: "}") + "\ngrid:\n  city_system.outcome.error.df: [4, 8]\n"
        assertThrows(try MonteCarloScenario(text: griddedDF, file: "unused.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "city_system.outcome.error.df")
        }
        let crossed = try MonteCarloScenario(text: Self.design + "\ngrid:\n  city_system.outcome.error.law: [normal, t]\n", file: "unused.yaml")
        XCTAssertEqual(try crossed.cells().count, 2)
        let known = """
            name: k
            known_dgp: {model: ols, n: 20, beta: [1, 0.5], errors: normal, df: 4}
            estimators:
              - {name: ols, model: ols, estimands: [beta1]}
            """
        assertThrows(try MonteCarloScenario(text: known, file: "k.yaml"), as: ScenarioError.self) { XCTAssertEqual($0.path, "known_dgp.df") }
        XCTAssertNoThrow(try MonteCarloScenario(text: known + "\ngrid:\n  known_dgp.errors: [normal, t]\n", file: "k.yaml"))
    }

    /// `target_factor` belongs to the dynamic mediator model: written beside `mediator_model: static`
    /// (or with no mediator_model) it is refused naming the key, not accepted and ignored.
    func testTheTargetFactorIsRefusedWithTheStaticMediatorModel() {
        for model in ["", "mediator_model: static, "] {
            let text = "name: s\ncity_system: {}\nestimators:\n  - {name: e, model: spatial_mediation, \(model)target_factor: false, estimands: [nie]}\n"
            assertThrows(try MonteCarloScenario(text: text, file: "s.yaml"), as: ScenarioError.self) {
                XCTAssertEqual($0.path, "estimators[0].target_factor")
            }
        }
        let bad = "name: s\ncity_system: {}\nestimators:\n  - {name: e, model: spatial_mediation, mediator_model: dinamic, estimands: [nie]}\n"
        assertThrows(try MonteCarloScenario(text: bad, file: "s.yaml"), as: ScenarioError.self) {
            XCTAssertEqual($0.path, "estimators[0].mediator_model")
        }
    }

    func testAMisspeltOptionOrModelGetsASuggestion() {
        for (entry, path, hint) in [("{name: e, model: sdm, varience: cluster, estimands: [rho]}", "estimators[0].varience", "did you mean `variance`?"),
                                    ("{name: e, model: sdmm, estimands: [rho]}", "estimators[0].model", "did you mean `sdm`?")] {
            let text = "name: s\ncity_system: {}\nestimators:\n  - \(entry)\n"
            assertThrows(try MonteCarloScenario(text: text, file: "s.yaml"), as: ScenarioError.self) {
                XCTAssertEqual($0.path, path)
                XCTAssertTrue("\($0)".contains(hint), "\($0)")
            }
        }
    }
}
