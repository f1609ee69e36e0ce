import ArgumentParser
import CitySystem
import Foundation
import MonteCarlo
import TestSupport
import XCTest
@testable import spillsim

/// Parse-level end-to-end tests of `generate`, `truth` and `validate` (in process).
final class CitySystemCommandTests: XCTestCase {
    func writeScenario(_ dir: URL, _ extra: String = "") throws -> String {
        let path = dir.appendingPathComponent("small.yaml").path
        try """
        name: small
        seed: 5
        city_system:
          geography: {cities: 30, centres: 3, square_km: 600, min_separation_km: 150, first_year: 2003, last_year: 2010}
          treatment: {t0: 2007, regions: [0, 1, 2, 3]}
          estimator_weights:
            - {name: true}
            - {name: knn4, kind: knn, k: 4}
        \(extra)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ args: [String]) throws {
        var cmd = try Spillsim.parseAsRoot(args)
        try cmd.run()
    }

    func testGenerateIsByteIdenticalForTheSameSeed() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try writeScenario(dir)
        let p = { (n: String) in dir.appendingPathComponent(n).path }
        try run(["generate", s, "--out", p("a.csv"), "--weights-out", p("wa.csv"), "--coords-out", p("ca.csv"), "--weights", "knn4"])
        try run(["generate", s, "--out", p("b.csv"), "--weights-out", p("wb.csv"), "--weights", "knn4"])
        try run(["generate", s, "--seed", "6", "--out", p("c.csv")])
        let a = try Data(contentsOf: URL(fileURLWithPath: p("a.csv")))
        XCTAssertEqual(a, try Data(contentsOf: URL(fileURLWithPath: p("b.csv"))))
        XCTAssertNotEqual(a, try Data(contentsOf: URL(fileURLWithPath: p("c.csv"))))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: p("wa.csv"))), try Data(contentsOf: URL(fileURLWithPath: p("wb.csv"))))
        let w = try String(contentsOfFile: p("wa.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(w.count, 31)
        XCTAssertTrue(w[0].hasPrefix("id,1,2,3"))
        XCTAssertEqual(try String(contentsOfFile: p("ca.csv"), encoding: .utf8).split(separator: "\n").count, 31)
        assertThrows(try run(["generate", s, "--out", p("d.csv"), "--weights-out", p("wd.csv"), "--weights", "nope"]), as: ValidationError.self) {
            XCTAssertTrue("\($0)".hasPrefix("--weights nope: no estimator W of that name in \(s); known: "), "\($0)")
        }
    }

    /// `--diffusion-out` writes the generator's digital-diffusion kernel: v_ij ∝ exp(−d_ij / decay_km) from
    /// the coordinates, zero diagonal, rows summing to 1 (MODEL.md §2.4), the ids in the panel's order.
    func testDiffusionOutWritesTheRowStandardisedKernel() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = { (n: String) in dir.appendingPathComponent(n).path }
        let s = try writeScenario(dir, "  digital: {decay_km: 200}\n")
        try run(["generate", s, "--out", p("a.csv"), "--coords-out", p("c.csv"), "--diffusion-out", p("v.csv")])
        func rows(_ name: String) throws -> [[Substring]] {
            try String(contentsOfFile: p(name), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",") }
        }
        let v = try rows("v.csv"), c = try rows("c.csv")
        XCTAssertEqual(v.count, 31)
        XCTAssertEqual(v[0].dropFirst().map(String.init), c.dropFirst().map { String($0[0]) })
        let xy = c.dropFirst().map { (Double($0[1])!, Double($0[2])!) }
        for i in 0..<30 {
            XCTAssertEqual(v[i + 1][0], c[i + 1][0])
            let row = v[i + 1].dropFirst().map { Double($0)! }
            let raw = (0..<30).map { j in j == i ? 0 : exp(-hypot(xy[i].0 - xy[j].0, xy[i].1 - xy[j].1) / 200) }
            let sum = raw.reduce(0, +)
            XCTAssertEqual(row[i], 0)
            for j in 0..<30 { XCTAssertEqual(row[j], raw[j] / sum, accuracy: 1e-12 * max(1, raw[j] / sum)) }
        }
    }

    /// `--equilibrium-out` writes the `neg` equilibrium per city-year (byte-identical for a seed),
    /// refuses a reduced-mode scenario without writing anything, and `validate` reports the CA
    /// distribution with the fixed points.
    func testNEGEquilibriumOutAndValidateReport() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = { (n: String) in dir.appendingPathComponent(n).path }
        let neg = try writeScenario(dir, "  sectors: {mode: neg, eta: 1.5}\n")
        try run(["generate", neg, "--out", p("a.csv"), "--equilibrium-out", p("ea.csv")])
        try run(["generate", neg, "--out", p("b.csv"), "--equilibrium-out", p("eb.csv")])
        let e = try String(contentsOfFile: p("ea.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(e.count, 1 + 30 * 8)
        XCTAssertEqual(String(e[0]), PanelCSV.equilibriumColumns.joined(separator: ","))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: p("ea.csv"))), try Data(contentsOf: URL(fileURLWithPath: p("eb.csv"))))
        let lines = try Spillsim.Validate.report(neg)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  sectors (neg): CA p5 ") && $0.contains("equilibrium: ") }, lines.joined(separator: "\n"))

        let reduced = try writeScenario(dir)
        assertThrows(try run(["generate", reduced, "--out", p("c.csv"), "--equilibrium-out", p("ec.csv")]), as: ValidationError.self) {
            XCTAssertTrue("\($0)".contains("only mode: neg solves an equilibrium"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: p("c.csv")))
        XCTAssertTrue(try Spillsim.Validate.report(reduced).contains { $0.hasPrefix("  sectors (reduced): CA p5 ") })
    }

    /// The truth table's columns stay apart: every row of the regressor and turning-point tables
    /// splits into its columns (a local formatter once shadowed the padded one and glued them).
    func testTruthTextColumnsAreSeparated() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let world = try Worlds.load(try ScenarioDocument.load(path: try writeScenario(dir)), seed: nil)
        let lines = try world.truth(replication: 0).text.split(separator: "\n").map(String.init)
        for name in ["CA", "CA2", "CAxD", "D"] {
            let row = try XCTUnwrap(lines.first { $0.hasPrefix(name + " ") }, name)
            XCTAssertEqual(row.split(separator: " ").count, 6, "name, beta, theta, direct, indirect, total: \(row)")
        }
        let p50 = lines.filter { $0.hasPrefix("p50") }
        XCTAssertEqual(p50.count, 3)
        for row in p50 { XCTAssertEqual(row.split(separator: " ").count, 6, "D, d, effect, c*, U-shaped, dc*/dD: \(row)") }
    }

    /// Each kind of world answers `generate` and `truth` through `World`: an observed design's panel
    /// and W come from the data, a file it cannot make is refused by its flag (never ignored), and
    /// the known DGP, which draws no panel, says so.
    func testGenerateAndTruthAskTheScenariosWorld() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let observed = try TestPaths.committed("scenarios/cigarette-calibrated.yaml").path
        let world = try Worlds.load(try ScenarioDocument.load(path: observed), seed: nil)
        XCTAssertTrue(world is ObservedDesignWorld)
        let truth = try world.truth(replication: 3)
        XCTAssertEqual(truth.model.rho, try world.truth(replication: 0).model.rho, "an observed design's truth is fixed")
        XCTAssertTrue(truth.text.hasPrefix("True estimands: "), truth.text)
        for (flag, reason) in [("--equilibrium-out", "no equilibrium"), ("--merges-out", "no generated merges"), ("--coords-out", "no coordinates")] {
            let out = dir.appendingPathComponent("p.csv").path
            assertThrows(try run(["generate", observed, "--out", out, flag, dir.appendingPathComponent("x.csv").path]),
                         as: ValidationError.self) { XCTAssertTrue("\($0)".hasPrefix(flag) && "\($0)".contains(reason), "\($0)") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no panel written beside a refused file")
        }
        let known = try TestPaths.committed("scenarios/ols-check.yaml").path
        XCTAssertTrue(try Worlds.load(try ScenarioDocument.load(path: known), seed: nil) is KnownDGPWorld)
        assertThrows(try run(["truth", known]), as: RunError.self) { XCTAssertTrue("\($0)".contains("known_dgp"), "\($0)") }
    }

    /// `--cell K` draws the world `run` scores cell K against: the cell's grid level applied and its
    /// streams (seed, cell_index, replication). Before it, `truth` and `generate` drew the scenario as
    /// written (ρ = 0.3, which no cell uses) and labelled it cell 0.
    func testCellSelectsTheDesignCellsWorld() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = { (n: String) in dir.appendingPathComponent(n).path }
        let design = "  outcome: {rho: 0.3}\nmonte_carlo: {replications: 2}\nestimators: [{name: sdm, model: sdm, estimands: [rho]}]\n"
        let s = try writeScenario(dir, design + "grid: {city_system.outcome.rho: [0.2, 0.4]}\n")
        let document = try ScenarioDocument.load(path: s)
        for (choice, rho) in [(nil, 0.2), ("0", 0.2), ("1", 0.4), ("city_system.outcome.rho=0.4", 0.4)] as [(String?, Double)] {
            let selected = try DesignCellChoice.select(document, seed: nil, cell: choice)
            XCTAssertEqual(try selected.world.truth(replication: 0).model.rho, rho, "cell \(choice ?? "none")")
        }
        // The panel of cell 1 is the one of a world with ρ = 0.4 written out, on cell 1's streams.
        try run(["generate", s, "--cell", "1", "--out", p("c1.csv")])
        try run(["generate", s, "--out", p("c0.csv")])
        let written = try ScenarioDocument(text: try String(contentsOfFile: s, encoding: .utf8)
            .replacingOccurrences(of: "rho: 0.3", with: "rho: 0.4").replacingOccurrences(of: "grid: {city_system.outcome.rho: [0.2, 0.4]}", with: ""),
                                           source: s)
        let expected = try CitySystemWorld(document: written, seed: nil, cell: 1, source: s).panel(replication: 0, request: PanelRequest()).panel
        XCTAssertEqual(try String(contentsOfFile: p("c1.csv"), encoding: .utf8), expected)
        XCTAssertNotEqual(try String(contentsOfFile: p("c0.csv"), encoding: .utf8), expected)
        // What a user sees: the cell under the title, its ρ, and without --cell a note naming the cells.
        let one = try ProcessRunner.spillsim(["truth", s, "--cell", "1"])
        XCTAssertEqual(one.status, 0, one.err)
        let lines = one.out.split(separator: "\n")
        XCTAssertEqual(lines[1], "design cell 1 of 2: city_system.outcome.rho=0.4 (cell_index 1)")
        XCTAssertTrue(lines[2].hasPrefix("rho 0.4000"), one.out)
        XCTAssertFalse(one.err.contains("note:"), one.err)
        let first = try ProcessRunner.spillsim(["truth", s])
        XCTAssertTrue(first.out.contains("rho 0.2000"), first.out)
        XCTAssertTrue(first.err.contains("has 2 design cells; this is cell 0. Choose one with --cell K (number or label): 0: city_system.outcome.rho=0.2; 1: city_system.outcome.rho=0.4"),
                      first.err)
        for bad in ["2", "rho=0.4", "-1"] {
            assertThrows(try run(["truth", s, "--cell", bad]), as: ValidationError.self) {
                XCTAssertTrue("\($0)".hasPrefix("--cell \(bad): \(s): there is no design cell"), "\($0)")
                XCTAssertTrue("\($0)".contains("0: city_system.outcome.rho=0.2; 1: city_system.outcome.rho=0.4"), "\($0)")
            }
        }
        // A file without a design has one world, cell 0 (as --cell's help says): cell 0 is that
        // world (it was refused, review item 10); any other cell is refused, naming the file.
        let plain = try writeScenario(dir)
        let asWritten = try ProcessRunner.spillsim(["truth", plain, "--json"])
        let cellZero = try ProcessRunner.spillsim(["truth", plain, "--json", "--cell", "0"])
        XCTAssertEqual(cellZero.status, 0, cellZero.err)
        XCTAssertEqual(cellZero.out, asWritten.out)
        for bad in ["1", "a"] {
            assertThrows(try run(["truth", plain, "--cell", bad]), as: ValidationError.self) {
                XCTAssertTrue("\($0)".hasPrefix("--cell \(bad): \(plain) has one cell, 0: without `estimators:` it has no design"), "\($0)")
                XCTAssertTrue("\($0)".contains("there is no cell `\(bad)`: choose cell 0 or leave the cell out"), "\($0)")
            }
        }
    }

    func testValidateAndTruth() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try run(["validate", try writeScenario(dir)])
        try run(["truth", try writeScenario(dir), "--json"])
        let bad = try writeScenario(dir, "  outcome: {rhoo: 0.2}\n")
        assertThrows(try run(["validate", bad]), as: ScenarioError.self) {
            XCTAssertTrue("\($0)".contains("city_system.outcome.rhoo: unknown key; did you mean 'rho'?"), "\($0)")
        }
    }
}
