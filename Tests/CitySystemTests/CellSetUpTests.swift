@testable import CitySystem
import Numerics
import TestSupport
import XCTest

/// Cells share a set-up (map, W, spectra, filters) only when its inputs are the same bits, and a cell on
/// a shared set-up generates the same panels as on its own.
final class CellSetUpTests: XCTestCase {
    private func spec() -> CitySystemSpec {
        var s = Small.spec()
        s.estimatorWeights = [WeightSpec(name: "true"), Self.knn(5)]
        return s
    }

    private static func knn(_ k: Int) -> WeightSpec {
        var w = WeightSpec(name: "knn")
        w.kind = .knn
        w.k = k
        w.path = "city_system.estimator_weights[1]"
        return w
    }

    func testCellsDifferingOnlyInTreatmentShareTheSetUpAndGenerateTheSamePanels() throws {
        let base = spec()
        var other = base
        other.treatment.zSlope = 0
        other.treatment.effect = 0
        let a = try CitySystemCell(spec: base, seed: 7, cell: 0, source: "t")
        let b = try CitySystemCell(spec: other, seed: 7, cell: 7, source: "t")
        XCTAssertTrue(a.setUp === b.setUp, "the second cell reuses the first's set-up")
        // The same cell on a set-up of its own: the same panel, truth and W, bit for bit.
        let alone = try CitySystemCell(spec: other, seed: 7, cell: 7, source: "t",
                                       setUp: CellSetUp(CellSetUp.Inputs(other, seed: 7, source: "t")))
        XCTAssertFalse(alone.setUp === b.setUp)
        for r in [0, 3] {
            let shared = try b.generate(replication: r), own = try alone.generate(replication: r)
            XCTAssertEqual(PanelCSV.panel(shared), PanelCSV.panel(own))
            XCTAssertEqual(try shared.truth.jsonData(), try own.truth.jsonData())
            XCTAssertEqual(PanelCSV.weights(shared.estimatorWeights["knn"]!, ids: shared.cityIds),
                           PanelCSV.weights(own.estimatorWeights["knn"]!, ids: own.cityIds))
        }
        XCTAssertEqual(try b.weightReports().map(\.omegaMin), try alone.weightReports().map(\.omegaMin))
    }

    func testACellWhoseInputsDifferIsNotShared() throws {
        let base = spec()
        let a = try CitySystemCell(spec: base, seed: 7, source: "t")
        var knn4 = base
        knn4.estimatorWeights[1] = Self.knn(4)
        var decay = base
        decay.weights.decayKm = 149
        var rho = base
        rho.outcome.rho = 0.31
        for (what, s, seed) in [("an estimator W", knn4, UInt64(7)), ("the true W", decay, 7), ("the outcome’s ρ", rho, 7),
                                ("the seed", base, 8)] {
            let b = try CitySystemCell(spec: s, seed: seed, source: "t")
            XCTAssertFalse(a.setUp === b.setUp, "a cell with another \(what) has its own set-up")
        }
        let knnCell = try CitySystemCell(spec: knn4, seed: 7, source: "t")
        XCTAssertNotEqual(knnCell.fixedEstimatorWeights["knn"]!.matrix.data, a.fixedEstimatorWeights["knn"]!.matrix.data)
    }

    /// −0 and 0 are equal as Doubles but different inputs: a set-up is shared only on the same bits.
    func testSharingIsByBitsNotByEquality() throws {
        var zero = spec()
        zero.sizes.distanceGradient = 0
        var negativeZero = zero
        negativeZero.sizes.distanceGradient = -0.0
        let a = try CitySystemCell(spec: zero, seed: 7, source: "t")
        let b = try CitySystemCell(spec: negativeZero, seed: 7, source: "t")
        XCTAssertFalse(a.setUp === b.setUp)
        XCTAssertNotEqual(ContentKey.of(zero.sizes), ContentKey.of(negativeZero.sizes))
        XCTAssertEqual(ContentKey.of(zero.sizes), ContentKey.of(zero.sizes))
        var named = zero.geography
        named.file = "a.csv"
        XCTAssertNotEqual(ContentKey.of(zero.geography), ContentKey.of(named), "nil and a value differ")
        var lonLat = named
        lonLat.units = "lonlat"
        XCTAssertNotEqual(ContentKey.of(named), ContentKey.of(lonLat))
        var delaunay = Self.knn(5)
        delaunay.kind = .delaunay
        XCTAssertNotEqual(ContentKey.of(Self.knn(5)), ContentKey.of(delaunay), "enum cases differ")
        XCTAssertNotEqual(ContentKey.of(Double.nan), ContentKey.of(-Double.nan))
    }

    /// A set-up that fails is not kept: every cell of it throws the same error.
    func testAFailingSetUpThrowsInEveryCell() throws {
        var s = spec()
        s.treatment.regions = [9]
        for cell in [0, 1] {
            XCTAssertThrowsError(try CitySystemCell(spec: s, seed: 7, cell: cell, source: "t")) { error in
                XCTAssertEqual((error as? ScenarioError)?.path, "city_system.treatment.regions.0")
            }
        }
    }
}
