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
            set key below horizontal
            set ytics (\(tics)) nomirror
            set yrange [\(GP.num(Double(balance.count) + 0.5)):0.5]
            set xrange [0:\(GP.num(top))]
            set xlabel \(text.quote("|standardised mean difference|"))
            set grid xtics noytics
            set arrow 1 from first 0.1, graph 0 to first 0.1, graph 1 nohead ls 101
            plot datafile using 2:1 with points lt 1 pt 6 ps 1.2 title 'before matching', \\
                 '' using 3:1 with points lt 2 pt 7 ps 1.2 title 'after matching', \\
                 NaN with lines ls 101 title '|SMD| = 0.1'

            """
        // One column wide when the covariate names are short, else the text width.
        let longest = balance.map(\.variable.count).max() ?? 8
        return GnuplotFigure(name: name, script: script, data: data,
                             width: longest <= 14 ? FigureStyle.columnWidth : FigureStyle.textWidth,
                             height: min(FigureStyle.maxHeight, 1.3 + 0.18 * Double(balance.count)))
    }

    /// Event study: the coefficients by event time with their pointwise 95% band, the
    /// adoption marked between −1 and 0, zero dashed. The reference period −1 (omitted, 0 by
    /// construction) is a point of the line at 0 with no band, marked open — as fixest's
    /// `iplot` draws it — so the line does not interpolate a value across it.
    public static func eventStudy(_ es: EventStudyResult, name: String, text: FigureText = .enhanced) -> GnuplotFigure {
        let reference = !es.eventTimes.contains(-1)
        var rows = es.eventTimes.indices.map { k in
            (Double(es.eventTimes[k]), [es.estimates[k], es.ciLower[k], es.ciUpper[k], es.standardErrors[k]])
        }
        if reference { rows.append((-1, [0, 0, 0, 0])) }
        rows.sort { $0.0 < $1.0 }
        var data = "# event time, estimate, 95% lower, 95% upper, SE" + (reference ? " (the reference period −1 is 0 by normalisation, SE 0)" : "") + "\n"
        for (e, values) in rows { data += ([e] + values).map(GP.num).joined(separator: " ") + "\n" }
        data += "\n\n# reference period (normalised to 0)\n" + (reference ? "-1 0\n" : "NaN NaN\n")
        let pre = es.preTrendUnavailable == nil
            ? String(format: "pre-trend F(%d, %.0f) = %.2f, p = %.3f", es.preTrendDF.0, es.preTrendDF.1, es.preTrendF, es.preTrendP) : ""
        // Zero and adoption lines in front of the band, where they are read; the adoption line
        // gets a key entry of its own (a NaN series in its style); the reference point is an open
        // circle over the line's filled one (a white disc under the ring).
        let script = """
            set title \(text.quote(pre.isEmpty ? "Effect by periods since adoption" : pre))
            set key below horizontal maxcols 2
            set xlabel \(text.quote("event time (periods since adoption)"))
            set ylabel \(text.quote("effect on the outcome (outcome units)"))
            set xtics 1
            set offsets 0.5, 0.5, 0, 0
            set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead ls 100 front
            set arrow 2 from first -0.5, graph 0 to first -0.5, graph 1 nohead ls 101 front
            plot datafile index 0 using 1:3:4 with filledcurves fc rgb band_colour fs solid 1.0 title 'pointwise 95% band', \\
                 '' index 0 using 1:2 with linespoints ls 102 title 'estimate', \\
                 '' index 1 using 1:2 with points pt 7 ps 1.6 lc rgb 'white' notitle, \\
                 '' index 1 using 1:2 with points lt 1 pt 6 ps 1.6 title \(text.quote("reference period −1 (= 0)")), \\
                 NaN with lines ls 101 title \(text.quote("adoption"))

            """
        return GnuplotFigure(name: name, script: script, data: data, width: FigureStyle.textWidth, height: 3.4)
    }

    /// Effect curves of a quadratic SDM: one panel per (effect, moderator value), at most
    /// three per row; each with its pointwise 95% band (delta method), the turning point
    /// (dashed; one outside the data is named in the panel title) and its Fieller 95% set as
    /// a bar along the bottom (two bars for a set of two rays, the whole width for the whole
    /// line), and the U-test's p-value.
    public static func effectCurves(_ effects: NonlinearEffects, regressor: String, name: String, text: FigureText = .enhanced) -> GnuplotFigure {
        let curves = effects.curves
        let cols = min(3, max(1, curves.count)), rows = (curves.count + cols - 1) / cols
        var layout = PanelLayout(columns: cols, rows: rows, header: PanelLayout.keyHeader(rows: 2), firstLeft: 0.62, left: 0.62,
                                 titleLines: 1, plotHeight: 1.8)
        // Each panel's title: the effect, the turning point and its Fieller set, the U-test.
        var titles: [[String]] = []
        var data = ""
        for c in curves {
            let kind = Typeset.short(c.kind)
            let d = c.moderatorValue.map { ", D = " + String(format: "%.3g", $0) } ?? ""
            var lines = ["\(kind)(\(regressor))\(d)"]
            if let tp = effects.turningPoints.first(where: { $0.kind == c.kind && $0.moderatorValue == c.moderatorValue }) {
                lines.append("\(tp.shape.rawValue): c* = \(String(format: "%.3g", tp.delta.estimate)), Fieller \(fiellerText(tp.fieller))")
                // A turning point outside the data is said in the title, not by a note inside the
                // panel, where it would cover the curve or its band (the situation a turning-point
                // claim must be checked for, so it is stated, not only implied by a missing line).
                let xs = c.points.map(\.x), x = tp.delta.estimate
                if x.isFinite, let lo = xs.min(), let hi = xs.max(), x < lo || x > hi {
                    lines.append(x > hi ? "c* above data max \(String(format: "%.3g", hi))"
                                        : "c* below data min \(String(format: "%.3g", lo))")
                }
            }
            if let u = effects.uTests.first(where: { $0.kind == c.kind && $0.moderatorValue == c.moderatorValue }) {
                lines.append(String(format: "U-test p = %.3f", u.pValue))
            }
            titles.append(lines)
        }
        layout.titleLines = titles.map { $0.flatMap { GP.wrap($0, width: layout.titleChars) }.count }.max() ?? 1
        var script = "set multiplot\nunset key\n"
        for (i, c) in curves.enumerated() {
            let kind = Typeset.short(c.kind)
            let d = c.moderatorValue.map { ", D = " + String(format: "%.3g", $0) } ?? ""
            data += "# \(kind)(\(regressor))\(d): x, estimate, 95% lower, 95% upper\n"
            data += c.points.map { [$0.x, $0.effect.estimate, $0.effect.lower, $0.effect.upper].map(GP.num).joined(separator: " ") }.joined(separator: "\n")
            data += "\n\n\n"
            let xs = c.points.map(\.x)
            let lo = xs.min() ?? 0, hi = xs.max() ?? 1
            var setup = layout.margins(row: i / cols, column: i % cols)
            setup += "set title \(text.lines(titles[i].flatMap { GP.wrap($0, width: layout.titleChars) }))\nunset arrow\nunset object\nunset label\n"
            setup += "set xrange [\(GP.num(lo)):\(GP.num(hi))]\nset xtics \(GP.num(GP.tickStep(lo: lo, hi: hi, inches: layout.plotWidth)))\n"
            setup += "set xlabel \(text.quote(regressor))\nset ylabel \(text.quote("∂y/∂\(regressor)"))\n"
            // The reference lines are drawn in front of the band: where the curve crosses zero
            // (at the turning point) the band covers both, exactly where they are read.
            setup += "set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead ls 100 front\n"
            var note = ""
            if let tp = effects.turningPoints.first(where: { $0.kind == c.kind && $0.moderatorValue == c.moderatorValue }) {
                let x = tp.delta.estimate
                if x.isFinite, x >= lo, x <= hi {
                    setup += "set arrow 2 from first \(GP.num(x)), graph 0 to first \(GP.num(x)), graph 1 nohead ls 103 front\n"
                } else if x.isFinite {
                    note = "; turning point \(GP.num(x)) outside the data range [\(GP.num(lo)), \(GP.num(hi))] (said in the panel title)"
                }
                for (j, r) in fiellerPieces(tp.fieller, lo: lo, hi: hi).enumerated() {
                    setup += "set object \(j + 1) rect from first \(GP.num(r.lowerBound)), graph 0 to first \(GP.num(r.upperBound)), graph 0.05 front fc rgb '#555555' fs solid 0.8 noborder\n"
                }
            }
            data += "# turning point \(kind)\(d): \(titles[i].dropFirst().joined(separator: "; "))\(note)\n"
            script += "\n" + setup
            script += "plot datafile index \(i) using 1:3:4 with filledcurves fc rgb band_colour fs solid 1.0 notitle, \\\n"
                + "     '' index \(i) using 1:2 with lines ls 102 notitle\n"
        }
        script += layout.key(["with boxes fc rgb band_colour fs solid 1.0 title 'pointwise 95% band'", "with lines ls 102 title 'estimate'",
                              "with lines ls 103 title 'turning point c* (inside the data)'", "with boxes fc rgb '#555555' fs solid 0.8 title 'Fieller 95% set'"], perRow: 2)
        script += "unset multiplot\n"
        return GnuplotFigure(name: name, script: script, data: data, width: layout.width, height: layout.height)
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
