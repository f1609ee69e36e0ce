import XCTest
import Numerics
import TestSupport
@testable import Estimators

final class CSDIDTests: XCTestCase {
    /// Staggered panel: 60 units, periods 1…6, cohorts 3 (15 units), 5 (15 units), never (30 units).
    /// y = α_i + γ_t + τ_{g}(t − g + 1) 1[t ≥ g] + 0.3·z_i·t + σ ε.
    static func staggered(noise: Double, seed: UInt64 = 21) throws -> TreatmentPanel {
        let rng = RandomStream(seed: seed)
        let n = 60, periods: [Double] = [1, 2, 3, 4, 5, 6]
        let adoption: [Double?] = (0..<n).map { $0 < 15 ? 3 : ($0 < 30 ? 5 : nil) }
        let alpha = (0..<n).map { _ in rng.normal() }
        let z = (0..<n).map { i in rng.normal() + (adoption[i] == nil ? 0 : 0.5) }
        var y = [Double](repeating: 0, count: n * 6), zc = [Double](repeating: 0, count: n * 6)
        for t in 0..<6 { for i in 0..<n {
            let tv = periods[t]
            var v = alpha[i] + 0.4 * tv + 0.3 * z[i] * tv + noise * rng.normal()
            if let g = adoption[i], tv >= g { v += (g == 3 ? 1.0 : 2.0) * (tv - g + 1) }
            y[t * n + i] = v; zc[t * n + i] = z[i]
        } }
        return try TreatmentPanel(unitCount: n, periods: periods, outcome: y, covariates: try Matrix(columns: [zc]),
                                  covariateNames: ["z"], adoption: adoption)
    }

    func testUnconditionalCellIsDifferenceInMeanChangesWithClosedFormSE() throws {
        let p = try Self.staggered(noise: 1)
        let noCov = try TreatmentPanel(unitCount: p.unitCount, periods: p.periods, outcome: p.outcome,
                                       covariates: Matrix(rows: 0, cols: 0), covariateNames: [], adoption: p.adoption)
        let n = 60
        var atts: [[Double]] = []
        for method in DiDMethod.allCases {
            let r = try CallawaySantAnna.estimate(panel: noCov, spec: CSDiDSpec(method: method))
            let cell = r.cells.first { $0.group == 3 && $0.time == 4 }!
            // Treated cohort 3 (units 0..<15) vs never-treated (30..<60), base period 2 (index 1), t = 4 (index 3).
            let dy = (0..<n).map { p.outcome[3 * n + $0] - p.outcome[1 * n + $0] }
            let dT = Array(dy[0..<15]), dC = Array(dy[30..<60])
            let mT = Statistics.mean(dT), mC = Statistics.mean(dC)
            assertClose(mT - mC, cell.att, tolerance: 1e-12, "no covariates: every method is the difference of mean changes")
            let se = (dT.reduce(0) { $0 + ($1 - mT) * ($1 - mT) } / 225 + dC.reduce(0) { $0 + ($1 - mC) * ($1 - mC) } / 900).squareRoot()
            assertClose(se, cell.standardError, tolerance: 1e-12, "IF SE = √(Σ_T(ΔY−m_T)²/n_T² + Σ_C(ΔY−m_C)²/n_C²)")
            atts.append(r.cells.map { $0.att })
        }
        assertClose(atts[0], atts[2], tolerance: 1e-10, "reg = dr without covariates")
    }

    func testNoiseFreeEffectsAreRecoveredWithCovariateTrends() throws {
        let p = try Self.staggered(noise: 0)
        for method in DiDMethod.allCases where method != .ipw {
            // reg and dr are exact when the outcome model (linear in z) is right.
            let r = try CallawaySantAnna.estimate(panel: p, spec: CSDiDSpec(method: method))
            for c in r.cells {
                let truth = c.time >= c.group ? (c.group == 3 ? 1.0 : 2.0) * (c.time - c.group + 1) : 0
                assertClose(truth, c.att, tolerance: 1e-9, "\(method) g=\(c.group) t=\(c.time): noise-free DGP")
            }
            // Event e = 0: both cohorts have effect τ_g, weighted by cohort shares (15 and 15) → 1.5.
            let e0 = r.event.first { $0.label == 0 }!
            assertClose(1.5, e0.att, tolerance: 1e-9, "equal cohort shares")
        }
    }

    func testUniversalBaseAndNotYetWithoutNeverTreated() throws {
        let p = try Self.staggered(noise: 0)
        let u = try CallawaySantAnna.estimate(panel: p, spec: CSDiDSpec(method: .reg, basePeriod: .universal))
        XCTAssertFalse(u.cells.contains { $0.time == $0.group - 1 }, "the reference cell g − 1 is not reported")
        XCTAssertTrue(u.cells.contains { $0.group == 5 && $0.time == 1 }, "universal base reports the first period")
        for c in u.cells {
            let truth = c.time >= c.group ? (c.group == 3 ? 1.0 : 2.0) * (c.time - c.group + 1) : 0
            assertClose(truth, c.att, tolerance: 1e-9, "universal g=\(c.group) t=\(c.time): noise-free")
        }
        // Drop the never-treated units: not-yet-treated still identifies cohort 3 up to t = 4.
        let keep = 0..<30
        var y: [Double] = []
        var z: [Double] = []
        for t in 0..<6 { for i in keep { y.append(p.outcome[t * 60 + i]); z.append(p.covariates[t * 60 + i, 0]) } }
        let only = try TreatmentPanel(unitCount: 30, periods: p.periods, outcome: y, covariates: try Matrix(columns: [z]),
                                      covariateNames: ["z"], adoption: Array(p.adoption[keep]))
        assertThrows(try CallawaySantAnna.estimate(panel: only, spec: CSDiDSpec(control: .never)), as: TreatmentError.self) { e in
            XCTAssertTrue("\(e)".contains("no never-treated control group"), "\(e)")
        }
        let ny = try CallawaySantAnna.estimate(panel: only, spec: CSDiDSpec(control: .notyet, method: .reg))
        XCTAssertTrue(ny.skippedCells.contains { $0.group == 3 && $0.time == 5 }, "cohort 5 is treated at 5: no control left")
        let c34 = ny.cells.first { $0.group == 3 && $0.time == 4 }!
        assertClose(2, c34.att, tolerance: 1e-9, "cohort 5 as control before it adopts")
    }

