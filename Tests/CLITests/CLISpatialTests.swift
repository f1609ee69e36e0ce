import Estimators
import Foundation
import TestSupport
import XCTest
@testable import spillsim

/// Parse-level end-to-end tests of `spillsim estimate sdm` and its JSON report.
final class CLISpatialTests: XCTestCase {
    var cigaretteArgs: [String] {
        let d = TestPaths.cigarette.path
        return ["estimate", "sdm", "--data", d + "/cigarette.csv", "--weights", d + "/usa46_contiguity.csv",
                "--id", "state", "--time", "year", "--y", "logc", "--x", "logp,logy", "--approach", "direct"]
    }

    func parse(_ args: [String]) throws -> Spillsim.Estimate.SDM {
        let cmd = try Spillsim.parseAsRoot(args)
        return try XCTUnwrap(cmd as? Spillsim.Estimate.SDM)
    }

    func analysis(_ c: Spillsim.Estimate.SDM) throws -> SpatialAnalysis {
        let ds = try SpatialDataLoader.load(data: URL(fileURLWithPath: c.panel.data), weights: URL(fileURLWithPath: c.weights),
                                            id: c.panel.id, time: c.panel.time, y: c.panel.y, x: c.regressors, quadratic: c.quadratic,
                                            moderator: c.moderator, rowStandardise: !c.noRowStandardise,
                                            logDeterminant: c.logdet)
        return try SpatialAnalysis.run(c.spec, dataset: ds, draws: c.draws, seed: c.seed ?? 1, variance: c.variance)
    }

