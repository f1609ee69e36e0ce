import Foundation
import TestSupport
import XCTest
@testable import spillsim

/// The command-line defects of the session-14 stranger audit: options that do not apply are
/// refused (not accepted and ignored), help lists only accepted values, data errors name the
/// file, the column and the value, and no output is overwritten unasked.
final class CLIStrangerAuditTests: XCTestCase {
    var cigarette: String { TestPaths.cigarette.appendingPathComponent("cigarette.csv").path }
    var contiguity: String { TestPaths.cigarette.appendingPathComponent("usa46_contiguity.csv").path }
    var fixtures: URL { TestPaths.repositoryRoot.appendingPathComponent("Tests/EstimatorsTests/Fixtures") }
    var sdm: [String] { ["estimate", "sdm", "--data", cigarette, "--weights", contiguity, "--id", "state", "--time", "year", "--y", "logc", "--x", "logp,logy"] }

    func assertUsageError(_ args: [String], contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        // Parsed in process (validate() runs in parseAsRoot): the message and exit code 64 are the promise.
        XCTAssertThrowsError(try Spillsim.parseAsRoot(args), "\(args)", file: file, line: line) { e in
            let message = Spillsim.message(for: e)
            XCTAssertTrue(message.contains(text), message, file: file, line: line)
            XCTAssertEqual(Spillsim.exitCode(for: e).rawValue, 64, message, file: file, line: line)
        }
    }

    func assertParses(_ args: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNoThrow(try Spillsim.parseAsRoot(args), "\(args)", file: file, line: line)
    }

