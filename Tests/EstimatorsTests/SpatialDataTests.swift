import Foundation
import XCTest
@testable import Estimators
import Numerics
import TestSupport

/// Reading W and panels: ids matched by value, and clear refusals.
final class SpatialDataTests: XCTestCase {
    let dense = "id,b,a,c\na,1,0,1\nb,0,1,1\nc,1,1,0\n"   // columns deliberately out of row order

    func table(_ s: String, _ name: String = "t.csv") throws -> DataTable { try DataTable.parse(csv: s, source: name) }

    func panelCSV(drop: Int? = nil, missing: Bool = false) -> String {
        var rows = ["id,year,y,x"]
        var k = 0
        for t in 1...3 {
            for id in ["c", "a", "b"] {
                defer { k += 1 }
                if k == drop { continue }
                let y = missing && k == 4 ? "NA" : "\(Double(k) * 0.7 + sin(Double(k)))"
                rows.append("\(id),\(2000 + t),\(y),\(cos(Double(k * k)))")
            }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    func testDenseWeightsMatchedByIdNotPosition() throws {
        let w = try WeightsTable.parse(try table(dense, "w.csv"))
        XCTAssertEqual(w.ids, ["a", "b", "c"])
        // Row a: b = 1, a = 0, c = 1 → in (a, b, c) order: 0, 1, 1.
        XCTAssertEqual(w.matrix.row(0), [0, 1, 1])
        XCTAssertEqual(w.matrix.row(1), [1, 0, 1])
        let reordered = try w.reordered(to: ["c", "a", "b"], source: "w.csv")
        XCTAssertEqual(reordered.row(0), [0, 1, 1])   // c's neighbours: a, b
    }

    func testEdgeListEqualsDense() throws {
        let edges = "from,to,weight\na,b,1\na,c,1\nb,a,1\nb,c,1\nc,a,1\nc,b,1\n"
        let e = try WeightsTable.parse(try table(edges, "e.csv"))
        let d = try WeightsTable.parse(try table("id,a,b,c\na,0,1,1\nb,1,0,1\nc,1,1,0\n"))
        XCTAssertEqual(e.ids, d.ids)
        XCTAssertEqual(e.matrix, d.matrix)
    }

    func testRefusals() throws {
        func refuses(_ body: () throws -> Void, _ needle: String, file: StaticString = #filePath, line: UInt = #line) {
            assertThrows(try body(), as: DataError.self, file: file, line: line) { err in
                XCTAssertTrue("\(err)".contains(needle), "message '\(err)' lacks '\(needle)'", file: file, line: line)
            }
        }
        refuses({ _ = try WeightsTable.parse(try self.table("id,a,b,c\na,0,1,1\nb,1,0,1\n")) }, "not square")
        refuses({ _ = try WeightsTable.parse(try self.table("id,a,b,c\na,0,1,1\nb,1,0,1\nc,0,0,0\n")) }, "islands: c")
        refuses({ _ = try WeightsTable.parse(try self.table("id,a,b\na,1,1\nb,1,0\n")) }, "own neighbour")
        refuses({ _ = try WeightsTable.parse(try self.table("from,to\na,b\n")) }, "edge list")
        let w = try WeightsTable.parse(try table(dense, "w.csv"))
        let build = { (csv: String, wt: WeightsTable) in
            _ = try SpatialDataLoader.build(table: try self.table(csv, "panel.csv"), weights: wt, weightsSource: "w.csv", id: "id",
                                            time: "year", y: "y", x: ["x"], quadratic: nil, moderator: nil, rowStandardise: true)
        }
        XCTAssertNoThrow(try build(panelCSV(), w))
        refuses({ try build(self.panelCSV(drop: 4), w) }, "unbalanced")
        refuses({ try build(self.panelCSV(missing: true), w) }, "missing value")
        let w4 = try WeightsTable.parse(try table("id,a,b,c,d\na,0,1,1,0\nb,1,0,1,0\nc,1,1,0,1\nd,0,0,1,0\n"))
        refuses({ try build(self.panelCSV(), w4) }, "'d' that does not appear")
        let w2 = try WeightsTable.parse(try table("id,a,b\na,0,1\nb,1,0\n"))
        refuses({ try build(self.panelCSV(), w2) }, "ids of the panel not in W: c")
    }

    func testQuadraticTermsConstructed() throws {
        let w = try WeightsTable.parse(try table(dense, "w.csv"))
        let ds = try SpatialDataLoader.build(table: try table(panelCSV()), weights: w, weightsSource: "w.csv", id: "id", time: "year",
                                             y: "y", x: ["x"], quadratic: "x", moderator: "y", rowStandardise: true)
        XCTAssertEqual(ds.panel.names, ["x", "x^2", "y", "x:y"])
        for r in 0..<9 {
            assertClose(ds.panel.x[r, 0] * ds.panel.x[r, 0], ds.panel.x[r, 1], tolerance: 1e-15, "square built from the column")
            assertClose(ds.panel.x[r, 0] * ds.panel.x[r, 2], ds.panel.x[r, 3], tolerance: 1e-15, "interaction")
        }
        XCTAssertEqual(ds.units, ["a", "b", "c"], "panel units follow W's id order")
    }
}

final class SpatialSpecErrorTests: XCTestCase {
    /// A time-invariant regressor vanishes under individual effects; a duplicated one is collinear.
    func testConstantAndCollinearRegressorsNamed() throws {
        let w = try SpatialTestData.ringWeights(10)
        let p = try SpatialTestData.simulatedSDM(weights: w, t: 3, rho: 0.2, beta: [1], theta: [0])
        let unit = (0..<30).map { Double($0 % 10) }
        let constant = try SpatialPanel(y: p.y, x: try Matrix(columns: [p.x.column(0), unit]), names: ["x1", "size"], n: 10, t: 3)
        assertThrows(try SpatialEstimator.fit(SpatialModelSpec(effects: .individual), panel: constant, weights: w), as: EstimationError.self) {
            XCTAssertTrue("\($0)".contains("'size' is constant"), "\($0)")
        }
        let twice = try SpatialPanel(y: p.y, x: try Matrix(columns: [p.x.column(0), p.x.column(0).map { 2 * $0 }]),
                                     names: ["x1", "x1b"], n: 10, t: 3)
        assertThrows(try SpatialEstimator.fit(SpatialModelSpec(model: .sar), panel: twice, weights: w), as: EstimationError.self) {
            XCTAssertTrue("\($0)".contains("'x1b' is collinear"), "\($0)")
        }
    }
}

final class SpatialBoundaryTests: XCTestCase {
    /// y = the eigenvector of W for ω_min makes e'e(ρ) → 0, so ln L_c(ρ) = −(N − 1) ln|1 − ρω_min| + …
    /// rises without bound as ρ → 1/ω_min: the fit must come back flagged, at the lower end, not
    /// thrown away. Near the bound e'e is rounding noise whose sign differs between BLAS kernels
    /// (ω_min itself is −1 on some, −1 + 4e-16 on others); the estimator holds e'e at its rounding
    /// floor, so every kernel sees a finite objective falling towards the bound and reports
    /// `.boundary` (before that floor, GSL refused the non-finite objective on some kernels).
    func testBoundarySolutionIsReported() throws {
        let w = try SpatialTestData.ringWeights(12)
        let f = try XCTUnwrap(w.spectrum!.symmetricForm)
        let y = (0..<12).map { f.invSqrtR[$0] * f.vectors[$0, 0] }
        let rs = RandomStream(seed: 3, purpose: 9)
        let panel = try SpatialPanel(y: y, x: try Matrix(columns: [rs.normals(12)]), names: ["x"], n: 12, t: 1)
        let fit = try SpatialEstimator.fit(SpatialModelSpec(model: .sar, effects: .none), panel: panel, weights: w)
        XCTAssertFalse(fit.converged)
        XCTAssertEqual(fit.termination, .boundary, fit.reason)
        let (lo, hi) = w.stableInterval
        XCTAssertLessThan(fit.rho!, lo + 0.01 * (hi - lo), "optimum at the lower end, 1/ω_min")
    }

    /// A likelihood whose maximum is interior but closer to the bound than Brent's tolerance
    /// is certified by the Newton step and reported as converged, not as a boundary solution.
    func testInteriorOptimumNearTheBoundIsConverged() throws {
        let w = try SpatialTestData.ringWeights(12)
        let (lo, hi) = w.stableInterval
        let objective: (Double) -> Double = { r in let u = r - (hi - 5e-7); return u * u }
        let m = SpatialEstimator.search(objective, lower: lo, upper: hi)
        let (x, _, termination, _) = SpatialEstimator.certify(m, lower: lo, upper: hi) { r in (-2 * (r - (hi - 5e-7)), -2) }
        XCTAssertEqual(termination, .converged)
        assertClose(hi - 5e-7, x, tolerance: 1e-12, "one exact Newton step on a quadratic")
    }
}
