import ArgumentParser
import Estimators
import Foundation
import Numerics
import Reports

extension SpatialModel: ExpressibleByArgument {}
extension SpatialApproach: ExpressibleByArgument {
    public init?(argument: String) { self.init(spelling: argument) }
}

extension LogDeterminantMethod: ExpressibleByArgument {}
extension DynamicBiasCorrection: ExpressibleByArgument {}

extension Spillsim.Estimate {
    /// `spillsim estimate sdm`: the spatial Durbin family on a balanced or unbalanced panel.
    struct SDM: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sdm",
            abstract: "Fit a spatial Durbin-family model (SDM, SAR, SLX, SEM, SDEM, SAC) with fixed effects by exact QML.",
            discussion: """
            The panel is a long CSV (one row per unit and period). W is a CSV either dense \
            (first column 'id', header row of ids) or an edge list (from,to,weight); ids are matched \
            to the panel's --id values. W is row-standardised unless --no-row-standardise. \
            A panel with missing city-years (rows absent, or an outcome/regressor cell empty or NA) \
            is fitted on the observed city-years by the direct approach: in each year only the \
            cities present interact, through W restricted to them (re-standardised unless \
            --year-weights restrict); see docs/unbalanced.md. \
            --model sac adds a spatial error process to the lag model (y = ρWy + Xβ + WXθ + u, \
            u = λMu + ε; --durbin none for the model without W-lags of X), with M = W or the \
            matrix of --error-weights; it needs the exact spectra (N ≤ \(SpatialWeights.exactSizeLimit)) and a balanced panel.
            """)

        @OptionGroup var panel: PanelColumns
        @Option(help: "Weight matrix CSV (dense with an 'id' column, or from,to,weight).") var weights: String
        @Option(parsing: .upToNextOption, help: "Regressors (comma- or space-separated).") var x: [String]
        @Option(help: "W-lagged regressors: 'all', 'none' or a comma-separated list (constructed terms are X^2, X:D).")
        var durbin: String = "all"
        @Option(help: "Fixed effects: individual, time, twoways or none (pooled with intercept).")
        var effects: FixedEffects = .twoWays
        @Option(name: .customLong("approach"),
                help: "Likelihood under fixed effects: direct or lee-yu (default \(SpatialApproach.standard.rawValue); with --dynamic the time effects are always removed by the Lee–Yu transformation; on a panel with gaps direct, the only exact form there).")
        var approachOption: SpatialApproach?
        /// The approach of a balanced fit.
        var approach: SpatialApproach { approachOption ?? .standard }
        @Option(help: "sdm, sar, slx, sem, sdem, ols or sac (lag + error process).") var model: SpatialModel = .sdm
        @Option(help: "SAC model: the error process's weight matrix M (same formats and row-standardisation as --weights; default M = W).")
        var errorWeights: String?
        @Option(help: "Regressor (in --x) also entered as its square X^2: curves, turning points and U-tests.")
        var quadratic: String?
        @Option(help: "Moderator D of the quadratic regressor: adds X:D (and D if not in --x).")
        var moderator: String?
        @Option(parsing: .unconditional, help: "Also simulate the effects with this many draws from N(θ̂, V̂) (0 = delta method only).")
        var draws: Int = 0
        @Option(parsing: .unconditional, help: "Seed of the simulation draws, with --draws (default 1).") var seed: UInt64?
        @Flag(help: "Use W as given instead of row-standardising it.") var noRowStandardise = false
        @Option(name: .customLong("logdet"),
                help: "log|I − ρW| (models with ρ or λ): exact (spectrum), sparse (sparse Cholesky), chebyshev, mc, or auto (default: exact up to \(SpatialWeights.exactSizeLimit) units, sparse above).")
        var logdetOption: LogDeterminantMethod?
        var logdet: LogDeterminantMethod { logdetOption ?? .auto }
        @Option(name: .customLong("year-weights"),
                help: "Unbalanced panels: W_t of a year = W restricted to the cities present, 'restandardise'd (rows sum to 1 again; default) or 'restrict'ed only.")
        var yearWeightsOption: YearWeights?
        var yearWeights: YearWeights { yearWeightsOption ?? .restandardise }
        @Option(help: "Unbalanced panels: CSV of merging cities (columns city,into,year; one row per part). The merged city is a new unit; W (of the geography before the merges) gives it the sum of its parts' weights. See docs/unbalanced.md.")
        var merges: String?
        @Flag(help: "Print JSON instead of tables.") var json = false
        @Option(name: [.customLong("variance"), .customLong("vce")],
                help: "Variance: analytic (inverse analytic information, default; alias oim), cluster (sandwich clustered by unit, as xsmle vce(cluster)) or conley (spatial-HAC sandwich: --cutoff, --coords, --kernel, --lag); cluster and conley for sdm, sar, slx, ols and sac. --vce is an alias of --variance.")
        var variance: SpatialVarianceMethod = .standard
        @Option(help: "With --variance cluster: cr1 (G/(G−1) sandwich, default), cr2 (Bell–McCaffrey (I − H_gg)^(-1/2) residuals) or cr3 ((I − H_gg)^(-1) residuals); intervals and tests use t with G − 1 df, except that with cr2 each coefficient's uses its Satterthwaite df (Bell–McCaffrey, as clubSandwich). With --variance conley: cr2/cr3 use the same leverage-adjusted residuals in the Conley meat (cr1 = none).")
        var clusterCorrection: ClusterCorrection?
        @Option(help: "Residual variance the fit reports and its analytic SEs are evaluated at: qml (e'e/n*, the likelihood's maximum, default, as xsmle and spatialreg) or dof (e'e/(NT − fixed effects − p): under lee-yu e'e/(n* − p)). Balanced panels, static models other than sac, analytic variance.")
        var sigma2: ResidualVariance?
        @Option(help: "--model sac: the information matrix the analytic variance inverts and the cluster/Conley sandwiches use as their bread: expected (default, as spatialreg sacsarlm method = \"eigen\") or observed (the analytic Hessian of the log-likelihood, as sacsarlm's fdHess and Stata's vce(oim)).")
        var information: InformationMatrix?
        @Option(help: "--model sac: the 95% interval of rho and lambda: wald (estimate ± t·SE, default) or profile (the profile-likelihood interval, {rho0 : 2[l(max) − max over lambda, beta, sigma2 of l(rho0, …)] ≤ χ²₁(0.95)}, which does not rely on the curvature at the estimate; with the analytic variance only). The other coefficients keep their Wald intervals.")
        var interval: SpatialParameterInterval?
        @OptionGroup var conley: ConleyOptions
        @OptionGroup var plot: PlotOptions
        @Flag(help: "Dynamic SDM: add y(t-1) and W*y(t-1), QML conditional on the first period (twoways effects, sdm only).")
        var dynamic = false
        @Option(help: "With --dynamic: ydl (Yu, de Jong & Lee 2008 bias correction, default) or none.")
        var biasCorrection: DynamicBiasCorrection?

        var regressors: [String] { splitList(x) }

        /// The balanced fit's specification.
        var spec: SpatialModelSpec {
            SpatialModelSpec(model: model, effects: effects, approach: approach, durbin: durbinVariables, residualVariance: sigma2 ?? .standard,
                             information: information ?? .standard, interval: interval ?? .standard)
        }

        var durbinVariables: DurbinVariables {
            switch durbin.lowercased() {
            case "all": .all
            case "none": .none
            default: .only(durbin.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            }
        }

        func validate() throws {
            if regressors.isEmpty { throw ValidationError("--x needs at least one regressor") }
            if moderator != nil && quadratic == nil { throw ValidationError("--moderator needs --quadratic") }
            // A list of W-lagged regressors on a model without them would be accepted and ignored.
            if !model.allowsDurbin, !["all", "none"].contains(durbin.lowercased()) {
                throw ValidationError("--durbin \(durbin): --model \(model.rawValue) has no W-lagged regressors; drop --durbin or use sdm, slx, sdem or sac")
            }
            if draws < 0 { throw ValidationError("--draws must be ≥ 0") }
            if effects == .none && approachOption != nil {
                throw ValidationError("--approach: with --effects none there are no fixed effects to transform away, so lee-yu and direct are the same likelihood; drop --approach")
            }
            if seed != nil && draws == 0 { throw ValidationError("--seed seeds the simulation draws: add --draws N or drop --seed") }
            if plot.plot != nil && quadratic == nil { throw ValidationError("--plot draws the effect curves: give --quadratic") }
            if let reason = variance.unsupportedReason(for: model) { throw ValidationError("--variance \(variance.rawValue): \(reason)") }
            try conley.validate(used: variance == .conley)
            if conley.smallSample != nil {
                throw ValidationError("--small-sample is the Conley small-sample factor of estimate twfe and psm-did; the SDM family's Conley variance has none: drop it")
            }
            if clusterCorrection != nil && variance != .cluster && variance != .conley {
                throw ValidationError("--cluster-correction applies to the clustered and Conley variances: add --variance cluster or conley")
            }
            if sigma2 == .dof {
                if variance != .analytic {
                    throw ValidationError("--sigma2 dof is a plug-in for the analytic information matrix; --variance \(variance.rawValue) carries its own small-sample correction: drop one of them")
                }
                if dynamic || model == .sac {
                    throw ValidationError("--sigma2 dof is implemented for the static models other than sac: drop it with \(dynamic ? "--dynamic" : "--model sac")")
                }
            }
            if biasCorrection != nil && !dynamic { throw ValidationError("--bias-correction applies to the dynamic SDM: add --dynamic") }
            if dynamic {
                if model != .sdm { throw ValidationError("--dynamic fits the dynamic spatial Durbin model: use --model sdm (the default)") }
                if effects != .twoWays { throw ValidationError("--dynamic has twoways effects only (time effects by the Lee–Yu transformation, individual by within): use --effects twoways (the default)") }
                if approachOption == .direct { throw ValidationError("--dynamic removes time effects by the Lee–Yu transformation (the case its bias correction is derived for): drop --approach direct") }
                if variance != .analytic { throw ValidationError("--variance \(variance.rawValue) (--vce) is not implemented for --dynamic: use the analytic variance (the default)") }
                if draws > 0 { throw ValidationError("--draws (simulated effects) is not implemented for --dynamic: drop it; effects carry delta-method SEs") }
                if plot.plot != nil { throw ValidationError("--plot is not implemented for --dynamic: drop it; --json gives the short- and long-run curves") }
                if logdet != .auto && logdet != .exact { throw ValidationError("--dynamic needs the eigenvalues of W: use --logdet exact or auto") }
            }
            if information == .observed && model != .sac {
                throw ValidationError("--information observed is implemented for --model sac: drop it (the expected information is the default)")
            }
            if interval == .profile {
                if model != .sac {
                    throw ValidationError("--interval profile is implemented for --model sac (the profile likelihood of rho and lambda): drop it (wald is the default)")
                }
                if variance != .analytic {
                    throw ValidationError("--interval profile is the likelihood's own interval (independent errors), so it does not go with --variance \(variance.rawValue): drop one of them")
                }
            }
            // ols and slx have no ρ or λ, so no log-determinant: the method would be accepted and ignored.
            // Optional rather than defaulted (above) so that an explicit `--logdet auto` is refused too.
            if logdetOption != nil && !model.hasLogDeterminant {
                throw ValidationError("--logdet chooses how log|I − ρW| is computed, and --model \(model.rawValue) has no spatial parameter ρ or λ (\(model == .slx ? "its W-lags of X enter as regressors, fitted by least squares" : "least squares")), so it has no log-determinant: drop --logdet")
            }
            if errorWeights != nil && model != .sac {
                throw ValidationError("--error-weights is the error matrix M of the SAC model: add --model sac, or drop it (sem and sdem put their error process on --weights)")
            }
            if model == .sac {
                if dynamic { throw ValidationError("--dynamic fits the dynamic SDM; --model sac has no dynamic form: drop one of them") }
                if logdet != .auto && logdet != .exact { throw ValidationError("--model sac needs the eigenvalues of W and M: use --logdet exact or auto") }
            }
            if dynamic && variance == .conley { throw ValidationError("--variance conley is not implemented for --dynamic") }
            try checkColumnRoles(outcome: ("--y", panel.y), regressors: regressors + [moderator].compactMap { $0 }.filter { !regressors.contains($0) },
                                 regressorOption: "--x", keys: panel.keys)
        }

        func run() throws {
            let loaded = try UnbalancedDataLoader.load(
                data: URL(fileURLWithPath: panel.data), weights: URL(fileURLWithPath: weights), id: panel.id, time: panel.time,
                y: panel.y, x: regressors, quadratic: quadratic, moderator: moderator, rowStandardise: !noRowStandardise,
                restandardise: yearWeights == .restandardise, logDeterminant: logdet,
                merges: try merges.map { try CityMerges.read(csv: URL(fileURLWithPath: $0)) })
            if case .unbalanced(let dataset) = loaded {
                try runUnbalanced(dataset)
                return
            }
            if yearWeightsOption != nil {
                throw CommandLineError(description: "\(panel.data) is balanced (every unit in every period), so W is the same in every year and --year-weights (the weights of a year with missing cities) has no effect: drop it")
            }
            let dataset = try SpatialDataLoader.load(
                data: URL(fileURLWithPath: panel.data), weights: URL(fileURLWithPath: weights), id: panel.id, time: panel.time, y: panel.y,
                x: regressors, quadratic: quadratic, moderator: moderator, rowStandardise: !noRowStandardise,
                logDeterminant: logdet)
            if dynamic {
                let analysis = try DynamicSpatialAnalysis.run(dataset: dataset, durbin: durbinVariables,
                                                              biasCorrection: biasCorrection ?? .ydl)
                print(json ? try JSONOutput.text(DynamicSpatialAnalysisJSON(analysis)) : DynamicSDMReport.text(analysis))
                return
            }
            var conleySpec: ConleySpec? = nil
            if variance == .conley {
                let table = try DataTable.read(csv: URL(fileURLWithPath: panel.data))
                let index = Dictionary(uniqueKeysWithValues: dataset.units.enumerated().map { ($1, $0) })
                let ids = try table.strings(panel.id)
                conleySpec = try conley.spec(table: table, units: dataset.units.count) { index[ids[$0]] }
            }
            let errorMatrix = try errorWeights.map { try loadErrorWeights($0, units: dataset.units) }
            let analysis = try SpatialAnalysis.run(spec, dataset: dataset, draws: draws, seed: seed ?? 1, variance: variance,
                                                   clusterCorrection: clusterCorrection ?? .standard, conley: conleySpec,
                                                   errorWeights: errorMatrix)
            if let nonlinear = analysis.nonlinear, let quadratic {
                try plot.draw { EstimateFigures.effectCurves(nonlinear, regressor: quadratic, name: $0, text: $1) }
            }
            print(json ? try JSONOutput.text(SpatialAnalysisJSON(analysis)) : SDMReport.text(analysis))
        }
    }
}

