import ArgumentParser
import Estimators
import Foundation
import Numerics

extension Spillsim.Estimate {
    /// Callaway & Sant'Anna group-time ATTs and aggregations.
    struct CSDiD: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cs-did",
            abstract: "Callaway & Sant'Anna ATT(g,t) for staggered adoption, with simple/group/event aggregations (analytic IF SEs).")

        @OptionGroup var panel: PanelColumns
        @Option(help: "Cohort column: first treated period, 0/NA = never treated.") var cohort: String
        @Option(help: "Control group: never or notyet.") var control: CSDiDSpec.Control = .never
        @Option(help: "Estimator: reg, ipw or dr.") var method: DiDMethod = .dr
        @Option(help: "Base period: varying (did's default) or universal.") var basePeriod: CSDiDSpec.BasePeriod = .varying
        @Option(parsing: .upToNextOption, help: "Covariates (taken at each cell's base period).") var covariates: [String] = []
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            try checkColumnRoles(outcome: ("--y", panel.y), regressors: splitList(covariates), regressorOption: "--covariates",
                                 keys: panel.keys + [("--cohort", cohort)])
        }

        func run() throws {
            let (table, report) = try DataTable.read(csv: URL(fileURLWithPath: panel.data))
                .balancedPanel(id: panel.id, time: panel.time, columns: [panel.y] + splitList(covariates))
            if !report.isEmpty { printNote(report) }
            let data = try TreatmentPanel.from(table: table, id: panel.id, time: panel.time, outcome: panel.y,
                                               covariates: splitList(covariates), adoption: .cohort(cohort))
            let spec = CSDiDSpec(control: control, method: method, basePeriod: basePeriod)
            let r: CSDiDResult
            do { r = try CallawaySantAnna.estimate(panel: data, spec: spec) } catch let e as TreatmentError {
                guard let c = e.smallCohort else { throw e }
                let g = PanelIndex.format(c.adoption)
                throw CommandLineError(description: "\(panel.data): --cohort \(cohort): only 1 unit (\(panel.id) \(c.units.joined(separator: ", "))) has \(cohort) = \(g), so Callaway–Sant'Anna cannot estimate the variance of its group-time ATTs (first cell g = \(g), t = \(PanelIndex.format(c.time)): its influence function is identically 0 and the standard error would count the \(c.controls) controls only); give every cohort at least 2 units: drop the rows of \(panel.id) \(c.units.joined(separator: ", ")) from the data (do not recode it as never treated: it would enter the controls), or, if it adopted with a neighbouring cohort, set its \(cohort) to that cohort's period")
            }
            if json {
                print(try JSONOutput.text(CSDiDReportJSON(r, spec: spec)))
            } else {
                print(TreatmentReport.rcol("group", 8) + TreatmentReport.rcol("time", 9) + TreatmentReport.rcol("ATT", 13) + TreatmentReport.rcol("se", 13))
                for c in r.cells { print(String(format: "%8g %8g %12.6f %12.6f", c.group, c.time, c.att, c.standardError)) }
                print(String(format: "\nsimple ATT %.6f (%.6f)", r.simple.att, r.simple.standardError))
                for e in r.event { print(String(format: "event %+4g  %10.6f (%.6f)", e.label, e.att, e.standardError)) }
                for g in r.group { print(String(format: "group %6g  %10.6f (%.6f)", g.label, g.att, g.standardError)) }
            }
        }
    }
}
