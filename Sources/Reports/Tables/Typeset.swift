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
    static let subOpen = Estimand.subscriptOpen, subClose = Estimand.subscriptClose

    /// `s` as a subscript (neutral markup).
    public static func sub(_ s: String) -> String { Estimand.subscripted(s) }

    /// DE, IE or TE.
    static func short(_ effect: EffectKind) -> String { Estimand.symbol(effect) }

    /// The typeset name of an estimand (neutral markup), from the estimand catalogue; names
    /// outside the catalogue's forms are kept.
    public static func estimand(_ name: String) -> String { Estimand(name).typeset ?? name }

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