    func testNotYetTreatedUsesLaterCohortAsControl() throws {
        let p = try Self.staggered(noise: 1)
        let never = try CallawaySantAnna.estimate(panel: p, spec: CSDiDSpec(control: .never, method: .reg))
        let notyet = try CallawaySantAnna.estimate(panel: p, spec: CSDiDSpec(control: .notyet, method: .reg))
        let a = never.cells.first { $0.group == 3 && $0.time == 3 }!, b = notyet.cells.first { $0.group == 3 && $0.time == 3 }!
        XCTAssertEqual(a.controlUnits, 30)
        XCTAssertEqual(b.controlUnits, 45, "cohort 5 is not yet treated at t = 3")
        let late = notyet.cells.first { $0.group == 3 && $0.time == 5 }!
        XCTAssertEqual(late.controlUnits, 30, "cohort 5 is treated at t = 5")
    }

    func testSimpleAggregateWithOneCellEqualsThatCell() throws {
        // Two periods, one cohort: simple ATT = the only post cell, SE unchanged (weights known: one cohort).
        let n = 40
        let rng = RandomStream(seed: 4)
        let adoption: [Double?] = (0..<n).map { $0 < 10 ? 2 : nil }
        let y = (0..<(2 * n)).map { k in rng.normal() + (k >= n && k - n < 10 ? 1 : 0) }
        let p = try TreatmentPanel(unitCount: n, periods: [1, 2], outcome: y, covariates: Matrix(rows: 0, cols: 0),
                                   covariateNames: [], adoption: adoption)
        let r = try CallawaySantAnna.estimate(panel: p, spec: CSDiDSpec(method: .reg))
        XCTAssertEqual(r.cells.count, 1)
        assertClose(r.cells[0].att, r.simple.att, tolerance: 1e-14, "single cell")
        assertClose(r.cells[0].standardError, r.simple.standardError, tolerance: 1e-12,
                    "weight term vanishes: 1[G=g] − pg sums to zero against itself")
    }

    /// Monte Carlo check of the analytic influence functions with covariates: the empirical SD
    /// of the simple ATT across replications matches the root-mean-square analytic SE (IPW and
    /// DR include the estimation effect of the logit and OLS first steps).
    func testInfluenceFunctionSEMatchesMonteCarloSpread() throws {
        let reps = 300
        for method in [DiDMethod.ipw, .dr] {
            var est: [Double] = [], se2: [Double] = []
            for r in 0..<reps {
                let rng = RandomStream(seed: 77, replication: r)
                let n = 200, periods: [Double] = [1, 2, 3, 4]
                var adoption = [Double?](repeating: nil, count: n), z = [Double](repeating: 0, count: n)
                for i in 0..<n {
                    z[i] = rng.normal()
                    if rng.bernoulli(1 / (1 + exp(-(-0.5 + 0.8 * z[i])))) { adoption[i] = 3 }
                }
                var y = [Double](repeating: 0, count: n * 4), x = Matrix(rows: n * 4, cols: 1)
                let a = (0..<n).map { _ in rng.normal() }
                for t in 0..<4 { for i in 0..<n {
                    y[t * n + i] = a[i] + 0.5 * z[i] * Double(t) + (adoption[i] != nil && t >= 2 ? 1 + 0.5 * z[i] : 0) + rng.normal()
                    x[t * n + i, 0] = z[i]
                } }
                let p = try TreatmentPanel(unitCount: n, periods: periods, outcome: y, covariates: [("z", x.column(0))], adoption: adoption)
                let res = try CallawaySantAnna.estimate(panel: p, spec: CSDiDSpec(method: method))
                est.append(res.simple.att); se2.append(res.simple.standardError * res.simple.standardError)
            }
            let empSD = Statistics.standardDeviation(est)
            let modelSE = Statistics.mean(se2).squareRoot()
            // MCSE of the ratio ModSE/EmpSE ≈ √(1/(2(R−1)) + Var(s²)/(4R ModSE⁴)) (Morris et al. 2019).
            let varS2 = Statistics.variance(se2)
            let mcse = (1 / (2 * Double(reps - 1)) + varS2 / (4 * Double(reps) * pow(modelSE, 4))).squareRoot()
            assertWithinMCSE(1, modelSE / empSD, mcse: mcse, k: 3.5, "\(method): analytic IF SE vs Monte Carlo SD, seeds 77/rep")
        }
    }

    func testTreatedAtStartIsRefused() throws {
        let p = try Self.staggered(noise: 1)
        var adoption = p.adoption
        adoption[0] = 1
        let bad = try TreatmentPanel(unitCount: 60, periods: p.periods, outcome: p.outcome, covariates: p.covariates,
                                     covariateNames: p.covariateNames, adoption: adoption)
        assertThrows(try CallawaySantAnna.estimate(panel: bad), as: TreatmentError.self) { e in
            XCTAssertTrue("\(e)".contains("treated from the first period"), "\(e)")
        }
    }
}
