import ArgumentParser
import Estimators
import Foundation
import Numerics
import Reports

extension Spillsim.Estimate {
    /// Panel OLS with fixed effects, weights and CR1 clustering (fixest convention).
    struct TWFE: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "twfe",
            abstract: "Panel OLS with unit/time/two-way fixed effects; CR1 SEs (fixest small-sample convention), optional wild cluster bootstrap.",
            discussion: "With --event-study: TWFE of --y on event-time dummies (period before adoption omitted; CR1 by unit), "
                + "adoption from --treat with --post-year, or --cohort; --plot FILE draws it with its pointwise 95% band. "
                + "On a panel with gaps it fits every observed unit-period, as fixest's feols(y ~ i(rel, treat, ref = -1) | unit + period); "
                + "--balance first drops every unit not observed in all periods, as R did's att_gt(panel = TRUE).")

        @OptionGroup var panel: PanelColumns
        @Option(parsing: .upToNextOption, help: "Regressor columns (comma- or space-separated).") var x: [String] = []
        @Option(name: .customLong("effects"), help: "Fixed effects: twoways (alias twoway; default), individual (alias unit), time or none; the event study has two-way effects.")
        var effectsOption: FixedEffects?
        var effects: FixedEffects { effectsOption ?? .twoWays }
        @Option(help: "Cluster column (CR1); without it, iid SEs.") var cluster: String?
        @Option(help: "Variance: iid, cluster (CR1 by --cluster) or conley (spatial HAC: --cutoff, --coords, --kernel, --lag); default cluster with --cluster, else iid.")
        var vce: TWFEVariance?
        @OptionGroup var conley: ConleyOptions
        @Option(help: "With --cluster: cr1 (default) or cr2 (Bell–McCaffrey residuals with each coefficient's Satterthwaite degrees of freedom, as R clubSandwich's vcovCR(type = \"CR2\") + coef_test(test = \"Satterthwaite\"); unweighted fits).", transform: treatmentClusterCorrection(command: "twfe"))
        var clusterCorrection: ClusterCorrection?
        @Option(help: "Regression weight column.") var weights: String?
        @OptionGroup var bootstrap: WildBootstrapOptions
        @Option(parsing: .unconditional, help: "Wild bootstrap seed, with --wild-bootstrap (default 1).") var seed: UInt64?
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Event study instead of the regression on --x (needs --treat and --post-year, or --cohort).") var eventStudy = false
        @Option(help: "Event study: 0/1 ever-treated column (with --post-year).") var treat: String?
        @Option(parsing: .unconditional, help: "Event study: first treated period of the treated units.") var postYear: Double?
        @Option(help: "Event study: each unit's first treated period (0/NA = never).") var cohort: String?
        @Option(parsing: .unconditional, help: "Event study: leads (earlier event times are binned), with --lags.") var leads: Int?
        @Option(parsing: .unconditional, help: "Event study: lags (later event times are binned), with --leads.") var lags: Int?
        @Flag(help: "Event study: drop every unit not observed in all periods first (R did's panel = TRUE) instead of fitting every observed unit-period (fixest).")
        var balance = false
        @OptionGroup var plot: PlotOptions

        func validate() throws {
            if seed != nil && bootstrap.wildBootstrap == 0 { throw ValidationError("--seed seeds the wild bootstrap: add --wild-bootstrap B or drop --seed") }
            if let leads, leads < 0 { throw ValidationError("--leads must be at least 0 (got \(leads))") }
            if let lags, lags < 0 { throw ValidationError("--lags must be at least 0 (got \(lags))") }
            switch vce {
            case .iid?: if cluster != nil { throw ValidationError("--vce iid contradicts --cluster; drop one") }
            case .cluster?: if cluster == nil { throw ValidationError("--vce cluster needs --cluster COL") }
            case .conley?:
                if cluster != nil { throw ValidationError("--vce conley replaces --cluster; drop --cluster") }
                if bootstrap.wildBootstrap > 0 { throw ValidationError("--wild-bootstrap resamples clusters; it is not available with --vce conley") }
            case nil: break
            }
            try conley.validate(used: vce == .conley)
            if let c = clusterCorrection {
                if cluster == nil || vce == .conley || vce == .iid { throw ValidationError("--cluster-correction applies to the cluster variance: add --cluster COL") }
                if c == .cr2 && weights != nil { throw ValidationError("--cluster-correction cr2 is implemented for unweighted fits; drop --weights or the correction") }
                if c == .cr2 && bootstrap.wildBootstrap > 0 { throw ValidationError("--wild-bootstrap studentises with CR1; drop it or --cluster-correction cr2") }
                if c == .cr2 && eventStudy { throw ValidationError("the event study uses CR1 by unit, or --vce conley; drop --cluster-correction") }
            }
            if eventStudy {
                if vce == .iid || vce == .cluster { throw ValidationError("the event study uses CR1 by unit, or --vce conley; drop --vce \(vce!.rawValue)") }
                if (postYear == nil) == (cohort == nil) { throw ValidationError("--event-study needs exactly one of --post-year (with --treat) or --cohort") }
                if postYear != nil && treat == nil { throw ValidationError("--post-year needs --treat COL") }
                if (leads == nil) != (lags == nil) { throw ValidationError("give both --leads and --lags, or neither") }
                if !splitList(x).isEmpty { throw ValidationError("--event-study regresses on event-time dummies only; drop --x") }
                if bootstrap.wildBootstrap > 0 { throw ValidationError("--wild-bootstrap is not available with --event-study") }
                // The regression's own options would be accepted and ignored by the event study.
                if cluster != nil { throw ValidationError("--cluster: the event study's variance is CR1 by unit (--id), or --vce conley; drop --cluster") }
                if clusterCorrection != nil { throw ValidationError("--cluster-correction: the event study's variance is CR1 by unit, or --vce conley; drop --cluster-correction") }
                if weights != nil { throw ValidationError("--weights: the event study is unweighted; drop --weights") }
                if let e = effectsOption, e != .twoWays {
                    throw ValidationError("--effects \(e.rawValue): the event study has unit and period effects (two-way); drop --effects")
                }
                try checkColumnRoles(outcome: ("--y", panel.y), regressors: [], regressorOption: "--x",
                                     keys: panel.keys + [treat.map { ("--treat", $0) }, cohort.map { ("--cohort", $0) }].compactMap { $0 })
                return
            }
            if plot.plot != nil { throw ValidationError("--plot draws the event study: add --event-study") }
            // The event study's own options would be accepted and ignored by the regression on --x.
            let eventOptions = [("--treat", treat != nil), ("--post-year", postYear != nil), ("--cohort", cohort != nil),
                                ("--leads", leads != nil), ("--lags", lags != nil), ("--balance", balance)]
            if let stray = eventOptions.first(where: { $0.1 }) { throw ValidationError("\(stray.0) belongs to the event study: add --event-study or drop it") }
            if bootstrap.wildBootstrap > 0 && cluster == nil { throw ValidationError("--wild-bootstrap needs --cluster") }
            if bootstrap.byUnit, let cluster, cluster == panel.id {
                throw ValidationError("--bootstrap-cluster unit draws one multiplier per unit, which --cluster \(cluster) (the --id column) already does: cluster by a coarser column (e.g. region) or drop --bootstrap-cluster")
            }
            if splitList(x).isEmpty { throw ValidationError("--x needs at least one column") }
            try checkColumnRoles(outcome: ("--y", panel.y), regressors: splitList(x), regressorOption: "--x", keys: panel.keys)
        }

        func run() throws {
            let raw = try DataTable.read(csv: URL(fileURLWithPath: panel.data))
            if eventStudy { return try runEventStudy(raw) }
            // fixest's convention: observations with a missing value in a model column are removed
            // (and counted); absent unit-periods need nothing — the panel may be unbalanced.
            let (table, removed) = try raw.completeRows([panel.id, panel.time, panel.y] + splitList(x)
                                                        + [weights, cluster].compactMap { $0 })
            if removed > 0 { printNote(MissingRowsReport(rowsWithMissingValues: removed, unitsDropped: 0, rowsOfDroppedUnits: 0)) }
            let d = try PanelRegressionData.from(table: table, id: panel.id, time: panel.time, outcome: panel.y, regressors: splitList(x),
                                                 weights: weights, cluster: cluster)
            var variance: PanelVariance = d.cluster.map { clusterCorrection == .cr2 ? .clusterCR2($0) : .cluster($0) } ?? .iid
            var spec: ConleySpec? = nil
            if vce == .conley {
                let s = try conley.spec(table: table, units: (d.unit.max() ?? -1) + 1) { d.unit[$0] }
                spec = s
                variance = .conley(s, location: d.unit, period: ConleyOptions.periodRanks(try table.numbers(panel.time)))
            }
            let fit = try PanelOLS.fit(y: d.y, x: d.x, names: d.names, unit: d.unit, time: d.time, effects: effects, weights: d.weights,
                                       variance: variance)
            var boot: WildBootstrapResult? = nil
            if bootstrap.wildBootstrap > 0, let cl = d.cluster {
                boot = try WildClusterBootstrap.test(y: d.y, x: d.x, names: d.names, coefficient: 0, unit: d.unit, time: d.time,
                                                     effects: effects, weights: d.weights, cluster: cl, replications: bootstrap.wildBootstrap,
                                                     multipliers: bootstrap.multipliers, stream: StreamID(seed: seed ?? 1, purpose: .wildBootstrap),
                                                     bootstrapCluster: bootstrap.byUnit ? d.unit : nil)
            }
            if json {
                print(try JSONOutput.text(TWFEReportJSON(fit, effects: effects, clustered: cluster != nil, bootstrap: boot, conley: spec,
                                                        correction: clusterCorrection ?? .cr1, multipliersByUnit: bootstrap.byUnit)))
            } else {
                print(TreatmentReport.coefficientsText(fit))
                let vcov = spec.map { "\($0.label), \(ConleyJSON($0).pairs) pairs within the cutoff" }
                    ?? cluster.map { "\((clusterCorrection ?? .cr1).rawValue.uppercased()) by \($0), G = \(fit.clusters!)" } ?? "iid"
                let dfText = clusterCorrection == .cr2
                    ? "Satterthwaite t df " + zip(fit.names, fit.coefficientDegreesOfFreedom).map { "\($0) " + String(format: "%.3f", $1) }.joined(separator: ", ")
                    : "t df = \(fit.tDegreesOfFreedom)"
                print("n = \(fit.observations), \(vcov), \(dfText)")
                if let b = boot {
                    print("wild cluster bootstrap (\(b.weights.rawValue), B = \(b.replications)\(bootstrap.byUnit ? ", multipliers per unit: subcluster" : "")) p for \(b.coefficient): \(b.pValue)"
                          + String(format: ", 95%% CI (test inversion) [%.6f, %.6f]", b.interval.lower, b.interval.upper))
                }
            }
        }
    
        func runEventStudy(_ raw: DataTable) throws {
            let adoption: AdoptionSource = cohort.map { .cohort($0) } ?? .postYear(treat: treat!, year: postYear!)
            let columns = [panel.y] + [treat].compactMap { $0 }
            let table: DataTable, data: TreatmentPanel, observed: [Bool]?
            if balance {
                // R did's convention (att_gt with panel = TRUE): only the units observed in every period.
                let (balanced, report) = try raw.balancedPanel(id: panel.id, time: panel.time, columns: columns)
                if !report.isEmpty { printNote(report) }
                table = balanced
                data = try TreatmentPanel.from(table: table, id: panel.id, time: panel.time, outcome: panel.y, covariates: [], adoption: adoption)
                observed = nil
            } else {
                // fixest's convention, and the Monte Carlo model `event_study`'s: rows with a missing
                // model value are removed, every observed unit-period is fitted, the panel stays unbalanced.
                let (complete, removed) = try raw.completeRows([panel.id, panel.time] + columns)
                if removed > 0 { printNote(MissingRowsReport(rowsWithMissingValues: removed, unitsDropped: 0, rowsOfDroppedUnits: 0)) }
                (data, observed) = try TreatmentPanel.fromObserved(table: complete, id: panel.id, time: panel.time, outcome: panel.y,
                                                                   adoption: adoption)
                table = complete
                if let observed {
                    let absent = observed.filter { !$0 }.count
                    FileHandle.standardError.write(Data(("NOTE: the panel is unbalanced (\(absent) of \(observed.count) unit-periods absent): "
                        + "the event study fits every observed unit-period, \(complete.rowCount) rows of \(data.unitCount) units, as fixest does; "
                        + "--balance drops the incomplete units as R did does\n").utf8))
                }
            }
            try checkEventWindow(data, leads: leads, lags: lags, observed: observed)
            let spec = vce == .conley ? try conleySpec(table, data) : nil
            let es = try EventStudy.estimate(panel: data, leads: leads, lags: lags, conley: spec, observed: observed)
            try plot.draw { EstimateFigures.eventStudy(es, name: $0, text: $1) }
            if json { return print(try JSONOutput.text(EventStudyJSON(es))) }
            for k in es.eventTimes.indices {
                print(String(format: "event %+3d  %10.5f (%.5f)  [%.5f, %.5f]", es.eventTimes[k], es.estimates[k], es.standardErrors[k],
                             es.ciLower[k], es.ciUpper[k]))
            }
            print(es.preTrendUnavailable
                  ?? String(format: "pre-trend F(%d, %.0f) = %.4f, p = %.4f", es.preTrendDF.0, es.preTrendDF.1, es.preTrendF, es.preTrendP))
            print("n = \(es.fit.observations) rows of \(es.units) units; \(spec?.label ?? "CR1 by \(panel.id)"); periods before −\(leads.map(String.init) ?? "∞") and after \(lags.map(String.init) ?? "∞") binned")
        }

        /// The Conley settings with the panel's units in `TreatmentPanel` order.
        func conleySpec(_ table: DataTable, _ data: TreatmentPanel) throws -> ConleySpec {
            try conley.spec(table: table, data: data, idColumn: panel.id)
        }
    }
}

/// `estimate twfe --vce`.
enum TWFEVariance: String, ExpressibleByArgument, CaseIterable { case iid, cluster, conley }
