import Foundation
import MonteCarlo
import Reports
import TestSupport
import XCTest

/// Every figure type drawn from one small engine-written file (a 2 × 2 × 2 grid over ρ, the
/// true W's kind and the error SD, an SDM with the true W and one with 5 nearest neighbours), in every
/// format; the data files hold the numbers the figures plot.
final class FigureTypesTests: XCTestCase {
    static let scenario = """
        name: figure-types
        seed: 11
        city_system:
          geography: {centres: 4, cities: 40, square_km: 800, min_separation_km: 200, first_year: 2005, last_year: 2012}
          estimator_weights:
            - {name: true}
            - {name: knn5, kind: knn, k: 5}
        monte_carlo: {replications: 6, chunk_size: 6}
        estimators:
          - {name: sdm, model: sdm, estimands: [rho, beta.CA, tp.direct.p50, utest.direct.p50,
                                                curve.direct.p50.0, curve.direct.p50.20, curve.direct.p50.40,
                                                curve.direct.p25.0, curve.direct.p25.20, curve.direct.p25.40]}
          - {name: sdm_knn5, model: sdm, weights: knn5, estimands: [rho, beta.CA, tp.direct.p50, utest.direct.p50]}
        grid:
          city_system.outcome.rho: [0.2, 0.5]
          city_system.weights.kind: [exponential, knn]
          city_system.outcome.error.sigma: [0.1, 0.2]
        """

    nonisolated(unsafe) static var shared: (directory: URL, results: String)?

    override class func setUp() {
        super.setUp()
        guard let dir = try? TestPaths.temporaryDirectory("spillsim-figure-types") else { return }
        let out = dir.appendingPathComponent("types.h5").path
        var options = RunOptions(output: out)
        options.threads = 2
        guard let scenario = try? MonteCarloScenario(text: Self.scenario),
              (try? MonteCarloRunner(scenario: scenario, options: options, format: HDF5ResultsFormat()).run()) != nil else {
            // The tests then fail on the missing run (`results()`); the folder goes now, tearDown has nothing to remove.
            try? FileManager.default.removeItem(at: dir)
            return
        }
        shared = (dir, out)
    }

    override class func tearDown() {
        if let dir = shared?.directory { try? FileManager.default.removeItem(at: dir) }
        super.tearDown()
    }

    func results() throws -> (URL, ResultsData) {
        let s = try XCTUnwrap(Self.shared, "the engine run in setUp failed")
        return (s.directory, try ResultsData.read(s.results))
    }

    static let drawnIDs = ["bias", "coverage", "ratio-bias", "ratio-coverage", "curves", "curves-by-d", "turning-points", "utest", "nlp-bias", "nlp-coverage", "w-heatmap", "zip", "utest-power"]

