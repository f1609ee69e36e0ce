import CitySystem
import Foundation
@testable import MonteCarlo
import TestSupport
import XCTest

/// Every scenario shipped in scenarios/ validates at its full size (every design cell built as
/// `run` builds it) and runs 20 replications of every cell, with the cities capped at 60 so the
/// suite stays fast (the release-size runs are in docs/design-results.md, not in tests).
final class ScenarioLibraryTests: XCTestCase {
    static let replications = 20
    static let maxCities = 60
    /// Above this many cities the full-size validation (dense N × N set-up, GBs at N = 10⁴) is
    /// `spillsim validate`'s job, not the suite's: such files (large-n.yaml) are checked shrunk.
    static let fullSizeLimit = 2000
    /// Staggered cohorts need about ten treated cities each for Callaway–Sant'Anna's logit not to separate.
    static let maxCitiesFor = ["psm-did-spillovers": 150]
    /// The designs of issue 12, each opening with a comment block that says what it is for.
    static let designs = ["inverted-u-recovery", "weights-stress", "digital-moderation", "psm-did-spillovers", "short-panel-lee-yu",
                          "dynamic-world", "dynamic-rho-check", "unbalanced", "unbalanced-did", "unbalanced-entry", "unbalanced-merges", "spatial-shocks",
                          "cluster-corrections", "dense-w-bias"]
    /// Estimators whose failures are the design's finding, not a broken scenario: balancing an
    /// unbalanced panel by dropping years (or cities) leaves nothing once every year has a gap, and
    /// the DID estimators that keep only the cities observed every year (R did) have none left.
    static let mayFail = ["unbalanced": ["drop_years", "drop_cities"], "unbalanced-entry": ["drop_years", "drop_cities"],
                          "unbalanced-merges": ["drop_years", "drop_cities"],
                          "unbalanced-did": ["psm_did", "cs_did"]]

    var libraryFiles: [URL] {
        let dir = TestPaths.repositoryRoot.appendingPathComponent("scenarios")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { dir.appendingPathComponent($0) }
    }

