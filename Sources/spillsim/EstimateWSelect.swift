import ArgumentParser
import Estimators
import Foundation

extension Spillsim.Estimate {
    /// `spillsim estimate w-select`: which of several weight matrices the data support.
    struct WSelect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "w-select",
            abstract: "Compare candidate weight matrices: log-likelihood, AIC, BIC and Bayesian posterior probabilities.",
            discussion: """
            Fits the same model (sdm or sar) with each W and prints the maximised log-likelihood, AIC, BIC, \
            the log marginal likelihood (rho integrated over its stable interval, uniform prior; flat prior on the \
            coefficients, 1/sigma on sigma; LeSage & Pace 2009, ch. 6) and the posterior model probabilities \
            under equal prior probabilities. The marginal is that of the approach's own likelihood: --approach direct \
            gives LeSage & Pace's with the fixed effects integrated out (nu = NT - (N + T - 1) - p two-way), \
            --approach lee-yu (the default) the marginal of the Lee-Yu transformed likelihood (nu = (N-1)(T-1) - p); \
            the two are different Bayes factors and can rank W differently (docs/spatial.md). With --dynamic each W fits the \
            dynamic SDM (y(t-1) and W*y(t-1) added; QML conditional on the first year, uncorrected) and the log marginal is \
            that of the likelihood conditional on the first year with the two-way fixed effects integrated out \
            (nu = N(T-1) - (N + T - 2) - p). Each W is matched to the panel by id and row-standardised unless \
            --no-row-standardise.
            """)

        @OptionGroup var panel: PanelColumns
        @Option(parsing: .upToNextOption, help: "Candidate weight matrix CSVs (comma- or space-separated; at least two).")
        var weights: [String]
        @Option(parsing: .upToNextOption, help: "Regressors (comma- or space-separated).") var x: [String]
        @Option(help: "Fixed effects: individual, time, twoways or none.") var effects: FixedEffects = .twoWays
        @Option(help: "Likelihood under fixed effects: direct or lee-yu (default \(SpatialApproach.standard.rawValue)); the log marginal is that likelihood's (the output names the criterion).")
        var approach: SpatialApproach?
        // A transform, not `SpatialModel`'s `ExpressibleByArgument`, whose help would list every model.
        @Option(help: "sdm (default) or sar (the posterior probabilities need a spatial lag of y).", transform: { argument in
            guard let m = SpatialModel(rawValue: argument), m.hasLag, !m.hasErrorLag else {
                throw ValidationError("--model must be sdm or sar (posterior probabilities need a spatial lag of y)")
            }
            return m
        })
        var model: SpatialModel = .sdm
        @Flag(help: "Fit the dynamic SDM with each W (two-way effects; the marginal is conditional on the first year).")
        var dynamic = false
        @Flag(help: "Use each W as given instead of row-standardising it.") var noRowStandardise = false
        @Flag(help: "Print JSON instead of a table.") var json = false

        var files: [String] { splitList(weights) }

        func validate() throws {
            if files.count < 2 { throw ValidationError("--weights needs at least two weight matrix files to compare") }
            var seen = Set<String>()
            if let twice = files.first(where: { !seen.insert($0).inserted }) {
                throw ValidationError("--weights lists \(twice) twice; give each candidate weight matrix once (the posterior probabilities compare different Ws)")
            }
            if effects == .none && approach != nil {
                throw ValidationError("--approach: with --effects none there are no fixed effects to transform away, so lee-yu and direct are the same likelihood; drop --approach")
            }
            if dynamic {
                if model != .sdm { throw ValidationError("--dynamic fits the dynamic spatial Durbin model: use --model sdm (the default)") }
                if effects != .twoWays { throw ValidationError("--dynamic has twoways effects only (time effects by the Lee–Yu transformation, individual by within): use --effects twoways (the default)") }
                if approach == .direct { throw ValidationError("--dynamic fits by the Lee–Yu transformation and integrates the likelihood conditional on the first year: drop --approach direct") }
                if noRowStandardise { throw ValidationError("--dynamic removes time effects by the Lee–Yu transformation, which needs row-standardised W: drop --no-row-standardise") }
            }
            if splitList(x).isEmpty { throw ValidationError("--x needs at least one regressor") }
            try checkColumnRoles(outcome: ("--y", panel.y), regressors: splitList(x), regressorOption: "--x", keys: panel.keys)
        }

        func run() throws {
            let dataset = try SpatialDataLoader.load(
                data: URL(fileURLWithPath: panel.data), weights: URL(fileURLWithPath: files[0]), id: panel.id, time: panel.time,
                y: panel.y, x: splitList(x), rowStandardise: !noRowStandardise,
                balanceNeededBy: "estimate w-select needs every unit in every period: it compares the balanced estimator's likelihoods and their marginals over rho (estimate sdm fits a panel with gaps by the direct approach on each year's cities, docs/unbalanced.md); fill or drop the missing unit-periods to compare Ws")
            var candidates = [(name: files[0], weights: dataset.weights)]
            for file in files.dropFirst() {
                candidates.append((file, try SpatialDataLoader.weights(URL(fileURLWithPath: file), units: dataset.units,
                                                                       rowStandardise: !noRowStandardise)))
            }
            let fitted: WeightSelectionModel = dynamic ? .dynamic(.all)
                : .spatial(SpatialModelSpec(model: model, effects: effects, approach: approach ?? .standard))
            let result = try WeightSelection.compare(fitted, panel: dataset.panel, candidates: candidates)
            print(json ? try JSONOutput.text(WeightSelectionJSON(result)) : WeightSelectionReport.text(result))
        }
    }
}