    func testEveryFigureTypeInEveryFormatIsAValidFile() throws {
        let (dir, _) = try results()
        for format in FigureFormat.allCases {
            let r = try AppendixReport.write(resultsPath: Self.shared!.results, out: dir.appendingPathComponent("\(format)/t").path,
                                             figureFormat: format, gnuplot: try Gnuplot())
            // A figure too tall for a page is split into pages NAME-id-1, NAME-id-2 ….
            let drawn = r.figures.map { $0.figure.deletingPathExtension().lastPathComponent.replacingOccurrences(of: #"-[0-9]+$"#, with: "", options: .regularExpression) }
            XCTAssertEqual(drawn.reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }, Self.drawnIDs.map { "t-\($0)" }, "\(format)")
            for f in r.figures {
                assertValidFigure(f.figure)
                let script = try String(contentsOf: f.script, encoding: .utf8)
                XCTAssertTrue(script.contains("load 'spillsim-style.gp'"), f.script.lastPathComponent)
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(format)/spillsim-style.gp").path))
            let captions = try String(contentsOf: r.captions, encoding: .utf8)
            for id in Self.drawnIDs {
                let line = captions.split(separator: "\n").first { $0.contains("t-\(id).\(format.fileExtension)**: ") || $0.contains("t-\(id)-1.\(format.fileExtension)**: ") }
                XCTAssertNotNil(line, "\(id) captioned: \(captions)")
                XCTAssertTrue(line?.contains("*How to read:* ") == true, "\(id) says how to read it: \(line ?? "")")
            }
        }
    }

    /// Data blocks of a figure's data file: each block's last comment line (a panel's title
    /// may precede it) and its rows of numbers.
    static func blocks(_ text: String) -> [(comment: String, rows: [[Double]])] {
        text.components(separatedBy: "\n\n\n").compactMap { block in
            let lines = block.split(separator: "\n").map(String.init)
            guard let comment = lines.last(where: { $0.hasPrefix("#") }) else { return nil }
            let rows = lines.filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { $0.split(separator: " ").map { Double($0) ?? .nan } }
            return (comment, rows)
        }
    }

    /// Every figure type, drawn to SVG at print size, is readable: no text leaves the canvas,
    /// no two texts overlap, no font is below 8 pt, and every series of the data file is drawn.
    func testEveryFigureTypeIsReadableAtPrintSize() throws {
        let (dir, _) = try results()
        let r = try AppendixReport.write(resultsPath: Self.shared!.results, out: dir.appendingPathComponent("layout/t").path,
                                         figureFormat: .svg, gnuplot: try Gnuplot())
        XCTAssertFalse(r.figures.isEmpty)
        for f in r.figures {
            assertReadableFigure(f.figure)
            XCTAssertEqual(f.width, FigureStyle.textWidth, f.figure.lastPathComponent)
            XCTAssertLessThanOrEqual(f.height, FigureStyle.maxHeight, f.figure.lastPathComponent)
            let svg = try String(contentsOf: f.figure, encoding: .utf8)
            XCTAssertTrue(svg.contains(String(format: "width=\"%.3fin\"", f.width)), "the SVG states its size in inches")
        }
    }

    /// The tidy export (rsimsum's long format) reproduces the summary: bias = mean(estimate −
    /// truth) and coverage = mean(covered) over converged fits with a finite estimate, for
    /// β_CA of both estimators in every cell (and the turning point's usable count).
    func testTidyExportReproducesSummaryBiasAndCoverage() throws {
        let (_, data) = try results()
        let csv = TidyExport.csv(data)
        let lines = csv.split(separator: "\n").map(String.init)
        let header = Self.csvFields(lines[0])
        let col = { (name: String) in header.firstIndex(of: name)! }
        let rows = lines.dropFirst().map(Self.csvFields)
        XCTAssertEqual(rows.count, data.draws.flatMap { $0 }.map { $0.replications * $0.estimands.count }.reduce(0, +))
        XCTAssertTrue(rows.allSatisfy { $0.count == header.count }, "every row has every column")
        for (estimator, estimand) in [("sdm", "beta.CA"), ("sdm_knn5", "beta.CA"), ("sdm", "tp.direct.p50")] {
            for cell in data.cells {
                let mine = rows.filter { $0[col("cell")] == String(cell.ordinal) && $0[col("estimator")] == estimator && $0[col("estimand")] == estimand
                    && $0[col("status")] == "0" && $0[col("estimate")] != "NA" }
                let summary = try XCTUnwrap(data.rows.first { $0.cell.ordinal == cell.ordinal && $0.estimator == estimator && $0.estimand == estimand })
                XCTAssertEqual(Double(mine.count), summary.measure("n_ok"), "\(estimator) \(estimand) cell \(cell.ordinal)")
                let covered = mine.compactMap { Double($0[col("covered")]) }
                // Coverage is a share of the usable replications: exact up to the division. A ratio
                // estimand is scored by its Fieller sets (summary coverage NaN); the export's
                // `covered` is of the stored interval, so there is nothing to compare.
                if summary.measure("coverage").isFinite {
                    assertClose(summary.measure("coverage"), covered.reduce(0, +) / Double(covered.count), tolerance: 1e-12)
                }
                guard !EstimandKind(name: estimand).isRatio else { continue }
                let errors = mine.map { Double($0[col("estimate")])! - Double($0[col("truth")])! }
                // 17 significant digits round-trip each double; the mean differs by summation order only.
                assertClose(summary.measure("bias"), errors.reduce(0, +) / Double(errors.count), tolerance: 1e-12 * max(1, errors.map(abs).max() ?? 1))
            }
        }
    }

    /// Fields of one CSV line (RFC 4180 quoting).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false, chars = Array(line), i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" { if i + 1 < chars.count, chars[i + 1] == "\"" { current.append("\""); i += 1 } else { quoted = false } } else { current.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(current); current = "" } else { current.append(c) }
            i += 1
        }
        fields.append(current)
        return fields
    }