extension Spillsim.Estimate.SDM {
    func runUnbalanced(_ dataset: UnbalancedDataset) throws {
        // Options the unbalanced estimator does not implement are refused, not ignored. Found only
        // once the data are read, so each names the file (a run-time error: no usage text).
        func refuse(_ text: String) -> CommandLineError {
            CommandLineError(description: "\(panel.data) has missing unit-periods (rows absent or cells empty), so the unbalanced estimator runs (docs/unbalanced.md): \(text)")
        }
        if dynamic {
            throw refuse("--dynamic needs a balanced panel (the dynamic SDM conditions on every city's previous period); fill or drop the missing unit-periods first, or drop --dynamic")
        }
        if approachOption == .leeYu {
            throw refuse("--approach lee-yu has no exact form on an unbalanced panel (W_t changes across years); use --approach direct (the default on gaps; σ² is also reported corrected for the fixed effects, with a bias-corrected fit)")
        }
        if variance != .analytic {
            throw refuse("--variance \(variance.rawValue) is not implemented for it (its variance is the analytic one); drop --variance/--vce, or fill or drop the missing unit-periods to use the balanced estimator's \(variance.rawValue) variance")
        }
        if sigma2 == .dof {
            throw refuse("--sigma2 dof is implemented for balanced panels; on a panel with gaps the fit reports σ² corrected for the fixed effects beside the QML one (and a bias-corrected fit): drop --sigma2")
        }
        if model.hasErrorLag {
            throw refuse("--model \(model.rawValue) is not implemented for unbalanced panels; use sdm, sar, slx or ols, or fill or drop the missing unit-periods")
        }
        let spec = SpatialModelSpec(model: model, effects: effects, approach: .direct, durbin: durbinVariables)
        let result = try UnbalancedAnalysis.run(spec, dataset: dataset, draws: draws, seed: seed ?? 1)
        if let nonlinear = result.analysis.nonlinear, let quadratic {
            try plot.draw { EstimateFigures.effectCurves(nonlinear, regressor: quadratic, name: $0, text: $1) }
        }
        print(json ? try JSONOutput.text(UnbalancedAnalysisJSON(result)) : SDMReport.text(result))
    }
}

