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

        @Option(help: "CSV file in long format (balanced panel).") var data: String
        @Option(help: "Unit id column.") var id: String
        @Option(help: "Time column.") var time: String
        @Option(help: "Outcome column.") var y: String
        @Option(help: "Cohort column: first treated period, 0/NA = never treated.") var cohort: String
        @Option(help: "Control group: never or notyet.") var control: CSDiDSpec.Control = .never
        @Option(help: "Estimator: reg, ipw or dr.") var method: DiDMethod = .dr
        @Option(help: "Base period: varying (did's default) or universal.") var basePeriod: CSDiDSpec.BasePeriod = .varying
        @Option(parsing: .upToNextOption, help: "Covariates (taken at each cell's base period).") var covariates: [String] = []
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            try checkColumnRoles(outcome: ("--y", y), regressors: splitList(covariates), regressorOption: "--covariates",
                                 keys: [("--id", id), ("--time", time), ("--cohort", cohort)])
        }

        func run() throws {
            let table = try DataTable.read(csv: URL(fileURLWithPath: data))
            let panel = try TreatmentPanel.from(table: table, id: id, time: time, outcome: y, covariates: splitList(covariates),
                                                adoption: .cohort(cohort))
            let r = try CallawaySantAnna.estimate(panel: panel, spec: CSDiDSpec(control: control, method: method, basePeriod: basePeriod))
            if json {
                let out: [String: Any] = [
                    "command": "cs-did", "control": control.rawValue, "method": method.rawValue, "base_period": basePeriod.rawValue,
                    "cells": r.cells.map { c in ["group": c.group, "time": c.time, "att": c.att, "se": c.standardError,
                                                 "n_treated": c.treatedUnits, "n_control": c.controlUnits] as [String: Any] },
                    "simple": TreatmentReport.aggregateJSON(r.simple, key: nil),
                    "group": r.group.map { TreatmentReport.aggregateJSON($0, key: "group") },
                    "group_overall": TreatmentReport.aggregateJSON(r.groupOverall, key: nil),
                    "event": r.event.map { TreatmentReport.aggregateJSON($0, key: "event_time") },
                    "event_overall": TreatmentReport.aggregateJSON(r.eventOverall, key: nil),
                    "coefficients": [["name": "ATT(simple)", "estimate": r.simple.att, "se": r.simple.standardError]],
                    "skipped_cells": r.skippedCells.map { ["group": $0.group, "time": $0.time] }]
                print(try TreatmentReport.json(out))
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
