import CitySystem
import Estimators
import Foundation
import Numerics

/// Writes the scenario of a calibration: the observed design (`city_system.observed`), a
/// Monte Carlo section scoring the SDM on every estimand of the model, optionally a grid of
/// "what if" worlds, and comments recording the fit it came from.
public enum CalibratedScenario {
    public struct Options: Sendable {
        public var name: String
        public var seed: Int = ScenarioParser.defaultSeed
        public var replications = 500
        /// Add the grid of common alternative truths (`whatIfWorlds`).
        public var grid = false
        /// The spillsim version recorded in the comments.
        public var version: String

        public init(name: String, version: String) { self.name = name; self.version = version }
    }

    /// The YAML text. Numbers are written with every digit needed to read back the same
    /// double, so the truth of the scenario is the fit's estimates exactly.
    public static func yaml(_ c: Calibration, options: Options) -> String {
        let s = c.spec
        var out = comments(c, options: options)
        out += "name: \(quote(options.name))\n"
        out += "description: \(quote("SDM calibrated to \(s.data) (\(s.y) on \(s.x.joined(separator: ", ")); \(s.effects) effects, \(s.approach))"))\n"
        out += "seed: \(options.seed)\n"
        out += "city_system:\n  observed:\n"
        out += "    data: \(quote(s.data))\n    data_hash: \(quote(s.dataHash))\n"
        out += "    weights: \(quote(s.weights))\n    weights_hash: \(quote(s.weightsHash))\n"
        out += "    row_standardise: \(s.rowStandardise)\n"
        if let m = s.merges { out += "    merges: \(quote(m.path))\n    merges_hash: \(quote(m.hash))\n" }
        out += "    id: \(quote(s.id))\n    time: \(quote(s.time))\n    y: \(quote(s.y))\n"
        out += "    x: [\(s.x.map(quote).joined(separator: ", "))]\n"
        if let q = s.quadratic { out += "    quadratic: \(quote(q))\n" }
        if let d = s.moderator { out += "    moderator: \(quote(d))\n" }
        out += "    effects: \(s.effects)\n    approach: \(s.approach)\n"
        out += "    errors: \(s.errors.rawValue)   # \(ObservedDesignSpec.Errors.allCases.map(\.rawValue).joined(separator: " | "))\n"
        out += "    fit:   # the calibrated values; the fixed effects and residuals are recovered from the data at these\n"
        out += "      rho: \(number(s.fit.rho))\n      sigma2: \(number(s.fit.sigma2))\n"
        out += "      beta: \(mapping(s.fit.beta))\n      theta: \(mapping(s.fit.theta))\n"
        out += "    # outcome: {rho: …, sigma2: …, beta: {X: …}, theta: {X: …}} overrides fit values for a what-if world\n"
        out += "monte_carlo:\n  replications: \(options.replications)\n"
        let list = "    estimands: [\(estimands(c).map(quote).joined(separator: ", "))]\n"
        if c.gaps != nil {
            // The data's gaps are kept in every replication: the unbalanced estimator and the two common
            // ways of balancing the panel first (docs/unbalanced.md, "The workarounds as estimators").
            // `sdm_bc` is its Lee–Yu-adapted bias correction (the direct approach's ρ is biased with time effects).
            out += "estimators:\n"
            // Interpolation would carry a merged city's parts forward and the merged city back: not with merges.
            let workarounds = [("sdm", "exact"), ("sdm_bc", "exact\n    bias_correction: true"), ("sdm_drop_cities", "drop_cities")]
                + (s.merges == nil ? [("sdm_interpolate", "interpolate")] : [])
            for (name, missing) in workarounds {
                out += "  - name: \(name)\n    model: sdm\n    effects: \(s.effects)\n    missing: \(missing)\n" + list
            }
        } else {
            out += "estimators:\n  - name: sdm\n    model: sdm\n    effects: \(s.effects)\n    approach: \(s.approach)\n" + list
            // The same fit with standard errors clustered by unit: the analytic SEs assume independent
            // errors, which the dependence-keeping error laws (the default unit_wild) are not.
            out += "  - name: sdm_cluster\n    model: sdm\n    effects: \(s.effects)\n    approach: \(s.approach)\n    variance: cluster\n" + list
        }
        if options.grid {
            out += "grid:\n  city_system.observed.outcome:\n"
            for (value, comment) in whatIfWorlds(c) { out += "    - \(value)   # \(comment)\n" }
        }
        return out
    }

