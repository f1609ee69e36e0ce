import Foundation
import Numerics

/// How a two-period, two-group ATT with covariates is estimated (Sant'Anna & Zhao 2020).
public enum DiDMethod: String, Sendable, CaseIterable {
    /// Outcome regression (Heckman, Ichimura & Todd 1997): OLS of ΔY on X among controls.
    case reg
    /// Standardised (Hájek) inverse probability weighting (Abadie 2005).
    case ipw
    /// Doubly robust, the "traditional" locally efficient estimator (`DRDID::drdid_panel`).
    case dr
}

/// A panel 2×2 ATT and its influence function (one value per unit of the subsample).
struct TwoByTwo {
    let att: Double
    let influence: [Double]
}

/// The panel DR-DID family of Sant'Anna & Zhao (2020, J. Econometrics 219:101), with the
/// influence functions of their Propositions (estimation effect of the OLS and logit first
/// steps included). Definitions follow the R package DRDID (`reg_did_panel`,
/// `std_ipw_did_panel`, `drdid_panel`, read for their formulas): fitted scores are capped at
/// 1 − 1e-6 and controls with score ≥ 0.995 are trimmed from the IPW and DR weights.
enum DRDiD {
    static let trimLevel = 0.995

    /// - Parameters: dy = Y_t − Y_base; d = 1 for the treated cohort; x = covariates without intercept (n × k).
    static func estimate(dy: [Double], d: [Bool], x: Matrix, names: [String], method: DiDMethod) throws -> TwoByTwo {
        let n = dy.count
        let nd = Double(n)
        let dd = d.map { $0 ? 1.0 : 0.0 }
        // int.cov = [1, X]
        var z = Matrix(rows: n, cols: x.cols + 1, repeating: 1)
        for j in 0..<x.cols { z.setColumn(j + 1, x.column(j)) }
        let k = z.cols
        let controls = (0..<n).filter { !d[$0] }
        guard controls.count > k, d.contains(true) else {
            throw TreatmentError("DR-DID: \(d.filter { $0 }.count) treated and \(controls.count) control units for \(k) regression parameters")
        }

        // Outcome regression among controls.
        var outDelta = [Double](repeating: 0, count: n)
        var olsRep: Matrix? = nil   // n × k asymptotic linear representation of the OLS step
        if method != .ipw {
            let ls: LeastSquares
            do { ls = try LeastSquares(x: z.rowsSubset(controls), y: controls.map { dy[$0] }) } catch {
                throw TreatmentError("DR-DID: the covariates are collinear among the controls (\(error))")
            }
            outDelta = z.multiply(ls.coefficients)
            var xpx = Matrix(rows: k, cols: k)
            for i in controls { for a in 0..<k { for b in 0..<k { xpx[a, b] += z[i, a] * z[i, b] / nd } } }
            let inv = try xpx.inverse()
            var rep = Matrix(rows: n, cols: k)
            for i in controls {
                let e = dy[i] - outDelta[i]
                for b in 0..<k { var s = 0.0; for a in 0..<k { s += e * z[i, a] * inv[a, b] }; rep[i, b] = s }
            }
            olsRep = rep
        }

        if method == .reg {
            let wT = dd
            let mwT = wT.reduce(0, +) / nd
            let etaT = zip(wT, dy).reduce(0) { $0 + $1.0 * $1.1 } / nd / mwT
            let etaC = zip(wT, outDelta).reduce(0) { $0 + $1.0 * $1.1 } / nd / mwT
            let m1 = (0..<k).map { a in (0..<n).reduce(0) { $0 + wT[$1] * z[$1, a] } / nd }
            let rep = olsRep!.multiply(m1)
            let inf = (0..<n).map { i -> Double in
                let infT = (wT[i] * dy[i] - wT[i] * etaT) / mwT
                let infC = (wT[i] * outDelta[i] - wT[i] * etaC + rep[i]) / mwT
                return infT - infC
            }
            return TwoByTwo(att: etaT - etaC, influence: inf)
        }

        // Propensity score on [1, X].
        let model = try PropensityScore.fit(treated: d, covariates: x, names: names, link: .logit)
        let ps = model.scores.map { min($0, 1 - 1e-6) }
        var info = Matrix(rows: k, cols: k)
        for i in 0..<n { let w = ps[i] * (1 - ps[i]); for a in 0..<k { for b in 0..<k { info[a, b] += w * z[i, a] * z[i, b] } } }
        let hessian = nd * (try Cholesky(info).inverse())
        var psRep = Matrix(rows: n, cols: k)
        for i in 0..<n { for b in 0..<k {
            var s = 0.0
            for a in 0..<k { s += (dd[i] - ps[i]) * z[i, a] * hessian[a, b] }
            psRep[i, b] = s
        } }
        let wT = dd
        let wC = (0..<n).map { i in d[i] || ps[i] >= trimLevel ? 0 : ps[i] / (1 - ps[i]) }
        let mwT = wT.reduce(0, +) / nd, mwC = wC.reduce(0, +) / nd
        guard mwC > 0 else { throw TreatmentError("DR-DID: every control unit has a propensity score ≥ \(trimLevel); no overlap") }
        let resid = (0..<n).map { dy[$0] - outDelta[$0] }   // outDelta = 0 for IPW
        let etaT = (0..<n).reduce(0) { $0 + wT[$1] * resid[$1] } / nd / mwT
        let etaC = (0..<n).reduce(0) { $0 + wC[$1] * resid[$1] } / nd / mwC
        let m2 = (0..<k).map { a in (0..<n).reduce(0) { $0 + wC[$1] * (resid[$1] - etaC) * z[$1, a] } / nd }
        let cont2 = psRep.multiply(m2)
        var treat2 = [Double](repeating: 0, count: n), cont3 = [Double](repeating: 0, count: n)
        if method == .dr, let rep = olsRep {
            let m1 = (0..<k).map { a in (0..<n).reduce(0) { $0 + wT[$1] * z[$1, a] } / nd }
            let m3 = (0..<k).map { a in (0..<n).reduce(0) { $0 + wC[$1] * z[$1, a] } / nd }
            treat2 = rep.multiply(m1)
            cont3 = rep.multiply(m3)
        }
        let inf = (0..<n).map { i -> Double in
            let infT = (wT[i] * resid[i] - wT[i] * etaT - treat2[i]) / mwT
            let infC = (wC[i] * resid[i] - wC[i] * etaC + cont2[i] - cont3[i]) / mwC
            return infT - infC
        }
        return TwoByTwo(att: etaT - etaC, influence: inf)
    }
}