    /// `--vce cluster` changes the SEs, not the estimates, and the report says so.
    func testVCEClusterIsParsedReportedAndRefusedForErrorModels() throws {
        let c = try parse(cigaretteArgs + ["--vce", "cluster", "--json"])
        XCTAssertEqual(c.variance, .cluster)
        // One vocabulary with scenarios: --variance analytic|cluster, with --vce and oim as aliases.
        XCTAssertEqual(try parse(cigaretteArgs + ["--variance", "cluster"]).variance, .cluster)
        XCTAssertEqual(try parse(cigaretteArgs + ["--vce", "oim"]).variance, .analytic)
        XCTAssertEqual(try parse(cigaretteArgs).variance, .analytic)
        let robust = try analysis(c), plain = try analysis(try parse(cigaretteArgs))
        XCTAssertEqual(robust.fit.coefficients, plain.fit.coefficients)
        XCTAssertEqual(robust.fit.varianceMethod, .cluster)
        XCTAssertNotEqual(robust.fit.coefficientTable[0].value.se, plain.fit.coefficientTable[0].value.se)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try JSONOutput.text(SpatialAnalysisJSON(robust)).utf8)) as? [String: Any])
        XCTAssertEqual(obj["vce"] as? String, "cluster")
        XCTAssertTrue(SDMReport.text(robust).contains("SEs clustered by unit (46 clusters, CR1)"))
        // ArgumentParser's validation error type is internal: the contract is the message and exit code 64.
        XCTAssertThrowsError(try parse(cigaretteArgs + ["--vce", "cluster", "--model", "sem"])) { e in
            XCTAssertTrue(Spillsim.message(for: e).contains("--variance cluster"), Spillsim.message(for: e))
            XCTAssertEqual(Spillsim.exitCode(for: e).rawValue, 64)
        }
    }

    /// `--vce cluster --cluster-correction cr2` prints each coefficient's Satterthwaite df (text
    /// column and JSON `coefficient_df`), equal to clubSandwich's for the same Z = [X, WX]
    /// (Fixtures/sdm_cr2_satterthwaite.json, scripts/fixtures/make_sdm_cr2_satterthwaite.R).
    func testClusterCR2PrintsSatterthwaiteDegreesOfFreedom() throws {
        let fixture = try TestPaths.committed("Tests/EstimatorsTests/Fixtures/sdm_cr2_satterthwaite.json")
        let ref = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(contentsOf: fixture)) as? [String: Any])?["slx_twoways"] as? [String: Any])
        let names = try XCTUnwrap(ref["names"] as? [String]), df = try XCTUnwrap(ref["df"] as? [Double])
        let args = cigaretteArgs + ["--vce", "cluster", "--cluster-correction", "cr2"]
        let r = try ProcessRunner.spillsim(args + ["--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(json["cluster_correction"] as? String, "cr2")
        let coefficients = try XCTUnwrap(json["coefficients"] as? [[String: Any]]).map { $0["name"] as? String }
        let printed = try XCTUnwrap(json["coefficient_df"] as? [Double])
        for (name, expected) in zip(names, df) {
            let j = try XCTUnwrap(coefficients.firstIndex(of: name), name)
            // JSON prints 17 significant digits; the library test holds the df to 1e-8 relative.
            assertClose(expected, printed[j], tolerance: 1e-8 * expected, "coefficient_df[\(name)]")
        }
        let text = try ProcessRunner.spillsim(args)
        XCTAssertEqual(text.status, 0, text.err)
        XCTAssertTrue(text.out.contains("Satterthwaite df"), text.out)
        let plain = try ProcessRunner.spillsim(cigaretteArgs + ["--vce", "cluster", "--json"])
        let plainJSON = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(plain.out.utf8)) as? [String: Any])
        XCTAssertTrue(plainJSON["coefficient_df"] is NSNull, "CR1 has one t reference")
    }

    /// `--model sac --vce cluster` gives the SAC's cluster sandwich (CR1, 46 clusters; the library
    /// test holds it to the NumPy reference), and a correction without a sandwich is refused naming the flag.
    func testSACClusterVarianceAndRefusedCorrection() throws {
        let args = cigaretteArgs + ["--model", "sac", "--vce", "cluster"]
        let r = try ProcessRunner.spillsim(args + ["--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(json["vce"] as? String, "cluster")
        XCTAssertEqual(json["clusters"] as? Int, 46)
        XCTAssertEqual(json["cluster_correction"] as? String, "cr1")
        XCTAssertThrowsError(try parse(cigaretteArgs + ["--model", "sac", "--cluster-correction", "cr2"])) { e in
            XCTAssertTrue(Spillsim.message(for: e).contains("--cluster-correction"), Spillsim.message(for: e))
            XCTAssertEqual(Spillsim.exitCode(for: e).rawValue, 64)
        }
    }

    /// `--model sac --vce conley --cutoff 700 --coords lat,lon --lag 3` on the cigarette panel with each
    /// state's point (data/cigarette/usa46_centres.csv) joined in: the SEs of the NumPy reference
    /// (scripts/fixtures/make_sac_conley_cigarette.py, direct, Bartlett 700 km, lag 3), t(n* − k).
    func testSACConleyVarianceFromCoordinateColumns() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-cli-sac-conley")
        defer { try? FileManager.default.removeItem(at: dir) }
        let centres = try String(contentsOf: TestPaths.cigarette.appendingPathComponent("usa46_centres.csv"), encoding: .utf8)
        var point: [Substring: Substring] = [:]
        for line in centres.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            point[f[0]] = f[1] + "," + f[2]
        }
        let lines = try String(contentsOf: TestPaths.cigarette.appendingPathComponent("cigarette.csv"), encoding: .utf8).split(separator: "\n")
        var out = [lines[0] + ",lat,lon"]
        for line in lines.dropFirst() { out.append(line + "," + (try XCTUnwrap(point[line.split(separator: ",")[0]]))) }
        let csv = dir.appendingPathComponent("cigarette_ll.csv")
        try (out.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        var args = cigaretteArgs
        args[args.firstIndex(of: "--data")! + 1] = csv.path
        let r = try ProcessRunner.spillsim(args + ["--model", "sac", "--vce", "conley", "--cutoff", "700", "--coords", "lat,lon", "--lag", "3", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(json["vce"] as? String, "conley")
        XCTAssertEqual(json["t_df"] as? Int, 1380 - 7)
        let ref = try XCTUnwrap(try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: try TestPaths.committed(
            "Tests/EstimatorsTests/Fixtures/sac_conley_cigarette.json"))) as? [String: Any])["direct"] as? [String: Any])
        let v = try XCTUnwrap(ref["bartlett700_lag3"] as? [[Double]])
        let coefficients = try XCTUnwrap(json["coefficients"] as? [[String: Any]]).compactMap { $0["se"] as? Double }
        let spatial = try ["rho", "lambda"].map { try XCTUnwrap((json[$0] as? [String: Any])?["se"] as? Double) }
        XCTAssertEqual(coefficients.count, 4)
        for (k, se) in (coefficients + spatial).enumerated() {
            // The CLI's own fit: estimates within the optimisers' 1e-6 of the reference's, SEs within 1e-4.
            assertClose(v[k][k].squareRoot(), se, tolerance: 1e-4 * v[k][k].squareRoot(), "SE[\(k)]")
        }
    }

    /// `--sigma2 dof` reaches the fit (σ̂² = e'e/(n* − p) under Lee–Yu, the NumPy reference's value),
    /// the report and JSON say which σ̂² the SEs use, and a variance that would ignore it is refused.
    func testSigma2DofIsAppliedReportedOrRefused() throws {
        let leeYu = Array(cigaretteArgs.dropLast(2)) + ["--approach", "lee-yu"]
        XCTAssertEqual(try parse(leeYu).spec.residualVariance, .qml, "QML by default, as scenarios")
        let c = try parse(leeYu + ["--sigma2", "dof"])
        let a = try analysis(c)
        // scripts/fixtures/make_cigarette_sigma2_dof.py, two-way Lee–Yu: e'e/((N − 1)(T − 1) − 4); 1e-6 relative as there.
        assertClose(5.25331056e-03, a.fit.sigma2, tolerance: 1e-6 * 5.25e-3 + 1e-11, "dof σ̂² (NumPy reference, 9 digits printed)")
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try JSONOutput.text(SpatialAnalysisJSON(a)).utf8)) as? [String: Any])
        XCTAssertEqual(obj["sigma2_rule"] as? String, "dof")
        XCTAssertTrue(SDMReport.text(a).contains("(e'e/(n − fixed effects − p); the SEs use it)   QML e'e/n* = "), SDMReport.text(a))
        XCTAssertTrue(SDMReport.text(try analysis(try parse(leeYu))).contains("(QML, e'e/n*; the SEs use it)"))
        for extra in [["--variance", "cluster"], ["--model", "sac"], ["--dynamic"]] {
            XCTAssertThrowsError(try parse(leeYu + ["--sigma2", "dof"] + extra), "\(extra)") { e in
                XCTAssertTrue(Spillsim.message(for: e).contains("--sigma2 dof"), Spillsim.message(for: e))
                XCTAssertEqual(Spillsim.exitCode(for: e).rawValue, 64)
            }
        }
    }

    func testDefaultsAndJSONKeys() throws {
        let c = try parse(cigaretteArgs + ["--json", "--draws", "200"])
        XCTAssertEqual(c.model, .sdm)
        XCTAssertEqual(c.effects, .twoWays)
        XCTAssertEqual(c.approach, .direct, "the references below are of the direct approach, asked for explicitly")
        XCTAssertEqual(try parse(Array(cigaretteArgs.dropLast(2))).approach, SpatialApproach.standard,
                       "the default approach is the one scenarios use")
        XCTAssertEqual(c.durbinVariables, .all)
        let json = try JSONOutput.text(SpatialAnalysisJSON(try analysis(c)))
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        for key in ["rho", "coefficients", "sigma2", "loglik", "n", "converged", "impacts"] {
            XCTAssertNotNil(obj[key], "JSON key \(key) (issue 4)")
        }
        let rho = try XCTUnwrap(obj["rho"] as? [String: Double])
        assertClose(0.22920027391090536, rho["estimate"]!, tolerance: 1e-6, "cigarette NumPy reference, two-way direct")
        let names = (obj["coefficients"] as! [[String: Any]]).map { $0["name"] as! String }
        XCTAssertEqual(names, ["logp", "logy", "W*logp", "W*logy"])
        XCTAssertEqual(obj["n"] as? Int, 1380)
        let imp = obj["impacts"] as! [[String: Any]]
        XCTAssertEqual(imp.map { $0["variable"] as! String }, ["logp", "logy"])
        XCTAssertNotNil((imp[0]["indirect"] as? [String: Double])?["se"])
        let sim = try XCTUnwrap(obj["impacts_simulation"] as? [String: Any])
        XCTAssertEqual(sim["draws"] as? Int, 200)
    }

    /// `--logdet sparse` (issue 16): the sparse Cholesky log-determinant reproduces the spectral
    /// fit to rounding, and the report states the method and the Hutchinson tr(GᵀG) with its MCSE.
    func testSparseLogDeterminantReproducesTheExactFit() throws {
        let exact = try analysis(try parse(cigaretteArgs + ["--logdet", "exact"]))
        let c = try parse(cigaretteArgs + ["--logdet", "sparse", "--json"])
        XCTAssertEqual(c.logdet, .sparse)
        let a = try analysis(c)
        assertClose(exact.fit.rho!, a.fit.rho!, tolerance: 1e-8, "same score equation, exact log-determinants")
        assertClose(exact.fit.coefficients, a.fit.coefficients, tolerance: 1e-8)
        for (x, y) in zip(exact.fit.standardErrors, a.fit.standardErrors) { assertClose(x, y, tolerance: 0.01 * x) }
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try JSONOutput.text(SpatialAnalysisJSON(a)).utf8)) as? [String: Any])
        let logdet = try XCTUnwrap(obj["logdet"] as? [String: Any])
        XCTAssertEqual(logdet["method"] as? String, "sparse")
        let trace = try XCTUnwrap(logdet["trace_GtG"] as? [String: Any])
        XCTAssertTrue((8...64).contains(try XCTUnwrap(trace["probes"] as? Int)), "blocks of 8 probes up to 64")
        XCTAssertNotNil(trace["mcse"] as? Double)
        XCTAssertThrowsError(try parse(cigaretteArgs + ["--logdet", "cholesky"]), "unknown method refused at parse time")
    }

    func testQuadraticAddsCurvesAndTurningPoints() throws {
        let c = try parse(cigaretteArgs + ["--quadratic", "logp", "--moderator", "logy", "--approach", "lee-yu", "--durbin", "logp,logy"])
        XCTAssertEqual(c.durbinVariables, .only(["logp", "logy"]))
        let a = try analysis(c)
        XCTAssertEqual(a.fit.names, ["logp", "logy", "logp^2", "logp:logy", "W*logp", "W*logy"])
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try JSONOutput.text(SpatialAnalysisJSON(a)).utf8)) as? [String: Any])
        let tps = try XCTUnwrap(obj["turning_points"] as? [[String: Any]])
        XCTAssertEqual(tps.count, 9, "3 effects × 3 moderator quartiles")
        XCTAssertNotNil(tps[0]["u_test"])
        XCTAssertNotNil((tps[0]["fieller"] as? [String: Any])?["type"])
        let shifts = try XCTUnwrap(obj["turning_point_shifts"] as? [[String: Any]])
        XCTAssertFalse(shifts.isEmpty)
        XCTAssertNotNil((shifts[0]["fieller"] as? [String: Any])?["type"], "dx*/dD has its Fieller set too")
        XCTAssertEqual(obj["vce"] as? String, "oim")
        XCTAssertEqual((obj["curves"] as? [[String: Any]])?.count, 9)
        XCTAssertFalse(SDMReport.text(a).isEmpty)
    }

    func testValidation() {
        // Parse-level refusals: ArgumentParser's error type is internal; the contract is the message and exit code 64.
        // ols and slx have no ρ or λ: a log-determinant method for them was accepted and only printed.
        for (args, text) in [(["--moderator", "logy"], "--moderator needs --quadratic"), (["--model", "probit"], "probit"),
                             (["--model", "ols", "--logdet", "chebyshev"], "--logdet"), (["--model", "slx", "--logdet", "exact"], "--logdet")] {
            XCTAssertThrowsError(try Spillsim.parseAsRoot(cigaretteArgs + args)) { e in
                XCTAssertTrue(Spillsim.message(for: e).contains(text), Spillsim.message(for: e))
                XCTAssertEqual(Spillsim.exitCode(for: e).rawValue, 64, Spillsim.message(for: e))
            }
        }
        XCTAssertNoThrow(try Spillsim.parseAsRoot(cigaretteArgs + ["--model", "sem", "--logdet", "chebyshev"]), "sem has λ")
        // A missing column is a data error naming the column and the file (not, say, a missing-file error).
        let data = TestPaths.cigarette.appendingPathComponent("cigarette.csv").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: data), "the committed panel \(data)")
        assertThrows(try parse(cigaretteArgs + ["--y", "nosuch"]).run(), as: DataError.self) {
            XCTAssertTrue("\($0)".contains("nosuch") && "\($0)".contains(data), "\($0)")
        }
    }

    /// Runs the built executable: JSON on stdout, exit 0; a refused input exits non-zero with the message on stderr.
    func testBuiltExecutable() throws {
        func run(_ args: [String]) throws -> ProcessOutput { try ProcessRunner.spillsim(args) }
        let ok = try run(Array(cigaretteArgs) + ["--json", "--model", "sem", "--effects", "individual"])
        XCTAssertEqual(ok.status, 0, ok.err)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(ok.out.utf8)) as? [String: Any])
        XCTAssertTrue(obj["rho"] is NSNull, "SEM has no ρ")
        XCTAssertNotNil(obj["lambda"] as? [String: Double])
        // One list grammar (as twfe): a repeated --x adds columns, so give the list once.
        let bad = try run(cigaretteArgs.map { $0 == "logp,logy" ? "logp,nosuch" : $0 })
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("nosuch"), bad.err)
    }
}