    /// Every SDM estimand the calibrated model has: ρ, each β and θ, the effects of each
    /// ordinary regressor, and with a quadratic term the curves at the middle of the U-test
    /// interval, the turning points, U-tests and shifts at the moderator's median. The quadratic
    /// regressor and its moderator get no single effect: theirs varies along the curve (a
    /// coefficient combination would be the effect at X = 0, D = 0, outside the data).
    public static func estimands(_ c: Calibration) -> [String] {
        let s = c.spec
        let names = s.fit.beta.map(\.name)
        var e = ["rho"] + names.map { "beta.\($0)" } + names.map { "theta.\($0)" }
        let ordinary = s.x.filter { $0 != s.quadratic && $0 != s.moderator }
        for x in ordinary { e += EffectKind.allCases.map { "\($0.rawValue).\(x)" } }
        if s.quadratic != nil {
            let middle = (ObservedTruth.curvePoints - 1) / 2
            e += EffectKind.allCases.map { "curve.\($0.rawValue).p50.\(middle)" }
            e += EffectKind.allCases.map { "tp.\($0.rawValue).p50" } + EffectKind.allCases.map { "utest.\($0.rawValue).p50" }
            if s.moderator != nil { e += EffectKind.allCases.map { "shift.\($0.rawValue)" } }
        }
        return e
    }

    /// The grid values of `city_system.observed.outcome`, each with a comment: the calibrated
    /// world, no W·X spillovers (θ = 0), ρ at either bound of its 95% interval (when inside the
    /// stable interval), and with a quadratic term a monotone curve (β₂ = θ₂ = 0: the U-test's null
    /// deep inside, not its size) and the two boundary worlds (turning point at X p5 and p95: the
    /// least-favourable null, whose rejection rate is the U-test's size).
    public static func whatIfWorlds(_ c: Calibration) -> [(value: String, comment: String)] {
        let s = c.spec
        var worlds: [(String, String)] = [("{}", "the calibrated world")]
        let zeros = s.fit.theta.map { (name: $0.name, value: 0.0) }
        worlds.append(("{theta: \(mapping(zeros))}", "θ = 0: no spillovers through W·X"))
        if let (lo, hi) = c.rhoInterval {
            let (a, b) = c.stableInterval
            if lo > a { worlds.append(("{rho: \(number(lo))}", "ρ at the lower bound of its 95% interval")) }
            if hi < b { worlds.append(("{rho: \(number(hi))}", "ρ at the upper bound of its 95% interval")) }
        }
        if let q = s.quadratic {
            let sq = [(name: "\(q)^2", value: 0.0)]
            worlds.append(("{beta: \(mapping(sq)), theta: \(mapping(sq))}",
                           "β₂ = θ₂ = 0: monotone truth (the U-test's null deep inside, not its size)"))
            for (label, x) in boundaryPoints(c) {
                let (beta, theta) = boundaryLinearTerms(c, at: x)
                worlds.append(("{beta: \(mapping([beta])), theta: \(mapping([theta]))}",
                               "turning point at \(q) \(label) = \(String(format: "%.6g", x)): the U-test's least-favourable null (its size)"))
            }
        }
        return worlds
    }

    /// The ends of the U-test's interval, [X p5, X p95] of the data (as `ObservedTruth` computes them).
    public static func boundaryPoints(_ c: Calibration) -> [(label: String, x: Double)] {
        guard let values = c.quadraticValues else { return [] }
        let sorted = values.sorted()
        return [("p5", Statistics.quantile(sorted: sorted, 0.05)), ("p95", Statistics.quantile(sorted: sorted, 0.95))]
    }