    func testDesignFilesOpenWithTheirQuestionDesignExpectationAndWhatToLookAt() throws {
        for name in Self.designs {
            let text = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("scenarios/\(name).yaml"), encoding: .utf8)
            let header = text.split(separator: "\n").prefix { $0.hasPrefix("#") }.joined(separator: "\n")
            for part in ["# QUESTION", "# DESIGN", "# EXPECTED", "# LOOK AT"] {
                XCTAssertTrue(header.contains(part), "\(name).yaml's opening comment block lacks \(part)")
            }
        }
    }

    func testBaselineLabelsItsReferenceAndPaperLikeCells() throws {
        let s = try MonteCarloScenario.load(path: TestPaths.repositoryRoot.appendingPathComponent("scenarios/baseline.yaml").path)
        let cells = try s.cells()
        let labels = cells.map(\.title)
        XCTAssertEqual(labels, ["paper-like: omitted city trend and policy", "reference: correctly specified (ρ̂ keeps QML's dense-W bias)"])
        XCTAssertEqual(cells.map(\.index), [0, 7], "both cells keep the random streams of the former filtered grid")
        let reference = try ScenarioParser.parse(cells[1].document).citySystem.treatment
        XCTAssertEqual(reference.zSlope, 0)
        XCTAssertEqual(reference.effect, 0)
    }

    /// The files with a design, each checked by its own test below, so that a failure names the file
    /// and XCTest times each file.
    static let designFiles = ["baseline", "cigarette-calibrated", "cluster-corrections", "dense-w-bias", "digital-moderation", "dynamic-rho-check", "dynamic-world", "integration-mechanism", "inverted-u-recovery", "large-n", "neg-equilibrium", "ols-check", "psm-did-spillovers", "sdm-specification", "short-panel-lee-yu", "sigma2-dof", "spatial-shocks", "unbalanced", "unbalanced-did", "unbalanced-entry", "unbalanced-merges", "weights-stress"]
    /// Files for the generator alone (no Monte Carlo sections): peer fixtures.
    static let generatorFiles = ["fixture-small"]

    func testEveryScenarioFileIsChecked() throws {
        let names = libraryFiles.map { $0.deletingPathExtension().lastPathComponent }
        for name in Self.designs + ["baseline"] {
            XCTAssertTrue(names.contains(name), "scenarios/\(name).yaml is missing")
        }
        for name in Self.designFiles { XCTAssertTrue(names.contains(name), "scenarios/\(name).yaml is listed but gone") }
        for name in Self.generatorFiles {
            let document = try ScenarioDocument.load(path: TestPaths.repositoryRoot.appendingPathComponent("scenarios/\(name).yaml").path)
            XCTAssertFalse(document.declaresDesign, "scenarios/\(name).yaml declares a design: move it to designFiles and give it a test")
        }
    }

    /// A file added without a test of its own (e.g. by a merge) is still checked, here; give it its
    /// own `testFile…` method and a place in `designFiles` to have it named and timed alone.
    func testScenarioFilesWithoutATestOfTheirOwn() throws {
        for file in libraryFiles {
            let name = file.deletingPathExtension().lastPathComponent
            guard !Self.designFiles.contains(name), !Self.generatorFiles.contains(name) else { continue }
            try check(name)
        }
    }

    func testFileBaseline() throws { try check("baseline") }
    func testFileCigaretteCalibrated() throws { try check("cigarette-calibrated") }
    func testFileClusterCorrections() throws { try check("cluster-corrections") }
    func testFileDenseWBias() throws { try check("dense-w-bias") }
    func testFileDigitalModeration() throws { try check("digital-moderation") }
    func testFileDynamicRhoCheck() throws { try check("dynamic-rho-check") }
    func testFileDynamicWorld() throws { try check("dynamic-world") }
    func testFileIntegrationMechanism() throws { try check("integration-mechanism") }
    func testFileInvertedURecovery() throws { try check("inverted-u-recovery") }
    func testFileLargeN() throws { try check("large-n") }
    func testFileNegEquilibrium() throws { try check("neg-equilibrium") }
    func testFileOlsCheck() throws { try check("ols-check") }
    func testFilePsmDidSpillovers() throws { try check("psm-did-spillovers") }
    func testFileSdmSpecification() throws { try check("sdm-specification") }
    func testFileShortPanelLeeYu() throws { try check("short-panel-lee-yu") }
    func testFileSigma2Dof() throws { try check("sigma2-dof") }
    func testFileSpatialShocks() throws { try check("spatial-shocks") }
    func testFileUnbalanced() throws { try check("unbalanced") }
    func testFileUnbalancedDid() throws { try check("unbalanced-did") }
    func testFileUnbalancedEntry() throws { try check("unbalanced-entry") }
    func testFileUnbalancedMerges() throws { try check("unbalanced-merges") }
    func testFileWeightsStress() throws { try check("weights-stress") }

    /// scenarios/`name`.yaml validates at its full size (every design cell built as `run` builds it)
    /// and runs 20 replications of every cell with at most `maxCities` cities.
    func check(_ name: String) throws {
        let file = TestPaths.repositoryRoot.appendingPathComponent("scenarios/\(name).yaml")
        let document = try ScenarioDocument.load(path: file.path)
        XCTAssertTrue(document.declaresDesign, "\(name).yaml has no Monte Carlo sections: list it in generatorFiles")
        let scenario = try MonteCarloScenario(document: document)
        let builder = ExperimentRegistry.builder(for: scenario)
        // Full size: what `spillsim validate` checks.
        let cells = try scenario.cells()
        let largest = try cells.map { c in
            c.document["city_system"] == nil ? 0 : try ScenarioParser.parse(c.document).citySystem.geography.cities
        }.max() ?? 0
        if largest <= Self.fullSizeLimit {
            if document.world != .knownDGP { _ = try ScenarioValidation.validate(ScenarioParser.parse(document)) }
            _ = try builder.makeExperiments(cells: cells, scenario: scenario)
        }
        // Small: 20 replications of every cell with at most 60 cities.
        let cap = Self.maxCitiesFor[name] ?? Self.maxCities
        for cell in cells {
            let small = try shrink(cell, to: cap)
            let experiment = try builder.makeExperiment(cell: small, scenario: scenario)
            var produced = [Int](repeating: 0, count: scenario.estimators.count)
            for r in 0..<Self.replications {
                let fits = experiment.replicate(ReplicationContext(seed: scenario.seed, cell: cell.index, replication: r))
                XCTAssertEqual(fits.count, scenario.estimators.count)
                for (k, fit) in fits.enumerated() where fit.results.contains(where: { $0.estimate.isFinite }) { produced[k] += 1 }
            }
            let excused = Self.mayFail[name] ?? []
            for (k, e) in scenario.estimators.enumerated() where !excused.contains(e.name) {
                // At 60 cities a few replications may not give an estimate (e.g. no match within the caliper);
                // most must, or the scenario is broken for this estimator.
                XCTAssertGreaterThanOrEqual(produced[k], Self.replications * 3 / 4,
                                            "\(file.lastPathComponent) cell \(cell.index) (\(cell.label)): \(e.name) gave an estimate in only \(produced[k]) of \(Self.replications) replications")
            }
        }
    }

    /// The cell with at most `cap` cities (and no more centres than a fifth of them).
    func shrink(_ cell: DesignCell, to cap: Int) throws -> DesignCell {
        // Known-DGP checks and observed designs (a real panel's N) are run as they are.
        guard cell.document["city_system"] != nil, cell.document.value(atKeyPath: "city_system.observed") == nil else { return cell }
        let spec = try ScenarioParser.parse(cell.document).citySystem
        guard spec.geography.cities > cap else { return cell }
        var doc = try cell.document.setting(.scalar("\(cap)"), atKeyPath: "city_system.geography.cities")
        if spec.geography.centres > cap / 5 {
            doc = try doc.setting(.scalar("\(cap / 5)"), atKeyPath: "city_system.geography.centres")
        }
        return DesignCell(index: cell.index, factors: cell.factors, document: doc, estimators: cell.estimators)
    }
}
