import Estimators
import Foundation

/// Figures of one estimation on a real panel (`spillsim estimate … --plot FILE`):
/// a love plot of PSM balance, an event study with its band, and the effect curves
/// of a quadratic SDM with pointwise bands and the turning point's Fieller set.
/// Building is pure (script + data); `Gnuplot.render` draws.
public enum EstimateFigures {
    /// Love plot (as MatchIt's and cobalt's `love.plot`): each covariate's absolute
    /// standardised mean difference before (open) and after (filled) matching, with the
    /// usual 0.1 threshold dotted.
    public static func love(_ balance: [BalanceRow], name: String, text: FigureText = .enhanced) -> GnuplotFigure {
        var data = "# covariate position, |SMD| before matching, |SMD| after matching (treated-SD denominator, as MatchIt)\n"
        for (i, row) in balance.enumerated() {
            data += "\(i + 1) \(GP.num(abs(row.smdBefore))) \(GP.num(abs(row.smdAfter)))\n"
        }
        let tics = balance.enumerated().map { "\(text.quote($1.variable)) \($0 + 1)" }.joined(separator: ", ")
        let top = max(0.15, (balance.flatMap { [abs($0.smdBefore), abs($0.smdAfter)] }.filter(\.isFinite).max() ?? 0.1) * 1.1)
        let script = """
            set title \(text.quote("Covariate balance before and after matching"))
            set ytics (\(tics)) nomirror
            set yrange [\(GP.num(Double(balance.count) + 0.5)):0.5]
            set xrange [0:\(GP.num(top))]
            set xlabel \(text.quote("absolute standardised mean difference (treated SD)"))
            set grid xtics noytics
            set arrow 1 from first 0.1, graph 0 to first 0.1, graph 1 nohead ls 101
            plot datafile using 2:1 with points lt 1 pt 6 ps 1.2 title 'before matching', \\
                 '' using 3:1 with points lt 2 pt 7 ps 1.2 title 'after matching', \\
                 NaN with lines ls 101 title '|SMD| = 0.1'

            """
        return GnuplotFigure(name: name, script: script, data: data, width: 700, height: 180 + 32 * balance.count)
    }

    /// Event study: the coefficients by event time with their pointwise 95% band, the
    /// adoption marked between −1 and 0, zero dashed; the reference period (omitted, 0 by
    /// construction) drawn open.
    public static func eventStudy(_ es: EventStudyResult, name: String, text: FigureText = .enhanced) -> GnuplotFigure {
        var data = "# event time, estimate, 95% lower, 95% upper, SE\n"
        for k in es.eventTimes.indices {
            data += [Double(es.eventTimes[k]), es.estimates[k], es.ciLower[k], es.ciUpper[k], es.standardErrors[k]].map(GP.num).joined(separator: " ") + "\n"
        }
        let reference = !es.eventTimes.contains(-1)
        data += "\n\n# reference period (normalised to 0)\n" + (reference ? "-1 0\n" : "NaN NaN\n")
        let pre = es.preTrendUnavailable == nil
            ? String(format: "pre-trend F(%d, %.0f) = %.2f, p = %.3f", es.preTrendDF.0, es.preTrendDF.1, es.preTrendF, es.preTrendP) : ""
        let script = """
            set title \(text.quote("Event study: effect by periods since adoption" + (pre.isEmpty ? "" : " (\(pre))")))
            set xlabel \(text.quote("event time (periods since adoption)"))
            set ylabel \(text.quote("effect on the outcome (outcome units)"))
            set xtics 1
            set offsets 0.5, 0.5, 0, 0
            set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead ls 100
            set arrow 2 from first -0.5, graph 0 to first -0.5, graph 1 nohead ls 101
            plot datafile index 0 using 1:3:4 with filledcurves fc rgb band_colour fs solid 1.0 title 'pointwise 95% band', \\
                 '' index 0 using 1:2 with linespoints ls 102 title 'estimate', \\
                 '' index 1 using 1:2 with points lt 1 pt 6 ps 1.2 title 'reference period'

            """
        return GnuplotFigure(name: name, script: script, data: data, width: 760, height: 480)
    }

