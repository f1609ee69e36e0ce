import Estimators
import Foundation
import Numerics

/// The text rendering of a `SpatialAnalysis` (its JSON report is `SpatialAnalysisJSON`).
enum SDMReport {
    /// The balanced report preceded by what was done with the gaps.
    static func text(_ u: UnbalancedAnalysis) -> String {
        let p = u.unbalanced.pattern
        var out: [String] = []
        out.append("Unbalanced panel: \(p.rowsUsed) of \(u.cityYears) city-years used (\(String(format: "%.1f", 100 * u.shareObserved)) %); \(u.absentRows) absent, \(u.rowsWithEmptyCells) with an empty cell left out")
        for m in u.merges {
            out.append("merge: \(m.parts.joined(separator: " + ")) → \(m.unitID) from \(PanelIndex.format(m.year)) (a new unit with its own fixed effect; its W row and column = the sums of its parts' in W's symmetric form, docs/unbalanced.md)")
        }
        let counts = p.citiesPerPeriod
        out.append("cities per period \(counts.min() ?? 0)–\(counts.max() ?? 0); \(p.distinctWeights) distinct city set\(p.distinctWeights == 1 ? "" : "s") (W_t = W restricted\(p.restandardised ? " and re-standardised" : ", not re-standardised")); \(p.isolatedCityYears) city-year\(p.isolatedCityYears == 1 ? "" : "s") with no neighbour present (zero row of W_t)")
        out.append("fixed effects concentrated out exactly (rank \(p.fixedEffectRank)); sigma2 corrected for them = \(fmt(u.unbalanced.sigma2DOF)); LM tests not computed (one W assumed)")
        if let bc = u.unbalanced.biasCorrected {
            let coefs = zip(bc.names, bc.coefficients).map { "\($0) \(fmt($1))" }.joined(separator: ", ")
            out.append("bias-corrected (Lee–Yu adapted, docs/unbalanced.md): " + (bc.rho.map { "rho \(fmt($0)), " } ?? "") + "sigma2 \(fmt(bc.sigma2)), \(coefs)")
        } else if let why = u.unbalanced.biasCorrectionUnavailable {
            out.append("bias correction unavailable: \(why)")
        }
        out.append("")
        return out.joined(separator: "\n") + "\n" + text(u.analysis)
    }

    static func text(_ a: SpatialAnalysis) -> String {
        let f = a.fit
        var out: [String] = []
        out.append("\(f.spec.model.rawValue.uppercased()), \(f.spec.effects == .none ? "pooled (no fixed effects)" : "\(f.spec.effects.rawValue) effects, \(f.spec.approach.rawValue) approach"): N = \(f.n), T = \(f.t), n* = \(f.nObservations)"
                   + (f.varianceMethod == .cluster ? "; SEs clustered by unit (\(f.n) clusters, \((f.clusterCorrection ?? .cr1).rawValue.uppercased()))" : "")
                   + (f.varianceMethod == .conley ? "; Conley spatial-HAC SEs" + (f.clusterCorrection.map { " (\($0.rawValue.uppercased()) residuals)" } ?? "") : ""))
        if f.spec.model.hasLag || f.spec.model.hasErrorLag {
            out.append(f.converged ? "converged in \(f.iterations) iterations" : "NOT CONVERGED: \(f.reason)")
        } else {
            out.append(f.converged ? "closed form (no spatial parameter)" : "NOT CONVERGED: \(f.reason)")
        }
        if f.logDeterminant != .exact { out.append(logDeterminantLine(f)) }
        out.append("")
        out.append(inferenceLine(f))
        let perCoefficient = f.coefficientDegreesOfFreedom != nil
        out.append(row("", "estimate", "std.err", "t", "p") + (perCoefficient ? "  Satterthwaite df" : ""))
        let se = f.standardErrors
        for (k, name) in f.parameterNames.enumerated() where name != "sigma2" {
            let v = f.parameters[k], s = se[k]
            let z = v / s
            let dfText = perCoefficient && k < f.names.count ? String(format: "  %16.2f", f.degreesOfFreedom(coefficient: k)) : ""
            out.append(row(name, fmt(v), fmt(s), String(format: "%.2f", z), pval(f.twoSidedPValue(z, coefficient: k))) + dfText)
        }
        out += profileLines(f)
        out.append("")
        out.append(sigma2Line(f)
                   + "   log-likelihood = \(String(format: "%.4f", f.logLikelihood))   AIC = \(String(format: "%.2f", f.aic))   BIC = \(String(format: "%.2f", f.bic))")
        out.append("")
        out += effectLines(a.impacts, title: "Effects (delta-method standard errors in parentheses)")
        if let sim = a.simulation {
            out.append("Simulated (\(sim.used) of \(sim.requested) draws kept, \(sim.dropped) with rho outside the interval dropped): SD")
            for i in sim.impacts {
                out.append(row(i.variable, "(\(fmt(i.direct.sd)))", "(\(fmt(i.indirect.sd)))", "(\(fmt(i.total.sd)))", ""))
            }
        }
        if let nl = a.nonlinear {
            out.append("")
            out += nonlinearLines(nl, moderator: moderatorName(f.names))
        }
        if !a.tests.isEmpty {
            out.append("")
            out.append("Specification tests")
            for t in a.tests {
                out.append("  \(t.name.padding(toLength: 26, withPad: " ", startingAt: 0)) \(String(format: "%10.3f", t.statistic))  df = \(t.degreesOfFreedom)  p \(pval(t.pValue).hasPrefix("<") ? "" : "= ")\(pval(t.pValue))")
            }
        }
        return out.joined(separator: "\n")
    }