    /// Each option that the command would read only on another branch is refused, naming it and the fix.
    func testOptionsThatDoNotApplyAreRefused() throws {
        let psmDiD = ["estimate", "psm-did", "--data", "d.csv", "--id", "state", "--time", "year", "--y", "logc", "--treat", "treat", "--post-year", "80"]
        for option in [["--caliper", "0.2"], ["--method", "kernel"], ["--ratio", "3"], ["--replace"], ["--support", "both"],
                       ["--distance", "mahalanobis"], ["--link", "probit"], ["--order", "smallest"]] {
            assertUsageError(psmDiD + ["--no-matching"] + option, contains: "\(option[0]) sets how the units are matched")
        }
        assertUsageError(psmDiD + ["--no-matching", "--seed", "2", "--order", "random"], contains: "--order, --seed set how the units are matched")
        assertUsageError(psmDiD + ["--no-matching", "--bandwidth", "0.1", "--method", "kernel"], contains: "--method, --bandwidth set how the units are matched")
        assertUsageError(psmDiD + ["--no-matching", "--caliper", "0.2", "--caliper-scale", "raw", "--ratio", "2"],
                         contains: "--ratio, --caliper, --caliper-scale set how the units are matched")
        assertUsageError(psmDiD + ["--no-matching", "--matching", "pooled"], contains: "--matching pooled with --no-matching")
        assertParses(psmDiD + ["--no-matching"])
        assertUsageError(psmDiD + ["--covariates", "x", "--vce", "conley", "--cutoff", "100", "--coords", "a,b", "--cluster-correction", "cr1"],
                         contains: "--cluster-correction applies to the cluster variance")

        let twfe = ["estimate", "twfe", "--data", "d.csv", "--id", "state", "--time", "year", "--y", "logc", "--x", "logp"]
        for base in [twfe, psmDiD + ["--no-matching"]] {
            assertUsageError(base + ["--bootstrap-weights", "rademacher"], contains: "--bootstrap-weights chooses the wild bootstrap's multipliers")
            assertUsageError(base + ["--bootstrap-weights", "webb"], contains: "--bootstrap-weights chooses")
            assertUsageError(base + ["--kernel", "uniform"], contains: "--kernel belongs to the Conley variance")
            assertUsageError(base + ["--kernel", "bartlett", "--lag", "0"], contains: "--kernel, --lag belong to the Conley variance")
        }
        assertParses(twfe + ["--cluster", "state", "--wild-bootstrap", "9", "--bootstrap-weights", "rademacher"])
        assertUsageError(sdm + ["--kernel", "uniform"], contains: "--kernel belongs to the Conley variance")
        assertUsageError(sdm + ["--small-sample", "none"], contains: "--small-sample belongs to the Conley variance")

        let eventStudy = ["estimate", "twfe", "--data", "d.csv", "--id", "state", "--time", "year", "--y", "logc", "--event-study", "--cohort", "g"]
        assertUsageError(eventStudy + ["--cluster", "region"], contains: "--cluster: the event study's variance is CR1 by unit")
        assertUsageError(eventStudy + ["--weights", "w"], contains: "--weights: the event study is unweighted")
        assertUsageError(eventStudy + ["--effects", "individual"], contains: "--effects individual: the event study has unit and period effects")
        assertParses(eventStudy + ["--effects", "twoways"])

        let psm = ["estimate", "psm", "--data", "l.csv", "--treat", "treat", "--covariates", "age,educ"]
        assertUsageError(psm + ["--method", "kernel", "--ratio", "3"], contains: "--ratio is an option of nearest-neighbour matching; --method kernel")
        assertUsageError(psm + ["--method", "radius", "--caliper", "0.1", "--replace"], contains: "--replace is an option of nearest-neighbour matching")
        assertUsageError(psm + ["--method", "radius", "--caliper", "0.1", "--order", "smallest"], contains: "--order is an option of nearest-neighbour matching")
        assertUsageError(psm + ["--distance", "mahalanobis", "--link", "probit"], contains: "--link sets the propensity score's link")
        assertParses(psm + ["--distance", "mahalanobis", "--link", "probit", "--support", "both"])
        // The library refused it too, but as a run-time error (exit 1) that named no flag (review item 7).
        for order in ["largest", "smallest"] {
            for command in [psm, psmDiD] {
                assertUsageError(command + ["--distance", "mahalanobis", "--order", order],
                                 contains: "--order \(order) sorts the treated units by their propensity score, and --distance mahalanobis matches on the covariates")
            }
            assertUsageError(psm + ["--distance", "mahalanobis", "--support", "both", "--order", order], contains: "use --order data")
        }
        for order in ["data", "random"] { assertParses(psm + ["--distance", "mahalanobis", "--order", order]) }
        assertUsageError(psm + ["--caliper-scale", "raw"], contains: "--caliper-scale sets the caliper's units")
        assertUsageError(psm + ["--caliper", "none", "--caliper-scale", "raw"], contains: "--caliper-scale sets the caliper's units")
        assertParses(psm + ["--caliper", "0.1", "--caliper-scale", "raw", "--ratio", "2", "--replace", "--order", "smallest"])

        for model in ["slx", "ols"] {
            assertUsageError(sdm + ["--model", model, "--logdet", "exact"], contains: "--model \(model) has no spatial parameter")
            assertUsageError(sdm + ["--model", model, "--logdet", "auto"], contains: "--logdet chooses how log|I − ρW| is computed")
        }
        assertParses(sdm + ["--model", "sem", "--logdet", "exact"])

        let mediation = ["estimate", "mediation", "--data", "m.csv", "--id", "city", "--time", "year", "--y", "Mis", "--mediator", "D",
                         "--treat", "treat", "--post", "post"]
        assertUsageError(mediation + ["--bootstrap", "0", "--simulations", "0", "--seed", "3"], contains: "--seed seeds the cluster bootstrap")
        assertParses(mediation + ["--bootstrap", "0", "--seed", "3"])
        assertUsageError(mediation + ["--mediator-model", "static"], contains: "--mediator-model static is the mediator model of the mediation under interference")

        let wSelect = ["estimate", "w-select", "--data", "d.csv", "--weights", "a.csv,b.csv", "--id", "state", "--time", "year", "--y", "logc", "--x", "logp"]
        assertUsageError(wSelect + ["--effects", "none", "--approach", "direct"], contains: "--approach: with --effects none")
        assertUsageError(["run", "x.yaml", "--resume", "--overwrite"], contains: "--resume and --overwrite conflict")
    }

    /// `--year-weights` is read only on a panel with gaps; on a balanced one it is refused once the data are read.
    func testYearWeightsOnABalancedPanelAreRefused() throws {
        let r = try ProcessRunner.spillsim(sdm + ["--year-weights", "restrict"])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(r.err.contains("cigarette.csv is balanced (every unit in every period), so W is the same in every year and --year-weights"), r.err)
    }