    /// β₁ and θ₁ (the linear terms of the quadratic regressor) that put the turning point of every
    /// effect curve at the moderator's median at `x`, keeping the calibrated curvature β₂, θ₂ and the
    /// interaction: b(x) = β₁ + 2β₂x + β₃d = 0 and t(x) = θ₁ + 2θ₂x + θ₃d = 0, so m1·b + m2·t = 0 at x
    /// for the direct, indirect and total weights alike. The curve keeps its shape and has slope 0 at
    /// one end of the interval and the calibrated sign at the other: the boundary of the U-test's null
    /// (Lind & Mehlum 2010), where its rejection rate is its size.
    static func boundaryLinearTerms(_ c: Calibration, at x: Double) -> (beta: (name: String, value: Double), theta: (name: String, value: Double)) {
        let s = c.spec
        guard let q = s.quadratic else { return ((s.x[0], 0), (s.x[0], 0)) }
        let d = c.moderatorValues.map { Statistics.quantile(sorted: $0.sorted(), 0.5) } ?? 0
        func value(_ list: [(name: String, value: Double)], _ name: String?) -> Double {
            name.flatMap { n in list.first { $0.name == n }?.value } ?? 0
        }
        let square = "\(q)^2", interaction = s.moderator.map { "\(q):\($0)" }
        let beta1 = -2 * value(s.fit.beta, square) * x - value(s.fit.beta, interaction) * d
        let theta1 = -2 * value(s.fit.theta, square) * x - value(s.fit.theta, interaction) * d
        return ((q, beta1), (q, theta1))
    }

    static func comments(_ c: Calibration, options: Options) -> String {
        let f = c.fit, s = c.spec
        func g(_ x: Double) -> String { String(format: "%12.6g", x) }
        var out = "# Calibrated by spillsim \(options.version) (`spillsim calibrate`): an observed design.\n"
        out += "# The regressors, W, N = \(f.n), T = \(f.t) and the fixed effects are the data's; each replication\n"
        out += "# regenerates \(s.y) from the fitted ρ, β, θ, σ² below with \(s.errors.rawValue) errors. The data and W files are\n"
        out += "# checked against their content hashes at run time: a changed file is refused.\n#\n"
        if let u = c.gaps {
            let p = u.unbalanced.pattern
            out += "# The panel has gaps, and every replication keeps them: the outcome is regenerated on the \(p.rowsUsed) observed\n"
            out += "# city-years only (\(u.absentRows) without a row, \(u.rowsWithEmptyCells) with an empty cell), by the unbalanced model: year t's\n"
            out += "# cities interact through W_t = W restricted to them and re-standardised (\(p.distinctWeights) distinct W_t). The fit is the\n"
            out += "# unbalanced estimator's (direct approach); the truth averages the effects over the observed city-years.\n#\n"
        }
        out += "# Fit: SDM, \(s.effects) fixed effects, \(s.approach) approach, n* = \(f.nObservations), \(f.termination.rawValue) after \(f.iterations) iterations\n"
        out += "# log-likelihood \(String(format: "%.6f", f.logLikelihood)), QML σ̂² \(String(format: "%.6g", f.sigma2)); the world's σ² below is e'e/(n − fixed effects − p) = \(String(format: "%.6g", s.fit.sigma2))\n"
        out += "#   parameter        estimate           se\n"
        let se = f.standardErrors
        for (k, name) in f.parameterNames.enumerated() {
            out += "#   " + name.padding(toLength: 14, withPad: " ", startingAt: 0) + g(f.parameters[k]) + " " + g(se[k]) + "\n"
        }
        out += "# Effects (delta method)      direct (se)                indirect (se)              total (se)\n"
        for i in c.analysis.impacts {
            func e(_ v: EstimateWithSE) -> String { g(v.estimate) + " (" + String(format: "%.4g", v.se) + ")" }
            out += "#   " + i.variable.padding(toLength: 14, withPad: " ", startingAt: 0) + e(i.direct) + "  " + e(i.indirect) + "  " + e(i.total) + "\n"
        }
        return out + "#\n"
    }

    /// `{a: 1.5, "b^2": -2}` with round-trip numbers.
    static func mapping(_ pairs: [(name: String, value: Double)]) -> String {
        "{" + pairs.map { "\(quote($0.name)): \(number($0.value))" }.joined(separator: ", ") + "}"
    }

    /// Swift's shortest round-trip representation (reads back as the same double).
    static func number(_ x: Double) -> String { "\(x)" }

    /// A YAML scalar: plain when it is a simple name, else double-quoted.
    static func quote(_ s: String) -> String {
        let plain = s.range(of: "^[A-Za-z_][A-Za-z0-9_./-]*$", options: .regularExpression) != nil
            && !["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(s.lowercased())
        if plain { return s }
        return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
