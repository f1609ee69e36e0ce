import Estimators
import Foundation
import MonteCarlo

/// Estimand names as a methods appendix prints them — ρ, β_CA, DE(CA), c*_IE, ATT —
/// instead of the engine's keys (`rho`, `beta.CA`, `ame.direct.CA`, `tp.indirect.p50`,
/// `att`; docs/monte-carlo.md). `estimand(_:)` returns a neutral markup (Unicode text
/// with private-use marks around subscripts); one renderer per medium turns it into
/// gnuplot's enhanced text, LaTeX, Markdown (HTML `<sub>`) or plain text, so a figure,
/// its LaTeX table and its Markdown table name an estimand the same way.
public enum Typeset {
    static let subOpen: Character = "\u{E000}", subClose: Character = "\u{E001}"

    /// `s` as a subscript (neutral markup).
    public static func sub(_ s: String) -> String { String(subOpen) + s + String(subClose) }

    static let effectShort = ["direct": "DE", "indirect": "IE", "total": "TE"]

    /// DE, IE or TE.
    static func short(_ effect: EffectKind) -> String { effectShort[effect.rawValue] ?? effect.rawValue }

    /// The typeset name of an engine estimand (neutral markup); unknown names are kept.
    public static func estimand(_ name: String) -> String {
        // An estimand added to the catalogue carries its own typeset name.
        if let typeset = Estimand(name).typeset { return typeset }
        let p = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let effect = { (k: String) in effectShort[k] }
        switch (p.first ?? "", p.count) {
        case ("rho", 1): return "ρ"
        case ("lambda", 1): return "λ"
        case ("tau", 1): return "τ"
        case ("eta", 1): return "η"
        case ("att", 1): return "ATT"
        case ("att_net", 1): return "ATT" + sub("net")
        case ("att_matched", 1): return "ATT" + sub("matched")
        case ("spillover_controls", 1): return "spillover on controls"
        case ("select", 2):
            let rule = ["loglik": "log-likelihood", "aic": "AIC", "bic": "BIC", "posterior": "posterior"][p[1]] ?? p[1]
            return "true W chosen (\(rule))"
        case ("posterior", 2) where p[1] == "true": return "P(true W | y)"
        case ("beta", 2): return "β" + sub(p[1])
        case ("theta", 2): return "θ" + sub(p[1])
        case ("direct", 2), ("indirect", 2), ("total", 2): return "\(effect(p[0])!)(\(p[1]))"
        case ("ame", 3) where effect(p[1]) != nil: return "\(effect(p[1])!)(\(p[2]))"
        case ("tp", 3) where effect(p[1]) != nil: return "c*" + sub(effect(p[1])!) + ", D " + p[2]
        case ("shift", 2) where effect(p[1]) != nil: return "dc*" + sub(effect(p[1])!) + "/dD"
        case ("utest", 3) where effect(p[1]) != nil: return "U-test " + effect(p[1])! + ", D " + p[2]
        // The long-run (steady-state) versions of the dynamic SDM (issue 25).
        case ("tp_lr", 3) where effect(p[1]) != nil: return "long-run c*" + sub(effect(p[1])!) + ", D " + p[2]
        case ("utest_lr", 3) where effect(p[1]) != nil: return "long-run U-test " + effect(p[1])! + ", D " + p[2]
        case ("curve", 4) where effect(p[1]) != nil && Int(p[3]) != nil:
            let pct = EstimandKind.gridPercentile(Int(p[3])!)
            return "\(effect(p[1])!)(CA p\(GP.num(pct))), D \(p[2])"
        case ("curve_lr", 4) where effect(p[1]) != nil && Int(p[3]) != nil:
            let pct = EstimandKind.gridPercentile(Int(p[3])!)
            return "long-run \(effect(p[1])!)(CA p\(GP.num(pct))), D \(p[2])"
        default:
            // The known-DGP checks name coefficients beta0, beta1, …
            if name.hasPrefix("beta"), let k = Int(name.dropFirst(4)) { return "β" + sub(String(k)) }
            return name
        }
    }

    /// Plain Unicode text: subscripts as `_X` (terminal tables, CSV-safe text).
    public static func plain(_ markup: String) -> String {
        markup.map { $0 == subOpen ? "_" : $0 == subClose ? "" : String($0) }.joined()
    }

    /// Markdown (GitHub renders `<sub>`); `|` escaped for table cells.
    public static func markdown(_ markup: String) -> String {
        markup.map { c -> String in
            switch c {
            case subOpen: return "<sub>"
            case subClose: return "</sub>"
            case "|": return "\\|"
            default: return String(c)
            }
        }.joined()
    }

    /// Unicode symbols LaTeX (pdfLaTeX included) needs as commands, in math mode.
    static let latexMath: [Character: String] = [
        "ρ": "\\rho", "β": "\\beta", "θ": "\\theta", "λ": "\\lambda", "α": "\\alpha", "σ": "\\sigma", "τ": "\\tau", "η": "\\eta",
        "μ": "\\mu", "χ": "\\chi", "±": "\\pm", "×": "\\times", "√": "\\surd", "−": "-", "≥": "\\geq",
        "≤": "\\leq", "∞": "\\infty", "≈": "\\approx", "·": "\\cdot", "²": "^{2}", "∈": "\\in", "→": "\\to",
    ]

    /// LaTeX text (for booktabs tables and the cairolatex terminal): special
    /// characters escaped, Greek and math symbols in math mode, subscripts as
    /// `$_{\mathrm{…}}$`; `*` after `c` stays text (c* reads as c-star).
    public static func latex(_ markup: String) -> String {
        var out = "", inSub = false, mathEndsOutput = false
        // Adjacent math pieces share one $…$ ("$$" would open display math).
        func math(_ m: String) {
            if mathEndsOutput { out.removeLast(); out += m + "$" } else { out += "$" + m + "$" }
            mathEndsOutput = true
        }
        for c in markup {
            if c == subOpen { math("_{\\mathrm{"); out.removeLast(); inSub = true; mathEndsOutput = false; continue }
            if c == subClose { out += "}}$"; inSub = false; mathEndsOutput = true; continue }
            if let m = latexMath[c] {
                if inSub { out += m } else { math(m) }
                continue
            }
            out += SummaryTable.latexEscape(String(c))
            mathEndsOutput = false
        }
        return out
    }

    /// gnuplot enhanced text: the characters enhanced mode interprets (`_ ^ @ & ~ { }`)
    /// escaped with a backslash (inside a single-quoted gnuplot string), subscripts as `_{…}`.
    public static func gnuplot(_ markup: String) -> String {
        var out = ""
        for c in markup {
            switch c {
            // gnuplot sets subscripts at 0.8 of the text size; /*1.25 keeps them at the
            // full size, so no text falls below the style's minimum (8 pt at print size).
            case subOpen: out += "_{/*1.25 "
            case subClose: out += "}"
            case "_", "^", "@", "&", "~", "{", "}", "\\": out += "\\" + String(c)
            default: out.append(c)
            }
        }
        return out
    }
}