    /// Help lists only the values a command accepts, and every column and figure it writes.
    func testHelpListsWhatTheCommandDoes() throws {
        for command in ["twfe", "psm-did"] {
            let help = Spillsim.Estimate.helpMessage(for: command == "twfe" ? Spillsim.Estimate.TWFE.self : Spillsim.Estimate.PSMDiD.self)
            XCTAssertTrue(help.contains("--cluster-correction"), help)
            XCTAssertFalse(help.contains("cr3"), "estimate \(command) --help lists cr3, which it refuses")
        }
        let wSelect = Spillsim.Estimate.helpMessage(for: Spillsim.Estimate.WSelect.self)
        XCTAssertTrue(wSelect.contains("sdm (default) or sar"), wSelect)
        for refused in ["slx", "sem", "sdem", "sac"] { XCTAssertFalse(wSelect.contains(refused), "w-select --help lists \(refused)") }
        assertUsageError(["estimate", "twfe", "--data", "d", "--id", "i", "--time", "t", "--y", "y", "--x", "x", "--cluster", "i",
                          "--cluster-correction", "cr3"], contains: "cr3 is not implemented for twfe")
        assertUsageError(["estimate", "w-select", "--data", "d", "--weights", "a,b", "--id", "i", "--time", "t", "--y", "y", "--x", "x",
                          "--model", "sem"], contains: "--model must be sdm or sar")
        let export = Spillsim.helpMessage(for: Spillsim.Export.self).replacingOccurrences(of: "\n", with: " ")
        XCTAssertTrue(export.contains("comparable, message"), export)
        let report = Spillsim.helpMessage(for: Spillsim.Report.self).replacingOccurrences(of: "\n", with: " ")
        for piece in ["-w-heatmap", "-utest-power", "NAME-ID-1"] { XCTAssertTrue(report.contains(piece), report) }
        let calibrate = Spillsim.helpMessage(for: Spillsim.Calibrate.self).replacingOccurrences(of: "\n", with: " ")
        XCTAssertTrue(calibrate.contains("not its size"), calibrate)
        XCTAssertTrue(calibrate.contains("least-favourable null"), calibrate)
        XCTAssertTrue(calibrate.contains("--overwrite"), calibrate)
    }

