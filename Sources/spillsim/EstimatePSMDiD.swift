import ArgumentParser
import Estimators
import Foundation
import Numerics
import Reports

extension Spillsim.Estimate {
    /// PSM followed by TWFE DID with CR1 by unit, balance and an optional event study.
    struct PSMDiD: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "psm-did",
            abstract: "Propensity-score matching then two-way fixed-effects DID (CR1 by unit) on a balanced panel.")

        @OptionGroup var panel: PanelColumns
        @Option(help: "0/1 ever-treated column (with --post-year).") var treat: String?
        @Option(parsing: .unconditional, help: "First treated period for the treated units (common timing).") var postYear: Double?
        @Option(help: "Cohort column: each unit's first treated period, 0/NA = never (staggered).") var cohort: String?
        @Option(parsing: .upToNextOption, help: "Covariate columns for the propensity score (pre-treatment means when pooled).")
        var covariates: [String] = []
        @Option(name: .customLong("matching"), help: "Matching: pooled (pre-treatment covariate means; default) or by-period.")
        var matchingOption: PSMDiDSpec.MatchingMode?
        /// The matching mode (pooled unless --matching by-period); optional above so that --matching
        /// pooled with --no-matching is refused too.
        var matching: PSMDiDSpec.MatchingMode { matchingOption ?? .pooled }
        @Flag(help: "Skip matching: plain TWFE DID on the whole panel.") var noMatching = false
        @Flag(help: "By-period matching on each period's own covariates (default: post periods reuse the last pre-treatment covariates).")
        var contemporaneousCovariates = false
        @OptionGroup var match: MatchingOptions
        @Option(parsing: .unconditional, help: "Event-study leads (with --lags).") var leads: Int?
        @Option(parsing: .unconditional, help: "Event-study lags (with --leads).") var lags: Int?
        @OptionGroup var bootstrap: WildBootstrapOptions
        @Option(parsing: .unconditional, help: "Wild bootstrap seed, with --wild-bootstrap (default 1).") var bootstrapSeed: UInt64?
        @Option(help: "Variance of the ATT and event study: cr1 (clustered by unit, default) or conley (spatial HAC: --cutoff, --coords, --kernel, --lag).")
        var vce: PSMDiDVariance = .cr1
        @OptionGroup var conley: ConleyOptions
        @Option(help: "With --vce cr1: the cluster correction of the ATT's variance, cr1 (default) or cr2 (Bell–McCaffrey residuals with Satterthwaite degrees of freedom, as R clubSandwich; unweighted fits, so with --no-matching or weights of 1).", transform: treatmentClusterCorrection(command: "psm-did"))
        var clusterCorrection: ClusterCorrection?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var plot: PlotOptions

        func validate() throws {
            if bootstrapSeed != nil && bootstrap.wildBootstrap == 0 {
                throw ValidationError("--bootstrap-seed seeds the wild bootstrap: add --wild-bootstrap B or drop --bootstrap-seed")
            }
            if bootstrap.byUnit {
                throw ValidationError("--bootstrap-cluster unit: estimate psm-did clusters by unit, so one multiplier per unit is its wild cluster bootstrap already; the subcluster bootstrap needs coarser clusters (estimate twfe --cluster REGION --bootstrap-cluster unit, or a scenario's psm_did with cluster: region and bootstrap_cluster: unit)")
            }
            if let leads, leads < 0 { throw ValidationError("--leads must be at least 0 (got \(leads))") }
            if let lags, lags < 0 { throw ValidationError("--lags must be at least 0 (got \(lags))") }
            try conley.validate(used: vce == .conley)
            if let c = clusterCorrection {
                if vce == .conley { throw ValidationError("--cluster-correction applies to the cluster variance; drop it or --vce conley") }
                if c == .cr2 && leads != nil { throw ValidationError("--cluster-correction cr2 applies to the ATT; the event study's variance is CR1 by unit: drop --leads/--lags or the correction") }
                if c == .cr2 && bootstrap.wildBootstrap > 0 { throw ValidationError("--wild-bootstrap studentises with CR1; drop it or --cluster-correction cr2") }
            }
            if (postYear == nil) == (cohort == nil) { throw ValidationError("give exactly one of --post-year (with --treat) or --cohort") }
            if postYear != nil && treat == nil { throw ValidationError("--post-year needs --treat COL") }
            if (leads == nil) != (lags == nil) { throw ValidationError("give both --leads and --lags for an event study") }
            if plot.plot != nil && leads == nil { throw ValidationError("--plot draws the event study: give --leads and --lags") }
            if !noMatching && splitList(covariates).isEmpty { throw ValidationError("--covariates is required unless --no-matching") }
            // Flags that another flag makes meaningless are refused rather than ignored.
            if treat != nil && cohort != nil { throw ValidationError("--treat goes with --post-year; with --cohort the cohort column says who is treated: remove --treat") }
            if noMatching && !splitList(covariates).isEmpty {
                throw ValidationError("--covariates feed the propensity score; with --no-matching the DID has no covariates: remove one of them")
            }
            if noMatching, let mode = matchingOption { throw ValidationError("--matching \(mode.rawValue) with --no-matching: remove one of them") }
            let matchingFlags = match.given
            if noMatching, !matchingFlags.isEmpty {
                throw ValidationError("\(matchingFlags.joined(separator: ", ")) \(matchingFlags.count == 1 ? "sets" : "set") how the units are matched, and --no-matching fits the DID on the whole panel without matching: drop --no-matching or \(matchingFlags.count == 1 ? "it" : "them")")
            }
            if contemporaneousCovariates && (noMatching || matching != .byPeriod) {
                throw ValidationError("--contemporaneous-covariates applies to --matching by-period")
            }
            try checkColumnRoles(outcome: ("--y", panel.y), regressors: splitList(covariates), regressorOption: "--covariates",
                                 keys: panel.keys + [treat.map { ("--treat", $0) }, cohort.map { ("--cohort", $0) }].compactMap { $0 })
        }

        func run() throws {
            let (table, report) = try DataTable.read(csv: URL(fileURLWithPath: panel.data))
                .balancedPanel(id: panel.id, time: panel.time, columns: [panel.y] + splitList(covariates) + [treat].compactMap { $0 })
            if !report.isEmpty { printNote(report) }
            let adoption: AdoptionSource = cohort.map { .cohort($0) } ?? .postYear(treat: treat!, year: postYear!)
            let data = try TreatmentPanel.from(table: table, id: panel.id, time: panel.time, outcome: panel.y,
                                               covariates: splitList(covariates), adoption: adoption)
            var spec = PSMDiDSpec(matching: noMatching ? nil : try match.spec(), mode: matching)
            spec.preTreatmentCovariatesOnly = !contemporaneousCovariates
            if let leads, let lags {
                try checkEventWindow(data, leads: leads, lags: lags)
                spec.eventWindow = (leads, lags)
            }
            if vce == .conley { spec.conley = try conley.spec(table: table, data: data, idColumn: panel.id) }
            spec.clusterCorrection = clusterCorrection ?? .cr1
            if bootstrap.wildBootstrap > 0 {
                spec.wildBootstrap = WildBootstrapSpec(replications: bootstrap.wildBootstrap, weights: bootstrap.multipliers,
                                                       stream: StreamID(seed: bootstrapSeed ?? 1, purpose: .wildBootstrap))
            }
            let r = try Estimators.PSMDiD.estimate(panel: data, spec: spec)
            if let es = r.eventStudy { try plot.draw { EstimateFigures.eventStudy(es, name: $0, text: $1) } }
            if json {
                print(try JSONOutput.text(PSMDiDReportJSON(r, spec: spec)))
            } else {
                print(String(format: "ATT %.6f  SE %.6f  95%% CI [%.6f, %.6f]  p %.4f  (", r.att, r.standardError, r.ciLower, r.ciUpper, r.pValue)
                      + (spec.conley?.label ?? (spec.clusterCorrection == .cr2 ? "CR2 by unit" : "CR1 by unit"))
                      + (spec.clusterCorrection == .cr2 ? String(format: ", Satterthwaite t df %.2f)", r.degreesOfFreedom)
                                                        : String(format: ", t df %.0f)", r.degreesOfFreedom)))
                print("matched treated \(r.matchedTreated), matched control \(r.matchedControl), observations \(r.observations)\n")
                if let c = r.counts { print(TreatmentReport.countsText(c)) }
                if !r.balance.isEmpty { print(TreatmentReport.balanceText(r.balance)) }
                if let es = r.eventStudy {
                    for k in es.eventTimes.indices {
                        print(String(format: "event %+3d  %10.5f (%.5f)", es.eventTimes[k], es.estimates[k], es.standardErrors[k]))
                    }
                    if let why = es.preTrendUnavailable {
                        print(why)
                    } else {
                        print(String(format: "pre-trend F(%d, %.0f) = %.4f, p = %.4f", es.preTrendDF.0, es.preTrendDF.1, es.preTrendF, es.preTrendP))
                    }
                }
                if let p = r.bootstrapPValue {
                    print("wild cluster bootstrap p (\(bootstrap.multipliers.rawValue), B = \(bootstrap.wildBootstrap)): \(p)")
                    if let ci = r.bootstrapInterval {
                        print(String(format: "wild cluster bootstrap %.0f%% CI (test inversion): [%.6f, %.6f]", 100 * spec.level, ci.lower, ci.upper))
                    }
                }
                for w in r.warnings { print("warning: \(w)") }
            }
        }
    }
}

/// `estimate psm-did --vce`.
enum PSMDiDVariance: String, ExpressibleByArgument, CaseIterable { case cr1, conley }