    func testNestedLoopHeatmapAndPowerDataHoldTheSummaryNumbers() throws {
        let (_, data) = try results()
        let figures = AppendixFigures(data: data, baseName: "t")
        let value = { (cell: Int, est: String, name: String, column: String) in
            data.rows.first { $0.cell.ordinal == cell && $0.estimator == est && $0.estimand == name }!.measure(column)
        }
        // Nested loop: per estimator and estimand, (cell + 1, bias) in nested order; then one staircase per factor.
        let nlp = Self.blocks(try XCTUnwrap(figures.nestedLoopBias().figure).data)
        let rho = try XCTUnwrap(nlp.first { $0.comment.hasPrefix("# ρ — sdm:") })
        XCTAssertEqual(rho.rows.map { $0[0] }, Array(1...9).map(Double.init), "the last value repeated closes the last step")
        XCTAssertEqual(rho.rows[8][1], rho.rows[7][1])
        for (c, row) in rho.rows.dropLast().enumerated() { assertClose(value(c, "sdm", "rho", "bias"), row[1], tolerance: 1e-9 * max(1, abs(row[1]))) }
        let panels = Set(nlp.filter { !$0.comment.hasPrefix("# factor ") }.map { $0.comment.components(separatedBy: " — ")[0] })
        XCTAssertEqual(nlp.filter { $0.comment.hasPrefix("# factor ") }.count, 3 * panels.count, "three factors under each panel")
        // A turning point has no mean: its panel shows the median bias.
        let tp = try XCTUnwrap(nlp.first { $0.comment.hasPrefix("# c*_DE, D p50 — sdm:") })
        XCTAssertTrue(tp.comment.hasSuffix("median_bias"), tp.comment)
        for (c, row) in tp.rows.dropLast().enumerated() { assertClose(value(c, "sdm", "tp.direct.p50", "median_bias"), row[1], tolerance: 1e-9 * max(1, abs(row[1]))) }

        // Heatmap: (estimator column, cell row, value) for an estimand both estimators score.
        let heat = Self.blocks(try XCTUnwrap(figures.heatmap().figure).data)
        let beta = try XCTUnwrap(heat.first { $0.comment.hasPrefix("# β_CA: bias") })
        XCTAssertEqual(beta.rows.count, 2 * 8)
        for row in beta.rows {
            let est = ["sdm", "sdm_knn5"][Int(row[0])]
            assertClose(value(Int(row[1]), est, "beta.CA", "bias"), row[2], tolerance: 1e-9 * max(1, abs(row[2])))
        }
        XCTAssertFalse(heat.contains { $0.comment.hasPrefix("# ρ") }, "ρ is scored by one estimator only")

        // Power: rejection against ρ (levels at 0, 1), one line per estimator, W kind and error SD
        // (8 lines fit the 8 styles, so no further facets than power/size).
        let power = Self.blocks(try XCTUnwrap(figures.power().figure).data)
        let line = try XCTUnwrap(power.first { $0.comment.contains("— sdm, kind=knn") })
        XCTAssertTrue(line.rows.allSatisfy { [0, 1].contains($0[0]) && [0.2, 0.5].contains($0[1]) }, "\(line.rows)")
        let rates = Set(data.rows.filter { $0.estimator == "sdm" && $0.estimand == "utest.direct.p50" }.map { $0.measure("rejection") })
        // Written with 10 significant digits.
        XCTAssertTrue(line.rows.allSatisfy { r in rates.contains { abs($0 - r[2]) <= 1e-9 } }, "\(line.rows) vs \(rates)")
        let facets = Set(power.map { $0.comment.components(separatedBy: " — ")[0] })
        XCTAssertEqual(power.count % facets.count, 0, "the same lines in every facet: \(facets)")
    }

