import CitySystem
import Foundation

/// The typeset names of the catalogue's forms — ρ, β_CA, DE(CA), c*_IE, ATT — in a neutral
/// markup: Unicode text with `subscriptOpen`/`subscriptClose` around subscripts, which Reports'
/// `Typeset` turns into gnuplot's enhanced text, LaTeX, Markdown or plain text. The spatial forms
/// are spelled from their parsed `SpatialEstimand`, so no name is parsed a second time here.
extension Estimand {
    public static let subscriptOpen: Character = "\u{E000}", subscriptClose: Character = "\u{E001}"

    /// `s` as a subscript (neutral markup).
    public static func subscripted(_ s: String) -> String { String(subscriptOpen) + s + String(subscriptClose) }

    /// DE, IE or TE.
    public static func symbol(_ effect: EffectKind) -> String {
        switch effect { case .direct: "DE"; case .indirect: "IE"; case .total: "TE" }
    }

    /// The typeset name of a built-in form; nil for a name outside them.
    static func builtInTypeset(_ name: String) -> String? {
        if let s = SpatialEstimand.builtIn(name) { return s.typeset }
        let sub = subscripted
        let p = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch (p.first ?? "", p.count) {
        case ("att", 1): return "ATT"
        case ("att_net", 1): return "ATT" + sub("net")
        case ("att_matched", 1): return "ATT" + sub("matched")
        case ("spillover_controls", 1): return "spillover on controls"
        // The event study's relative periods (issue 24, `event_study`).
        case ("event", 2) where Int(p[1]) != nil: return "ATT" + sub("e = " + p[1])
        case ("select", 2):
            let rule = ["loglik": "log-likelihood", "aic": "AIC", "bic": "BIC", "posterior": "posterior"][p[1]] ?? p[1]
            return "true W chosen (\(rule))"
        case ("posterior", 2) where p[1] == "true": return "P(true W | y)"
        // The SDM with the policy P interacted into the curve (issue 26, `policy_curve`).
        case ("policy_shift", 2) where EffectKind(rawValue: p[1]) != nil: return "c*" + sub(symbol(EffectKind(rawValue: p[1])!)) + " shift by P"
        case ("policy_slope", 2) where EffectKind(rawValue: p[1]) != nil: return "CA slope of " + symbol(EffectKind(rawValue: p[1])!) + " shift by P"
        default:
            // The known-DGP checks name coefficients beta0, beta1, …
            if name.hasPrefix("beta"), let k = Int(name.dropFirst(4)) { return "β" + sub(String(k)) }
            return nil
        }
    }
}

extension SpatialEstimand {
    /// The typeset name (neutral markup, `Estimand.subscripted`).
    var typeset: String {
        let sub = Estimand.subscripted, e = Estimand.symbol
        // The CA percentile of a curve grid point, as the figures print numbers.
        let pct = { (j: Int) in String(format: "%.10g", EstimandKind.gridPercentile(j)) }
        switch self {
        case .defined(let d): return d.typeset ?? d.name
        case .rho: return "ρ"
        case .lambda: return "λ"
        case .tau: return "τ"
        case .eta: return "η"
        case .beta(let x): return "β" + sub(x)
        case .theta(let x): return "θ" + sub(x)
        case .effect(let k, let x), .averageEffect(let k, let x): return "\(e(k))(\(x))"
        case .turningPoint(let k, let l): return "c*" + sub(e(k)) + ", D " + l
        case .shift(let k): return "dc*" + sub(e(k)) + "/dD"
        case .uTest(let k, let l): return "U-test " + e(k) + ", D " + l
        // The long-run (steady-state) versions of the dynamic SDM (issue 25).
        case .turningPointLongRun(let k, let l): return "long-run c*" + sub(e(k)) + ", D " + l
        case .uTestLongRun(let k, let l): return "long-run U-test " + e(k) + ", D " + l
        case .curve(let k, let l, let j): return "\(e(k))(CA p\(pct(j))), D \(l)"
        case .curveLongRun(let k, let l, let j): return "long-run \(e(k))(CA p\(pct(j))), D \(l)"
        }
    }
}