    /// The one quantile rule every p-value, interval, Fieller set and U-test of the fit uses (docs/MODEL.md §5).
    static func inferenceLine(_ f: SpatialFitResult) -> String {
        let df = String(format: "%.0f", f.tDegreesOfFreedom)
        if f.coefficientDegreesOfFreedom != nil {
            return "coefficients: Student t with each one's CR2 Satterthwaite df (Bell–McCaffrey); rho, effects, curves and tests: t with G − 1 = \(df) df (G = \(f.clusterCount ?? 0) clusters)"
        }
        return f.clusterCount != nil
            ? "p-values, intervals and tests: Student t with G − 1 = \(df) df (G = \(f.clusterCount ?? 0) clusters)"
            : "p-values, intervals and tests: Student t with n* − k = \(df) df"
    }

    /// With `--interval profile`: the profile-likelihood 95% intervals of ρ and λ, how each end was
    /// found (a root of LR = χ²₁(0.95), or the bound of the stable interval) and the LR test of 0.
    static func profileLines(_ f: SpatialFitResult) -> [String] {
        guard f.spec.interval == .profile else { return [] }
        if let why = f.profileFailure { return ["", "profile-likelihood intervals unavailable: \(why)"] }
        var out = ["", "Profile-likelihood 95% intervals (LR ≤ χ²₁(0.95) = \(String(format: "%.4f", f.profileIntervals.values.first?.critical ?? .nan)); the table's p-values are Wald):"]
        for parameter in SACParameter.allCases {
            guard let p = f.profileIntervals[parameter] else { continue }
            let end = { (e: ProfileLikelihoodInterval.End) in e == .root ? "root" : "bound of the stable interval" }
            out.append("  \(parameter.rawValue): [\(fmt(p.lower)), \(fmt(p.upper))]   lower: \(end(p.lowerEnd)), upper: \(end(p.upperEnd))"
                       + "   LR test of \(parameter.rawValue) = 0: p \(pval(p.pValueAtZero))"
                       + (p.disconnected ? "   (the acceptance set has a second piece beyond an end: the interval is the piece containing the estimate)" : "")
                       + (p.excessOverMaximum > 1e-8 ? "   (WARNING: the profile exceeds the fitted maximum by \(fmt(p.excessOverMaximum)))" : ""))
        }
        return out
    }

    /// The σ̂² the SEs are evaluated at, and the other one beside it (docs/MODEL.md §4, "Which σ̂²").
    static func sigma2Line(_ f: SpatialFitResult) -> String {
        switch f.spec.residualVariance {
        case .qml:
            return "sigma2 = \(fmt(f.sigma2)) (QML, e'e/n*; the SEs use it)" + (f.sigma2DOF.map { "   e'e/(n − fixed effects − p) = \(fmt($0))" } ?? "")
        case .dof:
            return "sigma2 = \(fmt(f.sigma2)) (e'e/(n − fixed effects − p); the SEs use it)"
                + (f.sigma2QML.map { "   QML e'e/n* = \(fmt($0))" } ?? "")
        }
    }

