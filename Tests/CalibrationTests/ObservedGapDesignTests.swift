import Calibration
import CitySystem
import Estimators
import Numerics
import TestSupport
import XCTest

/// `calibrate` on a panel with missing city-years (issue 24, items 3 and 7): the committed pattern
/// of 99 removed state-years (Tests/EstimatorsTests/Fixtures/cigarette_unbalanced_removed.csv).
final class ObservedGapDesignTests: XCTestCase {
    /// The cigarette panel less the committed removed state-years, with the outcome of the first
    /// `emptied` remaining rows blanked (an empty cell: the row is present but unusable).
    static func gappyPanel(in dir: URL, emptied: Int = 0) throws -> (path: String, removed: Set<String>, emptied: Set<String>) {
        let removedTable = try DataTable.read(csv: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("EstimatorsTests/Fixtures/cigarette_unbalanced_removed.csv"))
        let drop = Set(zip(try removedTable.strings("state"), try removedTable.strings("year")).map { "\($0)/\($1)" })
        let full = try DataTable.read(csv: URL(fileURLWithPath: CigaretteCalibration.data))
        let keys = zip(try full.strings("state"), try full.strings("year")).map { "\($0)/\($1)" }
        let y = try full.columnIndex("logc")
        var lines = [full.columnNames.joined(separator: ",")], blanked = Set<String>()
        for (row, key) in zip(full.rows, keys) where !drop.contains(key) {
            var r = row
            if blanked.count < emptied { r[y] = ""; blanked.insert(key) }
            lines.append(r.joined(separator: ","))
        }
        let path = dir.appendingPathComponent("gappy.csv").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return (path, drop, blanked)
    }

    static func calibrate(in dir: URL, emptied: Int = 0, errors: ObservedDesignSpec.Errors = .normal) throws
        -> (c: Calibration, design: ObservedGapDesign, removed: Set<String>, emptied: Set<String>) {
        let (path, removed, blanked) = try gappyPanel(in: dir, emptied: emptied)
        var r = CigaretteCalibration.request(errors: errors)
        r.data = path
        r.approach = nil
        let c = try CigaretteCalibration.calibrate(r, directory: dir.path)
        guard case .gaps(let design) = try c.world(source: "test") else { throw EstimationError("expected a design with gaps") }
        return (c, design, removed, blanked)
    }