/// `--cluster-correction` of `estimate sdm`: the scenario spellings of `cluster_correction`.
extension ClusterCorrection: ExpressibleByArgument {
    public init?(argument: String) { self.init(spelling: argument) }
    public static var allValueStrings: [String] { spellings }
}

/// `--sigma2` of `estimate sdm`: the scenario spellings of `sigma2`.
extension ResidualVariance: ExpressibleByArgument {
    public init?(argument: String) { self.init(spelling: argument) }
    public static var allValueStrings: [String] { spellings }
}

/// `--information` of `estimate sdm --model sac`: the scenario spellings of `information`.
extension InformationMatrix: ExpressibleByArgument {
    public init?(argument: String) { self.init(spelling: argument) }
    public static var allValueStrings: [String] { spellings }
}

/// `--interval` of `estimate sdm --model sac`: the scenario spellings of `interval`.
extension SpatialParameterInterval: ExpressibleByArgument {
    public init?(argument: String) { self.init(spelling: argument) }
    public static var allValueStrings: [String] { spellings }
}

/// `--year-weights` of `estimate sdm` on an unbalanced panel.
enum YearWeights: String, ExpressibleByArgument, CaseIterable {
    case restandardise, restrict
}

/// `--variance` (alias `--vce`) of `estimate sdm`: the scenario spellings, `oim` accepted as in Stata's xsmle.
extension SpatialVarianceMethod: ExpressibleByArgument {
    public init?(argument: String) { self.init(spelling: argument) }
    public static var allValueStrings: [String] { spellings }
}

extension Spillsim.Estimate.SDM {
    /// The SAC model's error matrix M from `--error-weights`, matched to the panel's units and
    /// row-standardised as W is.
    func loadErrorWeights(_ path: String, units: [String]) throws -> SpatialWeights {
        try SpatialDataLoader.weights(URL(fileURLWithPath: path), units: units, rowStandardise: !noRowStandardise,
                                      logDeterminant: logdet)
    }
}
