import Foundation
import XCTest
@testable import Estimators
import Numerics
import TestSupport

/// Merging cities in a user's panel (issue 24): the merged city is a new unit whose W row and
/// column are the sums of its parts'; fitted by the unbalanced estimator and checked against
/// an independent brute force (scripts/fixtures/make_cigarette_merges.py).
final class UnbalancedMergesTests: XCTestCase {
    func fixture(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Fixtures") else {
            throw TestSetupError("fixture \(name).csv is missing from Tests/EstimatorsTests/Fixtures")
        }
        return url
    }

    var weights: URL { TestPaths.cigarette.appendingPathComponent("usa46_contiguity.csv") }

    func load(merges: CityMerges?, data: URL? = nil, restandardise: Bool = true) throws -> LoadedPanel {
        try UnbalancedDataLoader.load(data: data ?? fixture("cigarette_merges_panel"), weights: weights, id: "state", time: "year",
                                      y: "logc", x: ["logp", "logy"], restandardise: restandardise, merges: merges)
    }

    /// Two merges (10 + 11 → new unit "10+11" from 1980; 40 absorbed by 7 from 1984) on the
    /// cigarette panel with 99 removed state-years: ρ, β, θ, σ², log-likelihood and the
    /// effects equal the brute force (per-year W from P_t C P_tᵀ, explicit dummies) to 1e-6.
    func testMergedPanelMatchesBruteForce() throws {
        let ref = try XCTUnwrap(try loadSpatialFixture("cigarette_merges_reference")["restandardised"] as? [String: Any])
        let merges = try CityMerges.read(csv: fixture("cigarette_merges"))
        XCTAssertEqual(merges.merges.map(\.unitID), ["10+11", "7 (merged 84)"])
        guard case .unbalanced(let data) = try load(merges: merges) else { return XCTFail("a merged panel is unbalanced") }
        XCTAssertEqual(data.units.count, ref["units"] as? Int)
        // 48 units × 30 years less the parts after and the merged units before their years.
        XCTAssertEqual(data.cityYears, 48 * 30 - (2 * 13 + 17) - (2 * 9 + 21))
        let u = try UnbalancedEstimator.fit(SpatialModelSpec(model: .sdm, effects: .twoWays, approach: .direct),
                                            panel: data.panel, weights: data.weights)
        XCTAssertTrue(u.fit.converged, u.fit.reason)
        XCTAssertEqual(u.pattern.rowsUsed, ref["n_obs"] as? Int)
        XCTAssertEqual(u.pattern.distinctWeights, ref["distinct_W"] as? Int)
        XCTAssertEqual(u.pattern.isolatedCityYears, ref["isolated_state_years"] as? Int)
        // The brute force resolves ρ to ~1e-9 (Newton on differences of a flat objective): 1e-6 is the bound.
        assertClose(ref["rho"] as! Double, u.fit.rho!, tolerance: 1e-6, "rho; brute force")
        for (name, value) in ref["coefficients"] as! [String: Double] {
            assertClose(value, u.fit.coefficients[u.fit.index(of: name)!], tolerance: 1e-6, name)
        }
        let s2 = ref["sigma2"] as! Double
        assertClose(s2, u.fit.sigma2, tolerance: 1e-6 * s2, "sigma2")
        assertClose(ref["loglik"] as! Double, u.fit.logLikelihood, tolerance: 1e-6, "loglik")
        let effects = ref["effects"] as! [String: [String: Double]]
        for imp in try SpatialImpacts.delta(u.fit, kernel: try data.weights.effectKernel()) {
            for kind in EffectKind.allCases {
                assertClose(effects[imp.variable]![kind.rawValue]!, imp.value(kind).estimate, tolerance: 1e-6,
                            "\(imp.variable) \(kind); dense inverses per year")
            }
        }
    }

    /// The extended W: the merged city's row and column are the sums of its parts', the link
    /// between the parts is dropped, and a common neighbour's weight doubles.
    func testExtendedWeightsAggregateTheParts() throws {
        // 0 – 1 – 2 – 3 on a line, 1 and 2 merge into "m".
        let w = try SparseMatrix(rows: 4, cols: 4, triplets: [(0, 1, 1), (1, 0, 1), (1, 2, 1), (2, 1, 1), (2, 3, 1), (3, 2, 1), (0, 2, 1), (2, 0, 1)])
        let merges = CityMerges([.init(parts: ["b", "c"], into: "m", year: 2)])
        let e = try merges.extend(w, ids: ["a", "b", "c", "d"]).dense()
        XCTAssertEqual(e.rows, 5)
        XCTAssertEqual(e[4, 0], 2)   // a neighbours both parts
        XCTAssertEqual(e[0, 4], 2)
        XCTAssertEqual(e[4, 3], 1)
        XCTAssertEqual(e[3, 4], 1)
        XCTAssertEqual(e[4, 4], 0)   // the parts' mutual link disappears
        XCTAssertEqual(e[4, 1], 0)
        XCTAssertEqual(e[1, 4], 0)
        for i in 0..<4 { for j in 0..<4 { XCTAssertEqual(e[i, j], w.dense()[i, j]) } }
    }

    /// Inconsistent merges or data are typed errors naming the file, never a silent fit.
    func testBadMergesAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("merges-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ text: String) throws -> CityMerges {
            let url = dir.appendingPathComponent("m\(UUID()).csv")
            try text.write(to: url, atomically: true, encoding: .utf8)
            return try CityMerges.read(csv: url)
        }
        assertThrows(try file("city,into,year\n10,x,80\n"), as: DataError.self)              // one part
        assertThrows(try file("city,into,year\n10,x,80\n11,x,81\n"), as: DataError.self)      // two years
        assertThrows(try file("city,into,year\n10,x,80\n10,y,81\n11,y,81\n"), as: DataError.self) // merges twice
        assertThrows(try file("state,into,year\n10,x,80\n11,x,80\n"), as: DataError.self)     // header
        // A part of the merge with rows after the merge year (the panel was not prepared).
        assertThrows(try load(merges: try file("city,into,year\n3,3+4,80\n4,3+4,80\n")), as: DataError.self)
        // The merged city's id already in W and not a part.
        assertThrows(try load(merges: try file("city,into,year\n10,5,80\n11,5,80\n")), as: DataError.self)
        // A part that W does not have.
        assertThrows(try load(merges: try file("city,into,year\n10,99,80\n2,99,80\n")), as: DataError.self)
        // Not re-standardised W_t would mix two geographies' row sums.
        let good = try CityMerges.read(csv: fixture("cigarette_merges"))
        assertThrows(try load(merges: good, restandardise: false), as: DataError.self)
        // The merged panel without its merges file: ids unknown to W.
        assertThrows(try load(merges: nil), as: DataError.self)
    }
}