    /// The calibration is the unbalanced estimator on the observed rows: equal to the brute-force
    /// fixture (explicit dummies, dense determinants per year; scripts/fixtures/make_cigarette_unbalanced.py)
    /// to the 1e-6, and its report counts the rows used, the city sets and the distinct W_t.
    func testCalibrationIsTheUnbalancedFitOfTheRemovedStateYears() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-gap-calibration")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (c, design, removed, _) = try Self.calibrate(in: dir)
        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("EstimatorsTests/Fixtures/cigarette_unbalanced_reference.json"))) as! [String: Any]
        let ref = try XCTUnwrap(fixture["restandardised"] as? [String: Any])
        let u = try XCTUnwrap(c.gaps)
        XCTAssertEqual(u.absentRows, removed.count)
        XCTAssertEqual(u.unbalanced.pattern.rowsUsed, ref["n_obs"] as? Int)
        XCTAssertEqual(u.unbalanced.pattern.distinctWeights, ref["distinct_W"] as? Int)
        XCTAssertEqual(c.spec.approach, "direct")
        assertClose(ref["rho"] as! Double, c.spec.fit.rho, tolerance: 1e-6, "rho; brute force")
        let coefs = ref["coefficients"] as! [String: Double]
        for b in c.spec.fit.beta { assertClose(coefs[b.name]!, b.value, tolerance: 1e-6, "beta \(b.name)") }
        for t in c.spec.fit.theta { assertClose(coefs["W*" + t.name]!, t.value, tolerance: 1e-6, "theta \(t.name)") }
        // The world's σ² is e'e/(rows − rank(D) − p): the QML σ̂² of the fixture rescaled by rows/(rows − rank − p).
        let rows = Double(u.unbalanced.pattern.rowsUsed), dof = rows - Double(u.unbalanced.pattern.fixedEffectRank + 4)
        assertClose((ref["sigma2"] as! Double) * rows / dof, c.spec.fit.sigma2, tolerance: 1e-6 * c.spec.fit.sigma2, "sigma2")
        // At the calibrated values the truth's effects are the fit's (averaged over the observed city-years).
        let effects = ref["effects"] as! [String: [String: Double]]
        for r in design.truth.regressors {
            for (kind, value) in [("direct", r.direct), ("indirect", r.indirect), ("total", r.total)] {
                assertClose(effects[r.name]![kind]!, value, tolerance: 1e-6, "\(r.name) \(kind) truth; dense inverses per year")
            }
        }
    }

    /// Every generated panel has exactly the data's observed city-years (absent rows and rows with an
    /// empty cell alike), and with the fitted residuals as errors the generator gives back the data.
    func testGeneratedPanelsKeepTheDataPattern() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-gap-generate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (c, design, removed, emptied) = try Self.calibrate(in: dir, emptied: 3, errors: .unitWild)
        XCTAssertEqual(c.gaps?.rowsWithEmptyCells, 3)
        let data = design.panel
        let units = design.dataset.units, times = design.dataset.times.map(PanelIndex.format)
        for replication in 0..<3 {
            let p = try design.generate(seed: 11, cell: 0, replication: replication)
            XCTAssertEqual(p.unit, data.unit)
            XCTAssertEqual(p.period, data.period)
            var missing = Set<String>()
            let present = Set(zip(p.unit, p.period).map { "\(units[$0])/\(times[$1])" })
            for u in units { for t in times where !present.contains("\(u)/\(t)") { missing.insert("\(u)/\(t)") } }
            XCTAssertEqual(missing, removed.union(emptied), "the generated panel's missing set is the data's")
        }
        // Rows come back: y = (I − ρW_t)⁻¹(Xβ + W_tXθ + μ + α + M_D r) per year; a few ulps of |y| ≈ 5 through ‖(I − ρW_t)⁻¹‖ < 2.
        assertClose(data.y, try design.outcome(errors: design.residuals), tolerance: 1e-11, "reproduced data")
        XCTAssertEqual(try design.generate(seed: 11, cell: 0, replication: 1).y, try design.generate(seed: 11, cell: 0, replication: 1).y)
        XCTAssertNotEqual(try design.generate(seed: 11, cell: 0, replication: 1).y, try design.generate(seed: 11, cell: 0, replication: 2).y)
    }

    /// The truth's effect multipliers average each observed year's tr(A_t)/n_t, tr(A_tW_t)/n_t and
    /// 1ᵀA_t1/n_t over the observed city-years (A_t = (I − ρW_t)⁻¹ by LU on W_t built by hand from the
    /// dense W), as the generator's unbalanced truths do.
    func testTruthAveragesOverTheObservedCityYears() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-gap-truth")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, design, _, _) = try Self.calibrate(in: dir)
        let w = try WeightsTable.read(csv: URL(fileURLWithPath: CigaretteCalibration.weights))
        let dense = try w.reorderedSparse(to: design.dataset.units, source: "w").rowStandardised()
        let p = design.panel, rho = design.truth.rho
        var a1 = 0.0, a2 = 0.0, t1 = 0.0
        for q in 0..<p.t {
            let s = Array(p.citySet(q)), m = s.count
            var wt = Matrix(rows: m, cols: m)
            for (a, i) in s.enumerated() {
                let sum = s.reduce(0.0) { $0 + dense[i, $1] }
                for (b, j) in s.enumerated() where sum > 0 { wt[a, b] = dense[i, j] / sum }
            }
            var lhs = Matrix.identity(m)
            for k in 0..<lhs.data.count { lhs.data[k] -= rho * wt.data[k] }
            let inverse = try LUDecomposition(lhs).solve(Matrix.identity(m))
            let aw = inverse * wt
            for i in 0..<m { a1 += inverse[i, i]; a2 += aw[i, i] }
            t1 += inverse.data.reduce(0, +)
        }
        let rows = Double(p.observations)
        // LU on 46 × 46 matrices with ‖A‖ < 2: rounding far below 1e-12.
        assertClose(a1 / rows, design.truth.multipliers.a1, tolerance: 1e-12, "a1")
        assertClose(a2 / rows, design.truth.multipliers.a2, tolerance: 1e-12, "a2")
        assertClose(t1 / rows, design.truth.multipliers.t1, tolerance: 1e-12, "t1")
    }

    /// The block laws cannot resample a panel whose units and years have different city-years: refused by name.
    func testBlockErrorLawsAreRefusedOnGaps() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-gap-laws")
        defer { try? FileManager.default.removeItem(at: dir) }
        for law in [ObservedDesignSpec.Errors.unitBlock, .timeBlock] {
            assertThrows(try Self.calibrate(in: dir, errors: law), as: CalibrationError.self) {
                guard case .errorLawNeedsBalancedPanel(_, let name, _) = $0 else { return XCTFail("\($0)") }
                XCTAssertEqual(name, law.rawValue)
            }
        }
    }
}

