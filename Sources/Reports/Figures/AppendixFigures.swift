import Foundation
import MonteCarlo
import Numerics

/// A figure of the methods appendix, or the reason it was not drawn.
public struct FigurePlan: Sendable {
    /// Short identifier: `bias`, `coverage`, `curves`, `turning-points`, `utest`.
    public let id: String
    /// The caption, stating R, n_failed and (when not 0) n_no_truth.
    public let caption: String
    /// The figure, split into pages `NAME-id-1`, `NAME-id-2` … when it would be
    /// too tall; empty when the results hold nothing to draw (then `skipped` says why).
    public let figures: [GnuplotFigure]
    public let skipped: String?
    /// A markdown table the captions file prints under the figure's caption (per-cell
    /// numbers that would crowd the panel titles), or nil.
    public var table: String? = nil

    public init(id: String, caption: String, figures: [GnuplotFigure], skipped: String?, table: String? = nil) {
        self.id = id
        self.caption = caption
        self.figures = figures
        self.skipped = skipped
        self.table = table
    }

    /// The first (usually only) page.
    public var figure: GnuplotFigure? { figures.first }
}

/// Builds the appendix figures (MODEL.md §7 measures; Morris, White & Crowther
/// 2019, §6 on presenting simulation results) from a result file's contents.
/// Building is pure; drawing is `Gnuplot`'s job.
public struct AppendixFigures: Sendable {
    public let data: ResultsData
    /// Prefix of every figure's file name (`NAME` in `NAME-bias.png`).
    public let baseName: String
    /// The medium of the figures' text (LaTeX for the cairolatex terminal).
    public let text: FigureText

    public init(data: ResultsData, baseName: String, text: FigureText = .enhanced) {
        self.data = data
        self.baseName = baseName
        self.text = text
    }

    /// Every figure type; each one the results cannot feed is returned with `skipped` set.
    public func all() -> [FigurePlan] {
        [bias(), coverage(), ratioBias(), ratioCoverage(), curves(), curvesByD(), turningPoints(), uTest(),
         nestedLoopBias(), nestedLoopCoverage(), heatmap(), zip(), power()]
    }

    /// Whether a summary row's estimand is the parameter its estimator targets (the
    /// `comparable` column; absent in older files, where every row is comparable).
    static func comparable(_ row: SummaryRow) -> Bool { row.measure("comparable") != 0 }

    // MARK: captions

    /// "R = 1000 replications per cell; n_failed = 3 of 4000 fits (at most 2 in a cell)",
    /// counting fits of `estimators` whose status is not converged (schema status ≠ 0), and,
    /// when there are any, the estimates of those estimators without a truth (`n_no_truth`).
    func runCaption(estimators: Set<String>) -> String {
        var failed = 0, fits = 0, worst = 0
        var stored = Set<Int>()
        for cellDraws in data.draws {
            for d in cellDraws where estimators.contains(d.estimator) {
                let f = d.status.filter { $0 != 0 }.count
                failed += f; fits += d.replications; worst = max(worst, f)
                stored.insert(d.replications)
            }
        }
        let shard = stored.count == 1 && stored.first != data.replications ? " (this file holds \(stored.first!))" : ""
        // Estimates whose truth is not finite are no failed fits; they are excluded from the measures
        // too, so the caption says how many (0, or a file that predates the count: nothing said).
        let noTruth = data.rows.filter { estimators.contains($0.estimator) }.reduce(0) { $0 + ($1.measures.nNoTruth ?? 0) }
        return "R = \(data.replications) replications per cell\(shard); n_failed = \(failed) of \(fits) fits"
            + (failed > 0 ? " (at most \(worst) in a cell)" : "") + "; failed fits are excluded"
            + (noTruth > 0 ? "; n_no_truth = \(noTruth) estimates of these estimators have no true value (excluded)" : "")
    }

    /// Axis names of the cells longer than this become codes C1, C2 … with a key in the caption.
    static let longestCellName = 32

    var cellLabels: [String] { cellNames.names }

    /// The cells' names on axes and titles (from the naming factors, `FactorLabels`), and
    /// the caption's key: shortened descriptions in full, coded cells, factors left out.
    var cellNames: (names: [String], key: String) {
        let labels = factorLabels
        var names = data.cells.map { $0.title == nil && $0.factors.isEmpty ? (data.cells.count == 1 ? "" : $0.shortLabel) : labels.cellName($0) }
        // Labels "paper-like: omitted …" arrive shortened to the part before ": " (`FactorLabels.heads`),
        // their full text in `shortened`.
        var key = labels.shortened.map { "\($0.label) = \($0.full)" }
        if (names.map(\.count).max() ?? 0) > Self.longestCellName {
            key = names.enumerated().map { "C\($0 + 1) = \($1)" }
            names = names.indices.map { "C\($0 + 1)" }
        }
        let dropped = varyingFactors.map(\.path).filter { !labels.naming.contains($0) && !labels.besideTitle.contains($0) }
            .map { CellInfo.Factor(path: $0, value: "").shortName }
        var parts: [String] = []
        if !key.isEmpty { parts.append("Cells: " + key.joined(separator: "; ")) }
        if !dropped.isEmpty { parts.append("Not named (set by the other factors): " + dropped.joined(separator: ", ")) }
        return (names, parts.joined(separator: ". "))
    }

