import Calibration
import CitySystem
import Foundation

/// Plain-text rendering of each world's truth for `spillsim truth` (`TrueEstimands`,
/// `ObservedTruth`; printing kept apart from computing).
enum TruthText {
    static func f(_ x: Double?) -> String { x.map { String(format: "%10.5f", $0) } ?? "       n/a" }

    /// The regressor table: coefficients and the three effects, one row each.
    static func regressorTable(_ rows: [ModelTruth.Regressor]) -> String {
        "regressor        beta      theta     direct   indirect      total\n" + rows.map { e in
            e.name.padding(toLength: 12, withPad: " ", startingAt: 0) + f(e.beta) + f(e.theta) + f(e.direct) + f(e.indirect) + f(e.total) + "\n"
        }.joined()
    }

    /// λ of the error's spatial process (the `lambda` estimand), or why it has no true value.
    static func lambdaLine(_ lambda: Double?) -> String {
        lambda.map { "lambda \(String(format: "%.4f", $0)) (the error's spatial process through the true W)\n" }
            ?? "lambda n/a (the errors' spatial dependence is not an SAR process on W: `lambda` has no truth)\n"
    }

    static func render(_ t: TrueEstimands, title: String) -> String {
        var s = "True estimands: \(title)\n"
        s += "rho \(String(format: "%.4f", t.rho)), stable interval (\(String(format: "%.4f", t.stableInterval[0])), \(String(format: "%.4f", t.stableInterval[1])))\n"
        s += lambdaLine(t.model.lambda)
        let w = t.effectWeights
        s += "weights: a1 \(f(w.a1)) a2 \(f(w.a2)) k1 \(f(w.k1)) k2 \(f(w.k2)) t1 \(f(w.t1)) t2 \(f(w.t2))\n\n"
        s += regressorTable(t.regressorEffects)
        let q = t.model
        func pointRows(_ points: [ModelTruth.TurningPoint]) -> String {
            points.map { p in
                p.label.padding(toLength: 5, withPad: " ", startingAt: 0) + f(q.moderatorValue(p.label)) + "  "
                    + p.effect.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                    + f(p.cStar) + (p.uShaped ? "        yes" : "         no") + f(p.shift) + "\n"
            }.joined()
        }
        s += "\nturning points of the CA curves (c* where the effect is zero)\n"
        s += "D          d     effect          c*   U-shaped    dc*/dD\n"
        s += pointRows(q.turningPoints)
        if let lr = t.dynamic {
            // Dynamic outcome (issue 25): the effects above are the short-run ones.
            s += "\ndynamic outcome: tau \(String(format: "%.4f", q.tau)), eta \(String(format: "%.4f", q.eta)); the effects above are short-run, (I - rho W)^-1 (beta I + theta W)\n"
            s += "long run ((1 - tau) I - (rho + eta) W)^-1 (beta I + theta W), rho_L = (rho + eta)/(1 - tau) = \(String(format: "%.4f", lr.rhoLongRun))\n"
            s += regressorTable(lr.longRunEffects)
            s += "long-run turning points\nD          d     effect          c*   U-shaped    dc*/dD\n"
            s += pointRows(q.longRunTurningPoints)
        }
        s += "\naveraged marginal effects at the observed points\n"
        for x in TrueEstimands.averagedRegressors {
            guard let a = q.averaged[x] else { continue }
            s += x.padding(toLength: 12, withPad: " ", startingAt: 0) + "direct" + f(a[.direct]) + "  indirect" + f(a[.indirect]) + "  total" + f(a[.total]) + "\n"
        }
        let i = t.integration
        s += "\nintegration: \(i.treatedCities) treated, \(i.controlCities) control cities\n"
        s += "mean ATT \(f(i.meanAtt)), mean spillover on controls \(f(i.meanSpilloverOnControls))\n"
        s += "year        ATT  spillover\n"
        for (k, y) in i.years.enumerated() { s += "\(y)" + f(i.attByYear[k]) + f(i.spilloverByYear[k]) + "\n" }
        let m = t.mechanism
        // Short numbers in the mechanism's sentences. Named apart from `f`: a local `f` would shadow the
        // padded column format in the whole function (local functions are visible before their declaration).
        func short(_ x: Double?) -> String { x.map { String(format: "%.5g", $0) } ?? "n/a" }
        s += "\nmechanism through D (docs/MODEL.md §10): ATT on D \(short(m.attD)), on the controls' D \(short(m.spilloverD))\n"
        s += "treated:  ATT on Mis \(short(m.attMis)) = through D \(short(m.indirectTreated)) + policy term \(short(m.directTreated)); share through D \(short(m.shareTreated))\n"
        s += "controls: change in Mis \(short(m.spilloverMis)), through D \(short(m.indirectControls)); share through D \(short(m.shareControls))\n"
        s += "through D, per curve: " + m.curveShifts.map { "\($0.effect.rawValue) slope \(short($0.slope)), c* \(short($0.turningPoint))" }.joined(separator: "; ") + "\n"
        return s
    }

    static func render(_ t: ObservedTruth, title: String) -> String {
        var s = "True estimands: \(title)\n"
        s += "\(t.nUnits) units × \(t.nPeriods) periods, \(t.errors) errors\n"
        s += "rho \(String(format: "%.10g", t.rho)), sigma2 \(String(format: "%.10g", t.sigma2)), stable interval (\(String(format: "%.4f", t.stableInterval[0])), \(String(format: "%.4f", t.stableInterval[1])))\n"
        s += lambdaLine(t.model.lambda)
        let m = t.multipliers
        s += "multipliers: a1 \(f(m.a1)) a2 \(f(m.a2)) t1 \(f(m.t1)) t2 \(f(m.t2))\n\n"
        s += regressorTable(t.regressors)
        let q = t.model
        if let terms = q.terms {
            s += "\nturning points of the \(terms.linear) curves (U-test interval [\(f(q.grid.first)), \(f(q.grid.last))])\n"
            s += "D          d     effect          c*      shape    dc*/dD  tested\n"
            for p in q.turningPoints {
                let tested = q.testedShape[p.effect]?.rawValue ?? ""
                s += p.label.padding(toLength: 5, withPad: " ", startingAt: 0) + f(q.moderatorValue(p.label)) + "  "
                    + p.effect.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                    + f(p.cStar) + (p.shape?.rawValue ?? "linear").leftPadded(11) + f(p.shift) + "  " + tested + (p.testedShapeInside ? " inside" : " not inside") + "\n"
            }
        }
        return s
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
