import XCTest
import Foundation
import TestSupport
@testable import spillsim

final class CLITreatmentTests: XCTestCase {
    func testParsesPSMDiDAndRejectsConflictingAdoption() throws {
        let cmd = try Spillsim.parseAsRoot(["estimate", "psm-did", "--data", "x.csv", "--id", "id", "--time", "year", "--y", "y",
                                            "--treat", "d", "--post-year", "2011", "--covariates", "a", "b",
                                            "--distance", "logit", "--caliper", "0.2"])
        let psm = try XCTUnwrap(cmd as? Spillsim.Estimate.PSMDiD)
        XCTAssertEqual(psm.covariates, ["a", "b"])
        let spec = try psm.match.spec()
        XCTAssertEqual(spec.caliper, .standardDeviations(0.2))
        // ArgumentParser's parse error type is internal: the contract is the message and exit code 64.
        XCTAssertThrowsError(try Spillsim.parseAsRoot(["estimate", "psm-did", "--data", "x.csv", "--id", "id", "--time", "t",
                                                       "--y", "y", "--cohort", "g", "--post-year", "3", "--treat", "d",
                                                       "--covariates", "a"])) { e in
            XCTAssertTrue(Spillsim.message(for: e).contains("give exactly one of --post-year (with --treat) or --cohort"), Spillsim.message(for: e))
            XCTAssertEqual(Spillsim.exitCode(for: e).rawValue, 64)
        }
    }