    /// Runs of consecutive cells with the same level of the grid's slowest naming factor
    /// (e.g. the truth shape in inverted-u-recovery): where a figure split by cells breaks pages.
    var cellBlocks: [Int] {
        guard let slowest = factorLabels.naming.first else { return [] }
        var sizes: [Int] = [], last: String?
        for cell in data.cells {
            let level = cell.factors.first { $0.path == slowest }?.value
            if level == last, !sizes.isEmpty { sizes[sizes.count - 1] += 1 } else { sizes.append(1); last = level }
        }
        return sizes
    }

    /// The run caption followed by the cell key, if any.
    func caption(estimators: Set<String>) -> String {
        let key = cellNames.key
        return runCaption(estimators: estimators) + (key.isEmpty ? "" : ". " + key)
    }

    /// Short labels of the grid's factor levels (mappings compacted; see `FactorLabels`).
    var factorLabels: FactorLabels { FactorLabels(cells: data.cells) }

    /// Summary rows of one kind, grouped by estimand (in first-seen order), then by estimator.
    /// `panelNote` adds to a panel's title from its rows (e.g. how often the truth is a U).
    func forestPanels(kind: (EstimandKind) -> Bool, value: String, mcse: String,
                      panelNote: (([SummaryRow]) -> String)? = nil) -> (panels: [ForestPlot.Panel], estimators: Set<String>) {
        var estimands: [String] = []
        let rows = data.rows.filter { Self.comparable($0) }
        for r in rows where kind(r.kind) && !estimands.contains(r.estimand) { estimands.append(r.estimand) }
        var used = Set<String>()
        let panels = estimands.map { name -> ForestPlot.Panel in
            let series = data.estimators.enumerated().compactMap { e, est -> ForestPlot.Series? in
                let rows = rows.filter { $0.estimator == est && $0.estimand == name }
                guard !rows.isEmpty else { return nil }
                used.insert(est)
                return ForestPlot.Series(title: est, points: rows.map {
                    ForestPlot.Point(cell: $0.cell.ordinal, value: $0.measure(value), mcse: $0.measure(mcse),
                                     // n_ok = 0 beside a finite value: a summary without the count (not a cell with no fits).
                                     fits: $0.measure("n_ok") > 0 ? Int($0.measure("n_ok")) : nil)
                }, color: e + 1)
            }
            let note = panelNote?(rows.filter { $0.estimand == name }) ?? ""
            let label = Typeset.estimand(name)
            // Identical bias and MCSE in every cell means identical point estimates (an estimator
            // and its cluster-variance twin): drawn once. Coverages may tie by chance at small R.
            let merged = value.hasSuffix("bias") ? Self.mergingIdentical(series) : series
            return ForestPlot.Panel(title: note.isEmpty ? label : "\(label) (\(note))", series: merged)
        }
        return (panels, used)
    }

    /// Series with the same values and MCSEs in every cell drawn once, titled "a = b"
    /// (e.g. an estimator and its cluster-variance twin share their point estimates).
    static func mergingIdentical(_ series: [ForestPlot.Series]) -> [ForestPlot.Series] {
        var out: [ForestPlot.Series] = []
        for s in series {
            let key = s.points.map { "\($0.cell) \($0.value) \($0.mcse)" }
            if let i = out.firstIndex(where: { $0.points.map { "\($0.cell) \($0.value) \($0.mcse)" } == key }) {
                out[i] = ForestPlot.Series(title: out[i].title + " = " + s.title, points: out[i].points, color: out[i].color)
            } else {
                out.append(s)
            }
        }
        return out
    }