    /// Errors in the panel's id and time columns and in W name the file, the column, the value and the line.
    func testDataErrorsNameTheFileColumnAndValue() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-cli-stranger")
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = try String(contentsOfFile: cigarette, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func variant(_ name: String, line: Int, _ change: (inout [String]) -> Void) throws -> String {
            var fields = lines[line - 1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            change(&fields)
            var copy = lines
            copy[line - 1] = fields.joined(separator: ",")
            let url = dir.appendingPathComponent(name)
            try copy.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        func failure(_ args: [String]) throws -> String {
            let r = try ProcessRunner.spillsim(args)
            XCTAssertEqual(r.status, 1, r.combined)
            return r.err
        }
        func sdm(_ data: String, _ weights: String? = nil) -> [String] {
            ["estimate", "sdm", "--data", data, "--weights", weights ?? contiguity, "--id", "state", "--time", "year", "--y", "logc", "--x", "logp,logy"]
        }
        // A mistyped time value: the panel file, the column, the value and its line (not W and a period index).
        let fractional = try variant("fracyear.csv", line: 11) { $0[1] = "70.5" }
        var err = try failure(sdm(fractional))
        XCTAssertTrue(err.contains("fracyear.csv: column 'year' has period 70.5 with 1 city observed (line 11"), err)
        // A period whose rows all lack a model value: fill or drop them (it said "correct the time
        // value", which is right only for a mistyped period; review item 11).
        let emptied = lines.enumerated().map { k, line -> String in
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if k > 0, fields.count > 10, fields[1] == "63" { fields[10] = "" }  // logp
            return fields.joined(separator: ",")
        }
        let firstYearEmpty = dir.appendingPathComponent("emptyyear.csv")
        try emptied.joined(separator: "\n").write(to: firstYearEmpty, atomically: true, encoding: .utf8)
        err = try failure(sdm(firstYearEmpty.path))
        XCTAssertTrue(err.contains("emptyyear.csv: column 'year' has period 63 with 0 cities observed: each of its 46 rows has an empty model cell (column 'logp'); "
                                   + "a spatial model needs at least 2 cities in every period: fill those cells or drop the period's rows"), err)
        XCTAssertFalse(err.contains("correct the time value"), err)
        // An empty id: said as such, with its line (not "ids of the panel not in W: ").
        let noID = try variant("noid.csv", line: 12) { $0[0] = "" }
        err = try failure(sdm(noID))
        XCTAssertTrue(err.contains("noid.csv: column 'state' has an empty id at line 12"), err)
        // An edge list naming a unit the panel lacks: "not in the panel", not an island.
        let dense = try String(contentsOfFile: contiguity, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let ids = dense[0].dropFirst().map { $0.replacingOccurrences(of: "\"", with: "") }
        var edges = "from,to,weight\n"
        for row in dense.dropFirst() { for (j, v) in row.dropFirst().enumerated() where Double(v) != 0 { edges += "\(row[0]),\(ids[j]),\(v)\n" } }
        edges += "1,999,1\n"
        let edgeFile = dir.appendingPathComponent("edges.csv")
        try edges.write(to: edgeFile, atomically: true, encoding: .utf8)
        err = try failure(sdm(cigarette, edgeFile.path))
        XCTAssertTrue(err.contains("edges.csv: unit '999' (line \(edges.split(separator: "\n").count)) is not in the panel"), err)
        XCTAssertTrue(err.contains("(column 'state')"), err)
        // A text cell in W: W's own remedy, not "impute the row".
        var badW = try String(contentsOfFile: contiguity, encoding: .utf8).split(separator: "\n").map(String.init)
        var cells = badW[3].split(separator: ",").map(String.init)
        cells[5] = "x"
        badW[3] = cells.joined(separator: ",")
        let badWFile = dir.appendingPathComponent("badW.csv")
        try badW.joined(separator: "\n").write(to: badWFile, atomically: true, encoding: .utf8)
        err = try failure(sdm(cigarette, badWFile.path))
        XCTAssertTrue(err.contains("every cell of W needs a number (0 for no link)"), err)
        XCTAssertFalse(err.contains("impute"), err)
        // A cohort value that is no period: the file, the column, the unit's line.
        let cohort = dir.appendingPathComponent("cohort.csv")
        try (["state,year,logc,g"] + lines.dropFirst().filter { !$0.isEmpty }.map { line -> String in
            let f = line.split(separator: ",").map(String.init)
            return "\(f[0]),\(f[1]),\(f[9]),\(f[0] == "3" ? "1" : "0")"
        }).joined(separator: "\n").write(to: cohort, atomically: true, encoding: .utf8)
        err = try failure(["estimate", "cs-did", "--data", cohort.path, "--id", "state", "--time", "year", "--y", "logc", "--cohort", "g"])
        XCTAssertTrue(err.contains("cohort.csv: cohort column 'g' gives unit '3' (line"), err)
        XCTAssertTrue(err.contains("which is not one of the periods of column 'year'"), err)
        // w-select on a panel with gaps says that w-select needs the balance (estimate sdm fits it).
        let gappy = dir.appendingPathComponent("gappy.csv")
        try (lines.prefix(12) + lines.dropFirst(13)).joined(separator: "\n").write(to: gappy, atomically: true, encoding: .utf8)
        err = try failure(["estimate", "w-select", "--data", gappy.path, "--weights", "\(contiguity),\(TestPaths.cigarette.appendingPathComponent("usa46_contiguity_order12.csv").path)",
                           "--id", "state", "--time", "year", "--y", "logc", "--x", "logp,logy"])
        XCTAssertTrue(err.contains("estimate w-select needs every unit in every period"), err)
        XCTAssertFalse(err.contains("spillsim's spatial estimators need"), err)
    }

    /// `estimate mediation` without --x (no controls) runs, with a moderator, JSON and --spatial-weights
    /// too; its numbers are checked against the double-demeaned regressions in MediationTests.
    func testMediationRunsWithoutControls() throws {
        let args = ["estimate", "mediation", "--data", fixtures.appendingPathComponent("mediation_panel.csv").path, "--id", "city", "--time", "year",
                    "--y", "Mis", "--mediator", "D", "--treat", "treat", "--post", "post", "--bootstrap", "0", "--simulations", "0"]
        let r = try ProcessRunner.spillsim(args + ["--moderator", "CA", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let total = try XCTUnwrap((json["total"] as? [String: Any])?["estimate"] as? Double)
        // statsmodels OLS of Mis on TP with city and year dummies: −0.0400920093 (JSON keeps 17 digits).
        assertClose(-0.04009200926543613, total, tolerance: 1e-10, "total effect without controls")
        XCTAssertNotNil(json["interaction"] as? [String: Any])
        let spatial = try ProcessRunner.spillsim(["estimate", "mediation", "--data", fixtures.appendingPathComponent("spatial_mediation_panel.csv").path,
                                                  "--id", "city", "--time", "year", "--y", "Mis", "--mediator", "D", "--treat", "treat", "--post", "post",
                                                  "--bootstrap", "0", "--simulations", "0",
                                                  "--spatial-weights", fixtures.appendingPathComponent("spatial_mediation_W.csv").path])
        XCTAssertEqual(spatial.status, 0, spatial.err)
        XCTAssertTrue(spatial.out.contains("natural effects under interference"), spatial.out)
    }

    /// Two outputs on one path are refused before anything is written; a usage error found while
    /// running `generate` is followed by generate's usage, not the root command's.
    func testGenerateRefusesOnePathForTwoOutputs() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-cli-stranger-generate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = TestPaths.repositoryRoot.appendingPathComponent("scenarios/fixture-small.yaml").path
        let panel = dir.appendingPathComponent("p.csv")
        try "keep me\n".write(to: panel, atomically: true, encoding: .utf8)
        let r = try ProcessRunner.spillsim(["generate", scenario, "--out", panel.path, "--weights-out", dir.path + "/./p.csv"])
        XCTAssertEqual(r.status, 64, r.combined)
        XCTAssertTrue(r.err.contains("--out and --weights-out both name"), r.err)
        XCTAssertEqual(try String(contentsOf: panel, encoding: .utf8), "keep me\n", "p.csv was overwritten")
        let neg = try ProcessRunner.spillsim(["generate", scenario, "--out", panel.path, "--equilibrium-out", dir.appendingPathComponent("e.csv").path])
        XCTAssertEqual(neg.status, 64, neg.combined)
        XCTAssertTrue(neg.err.contains("--equilibrium-out:"), neg.err)
        XCTAssertTrue(neg.err.contains("Usage: spillsim generate <scenario>"), neg.err)
        XCTAssertFalse(neg.err.contains("spillsim <subcommand>"), neg.err)
    }

    /// `calibrate` leaves an existing --out alone unless --overwrite (as `run` does), checked before the fit.
    func testCalibrateRefusesAnExistingOut() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-cli-stranger-calibrate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("c.yaml")
        try "committed\n".write(to: out, atomically: true, encoding: .utf8)
        let args = ["calibrate", "--data", cigarette, "--weights", contiguity, "--id", "state", "--time", "year", "--y", "logc", "--x", "logp,logy",
                    "--out", out.path]
        assertUsageError(args, contains: "--out \(out.path) exists; choose another --out, or pass --overwrite to replace it")
        let r = try ProcessRunner.spillsim(args)
        XCTAssertEqual(r.status, 64, r.combined)
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), "committed\n")
        assertParses(args + ["--overwrite"])
    }

    /// A scenario path that is a directory or a binary file is said as such (not "NSCocoaErrorDomain error 256").
    func testUnreadableScenarioFilesAreNamedWithTheReason() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-cli-stranger-validate")
        defer { try? FileManager.default.removeItem(at: dir) }
        var r = try ProcessRunner.spillsim(["validate", dir.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(dir.path): is a directory, not a scenario file"), r.err)
        XCTAssertFalse(r.err.contains("NSCocoaErrorDomain"), r.err)
        let binary = dir.appendingPathComponent("b.yaml")
        try Data([0xff, 0xfe, 0x00, 0x81, 0xc3]).write(to: binary)
        r = try ProcessRunner.spillsim(["validate", binary.path])
        XCTAssertTrue(r.err.contains("the file is not UTF-8 text"), r.err)
    }
}
