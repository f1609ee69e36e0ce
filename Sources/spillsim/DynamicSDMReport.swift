import Estimators
import Foundation
import Numerics

/// The text rendering of a `DynamicSpatialAnalysis` (`estimate sdm --dynamic`; JSON: `DynamicSpatialAnalysisJSON`).
enum DynamicSDMReport {
    static func text(_ a: DynamicSpatialAnalysis) -> String {
        let d = a.dynamic, f = d.fit
        var out: [String] = []
        out.append("Dynamic SDM, twoways effects (time: Lee–Yu transformation, individual: within), QML conditional on the first period: N = \(f.n), T = \(f.t + 1) (\(f.t) used), n* = \(f.nObservations)")
        switch (d.biasCorrection, d.correctionApplied) {
        case (.ydl, true): out.append("Yu–de Jong–Lee bias correction (stable case) applied; SEs: inverse information at the corrected estimates")
        case (.ydl, false): out.append("Yu–de Jong–Lee bias correction NOT applied: \(f.reason)")
        case (.none, _): out.append("no bias correction (QML estimates are O(1/T) biased)")
        }
        out.append(f.converged ? "converged in \(f.iterations) iterations" : "NOT CONVERGED: \(f.reason)")
        out.append("")
        out.append(SDMReport.inferenceLine(f))
        out.append(SDMReport.row("", "estimate", "std.err", "t", "p") + (d.correctionApplied ? "  uncorrected" : ""))
        let se = f.standardErrors
        for (k, name) in f.parameterNames.enumerated() where name != "sigma2" {
            let v = f.parameters[k], s = se[k], z = v / s
            let raw = d.correctionApplied ? String(repeating: " ", count: 2) + SDMReport.fmt(d.uncorrected.parameters[k]) : ""
            out.append(SDMReport.row(name, SDMReport.fmt(v), SDMReport.fmt(s), String(format: "%.2f", z),
                                     SDMReport.pval(f.twoSidedPValue(z))) + raw)
        }
        out.append("")
        out.append("sigma2 = \(SDMReport.fmt(f.sigma2))   log-likelihood = \(String(format: "%.4f", f.logLikelihood))   largest |eigenvalue| of (I - rho W)^-1 (tau I + eta W) = \(SDMReport.fmt(d.largestRoot))")
        for h in [a.shortRun, a.longRun] {
            out.append("")
            let title = h.horizon == .shortRun
                ? "Short-run effects (I - rho W)^-1 (beta I + theta W) (delta-method SEs)"
                : "Long-run effects ((1 - tau) I - (rho + eta) W)^-1 (beta I + theta W) (delta-method SEs)"
            guard h.fit != nil else {
                out.append(title + ": unavailable — \(h.unavailable ?? "")")
                continue
            }
            out += SDMReport.effectLines(h.impacts, title: title)
            if let nl = h.nonlinear {
                out += SDMReport.nonlinearLines(nl, title: "\(h.horizon.rawValue) turning points (delta-method CI; Fieller set)",
                                                moderator: SDMReport.moderatorName(h.fit?.names ?? []))
            }
        }
        return out.joined(separator: "\n")
    }
}