    /// Runs the built executable on a small panel and checks the JSON keys documented in docs/cli-json.md.
    func testExecutablePrintsDocumentedJSON() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "id,year,y,g,z\n"
        for i in 0..<30 { for t in 1...5 {
            let g = i < 10 ? 3 : 0
            let y = Double(i % 7) + 0.3 * Double(t) + (g > 0 && t >= 3 ? 1 : 0) + 0.01 * Double((i * 13 + t * 7) % 11)
            csv += "u\(i),\(t),\(y),\(g),\(Double((i * 31) % 17) / 17)\n"
        } }
        let file = dir.appendingPathComponent("panel.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        func run(_ args: [String]) throws -> [String: Any] {
            let r = try ProcessRunner.spillsim(args)
            XCTAssertEqual(r.status, 0, r.err)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        }
        let cs = try run(["estimate", "cs-did", "--data", file.path, "--id", "id", "--time", "year", "--y", "y", "--cohort", "g", "--json"])
        for key in ["cells", "simple", "group", "event", "event_overall", "coefficients"] { XCTAssertNotNil(cs[key], key) }
        let did = try run(["estimate", "psm-did", "--data", file.path, "--id", "id", "--time", "year", "--y", "y", "--cohort", "g",
                           "--covariates", "z", "--replace", "--json"])
        for key in ["att", "se", "ci_lower", "ci_upper", "p", "balance", "counts", "coefficients", "matched"] { XCTAssertNotNil(did[key], key) }
        let row = try XCTUnwrap((did["balance"] as? [[String: Any]])?.first)
        for key in ["variable", "smd_before", "smd_after", "var_ratio_before", "var_ratio_after"] { XCTAssertNotNil(row[key], key) }
        let coef = try XCTUnwrap((did["coefficients"] as? [[String: Any]])?.first)
        XCTAssertEqual(coef["name"] as? String, "D")
    }

    /// `estimate twfe --event-study` on a panel with gaps fits every observed unit-year, the model the
    /// Monte Carlo design's `event_study` scores: on the committed unbalanced fixture (80 units × 12
    /// years, 101 unit-years absent) its JSON equals pyfixest 0.60.0's `feols` with CRV1 by unit
    /// (Fixtures/event_study_unbalanced.json, scripts/fixtures/make_event_study_unbalanced.py) to the
    /// fixture's 1e-7; `--balance` keeps R did's convention (complete units only) and says so.
    func testTWFEEventStudyOnGapsMatchesPyfixest() throws {
        let data = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/event_study_unbalanced.csv").path
        let fixture = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/event_study_unbalanced.json")
        let reference = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: fixture)) as? [String: Any])
        let args = ["estimate", "twfe", "--data", data, "--id", "unit", "--time", "year", "--y", "y", "--cohort", "cohort", "--event-study"]
        for (key, window) in [("all", [String]()), ("window_3_3", ["--leads", "3", "--lags", "3"])] {
            let r = try ProcessRunner.spillsim(args + window + ["--json"])
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertTrue(r.err.contains("fits every observed unit-period, 859 rows of 80 units"), r.err)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let ref = try XCTUnwrap(reference[key] as? [String: Any])
            let coefficients = try XCTUnwrap(json["coefficients"] as? [[String: Any]])
            XCTAssertEqual(json["observations"] as? Int, ref["n_obs"] as? Int, key)
            XCTAssertEqual(json["units"] as? Int, 80, key)
            XCTAssertEqual(coefficients.map { $0["event_time"] as? Int }, (ref["event_times"] as! [Int]).map { $0 }, key)
            XCTAssertEqual(coefficients.map { $0["observations"] as? Int }, (ref["observations_per_event_time"] as! [Int]).map { $0 }, key)
            assertClose(ref["estimates"] as! [Double], coefficients.map { $0["estimate"] as! Double }, tolerance: 1e-7, "\(key) estimates; pyfixest")
            assertClose(ref["standard_errors"] as! [Double], coefficients.map { $0["se"] as! Double }, tolerance: 1e-7, "\(key) CR1 SEs; pyfixest")
        }
        let balanced = try ProcessRunner.spillsim(args + ["--balance", "--json"])
        XCTAssertEqual(balanced.status, 0, balanced.err)
        XCTAssertTrue(balanced.err.contains("to balance the panel, as R did does"), balanced.err)
        let b = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(balanced.out.utf8)) as? [String: Any])
        let units = try XCTUnwrap(b["units"] as? Int), rows = try XCTUnwrap(b["observations"] as? Int)
        XCTAssertLessThan(units, 80)
        XCTAssertEqual(rows, units * 12, "the balanced fit uses complete units only")
        let stray = try ProcessRunner.spillsim(["estimate", "twfe", "--data", data, "--id", "unit", "--time", "year", "--y", "y",
                                                "--x", "cohort", "--balance"])
        XCTAssertEqual(stray.status, 64, stray.err)
        XCTAssertTrue(stray.err.contains("--balance belongs to the event study"), stray.err)
    }

    /// A Callaway–Sant'Anna cohort of one unit is refused naming the data file, `--cohort` and its
    /// column, the cohort, the unit and the fix (the library's message named the cell only).
    func testCSDiDCohortOfOneUnitNamesTheFlagAndTheUnit() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-cli-cohort")
        defer { try? FileManager.default.removeItem(at: dir) }
        // 10 never-treated units, 9 adopting in period 3, unit 20 alone in period 5; y = unit + period / 10 (exact numbers suffice).
        var csv = "id,year,y,g\n"
        for i in 1...20 {
            for t in 1...6 { csv += "\(i),\(t),\(Double(i) + Double(t * t) / 10 + Double((i * 7 + t * 3) % 5) / 10),\(i <= 10 ? 0 : (i < 20 ? 3 : 5))\n" }
        }
        let data = dir.appendingPathComponent("cohorts.csv")
        try csv.write(to: data, atomically: true, encoding: .utf8)
        let r = try ProcessRunner.spillsim(["estimate", "cs-did", "--data", data.path, "--id", "id", "--time", "year", "--y", "y", "--cohort", "g"])
        XCTAssertNotEqual(r.status, 0, r.out)
        XCTAssertTrue(r.err.contains("\(data.path): --cohort g: only 1 unit (id 20) has g = 5"), r.err)
        XCTAssertTrue(r.err.contains("drop the rows of id 20"), r.err)
    }

    /// `--leads`/`--lags` beyond the data bin nothing: refused naming the flag and the largest value
    /// the data support (the fixture's cohorts 2007 and 2009 in 2001–2012: 8 periods before, 5 after
    /// adoption), for the twfe event study and psm-did's; the bounds at the data's range still run.
    func testEventWindowBeyondTheDataIsRefused() throws {
        let data = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/event_study_unbalanced.csv").path
        let twfe = ["estimate", "twfe", "--data", data, "--id", "unit", "--time", "year", "--y", "y", "--cohort", "cohort", "--event-study"]
        let psm = ["estimate", "psm-did", "--data", data, "--id", "unit", "--time", "year", "--y", "y", "--cohort", "cohort", "--no-matching"]
        for (args, expected) in [(twfe + ["--leads", "40", "--lags", "3"], "--leads 40 is beyond the data"),
                                 (twfe + ["--leads", "3", "--lags", "6"], "--lags 6 is beyond the data"),
                                 (psm + ["--leads", "2", "--lags", "40"], "--lags 40 is beyond the data")] {
            let r = try ProcessRunner.spillsim(args)
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue(r.err.contains(expected), r.err)
        }
        XCTAssertTrue(try ProcessRunner.spillsim(twfe + ["--leads", "40", "--lags", "3"]).err.contains("give --leads 8 or less"))
        XCTAssertTrue(try ProcessRunner.spillsim(twfe + ["--leads", "3", "--lags", "6"]).err.contains("give --lags 5 or less"))
        let atRange = try ProcessRunner.spillsim(twfe + ["--leads", "8", "--lags", "5"])
        XCTAssertEqual(atRange.status, 0, atRange.err)
    }

    /// Two units clustered by unit: the CR1 SE of the ATT is 0 up to rounding (the two scores cancel);
    /// it is refused with the reason, not printed as "SE 0.000000 … p 0.0000".
    func testTwoClusterDIDIsRefusedNotReportedWithZeroSE() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "id,year,y,g\n"
        for i in 0..<2 { for t in 1...6 {
            csv += "u\(i),\(t),\(Double(i) + 0.3 * Double(t) + (i == 0 && t >= 4 ? 1 : 0) + 0.1 * Double((i * 13 + t * 7) % 5)),\(i == 0 ? 4 : 0)\n"
        } }
        let file = dir.appendingPathComponent("two.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let r = try ProcessRunner.spillsim(["estimate", "psm-did", "--data", file.path, "--id", "id", "--time", "year", "--y", "y",
                                            "--cohort", "g", "--no-matching"])
        XCTAssertNotEqual(r.status, 0, r.out)
        XCTAssertTrue(r.err.contains("cluster"), r.err)
        XCTAssertFalse(r.out.contains("SE 0.0"), r.out)
    }

    /// `estimate twfe --bootstrap-cluster unit` runs the subcluster wild bootstrap (multipliers per
    /// unit, t and t* CR1 by --cluster; the algorithm is checked against an explicit refit per draw in
    /// WildClusterBootstrapTests): the JSON says so and the p-value is not the per-cluster one. Where
    /// it does not apply it is refused naming the flag (exit 64).
    func testBootstrapClusterUnit() throws {
        let data = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/wild_cluster_panel.csv").path
        let args = ["estimate", "twfe", "--data", data, "--id", "id", "--time", "year", "--y", "y", "--x", "D,x2",
                    "--cluster", "region", "--wild-bootstrap", "199", "--json"]
        func bootstrap(_ extra: [String]) throws -> [String: Any] {
            let r = try ProcessRunner.spillsim(args + extra)
            XCTAssertEqual(r.status, 0, r.err)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            return try XCTUnwrap(json["wild_bootstrap"] as? [String: Any])
        }
        let sub = try bootstrap(["--bootstrap-cluster", "unit"]), plain = try bootstrap([])
        XCTAssertEqual(sub["multipliers_by"] as? String, "unit")
        XCTAssertEqual(plain["multipliers_by"] as? String, "cluster")
        XCTAssertEqual(try bootstrap(["--bootstrap-cluster", "cluster"])["p"] as? Double, plain["p"] as? Double)
        // 8 regions: the per-region bootstrap has 2^8 = 256 sign vectors, the per-unit one 199 draws.
        XCTAssertNotEqual(sub["ci_lower"] as? Double, plain["ci_lower"] as? Double)
        let refusals: [([String], String)] = [
            (Array(args.dropLast(5)) + ["--cluster", "id", "--wild-bootstrap", "199", "--bootstrap-cluster", "unit"], "--bootstrap-cluster unit"),
            (Array(args.dropLast(3)) + ["--bootstrap-cluster", "unit"], "--bootstrap-cluster"),
            (["estimate", "psm-did", "--data", data, "--id", "id", "--time", "year", "--y", "y", "--treat", "D", "--post-year", "2005",
              "--no-matching", "--wild-bootstrap", "99", "--bootstrap-cluster", "unit"], "--bootstrap-cluster unit"),
        ]
        for (command, flag) in refusals {
            let r = try ProcessRunner.spillsim(command)
            XCTAssertEqual(r.status, 64, "\(command): \(r.err)")
            XCTAssertTrue(r.err.contains(flag), r.err)
        }
    }

    /// `estimate twfe --cluster-correction cr2 --json` gives clubSandwich's CR2 SE and Satterthwaite df
    /// (Fixtures/cr2_satterthwaite.json, scripts/fixtures/make_cr2_satterthwaite.R) and says "CR2";
    /// cr3 is refused as a usage error.
    func testTWFEClusterCorrectionCR2() throws {
        let data = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/wild_cluster_panel.csv").path
        let fixture = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/cr2_satterthwaite.json")
        let ref = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(contentsOf: fixture)) as? [String: Any])?["region_balanced"] as? [String: Any])
        let args = ["estimate", "twfe", "--data", data, "--id", "id", "--time", "year", "--y", "y", "--x", "D,x2", "--cluster", "region"]
        let r = try ProcessRunner.spillsim(args + ["--cluster-correction", "cr2", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(json["vcov"] as? String, "CR2")
        let coef = try XCTUnwrap((json["coefficients"] as? [[String: Any]])?.first)
        // JSON prints doubles with 17 significant digits; the library test holds them to 1e-8.
        assertClose((ref["se"] as! [Double])[0], coef["se"] as! Double, tolerance: 1e-8, "CR2 SE of D")
        assertClose((ref["df"] as! [Double])[0], coef["df"] as! Double, tolerance: 1e-7, "Satterthwaite df of D")
        let bad = try ProcessRunner.spillsim(args + ["--cluster-correction", "cr3"])
        XCTAssertEqual(bad.status, 64, bad.err)
        XCTAssertTrue(bad.err.contains("cr3 is not implemented for twfe"), bad.err)
    }

    /// `estimate mediation --json` prints the keys of docs/cli-json.md, the causal-mediation block
    /// among them (ACME's point estimate is the plug-in a·b, the indirect effect); a bad
    /// `--simulations` is refused as a usage error.
    func testMediationPrintsTheCausalBlock() throws {
        let panel = TestPaths.repositoryRoot.appendingPathComponent("Tests/EstimatorsTests/Fixtures/mediation_panel.csv").path
        let args = ["estimate", "mediation", "--data", panel, "--id", "city", "--time", "year", "--y", "Mis", "--mediator", "D",
                    "--treat", "treat", "--post", "post", "--x", "lngdppc,gov", "--bootstrap", "0"]
        let r = try ProcessRunner.spillsim(args + ["--simulations", "200", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        for key in ["total", "first_stage", "direct", "mediator", "indirect", "share", "causal", "observations", "clusters"] {
            XCTAssertNotNil(json[key], key)
        }
        let causal = try XCTUnwrap(json["causal"] as? [String: Any])
        XCTAssertEqual(causal["simulations"] as? Int, 200)
        let acme = try XCTUnwrap(causal["acme"] as? [String: Double]), indirect = try XCTUnwrap(json["indirect"] as? [String: Double])
        // The same product a·b printed twice: rounding of the JSON writer only.
        assertClose(indirect["estimate"]!, acme["estimate"]!, tolerance: 1e-12, "ACME = a·b")
        XCTAssertTrue(acme["ci_lower"]! < acme["estimate"]! && acme["estimate"]! < acme["ci_upper"]!)
        let bad = try ProcessRunner.spillsim(args + ["--simulations", "1"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.err.contains("--simulations"), bad.err)
    }

    static let spatialMediationFixtures = TestPaths.repositoryRoot.appendingPathComponent("Tests/EstimatorsTests/Fixtures")

    /// `estimate mediation` on the spatial-mediation fixture panel, without its W files.
    static var spatialMediationArgs: [String] {
        ["estimate", "mediation", "--data", spatialMediationFixtures.appendingPathComponent("spatial_mediation_panel.csv").path,
         "--id", "city", "--time", "year", "--y", "Mis", "--mediator", "D", "--treat", "treat", "--post", "post",
         "--moderator", "CA", "--x", "lngdppc,gov", "--bootstrap", "0", "--simulations", "0"]
    }

    /// The `spatial.specification` block names what was fitted: the mediator model, the two weight files
    /// (the exposure file is the W file when `exposure_matrix` is W) and the target factor (JSON null without one).
    func assertSpecification(_ spatial: [String: Any], mediatorModel: String, exposure: String?, targetFactor: String?,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let spec = try XCTUnwrap(spatial["specification"] as? [String: Any], "specification", file: file, line: line)
        let w = Self.spatialMediationFixtures.appendingPathComponent("spatial_mediation_W.csv").path
        XCTAssertEqual(spec["mediator_model"] as? String, mediatorModel, file: file, line: line)
        XCTAssertEqual(spec["spatial_weights"] as? String, w, file: file, line: line)
        XCTAssertEqual(spec["exposure_matrix"] as? String, exposure == nil ? "W" : "E", file: file, line: line)
        XCTAssertEqual(spec["exposure_weights"] as? String, exposure ?? w, file: file, line: line)
        if let targetFactor {
            XCTAssertEqual(spec["target_factor"] as? String, targetFactor, file: file, line: line)
        } else {
            XCTAssertTrue(spec["target_factor"] is NSNull, "target_factor should be null: \(String(describing: spec["target_factor"]))",
                          file: file, line: line)
        }
    }

    /// `estimate mediation --spatial-weights` adds the natural effects under interference: the same
    /// numbers as the library on the fixture (whose reference is pyfixest + the NumPy SDM,
    /// SpatialMediationTests), under the `spatial` key; `--weights` with it is refused as a usage error.
    func testMediationWithSpatialWeightsPrintsTheNaturalEffects() throws {
        let fx = Self.spatialMediationFixtures
        let args = Self.spatialMediationArgs + ["--spatial-weights", fx.appendingPathComponent("spatial_mediation_W.csv").path]
        let r = try ProcessRunner.spillsim(args + ["--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let spatial = try XCTUnwrap(json["spatial"] as? [String: Any])
        let ref = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: fx.appendingPathComponent("spatial_mediation_reference.json")))
            as? [String: Any])
        // Exactly the keys docs/cli-json.md lists for `spatial`.
        XCTAssertEqual(Set(spatial.keys), ["specification", "indirect", "direct", "total", "share", "first_stage", "spillover_mediator",
                                           "rho", "mediator_model", "share_fieller", "treated_observations", "converged"])
        try assertSpecification(spatial, mediatorModel: "static", exposure: nil, targetFactor: nil)
        for (key, refKey) in [("indirect", "nie"), ("direct", "nde"), ("share", "share"), ("first_stage", "first_stage")] {
            let got = try XCTUnwrap(spatial[key] as? [String: Double], key), want = try XCTUnwrap(ref[refKey] as? [String: Double], refKey)
            assertClose(want["estimate"]!, got["estimate"]!, tolerance: 1e-6 * want["se"]!, key)
        }
        let text = try ProcessRunner.spillsim(args)
        XCTAssertEqual(text.status, 0, text.err)
        XCTAssertTrue(text.out.contains("NIE (through D)"), text.out)
        let bad = try ProcessRunner.spillsim(args + ["--weights", "w"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.err.contains("--spatial-weights"), bad.err)
    }

    /// `--exposure-weights V.csv` (the generator's diffusion kernel, as `generate --diffusion-out` writes it)
    /// moves the mediator model's exposure to V: the reference's `exposure_diffusion` numbers; without
    /// `--spatial-weights` it is refused as a usage error, not ignored.
    func testMediationWithExposureWeightsUsesTheDiffusionKernel() throws {
        let fx = Self.spatialMediationFixtures
        let base = Self.spatialMediationArgs + ["--exposure-weights", fx.appendingPathComponent("spatial_mediation_V.csv").path]
        let r = try ProcessRunner.spillsim(base + ["--spatial-weights", fx.appendingPathComponent("spatial_mediation_W.csv").path, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let spatial = try XCTUnwrap(json["spatial"] as? [String: Any])
        let all = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: fx.appendingPathComponent("spatial_mediation_reference.json")))
            as? [String: Any])
        let ref = try XCTUnwrap(all["exposure_diffusion"] as? [String: Any])
        try assertSpecification(spatial, mediatorModel: "static", exposure: fx.appendingPathComponent("spatial_mediation_V.csv").path,
                                targetFactor: nil)
        for (key, refKey) in [("indirect", "nie"), ("direct", "nde"), ("first_stage", "first_stage")] {
            let got = try XCTUnwrap(spatial[key] as? [String: Double], key), want = try XCTUnwrap(ref[refKey] as? [String: Double], refKey)
            assertClose(want["estimate"]!, got["estimate"]!, tolerance: 1e-6 * want["se"]!, key)
        }
        let bad = try ProcessRunner.spillsim(base)
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.err.contains("--exposure-weights"), bad.err)
    }

    /// `--mediator-model dynamic --target-factor c` (with V as the exposure): the reference's `dynamic_V_c`
    /// numbers (pyfixest + NumPy, SpatialMediationDynamicTests); the target factor without the dynamic
    /// model, the dynamic model without `--spatial-weights`, or a target factor that changes within a
    /// city, are refused naming the option or column.
    func testMediationWithTheDynamicMediatorModel() throws {
        let fx = Self.spatialMediationFixtures
        let dir = try TestPaths.temporaryDirectory("cli-dynamic-mediator")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The fixture panel with the target factor joined as column c (and a copy where it drifts).
        let target = try String(contentsOf: fx.appendingPathComponent("spatial_mediation_target.csv"), encoding: .utf8)
        let c = Dictionary(uniqueKeysWithValues: target.split(separator: "\n").dropFirst().map { row in
            let f = row.split(separator: ","); return (String(f[0]), String(f[1]))
        })
        let lines = try String(contentsOf: fx.appendingPathComponent("spatial_mediation_panel.csv"), encoding: .utf8).split(separator: "\n")
        var joined = [String(lines[0]) + ",c"]
        for row in lines.dropFirst() { joined.append(String(row) + "," + c[String(row.split(separator: ",")[0])]!) }
        let panel = dir.appendingPathComponent("panel.csv"), drifting = dir.appendingPathComponent("drifting.csv")
        try (joined.joined(separator: "\n") + "\n").write(to: panel, atomically: true, encoding: .utf8)
        // The last row's c raised by 0.5 (appending digits would not change a 17-digit value).
        let drift = [joined[0]] + joined.dropFirst().enumerated().map { k, row -> String in
            guard k == joined.count - 2, let cut = row.lastIndex(of: ",") else { return row }
            return String(row[..<cut]) + ",\(Double(row[row.index(after: cut)...])! + 0.5)"
        }
        try (drift.joined(separator: "\n") + "\n").write(to: drifting, atomically: true, encoding: .utf8)
        func args(_ data: URL) -> [String] {
            var a = Self.spatialMediationArgs
            a[a.firstIndex(of: "--data")! + 1] = data.path
            return a + ["--spatial-weights", fx.appendingPathComponent("spatial_mediation_W.csv").path,
                        "--exposure-weights", fx.appendingPathComponent("spatial_mediation_V.csv").path,
                        "--mediator-model", "dynamic", "--target-factor", "c"]
        }
        let r = try ProcessRunner.spillsim(args(panel) + ["--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let spatial = try XCTUnwrap(json["spatial"] as? [String: Any])
        let all = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: fx.appendingPathComponent("spatial_mediation_dynamic_reference.json")))
            as? [String: Any])
        let ref = try XCTUnwrap(all["dynamic_V_c"] as? [String: Any])
        try assertSpecification(spatial, mediatorModel: "dynamic", exposure: fx.appendingPathComponent("spatial_mediation_V.csv").path,
                                targetFactor: "c")
        for (key, refKey) in [("indirect", "nie"), ("direct", "nde"), ("first_stage", "first_stage")] {
            let got = try XCTUnwrap(spatial[key] as? [String: Double], key), want = try XCTUnwrap(ref[refKey] as? [String: Double], refKey)
            assertClose(want["estimate"]!, got["estimate"]!, tolerance: 1e-6 * want["se"]!, key)
            assertClose(want["se"]!, got["se"]!, tolerance: 1e-4 * want["se"]!, key + " SE")
        }
        let text = try ProcessRunner.spillsim(args(panel))
        XCTAssertEqual(text.status, 0, text.err)
        XCTAssertTrue(text.out.contains("dynamic mediator"), text.out)
        XCTAssertTrue(text.out.contains("target factor c"), text.out)
        // The dynamic model with W as the exposure and no target factor says so too.
        let plain = try ProcessRunner.spillsim(Self.spatialMediationArgs + ["--spatial-weights", fx.appendingPathComponent("spatial_mediation_W.csv").path,
                                                                           "--mediator-model", "dynamic", "--json"])
        XCTAssertEqual(plain.status, 0, plain.err)
        let plainJSON = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(plain.out.utf8)) as? [String: Any])
        try assertSpecification(try XCTUnwrap(plainJSON["spatial"] as? [String: Any]), mediatorModel: "dynamic", exposure: nil, targetFactor: nil)
        let staticWithTarget = try ProcessRunner.spillsim(Self.spatialMediationArgs + ["--spatial-weights", fx.appendingPathComponent("spatial_mediation_W.csv").path,
                                                                                      "--target-factor", "c"])
        XCTAssertEqual(staticWithTarget.status, 64)
        XCTAssertTrue(staticWithTarget.err.contains("--target-factor"), staticWithTarget.err)
        let noW = try ProcessRunner.spillsim(Self.spatialMediationArgs + ["--mediator-model", "dynamic"])
        XCTAssertEqual(noW.status, 64)
        XCTAssertTrue(noW.err.contains("--mediator-model"), noW.err)
        let drifted = try ProcessRunner.spillsim(args(drifting))
        XCTAssertNotEqual(drifted.status, 0)
        XCTAssertTrue(drifted.err.contains("`c`"), drifted.err)
    }
}