    /// Effect curves of a quadratic SDM: one panel per (effect, moderator value), at most
    /// three per row; each with its pointwise 95% band (delta method), the turning point
    /// (dashed) and its Fieller 95% set as a bar along the bottom (two bars for a set of
    /// two rays, the whole width for the whole line), and the U-test's p-value.
    public static func effectCurves(_ effects: NonlinearEffects, regressor: String, name: String, text: FigureText = .enhanced) -> GnuplotFigure {
        let curves = effects.curves
        let cols = min(3, max(1, curves.count)), rows = (curves.count + cols - 1) / cols
        // The title says what each element is: no key repeated in every panel.
        let title = "Effects of \(regressor): estimate (solid) with its pointwise 95% band (grey); turning point (dashed) with its Fieller 95% set (dark bar at the bottom)"
        var data = "", script = "set multiplot layout \(rows),\(cols) title \(text.quote(title))\nunset key\n"
        for (i, c) in curves.enumerated() {
            let kind = Typeset.effectShort[c.kind.rawValue] ?? c.kind.rawValue
            let d = c.moderatorValue.map { ", D = " + String(format: "%.3g", $0) } ?? ""
            data += "# \(kind)(\(regressor))\(d): x, estimate, 95% lower, 95% upper\n"
            data += c.points.map { [$0.x, $0.effect.estimate, $0.effect.lower, $0.effect.upper].map(GP.num).joined(separator: " ") }.joined(separator: "\n")
            data += "\n\n\n"
            let xs = c.points.map(\.x)
            let lo = xs.min() ?? 0, hi = xs.max() ?? 1
            var setup = "set title \(text.quote("\(kind)(\(regressor))\(d)"))\nunset arrow\nunset object\nunset label\n"
            setup += "set xrange [\(GP.num(lo)):\(GP.num(hi))]\nset xlabel \(text.quote(regressor))\nset ylabel \(text.quote("∂y/∂\(regressor)"))\n"
            setup += "set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead ls 100\n"
            var notes: [String] = []
            if let tp = effects.turningPoints.first(where: { $0.kind == c.kind && $0.moderatorValue == c.moderatorValue }) {
                let x = tp.delta.estimate
                if x.isFinite, x >= lo, x <= hi { setup += "set arrow 2 from first \(GP.num(x)), graph 0 to first \(GP.num(x)), graph 1 nohead ls 103\n" }
                for (j, r) in fiellerPieces(tp.fieller, lo: lo, hi: hi).enumerated() {
                    setup += "set object \(j + 1) rect from first \(GP.num(r.lowerBound)), graph 0 to first \(GP.num(r.upperBound)), graph 0.05 front fc rgb '#555555' fs solid 0.8 noborder\n"
                }
                notes.append("\(tp.shape.rawValue): c* = \(String(format: "%.3g", x)); Fieller \(fiellerText(tp.fieller))")
            }
            if let u = effects.uTests.first(where: { $0.kind == c.kind && $0.moderatorValue == c.moderatorValue }) {
                notes.append(String(format: "U-test p = %.3f", u.pValue))
            }
            if !notes.isEmpty { setup += "set label 1 \(text.lines(notes)) at graph 0.02, graph 0.95 left front font ',8'\n" }
            data += "# turning point \(kind)\(d): \(notes.joined(separator: "; "))\n"
            script += "\n" + setup
            script += "plot datafile index \(i) using 1:3:4 with filledcurves fc rgb band_colour fs solid 1.0 title 'pointwise 95% band', \\\n"
                + "     '' index \(i) using 1:2 with lines ls 102 title 'estimate', NaN with lines ls 103 title 'turning point', \\\n"
                + "     NaN with boxes fc rgb '#555555' fs solid 0.8 title 'Fieller 95% set'\n"

        }
        script += "unset multiplot\n"
        return GnuplotFigure(name: name, script: script, data: data, width: max(700, 400 * cols), height: 90 + 320 * rows)
    }

    /// The parts of a Fieller set inside the window [lo, hi], for the bars.
    static func fiellerPieces(_ f: FiellerInterval, lo: Double, hi: Double) -> [ClosedRange<Double>] {
        let clip = { (a: Double, b: Double) -> ClosedRange<Double>? in
            let l = max(a, lo), h = min(b, hi)
            return l <= h ? l...h : nil
        }
        switch f {
        case .bounded(let a, let b): return [clip(a, b)].compactMap { $0 }
        case .disjoint(let a, let b): return [clip(-.infinity, a), clip(b, .infinity)].compactMap { $0 }
        case .unboundedBelow(let b): return [clip(-.infinity, b)].compactMap { $0 }
        case .unboundedAbove(let a): return [clip(a, .infinity)].compactMap { $0 }
        case .wholeLine: return [lo...hi]
        case .empty: return []
        }
    }

    static func fiellerText(_ f: FiellerInterval) -> String {
        let n = { (x: Double) in String(format: "%.3g", x) }
        switch f {
        case .bounded(let a, let b): return "[\(n(a)), \(n(b))]"
        case .disjoint(let a, let b): return "(−∞, \(n(a))] ∪ [\(n(b)), ∞)"
        case .unboundedBelow(let b): return "(−∞, \(n(b))]"
        case .unboundedAbove(let a): return "[\(n(a)), ∞)"
        case .wholeLine: return "the whole line"
        case .empty: return "empty"
        }
    }
}

/// `--plot FILE` of the estimate commands: the format from FILE's extension.
public struct PlotTarget: Sendable {
    public let directory: URL
    public let name: String
    public let format: FigureFormat

    /// nil when the extension is not png, pdf, svg or tex (cairolatex).
    public init?(path: String) {
        let url = URL(fileURLWithPath: path)
        guard let format = FigureFormat.allCases.first(where: { $0.fileExtension == url.pathExtension.lowercased() }) else { return nil }
        self.directory = url.deletingLastPathComponent()
        self.name = url.deletingPathExtension().lastPathComponent
        self.format = format
    }
}