    func forest(id: String, title: String, xlabel: String, kind: @escaping (EstimandKind) -> Bool, value: String, mcse: String,
                reference: Double, band: ClosedRange<Double>? = nil, clamp: ClosedRange<Double>? = nil,
                panelNote: (([SummaryRow]) -> String)? = nil, emptyReason: String) -> FigurePlan {
        let (panels, used) = forestPanels(kind: kind, value: value, mcse: mcse, panelNote: panelNote)
        let caption = caption(estimators: used)
        var plot = ForestPlot(name: "\(baseName)-\(id)", title: title, caption: caption, xlabel: xlabel,
                              cellLabels: cellLabels, panels: panels, reference: reference, band: band, clamp: clamp, text: text)
        plot.cellBlocks = cellBlocks
        plot.minimumFits = Self.minimumFits(replications: data.replications)
        let marked = panels.contains { $0.series.contains { $0.points.contains { p in p.value.isFinite && plot.tooFewFits(p) } } }
        let note = marked ? " An estimator with fewer than \(plot.minimumFits) usable fits in a cell (of \(data.replications)) is marked \"k fits\" at the reference line instead of a point: too few for an estimate." : ""
        let figures = plot.figures()
        let drawn = Set(data.rows.filter { kind($0.kind) }.map(\.estimand))
        return FigurePlan(id: id, caption: title + ". " + caption + "." + note + blankNote(estimands: drawn, column: value),
                          figures: figures, skipped: figures.isEmpty ? emptyReason : nil)
    }

    /// Why cells are blank in a figure of `column` (REPORTS.md: nothing left out without a
    /// reason): the comparable rows of the drawn estimands with no finite value, grouped by
    /// reason — a truth that is NaN (a turning point or shift of a world whose true curve has
    /// none: monotone), no usable fit, or no finite value of the measure otherwise. Empty when
    /// no row is blank.
    func blankNote(estimands: Set<String>, column: String) -> String {
        let names = cellNames.names
        let index = Dictionary(uniqueKeysWithValues: data.cells.enumerated().map { ($1.ordinal, $0) })
        var groups: [(reason: String, estimands: [String], cells: [Int])] = []
        for r in data.rows where estimands.contains(r.estimand) && Self.comparable(r) && !r.measure(column).isFinite {
            let reason = !r.measure("true").isFinite
                ? (r.kind.isRatio ? "the truth is NaN (the true curve has no turning point there)" : "the truth is NaN")
                : r.measure("n_ok") < 1 ? "no usable fit" : "no finite \(column)"
            let k = groups.firstIndex { $0.reason == reason } ?? { groups.append((reason, [], [])); return groups.count - 1 }()
            let e = Typeset.plain(Typeset.estimand(r.estimand))
            if !groups[k].estimands.contains(e) { groups[k].estimands.append(e) }
            if let c = index[r.cell.ordinal], !groups[k].cells.contains(c) { groups[k].cells.append(c) }
        }
        guard !groups.isEmpty else { return "" }
        return " Blank (not drawn): " + groups.map { g in
            let cells = g.cells.sorted().map { names[$0].isEmpty ? "the cell" : names[$0] }
            return "\(g.estimands.joined(separator: ", ")) in \(cells.count == data.cells.count ? "every cell" : cells.joined(separator: "; ")): \(g.reason)"
        }.joined(separator: ". ") + "."
    }

    /// Fewest usable fits a forest point needs to be drawn as an estimate: a tenth of the
    /// replications, and at least 2 (one fit has no MCSE). At R = 500 a cell where 14 of 500
    /// fits succeeded is marked, not plotted as if its mean were the estimator's bias.
    static func minimumFits(replications: Int) -> Int { max(2, replications / 10) }

    // MARK: (a) bias, (b) coverage, (e) U-test rejection

    /// "true U: 95–100%": the range over cells of the share of replications whose truth is 1.
    static func trueShare(_ rows: [SummaryRow]) -> String {
        let shares = rows.map { $0.measure("true") }.filter(\.isFinite)
        guard let lo = shares.min(), let hi = shares.max() else { return "" }
        let pct = { (x: Double) in String(format: "%.0f%%", 100 * x) }
        return "true U: " + (pct(lo) == pct(hi) ? pct(lo) : "\(pct(lo))–\(pct(hi))")
    }

    /// (a) Bias ± 1.96 MCSE of every scalar estimand across cells. Ratio estimands
    /// (turning points, shifts) have no mean, and ρ or θ under a wrong W is another
    /// parameter (not comparable): both are left out (ratios: `ratioBias`).
    public func bias() -> FigurePlan {
        forest(id: "bias", title: "Bias ± 1.96 MCSE by design cell", xlabel: "estimate − truth",
               kind: { $0 == .scalar }, value: "bias", mcse: "mcse_bias", reference: 0,
               emptyReason: "no scalar estimand has a finite bias")
    }

    /// Median bias ± 1.96 (bootstrap) MCSE of the ratio estimands (turning points c*, shifts dc*/dD).
    public func ratioBias() -> FigurePlan {
        forest(id: "ratio-bias", title: "Turning points and shifts: median bias ± 1.96 MCSE (ratios of coefficients have no mean)",
               xlabel: "median of estimate − truth", kind: { $0.isRatio }, value: "median_bias",
               mcse: "mcse_median_bias", reference: 0,
               emptyReason: ratioEmptyReason(measure: "a finite median bias"))
    }