/// `estimate sdm --dynamic` (issue 25): the report is the library's dynamic fit, and what the
/// dynamic estimator does not implement is refused, not ignored.
final class CLIDynamicSDMTests: XCTestCase {
    var cigaretteArgs: [String] {
        let d = TestPaths.cigarette.path
        return ["estimate", "sdm", "--data", d + "/cigarette.csv", "--weights", d + "/usa46_contiguity.csv",
                "--id", "state", "--time", "year", "--y", "logc", "--x", "logp,logy"]
    }

    func testDynamicJSONIsTheLibraryFit() throws {
        let cmd = try XCTUnwrap(try Spillsim.parseAsRoot(cigaretteArgs + ["--dynamic", "--quadratic", "logp", "--json"]) as? Spillsim.Estimate.SDM)
        XCTAssertTrue(cmd.dynamic)
        XCTAssertNil(cmd.biasCorrection)
        let ds = try SpatialDataLoader.load(data: URL(fileURLWithPath: cmd.panel.data), weights: URL(fileURLWithPath: cmd.weights),
                                            id: "state", time: "year", y: "logc", x: ["logp", "logy"], quadratic: "logp")
        let a = try DynamicSpatialAnalysis.run(dataset: ds)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try JSONOutput.text(DynamicSpatialAnalysisJSON(a)).utf8)) as? [String: Any])
        XCTAssertEqual(obj["bias_correction"] as? String, "ydl")
        XCTAssertEqual(obj["correction_applied"] as? Bool, true)
        XCTAssertEqual(obj["n_periods_used"] as? Int, 29)
        // Through JSON text and back: equal up to the last bit of the decimal round trip.
        assertClose(a.dynamic.tau.estimate, try XCTUnwrap((obj["tau"] as? [String: Double])?["estimate"]), tolerance: 1e-14, "tau")
        for key in ["short_run", "long_run"] {
            let h = try XCTUnwrap(obj[key] as? [String: Any], key)
            XCTAssertEqual(h["available"] as? Bool, true)
            XCTAssertEqual((h["turning_points"] as? [Any])?.count, 3, key)
            XCTAssertEqual((h["impacts"] as? [Any])?.count, 3, key)
        }
        let text = DynamicSDMReport.text(a)
        XCTAssertTrue(text.contains("Long-run effects"), text)
        XCTAssertTrue(text.contains("long-run turning points"), text)
    }

    func testRefusals() throws {
        for (extra, expected) in [(["--bias-correction", "none"], "--bias-correction"),
                                  (["--dynamic", "--effects", "individual"], "twoways"),
                                  (["--dynamic", "--approach", "direct"], "--approach direct"),
                                  (["--dynamic", "--model", "sar"], "--model sdm"),
                                  (["--dynamic", "--vce", "cluster"], "not implemented for --dynamic"),
                                  (["--dynamic", "--draws", "10"], "--draws")] {
            XCTAssertThrowsError(try Spillsim.parseAsRoot(cigaretteArgs + extra)) { e in
                XCTAssertTrue(Spillsim.message(for: e).contains(expected), Spillsim.message(for: e))
                XCTAssertEqual(Spillsim.exitCode(for: e).rawValue, 64)
            }
        }
        let none = try XCTUnwrap(try Spillsim.parseAsRoot(cigaretteArgs + ["--dynamic", "--bias-correction", "none"]) as? Spillsim.Estimate.SDM)
        XCTAssertEqual(none.biasCorrection, DynamicBiasCorrection.none)
    }
}