/// The text rendering of a `WeightSelectionResult` (its JSON report is `WeightSelectionJSON`).
enum WeightSelectionReport {
    static func text(_ r: WeightSelectionResult) -> String {
        let f = r.candidates[0].fit
        var out: [String]
        if case .dynamic = r.model {
            out = ["Dynamic SDM (y(t-1), W*y(t-1); QML conditional on the first year, no bias correction), \(f.spec.effects.rawValue) effects, \(f.spec.approach.rawValue) approach: N = \(f.n), periods 2…T = \(f.t), n* = \(f.nObservations)"]
        } else {
            out = ["\(f.spec.model.rawValue.uppercased()), \(f.spec.effects.rawValue) effects, \(f.spec.approach.rawValue) approach: N = \(f.n), T = \(f.t), n* = \(f.nObservations)"]
        }
        out += ["Posterior probabilities: equal prior over the candidates, rho uniform on its stable interval.",
                r.candidates[0].logMarginal.criterion.summary + String(format: " = %.0f.", r.candidates[0].logMarginal.nu)]
        if case .spatial = r.model {
            out.append("(The direct and lee-yu approaches give different Bayes factors and may rank W differently; --approach chooses.)")
        }
        out.append("")
        let width = max(8, r.candidates.map(\.name.count).max() ?? 0)
        func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        out.append(pad("W") + "  " + ["rho", "loglik", "AIC", "BIC", "log p(y|W)", "posterior"].map { $0.leftPadded(12) }.joined())
        for c in r.candidates {
            let cols = [c.fit.rho ?? .nan, c.logLikelihood, c.aic, c.bic, c.logMarginal.value]
            let note = c.fit.converged ? "" : "  (\(c.fit.reason))"
            out.append(pad(c.name) + "  " + cols.map { String(format: "%.4f", $0).leftPadded(12) }.joined()
                       + String(format: "%.4f", c.posterior).leftPadded(12) + note)
        }
        out.append("")
        out.append("chosen by loglik: \(r.candidates[r.byLogLikelihood].name); AIC: \(r.candidates[r.byAIC].name); BIC: \(r.candidates[r.byBIC].name); posterior: \(r.candidates[r.byPosterior].name)")
        return out.joined(separator: "\n")
    }
}

private extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? " " + self : String(repeating: " ", count: n - count) + self }
}