    func testZipAndTurningPointDataHoldTheReplications() throws {
        let (_, data) = try results()
        let figures = AppendixFigures(data: data, baseName: "t")
        // Zip, first cell, ρ of sdm: every converged replication once; the misses are the non-covering intervals.
        let zip = Self.blocks(try XCTUnwrap(figures.zip().figure).data)
        let d = data.draws[0][0], k = d.estimands.firstIndex(of: "rho")!
        let covering = try XCTUnwrap(zip.first { $0.comment.hasPrefix("# covering") }).rows.filter { $0[1].isFinite }
        let missing = try XCTUnwrap(zip.dropFirst().first { $0.comment.hasPrefix("# not covering") }).rows.filter { $0[1].isFinite }
        let usable = (0..<d.replications).filter { d.status[$0] == 0 }
        XCTAssertEqual(covering.count + missing.count, usable.count)
        let coverage = data.rows.first { $0.cell.ordinal == 0 && $0.estimator == "sdm" && $0.estimand == "rho" }!.measure("coverage")
        assertClose(coverage * Double(usable.count), Double(covering.count), tolerance: 1e-9)
        let lows = Set(usable.map { d.lower[$0 * d.estimands.count + k] - d.truth[$0 * d.estimands.count + k] })
        for row in covering + missing { XCTAssertTrue(lows.contains { abs($0 - row[1]) <= 1e-9 * max(1, abs($0)) }, "\(row)") }

        // Turning points: the support shaded is [CA p5, CA p95] around the truth's curve grid, and the
        // histogram's densities integrate to the share of estimates shown.
        let tp = try XCTUnwrap(figures.turningPoints().figure)
        XCTAssertTrue(tp.script.contains("set object 1 rect from first "), tp.script)
        // The shares printed in each panel, from the summary row (format version 2).
        let shares = try XCTUnwrap(tp.data.split(separator: "\n").first { $0.hasPrefix("# unbounded_fieller ") })
        let row = data.rows.first { $0.cell.ordinal == 0 && $0.estimator == "sdm" && $0.estimand == "tp.direct.p50" }!
        let printed = shares.dropFirst(2).split(separator: ";").map { $0.split(separator: " ").last.flatMap { Double($0) } ?? .nan }
        XCTAssertEqual(printed.count, 3)
        assertClose(1 - row.measure("share_bounded"), printed[0], tolerance: 1e-9)
        assertClose(1 - row.measure("share_right_shape"), printed[1], tolerance: 1e-9)
        assertClose(row.measure("share_inside_support"), printed[2], tolerance: 1e-9)
        // … and, rounded, in the caption's table (panel titles stay short).
        let table = try XCTUnwrap(figures.turningPoints().table)
        let pct = { (x: Double) in String(format: "%.0f", 100 * x) }
        XCTAssertTrue(table.contains("\(pct(printed[0])) · \(pct(printed[1])) · \(pct(printed[2])) · "), table)
        XCTAssertFalse(tp.script.contains("Fieller unbounded "), tp.script)
        let first = try XCTUnwrap(Self.blocks(tp.data).first)
        let support = try XCTUnwrap(tp.data.split(separator: "\n").first { $0.contains("; support ") })
        let ends = support.components(separatedBy: "; support ")[1].split(separator: " ").compactMap { Double($0) }
        XCTAssertEqual(ends.count, 2)
        XCTAssertLessThan(ends[0], ends[1])
        let width = first.rows[1][0] - first.rows[0][0]
        let mass = first.rows.map { $0[1] * width }.reduce(0, +)
        XCTAssertLessThanOrEqual(mass, 1 + 1e-8, "densities are written with 10 significant digits")
        XCTAssertGreaterThan(mass, 0)
    }