    static func effectLines(_ impacts: [RegressorImpact], title: String) -> [String] {
        var out = [title, row("", "direct", "indirect", "total", "")]
        for i in impacts {
            out.append(row(i.variable, fmt(i.direct.estimate), fmt(i.indirect.estimate), fmt(i.total.estimate), ""))
            out.append(row("", "(\(fmt(i.direct.se)))", "(\(fmt(i.indirect.se)))", "(\(fmt(i.total.se)))", ""))
        }
        return out
    }

    /// The moderator of the curve, from its interaction's name `X:M` (`SpatialDataset.interactionName`); "D" without one.
    static func moderatorName(_ names: [String]) -> String {
        names.first { $0.contains(":") && !$0.hasPrefix("W*") }.flatMap { $0.split(separator: ":").last.map(String.init) } ?? "D"
    }

    static func nonlinearLines(_ nl: NonlinearEffects, title: String = "Turning points (delta-method CI; Fieller set)",
                               moderator m: String = "D") -> [String] {
        var out = [title]
        for tp in nl.turningPoints {
            let d = tp.moderatorValue.map { " at \(m) = \(fmt($0))" } ?? ""
            out.append("  \(tp.kind.rawValue)\(d): \(tp.shape.rawValue), x* = \(fmt(tp.delta.estimate)) [\(fmt(tp.delta.lower)), \(fmt(tp.delta.upper))]; Fieller \(fieller(tp.fieller))")
        }
        for s in nl.shifts {
            out.append("  dx*/d\(m) (\(s.kind.rawValue)) = \(fmt(s.value.estimate)) [\(fmt(s.value.lower)), \(fmt(s.value.upper))]; Fieller \(fieller(s.fieller))")
        }
        out.append("Lind–Mehlum U-tests")
        for u in nl.uTests {
            let d = u.moderatorValue.map { " at \(m) = \(fmt($0))" } ?? ""
            out.append("  \(u.kind.rawValue)\(d) on [\(fmt(u.lower)), \(fmt(u.upper))]: \(u.shape.rawValue), t = \(String(format: "%.3f", u.statistic)), p \(pval(u.pValue).hasPrefix("<") ? "" : "= ")\(pval(u.pValue))")
        }
        return out
    }

    static func row(_ a: String, _ b: String, _ c: String, _ d: String, _ e: String) -> String {
        a.padding(toLength: 16, withPad: " ", startingAt: 0) + [b, c, d, e].map { String(repeating: " ", count: max(0, 13 - $0.count)) + $0 }.joined()
    }

    static func fmt(_ x: Double) -> String { x.isFinite ? String(format: "%.5g", x) : "NA" }
    static func pval(_ p: Double) -> String { p.isFinite ? (p < 1e-4 ? "<1e-4" : String(format: "%.4f", p)) : "NA" }

    static func fieller(_ f: FiellerInterval) -> String {
        switch f {
        case .bounded(let l, let u): "[\(fmt(l)), \(fmt(u))]"
        case .disjoint(let l, let u): "(-inf, \(fmt(l))] ∪ [\(fmt(u)), inf) (unbounded, disjoint)"
        case .unboundedBelow(let u): "(-inf, \(fmt(u))] (unbounded)"
        case .unboundedAbove(let l): "[\(fmt(l)), inf) (unbounded)"
        case .wholeLine: "the whole line (unbounded)"
        case .empty: "empty"
        }
    }

    /// The log-determinant method, its stated accuracy at the estimate and the stochastic trace.
    static func logDeterminantLine(_ f: SpatialFitResult) -> String {
        var s = "log|I - rho W|: \(f.logDeterminant.rawValue)"
        let a = f.logDeterminantAccuracy
        if a.truncationBound > 0 || a.monteCarloSE > 0 {
            s += String(format: " (truncation bound %.3g%@, MCSE %.3g)", a.truncationBound, a.rigorous ? "" : ", estimated", a.monteCarloSE)
        }
        if let t = f.traceGtG {
            s += String(format: "; tr(G'G) = %.6g by %d Hutchinson probes, MCSE %.3g", t.value, t.probes, t.monteCarloSE)
        }
        return s
    }
}