/// `estimate sdm --model sac` (spatial lag + spatial error) and its refusals.
final class CLISACTests: XCTestCase {
    var args: [String] {
        let f = TestPaths.repositoryRoot.appendingPathComponent("Tests/EstimatorsTests/Fixtures").path
        return ["estimate", "sdm", "--data", f + "/sac_panel.csv", "--weights", f + "/spreg_panel_W.csv",
                "--id", "id", "--time", "time", "--y", "y", "--x", "x1,x2", "--model", "sac", "--approach", "lee-yu"]
    }

    func testSACReportsRhoAndLambda() throws {
        let c = try XCTUnwrap(try Spillsim.parseAsRoot(args) as? Spillsim.Estimate.SDM)
        XCTAssertEqual(c.model, .sac)
        let ds = try SpatialDataLoader.load(data: URL(fileURLWithPath: c.panel.data), weights: URL(fileURLWithPath: c.weights),
                                            id: c.panel.id, time: c.panel.time, y: c.panel.y, x: c.regressors)
        let a = try SpatialAnalysis.run(SpatialModelSpec(model: .sac, effects: c.effects, approach: c.approach, durbin: c.durbinVariables),
                                        dataset: ds)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try JSONOutput.text(SpatialAnalysisJSON(a)).utf8)) as? [String: Any])
        XCTAssertNotNil(obj["rho"] as? [String: Any])
        XCTAssertNotNil(obj["lambda"] as? [String: Any])
        let text = SDMReport.text(a)
        XCTAssertTrue(text.hasPrefix("SAC, twoways effects, lee-yu approach"), text)
        XCTAssertTrue(text.contains("lambda"), text)
    }

    /// `--information observed` and `--cluster-correction cr2` reach the SAC fit and its JSON.
    func testObservedInformationAndCR2() throws {
        let r = try ProcessRunner.spillsim(args + ["--information", "observed", "--vce", "cluster", "--cluster-correction", "cr2", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(obj["information"] as? String, "observed")
        XCTAssertEqual(obj["cluster_correction"] as? String, "cr2")
        XCTAssertEqual((obj["coefficient_df"] as? [Double])?.count, 4)   // x1, x2 and their W-lags
    }

    /// `--interval profile` reaches the fit: the JSON's profile intervals are the NumPy brute force's
    /// (sac_profile_interval.json, Lee–Yu two-way with Durbin terms, as `args`) to 1e-6, and the text
    /// report names how each end was found.
    func testProfileInterval() throws {
        let r = try ProcessRunner.spillsim(args + ["--interval", "profile", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let intervals = try XCTUnwrap(obj["profile_intervals"] as? [[String: Any]])
        let ref = try XCTUnwrap(try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: try TestPaths.committed(
            "Tests/EstimatorsTests/Fixtures/sac_profile_interval.json"))) as? [String: Any])["lee_yu_twoways_durbin"] as? [String: Any])
        XCTAssertEqual(intervals.map { $0["parameter"] as? String }, ["rho", "lambda"])
        for i in intervals {
            let name = try XCTUnwrap(i["parameter"] as? String)
            let r = try XCTUnwrap(ref[name] as? [String: Any])
            assertClose(r["lower"] as! Double, i["lower"] as! Double, tolerance: 1e-6, "\(name) lower")
            assertClose(r["upper"] as! Double, i["upper"] as! Double, tolerance: 1e-6, "\(name) upper")
            XCTAssertEqual(i["lower_end"] as? String, "root")
            XCTAssertEqual(i["upper_end"] as? String, "root")
        }
        let text = try ProcessRunner.spillsim(args + ["--interval", "profile"])
        XCTAssertEqual(text.status, 0, text.err)
        XCTAssertTrue(text.out.contains("Profile-likelihood 95% intervals"), text.out)
        XCTAssertTrue(text.out.contains("lower: root, upper: root"), text.out)
    }

    func testSACRefusals() throws {
        let f = TestPaths.repositoryRoot.appendingPathComponent("Tests/EstimatorsTests/Fixtures").path
        let bad: [([String], String)] = [
            (Array(args.dropLast(4)) + ["--information", "observed"], "--information"),
            (args + ["--dynamic"], "--dynamic"),
            (args + ["--logdet", "chebyshev"], "--logdet"),
            (Array(args.dropLast(4)) + ["--error-weights", f + "/spreg_panel_W.csv"], "--error-weights"),
            (Array(args.dropLast(4)) + ["--interval", "profile"], "--interval profile is implemented for --model sac"),
            (args + ["--interval", "profile", "--vce", "cluster"], "--interval profile"),
            (args + ["--interval", "likelihood"], "--interval"),
        ]
        for (a, needle) in bad {
            XCTAssertThrowsError(try Spillsim.parseAsRoot(a)) { e in
                XCTAssertTrue(Spillsim.message(for: e).contains(needle), Spillsim.message(for: e))
                XCTAssertEqual(Spillsim.exitCode(for: e).rawValue, 64)
            }
        }
    }
}