/// `calibrate --merges` (issue 24): the committed merges panel (two merges plus the removed
/// state-years; Tests/EstimatorsTests/Fixtures/cigarette_merges_panel.csv, cigarette_merges.csv).
final class ObservedMergeDesignTests: XCTestCase {
    /// The calibration equals the brute-force merges fixture (scripts/fixtures/make_cigarette_merges.py)
    /// to the 1e-6; the design keeps the merged units and the gaps; the generated panel, written
    /// as `generate` writes it and read back with the merges file, is the same rows.
    func testCalibrationKeepsTheMerges() throws {
        let dir = try TestPaths.temporaryDirectory("spillsim-merge-calibration")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("EstimatorsTests/Fixtures")
        var r = CigaretteCalibration.request()
        r.data = fixtures.appendingPathComponent("cigarette_merges_panel.csv").path
        r.merges = fixtures.appendingPathComponent("cigarette_merges.csv").path
        r.approach = nil
        let c = try CigaretteCalibration.calibrate(r, directory: dir.path)
        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("cigarette_merges_reference.json"))) as! [String: Any]
        let ref = try XCTUnwrap(fixture["restandardised"] as? [String: Any])
        assertClose(ref["rho"] as! Double, c.spec.fit.rho, tolerance: 1e-6, "rho; brute force with merges")
        let coefs = ref["coefficients"] as! [String: Double]
        for b in c.spec.fit.beta { assertClose(coefs[b.name]!, b.value, tolerance: 1e-6, "beta \(b.name)") }
        for t in c.spec.fit.theta { assertClose(coefs["W*" + t.name]!, t.value, tolerance: 1e-6, "theta \(t.name)") }
        XCTAssertNotNil(c.spec.merges)

        // Through the scenario file, as `run` loads it: hash-checked merges, the same design.
        let (path, spec) = try CigaretteCalibration.roundTrip(c, in: dir)
        let observed = try XCTUnwrap(spec.observed)
        XCTAssertEqual(observed.merges?.hash, c.spec.merges?.hash)
        guard case .gaps(let design) = try ObservedWorld.load(spec: observed, source: path) else { return XCTFail("expected gaps") }
        XCTAssertEqual(design.dataset.merges.count, 2)
        XCTAssertEqual(design.panel.observations, ref["n_obs"] as? Int)
        let p = try design.generate(seed: 5, cell: 0, replication: 0)
        XCTAssertEqual(p.unit, design.panel.unit)
        XCTAssertEqual(p.period, design.panel.period)
        let csv = dir.appendingPathComponent("generated.csv")
        try design.csv(p).write(to: csv, atomically: true, encoding: .utf8)
        guard case .unbalanced(let back) = try UnbalancedDataLoader.load(
            data: csv, weights: URL(fileURLWithPath: CigaretteCalibration.weights), id: "state", time: "year", y: "logc",
            x: ["logp", "logy"], merges: try CityMerges.read(csv: URL(fileURLWithPath: try XCTUnwrap(r.merges)))) else { return XCTFail("gaps") }
        XCTAssertEqual(back.panel.unit, p.unit)
        XCTAssertEqual(back.panel.period, p.period)
        // %.17g round-trips every double.
        XCTAssertEqual(back.panel.y, p.y)
    }
}