    /// Curves by D: per level of D, the truth and the mean estimate at each grid point.
    func testCurvesByDHoldTheMeansPerLevel() throws {
        let (_, data) = try results()
        let figure = try XCTUnwrap(AppendixFigures(data: data, baseName: "t").curvesByD().figure)
        let blocks = Self.blocks(figure.data)
        XCTAssertEqual(blocks.count, 8 * 2, "8 cells × (D p50, D p25)")
        let d = data.draws[0][0]
        let p25 = try XCTUnwrap(blocks.first { $0.comment.hasPrefix("# D = p25") })
        XCTAssertEqual(p25.rows.map { $0[0] }, [5, 50, 95])
        let k = d.estimands.firstIndex(of: "curve.direct.p25.20")!
        let est = d.usable(k).estimates
        assertClose(est.reduce(0, +) / Double(est.count), p25.rows[1][2], tolerance: 1e-9 * max(1, abs(p25.rows[1][2])))
        XCTAssertTrue(figure.script.contains("set label 'truth, D p25' at screen"), figure.script)
    }

    /// Bias and coverage forests leave out ratio estimands; names are typeset.
    func testForestsExcludeRatiosAndTypesetNames() throws {
        let (_, data) = try results()
        let figures = AppendixFigures(data: data, baseName: "t")
        let bias = try XCTUnwrap(figures.bias().figure)
        XCTAssertFalse(bias.script.contains("c*"), bias.script)
        XCTAssertTrue(data.rows.contains { $0.estimator == "sdm_knn5" && $0.estimand == "rho" && $0.measure("comparable") == 0 })
        XCTAssertFalse(bias.data.contains("ρ — sdm_knn5"), "ρ under a wrong W is another parameter: \(bias.data)")
        XCTAssertTrue(bias.data.contains("ρ — sdm:"), bias.data)
        XCTAssertTrue(bias.script.contains("set title 'β_{/*1.25 CA}'"), bias.script)
        XCTAssertTrue(bias.script.contains("set title 'ρ'"), bias.script)
        let latex = AppendixFigures(data: data, baseName: "t", text: .latex)
        XCTAssertTrue(try XCTUnwrap(latex.bias().figure).script.contains("set title '$\\beta_{\\mathrm{CA}}$'"))
    }
}

/// Estimand names as printed in figures and tables.
final class TypesetTests: XCTestCase {
    func testEngineNamesInEachMedium() {
        let cases: [(String, String, String, String)] = [
            // name, plain, gnuplot enhanced, LaTeX
            ("rho", "ρ", "ρ", "$\\rho$"),
            ("beta1", "β_1", "β_{/*1.25 1}", "$\\beta_{\\mathrm{1}}$"),
            ("beta.CA", "β_CA", "β_{/*1.25 CA}", "$\\beta_{\\mathrm{CA}}$"),
            ("ame.direct.CA", "DE(CA)", "DE(CA)", "DE(CA)"),
            ("tp.indirect.p50", "c*_IE, D p50", "c*_{/*1.25 IE}, D p50", "c*$_{\\mathrm{IE}}$, D p50"),
            ("att", "ATT", "ATT", "ATT"),
            ("tau", "τ", "τ", "$\\tau$"),
            ("tp_lr.direct.p50", "long-run c*_DE, D p50", "long-run c*_{/*1.25 DE}, D p50", "long-run c*$_{\\mathrm{DE}}$, D p50"),
            ("curve_lr.indirect.p75.40", "long-run IE(CA p95), D p75", "long-run IE(CA p95), D p75", "long-run IE(CA p95), D p75"),
            ("att_net", "ATT_net", "ATT_{/*1.25 net}", "ATT$_{\\mathrm{net}}$"),
            ("sdm_knn5", "sdm_knn5", "sdm\\_knn5", "sdm\\_knn5"),
        ]
        for (name, plain, gp, tex) in cases {
            let m = Typeset.estimand(name)
            XCTAssertEqual(Typeset.plain(m), plain, name)
            XCTAssertEqual(Typeset.gnuplot(m), gp, name)
            XCTAssertEqual(Typeset.latex(m), tex, name)
        }
        XCTAssertEqual(Typeset.markdown(Typeset.estimand("theta.CA")), "θ<sub>CA</sub>")
        XCTAssertEqual(Typeset.latex("0.95 ± 1.96 √(p·q/n)"), "0.95 $\\pm$ 1.96 $\\surd$(p$\\cdot$q/n)")
    }
}