    /// Coverage of the Fieller 95% sets of the ratio estimands (a whole-line set covers).
    public func ratioCoverage() -> FigurePlan {
        let half = coverageBandHalfWidth("fieller_coverage")
        return forest(id: "ratio-coverage", title: "Turning points and shifts: coverage of the Fieller 95% sets ± 1.96 MCSE (dashed: 0.95)",
                      xlabel: "Fieller coverage", kind: { $0.isRatio }, value: "fieller_coverage", mcse: "mcse_fieller_coverage",
                      reference: 0.95, band: (0.95 - half)...(0.95 + half), clamp: 0...1, panelNote: Self.unboundedShare,
                      emptyReason: ratioEmptyReason(measure: "a finite Fieller coverage"))
    }

    /// Why a ratio figure is empty, from what the file holds: no ratio estimand scored at all, or
    /// ratio estimands whose every summary row lacks the measure (e.g. no usable fit in any cell).
    func ratioEmptyReason(measure: String) -> String {
        let ratios = data.rows.filter { Self.comparable($0) && $0.kind.isRatio }
        if ratios.isEmpty { return "the run scores no turning point or shift (estimands tp.* or shift.*)" }
        let names = Array(Set(ratios.map(\.estimand))).sorted().joined(separator: ", ")
        return "no row of the turning points or shifts (\(names)) has \(measure): too few usable fits in every cell"
    }

    /// "unbounded: 53–60%": the range over the rows (cells and estimators) of the share of Fieller sets that are not one interval.
    static func unboundedShare(_ rows: [SummaryRow]) -> String {
        let shares = rows.map { 1 - $0.measure("share_bounded") }.filter(\.isFinite)
        guard let lo = shares.min(), let hi = shares.max() else { return "" }
        let pct = { (x: Double) in String(format: "%.0f%%", 100 * x) }
        return "unbounded: " + (pct(lo) == pct(hi) ? pct(lo) : "\(pct(lo))–\(pct(hi))")
    }

    /// 1.96 √(0.95·0.05/n) with n the fewest usable replications (n_ok) of a row with
    /// a finite `column`: the honest (widest) band where a correct interval's coverage falls.
    func coverageBandHalfWidth(_ column: String) -> Double {
        // Rows marked for too few fits are not drawn, so they do not set the band.
        let least = Double(Self.minimumFits(replications: data.replications))
        let counts = data.rows.filter { $0.measure(column).isFinite }.map { $0.measure("n_ok") }.filter { $0 >= least }
        let n = counts.min() ?? Double(max(data.replications, 1))
        return ForestPlot.z * (0.95 * 0.05 / n).squareRoot()
    }

    /// (b) Coverage of the nominal 95% intervals ± 1.96 MCSE, with the nominal 0.95 line
    /// and, dotted, 0.95 ± 1.96 √(0.95·0.05/n): where coverage of a correct interval falls,
    /// with n the fewest usable replications (n_ok) of any plotted row — coverage is a
    /// share of those, not of R, and the smallest n gives the widest (honest) band.
    public func coverage() -> FigurePlan {
        let half = coverageBandHalfWidth("coverage")
        let n = Int((0.95 * 0.05 / (half / ForestPlot.z * half / ForestPlot.z)).rounded())
        return forest(id: "coverage", title: "Coverage of nominal 95% intervals ± 1.96 MCSE (dashed: 0.95; dotted: 0.95 ± 1.96 √(0.95·0.05/n_ok), n_ok = \(n))",
                      xlabel: "coverage", kind: { $0 == .scalar }, value: "coverage", mcse: "mcse_coverage",
                      reference: 0.95, band: (0.95 - half)...(0.95 + half), clamp: 0...1, emptyReason: "no estimand has interval bounds (coverage is NaN)")
    }

    /// (e) Rejection rate of the U-tests ± 1.96 MCSE per cell, with the test level α.
    /// The engine's U-test truth is 1 when the true curve is a U inside the test
    /// interval (docs/monte-carlo.md), so the rate is power where the truth is 1 and
    /// a false-positive rate where it is 0; each panel's title gives the share of
    /// replications whose truth is a U (the `true` measure), over the cells.
    public func uTest() -> FigurePlan {
        forest(id: "utest", title: "U-test rejection rate ± 1.96 MCSE (dashed: α = \(GP.num(data.alpha))): power where the true curve is a U, false-positive rate where not",
               xlabel: "rejection rate", kind: { $0 == .uTest }, value: "rejection", mcse: "mcse_rejection",
               reference: data.alpha, clamp: 0...1, panelNote: Self.trueShare, emptyReason: "no U-test estimands (utest.K.L, or names starting utest or u_test) with p-values")
    }
}
